//go:build solution

// Reference solutions to EXERCISES.md, built only with `-tags solution`. Try the exercises
// before you read them.

package main

import "strings"

// PUBSUB NUMSUB counts a channel's own subscribers: a pattern that would match it is no
// subscription to it, and a channel nobody listens to is answered with 0.
func pubsubNumsub(c *client, args [][]byte) {
	p := c.server.pubsub
	p.mu.RLock()
	defer p.mu.RUnlock()
	c.writer.Array(2 * (len(args) - 2))
	for _, channel := range args[2:] {
		c.writer.Bulk(channel)
		c.writer.Integer(int64(len(p.channels[string(channel)])))
	}
}

// notify.c's keyspaceEventsFlagsToString: A stands for all its classes, and then n is not
// written either (it is in A's branch); K, E and m follow, whatever came first.
func formatKeyspaceEvents(flags int32) string {
	var b strings.Builder
	if flags&notifyAll == notifyAll {
		b.WriteByte('A')
	} else {
		for _, class := range []struct {
			letter byte
			flag   int32
		}{{'g', notifyGeneric}, {'$', notifyString}, {'l', notifyList}, {'s', notifySet}, {'h', notifyHash},
			{'z', notifyZset}, {'x', notifyExpired}, {'e', notifyEvicted}, {'t', notifyStream}, {'d', notifyModule}, {'n', notifyNew}} {
			if flags&class.flag != 0 {
				b.WriteByte(class.letter)
			}
		}
	}
	for _, class := range []struct {
		letter byte
		flag   int32
	}{{'K', notifyKeyspace}, {'E', notifyKeyevent}, {'m', notifyKeyMiss}} {
		if flags&class.flag != 0 {
			b.WriteByte(class.letter)
		}
	}
	return b.String()
}

// RESET is Redis's clearClientConnectionState: every subscription goes without a reply, the
// protocol goes back to RESP2, and the name is cleared.
func reset(c *client, args [][]byte) {
	c.leavePubsub()
	c.writer.SetProtocol(2)
	c.resp3.Store(false)
	c.name = ""
	c.writer.SimpleString("RESET")
}
