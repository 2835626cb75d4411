//go:build !solution

// This file holds the exercises of EXERCISES.md, each a stub for you to replace. Run
// `make check STEP=08` to see which pass.

package main

// ROLE: this server's place in replication, in Redis's shape. Exercise 1.
func role(c *client, args [][]byte) {
	c.writer.Error("ERR not implemented yet: ROLE (exercise 1)")
}

// backlogHas reports whether a replica asking for the stream from offset from (PSYNC's
// second argument) can be served from the backlog. Exercise 2: until then, every replica
// that reconnects gets a full resync.
func (r *replication) backlogHas(from int64) bool {
	return false
}

// promote is called, with r locked, when REPLICAOF NO ONE makes this replica a master.
// Exercise 3: keep what PSYNC2 needs so that its old master's other replicas can follow it
// without a full resync.
func (r *replication) promote() {}
