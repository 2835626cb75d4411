package main

// PING [message]: "+PONG", or the message as a bulk string.
func ping(c *client, args [][]byte) {
	if len(args) > 2 {
		c.writer.Error("ERR wrong number of arguments for 'ping' command")
		return
	}
	if len(args) == 2 {
		c.writer.Bulk(args[1])
		return
	}
	c.writer.SimpleString("PONG")
}

// ECHO message: the message as a bulk string.
func echo(c *client, args [][]byte) {
	c.writer.Bulk(args[1])
}

// QUIT: "+OK", then the connection closes (Redis ignores any arguments).
func quit(c *client, args [][]byte) {
	c.writer.SimpleString("OK")
	c.closing = true
}
