//go:build ignore

// Exercise 1: leaving out the channels nobody is subscribed to, where Redis answers every
// channel asked about, with 0.

package main

func pubsubNumsub(c *client, args [][]byte) {
	p := c.server.pubsub
	p.mu.RLock()
	defer p.mu.RUnlock()
	var known [][]byte
	for _, channel := range args[2:] {
		if len(p.channels[string(channel)]) > 0 {
			known = append(known, channel)
		}
	}
	c.writer.Array(2 * len(known))
	for _, channel := range known {
		c.writer.Bulk(channel)
		c.writer.Integer(int64(len(p.channels[string(channel)])))
	}
}
