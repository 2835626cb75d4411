//go:build ignore

// Exercise 1: forgetting that Redis reads the index as a C int, so a number that parses but
// does not fit gets "DB index is out of range" instead of its own error.

package main

import "byoredis/shared/resp"

func selectDB(c *client, args [][]byte) {
	index, ok := resp.ParseInt(args[1])
	switch {
	case !ok:
		c.writer.Error("ERR value is not an integer or out of range")
	case index != 0:
		c.writer.Error("ERR DB index is out of range")
	default:
		c.writer.SimpleString("OK")
	}
}
