//go:build ignore

// Exercise 3: leaving the connection in RESP3 after RESET, where Redis goes back to RESP2.

package main

func reset(c *client, args [][]byte) {
	c.leavePubsub()
	c.name = ""
	c.writer.SimpleString("RESET")
}
