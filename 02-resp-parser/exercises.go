//go:build !solution

// This file holds the exercises of EXERCISES.md, each a stub for you to replace. Run
// `make check STEP=02` to see which pass.

package main

// SELECT index. Exercise 1.
func selectDB(c *client, args [][]byte) {
	c.writer.Error("ERR not implemented yet: SELECT (exercise 1)")
}

// TIME. Exercise 2.
func timeCommand(c *client, args [][]byte) {
	c.writer.Error("ERR not implemented yet: TIME (exercise 2)")
}

// COMMAND COUNT. Exercise 3.
func commandCommand(c *client, args [][]byte) {
	c.writer.Error("ERR not implemented yet: COMMAND (exercise 3)")
}
