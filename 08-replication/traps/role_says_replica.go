//go:build ignore

// Exercise 1: calling a replica "replica" in ROLE, where Redis still says "slave"

package main

import "strconv"

func role(c *client, args [][]byte) {
	s := c.server
	if m := s.currentMaster(); m != nil {
		c.writer.Array(5)
		c.writer.BulkString("replica")
		c.writer.BulkString(m.host)
		c.writer.Integer(int64(m.port))
		c.writer.BulkString(m.linkState())
		c.writer.Integer(m.offsetNow())
		return
	}
	r := s.repl
	r.mu.Lock()
	defer r.mu.Unlock()
	c.writer.Array(3)
	c.writer.BulkString("master")
	c.writer.Integer(r.offset)
	c.writer.Array(len(r.replicas))
	for _, link := range r.replicas {
		c.writer.Array(3)
		c.writer.BulkString(link.addr)
		c.writer.BulkString(strconv.Itoa(link.port))
		c.writer.BulkString(strconv.FormatInt(link.ackOffset, 10))
	}
}
