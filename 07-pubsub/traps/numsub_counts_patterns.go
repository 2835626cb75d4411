//go:build ignore

// Exercise 1: counting the pattern subscriptions that match a channel as its subscribers,
// where NUMSUB counts only the channel's own.

package main

import "byoredis/shared/glob"

func pubsubNumsub(c *client, args [][]byte) {
	p := c.server.pubsub
	p.mu.RLock()
	defer p.mu.RUnlock()
	c.writer.Array(2 * (len(args) - 2))
	for _, channel := range args[2:] {
		n := len(p.channels[string(channel)])
		for _, ps := range p.patterns {
			if glob.Match(ps.pattern, string(channel), false) {
				n += len(ps.clients)
			}
		}
		c.writer.Bulk(channel)
		c.writer.Integer(int64(n))
	}
}
