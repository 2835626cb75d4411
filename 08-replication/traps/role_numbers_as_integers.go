//go:build ignore

// Exercise 1: answering a replica's port and offset as integers in a master's ROLE, where Redis sends
// them as bulk strings

package main

func role(c *client, args [][]byte) {
	s := c.server
	if m := s.currentMaster(); m != nil {
		c.writer.Array(5)
		c.writer.BulkString("slave")
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
		c.writer.Integer(int64(link.port))
		c.writer.Integer(link.ackOffset)
	}
}
