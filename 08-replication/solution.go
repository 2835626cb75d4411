//go:build solution

// Reference solutions to EXERCISES.md, built only with `-tags solution`. Try the exercises
// before you read them.

package main

import "strconv"

// ROLE, as roleCommand in replication.c answers it: on a master, its offset and each
// replica's address and acknowledged offset, the numbers of those as bulk strings; on a
// replica, "slave" (Redis's word), its master, the link's state and its offset.
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
		c.writer.BulkString(strconv.Itoa(link.port))
		c.writer.BulkString(strconv.FormatInt(link.ackOffset, 10))
	}
}

// A replica asks for the stream from the byte after the last one it has: its offset + 1.
// The backlog holds the bytes from backlogFirst to offset, so it can serve from backlogFirst
// up to offset + 1, which is a replica that missed nothing at all.
func (r *replication) backlogHas(from int64) bool {
	return from >= r.backlogFirst && from <= r.offset+1
}

// A promoted replica starts a history of its own, and remembers the one it followed up to
// the first byte it will not share with it: replicas of the old master that ask for the old
// history up to there are continued (Redis's shiftReplicationId).
func (r *replication) promote() {
	r.replID2, r.secondOffset = r.replID, r.offset+1
	r.replID = newReplID()
}
