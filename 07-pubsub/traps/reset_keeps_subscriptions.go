//go:build ignore

// Exercise 3: answering RESET without leaving the client's channels and patterns, so that it
// stays in subscribed mode and still hears messages.

package main

func reset(c *client, args [][]byte) {
	c.writer.SetProtocol(2)
	c.resp3.Store(false)
	c.name = ""
	c.writer.SimpleString("RESET")
}
