//go:build ignore

// Exercise 2: sending the numbers as RESP integers, where Redis sends bulk strings.

package main

import "time"

func timeCommand(c *client, args [][]byte) {
	now := time.Now()
	c.writer.Array(2)
	c.writer.Integer(now.Unix())
	c.writer.Integer(int64(now.Nanosecond() / 1000))
}
