//go:build !solution

// This file holds the exercises of EXERCISES.md, each a stub for you to replace. Run
// `make check STEP=07` to see which pass.

package main

// PUBSUB NUMSUB [channel ...]: each channel named, and how many clients are subscribed to
// it. Exercise 1.
func pubsubNumsub(c *client, args [][]byte) {
	c.writer.Error("ERR not implemented yet: PUBSUB NUMSUB (exercise 1)")
}

// formatKeyspaceEvents is what CONFIG GET notify-keyspace-events shows for the classes in
// flags: Redis's letters, in Redis's order. Exercise 2.
func formatKeyspaceEvents(flags int32) string {
	return "not implemented yet (exercise 2)"
}

// RESET: the connection as it was when it opened. Exercise 3.
func reset(c *client, args [][]byte) {
	c.writer.Error("ERR not implemented yet: RESET (exercise 3)")
}
