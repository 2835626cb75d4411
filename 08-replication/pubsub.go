package main

import (
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"byoredis/shared/glob"
)

// pubsub is who listens to what: for each channel, its subscribers; for each pattern, the
// clients subscribed to it. Redis keeps the same two tables (server.pubsub_channels and
// server.pubsub_patterns, src/pubsub.c), and every client keeps its own side of them.
//
// A message is delivered by the publisher's goroutine straight into each subscriber's output
// buffer (output.push), which never waits: a subscriber that does not read slows down neither
// the publisher nor the other subscribers, and is disconnected once its buffer passes
// client-output-buffer-limit pubsub.
type pubsub struct {
	mu       sync.RWMutex          // guards channels and patterns
	channels map[string][]*client  // in the order they subscribed
	patterns []*patternSubscribers // in the order first subscribed: PUBLISH tries them in turn
}

type patternSubscribers struct {
	pattern string
	clients []*client
}

func newPubsub() *pubsub {
	return &pubsub{channels: map[string][]*client{}}
}

// subscriptions is a client's side: its channels and patterns. Only the client's own
// goroutine changes them, holding pubsub.mu as well, so that PUBLISH sees both sides agree.
type subscriptions struct {
	channels map[string]struct{}
	patterns []string // a list, as in Redis: PUNSUBSCRIBE with no argument goes in this order
}

// count is what every (un)subscribe reply ends with: channels and patterns together.
func (s *subscriptions) count() int { return len(s.channels) + len(s.patterns) }

// publish sends message to every client subscribed to channel or to a pattern that matches
// it, and returns how many deliveries that made (a client with a channel and two matching
// patterns counts three times, as in Redis). after is the append-only file's offset the
// message depends on: 0 for PUBLISH, the write's own for a keyspace event.
func (p *pubsub) publish(channel, message []byte, after int64) int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	var encoded [2][]byte // the message as RESP2 and as RESP3 sees it, made once
	deliveries := 0
	for _, c := range p.channels[string(channel)] {
		c.output.push(pushFrame(&encoded, c.resp3.Load(), "message", nil, channel, message), after)
		deliveries++
	}
	for _, ps := range p.patterns {
		if !glob.Match(ps.pattern, string(channel), false) {
			continue
		}
		var patternEncoded [2][]byte
		for _, c := range ps.clients {
			c.output.push(pushFrame(&patternEncoded, c.resp3.Load(), "pmessage", []byte(ps.pattern), channel, message), after)
			deliveries++
		}
	}
	return deliveries
}

// pushFrame encodes a message as Redis sends it: "*3\r\n$7\r\nmessage\r\n..." in RESP2, the
// same as a push frame (">3") in RESP3. pmessage carries the pattern before the channel.
func pushFrame(cache *[2][]byte, resp3 bool, kind string, pattern, channel, message []byte) []byte {
	i, header := 0, byte('*')
	if resp3 {
		i, header = 1, '>'
	}
	if cache[i] != nil {
		return cache[i]
	}
	parts := [][]byte{[]byte(kind), channel, message}
	if pattern != nil {
		parts = [][]byte{[]byte(kind), pattern, channel, message}
	}
	frame := append([]byte{header}, strconv.Itoa(len(parts))...)
	frame = append(frame, "\r\n"...)
	for _, part := range parts {
		frame = append(frame, '$')
		frame = strconv.AppendInt(frame, int64(len(part)), 10)
		frame = append(frame, "\r\n"...)
		frame = append(frame, part...)
		frame = append(frame, "\r\n"...)
	}
	cache[i] = frame
	return frame
}

// SUBSCRIBE channel [channel ...]: one reply per channel, with the client's count of
// subscriptions after it.
func subscribe(c *client, args [][]byte) {
	p := c.server.pubsub
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, arg := range args[1:] {
		channel := string(arg)
		if _, ok := c.subscribed.channels[channel]; !ok {
			if c.subscribed.channels == nil {
				c.subscribed.channels = map[string]struct{}{}
			}
			c.subscribed.channels[channel] = struct{}{}
			p.channels[channel] = append(p.channels[channel], c)
		}
		c.subscriptionReply("subscribe", arg)
	}
}

// UNSUBSCRIBE [channel ...]: from the channels named, or from all of them. With none to
// leave, Redis still answers once, with a null channel.
func unsubscribe(c *client, args [][]byte) {
	p := c.server.pubsub
	p.mu.Lock()
	defer p.mu.Unlock()
	channels := args[1:]
	if len(channels) == 0 {
		// Redis walks its own hash table; sorted is as good an order, and a stable one.
		for _, channel := range slices.Sorted(maps.Keys(c.subscribed.channels)) {
			channels = append(channels, []byte(channel))
		}
		if len(channels) == 0 {
			c.subscriptionReply("unsubscribe", nil)
			return
		}
	}
	for _, arg := range channels {
		if _, ok := c.subscribed.channels[string(arg)]; ok {
			delete(c.subscribed.channels, string(arg))
			p.dropChannel(c, string(arg))
		}
		c.subscriptionReply("unsubscribe", arg)
	}
}

// PSUBSCRIBE pattern [pattern ...]
func psubscribe(c *client, args [][]byte) {
	p := c.server.pubsub
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, arg := range args[1:] {
		pattern := string(arg)
		if !slices.Contains(c.subscribed.patterns, pattern) {
			c.subscribed.patterns = append(c.subscribed.patterns, pattern)
			i := slices.IndexFunc(p.patterns, func(ps *patternSubscribers) bool { return ps.pattern == pattern })
			if i < 0 {
				p.patterns = append(p.patterns, &patternSubscribers{pattern: pattern})
				i = len(p.patterns) - 1
			}
			p.patterns[i].clients = append(p.patterns[i].clients, c)
		}
		c.subscriptionReply("psubscribe", arg)
	}
}

// PUNSUBSCRIBE [pattern ...]
func punsubscribe(c *client, args [][]byte) {
	p := c.server.pubsub
	p.mu.Lock()
	defer p.mu.Unlock()
	patterns := args[1:]
	if len(patterns) == 0 {
		for _, pattern := range c.subscribed.patterns {
			patterns = append(patterns, []byte(pattern))
		}
		if len(patterns) == 0 {
			c.subscriptionReply("punsubscribe", nil)
			return
		}
	}
	for _, arg := range patterns {
		if i := slices.Index(c.subscribed.patterns, string(arg)); i >= 0 {
			c.subscribed.patterns = slices.Delete(c.subscribed.patterns, i, i+1)
			p.dropPattern(c, string(arg))
		}
		c.subscriptionReply("punsubscribe", arg)
	}
}

// subscriptionReply is the reply to (un)subscribing from one channel or pattern: its kind,
// the name (null when there was nothing to leave) and the client's count after it. The
// count also decides the client's mode: with subscriptions, a RESP2 client may only
// subscribe, unsubscribe, PING, QUIT and RESET, and its output buffer is a pubsub client's.
func (c *client) subscriptionReply(kind string, name []byte) {
	count := c.subscribed.count()
	c.subscriptionCount.Store(int32(count))
	c.writer.Push(3)
	c.writer.BulkString(kind)
	if name == nil {
		c.writer.Null()
	} else {
		c.writer.Bulk(name)
	}
	c.writer.Integer(int64(count))
}

// leavePubsub drops every subscription of a client that is leaving (or RESET), without a
// reply.
func (c *client) leavePubsub() {
	p := c.server.pubsub
	p.mu.Lock()
	defer p.mu.Unlock()
	for channel := range c.subscribed.channels {
		p.dropChannel(c, channel)
	}
	for _, pattern := range c.subscribed.patterns {
		p.dropPattern(c, pattern)
	}
	c.subscribed = subscriptions{}
	c.subscriptionCount.Store(0)
}

// PUBLISH channel message: how many deliveries it made.
func publish(c *client, args [][]byte) {
	c.writer.Integer(int64(c.server.pubsub.publish(args[1], args[2], 0)))
}

// PUBSUB CHANNELS [pattern]: the channels that have subscribers (patterns are not channels).
func pubsubChannels(c *client, args [][]byte) {
	if len(args) > 3 {
		c.writer.Error(subcommandSyntaxError(args))
		return
	}
	p := c.server.pubsub
	p.mu.RLock()
	var channels []string
	for channel := range p.channels {
		if len(args) == 2 || glob.Match(string(args[2]), channel, false) {
			channels = append(channels, channel)
		}
	}
	p.mu.RUnlock()
	sort.Strings(channels)
	c.writer.Array(len(channels))
	for _, channel := range channels {
		c.writer.BulkString(channel)
	}
}

// PUBSUB NUMPAT: how many patterns have subscribers.
func pubsubNumpat(c *client, args [][]byte) {
	p := c.server.pubsub
	p.mu.RLock()
	defer p.mu.RUnlock()
	c.writer.Integer(int64(len(p.patterns)))
}

// PUBSUB SHARDCHANNELS [pattern] and SHARDNUMSUB [channel ...]: this server has no sharded
// channels (SSUBSCRIBE belongs to Redis Cluster), so none are listed and none has
// subscribers; the replies have Redis's shapes.
func pubsubShardChannels(c *client, args [][]byte) {
	if len(args) > 3 {
		c.writer.Error(subcommandSyntaxError(args))
		return
	}
	c.writer.Array(0)
}

func pubsubShardNumsub(c *client, args [][]byte) {
	c.writer.Array(2 * (len(args) - 2))
	for _, channel := range args[2:] {
		c.writer.Bulk(channel)
		c.writer.Integer(0)
	}
}

// PUBSUB HELP
func pubsubHelp(c *client, args [][]byte) {
	help(c, args,
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)")
}

// help answers a container's HELP as Redis's addReplyHelp does: a header, the lines given,
// and HELP's own two, each a simple string.
func help(c *client, args [][]byte, lines ...string) {
	c.writer.Array(len(lines) + 3)
	c.writer.SimpleString(strings.ToUpper(string(args[0])) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, line := range lines {
		c.writer.SimpleString(line)
	}
	c.writer.SimpleString("HELP")
	c.writer.SimpleString("    Print this help.")
}

// subcommandSyntaxError is Redis's addReplySubcommandSyntaxError.
func subcommandSyntaxError(args [][]byte) string {
	return "ERR unknown subcommand or wrong number of arguments for '" + truncate(string(args[1]), 128) +
		"'. Try " + strings.ToUpper(string(args[0])) + " HELP."
}

// dropChannel takes c off a channel's list of subscribers, and the channel off the table
// when nobody is left: no empty lists pile up, and PUBSUB CHANNELS lists what has
// subscribers.
func (p *pubsub) dropChannel(c *client, channel string) {
	p.channels[channel] = remove(p.channels[channel], c)
	if len(p.channels[channel]) == 0 {
		delete(p.channels, channel)
	}
}

// dropPattern does the same for a pattern.
func (p *pubsub) dropPattern(c *client, pattern string) {
	i := slices.IndexFunc(p.patterns, func(ps *patternSubscribers) bool { return ps.pattern == pattern })
	p.patterns[i].clients = remove(p.patterns[i].clients, c)
	if len(p.patterns[i].clients) == 0 {
		p.patterns = slices.Delete(p.patterns, i, i+1)
	}
}

// remove returns clients without c, keeping the order.
func remove(clients []*client, c *client) []*client {
	if i := slices.Index(clients, c); i >= 0 {
		clients = slices.Delete(clients, i, i+1)
	}
	return clients
}

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
