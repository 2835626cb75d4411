//go:build ignore

// Exercise 2: taking Nanosecond() for the microseconds.

package main

import (
	"strconv"
	"time"
)

func timeCommand(c *client, args [][]byte) {
	now := time.Now()
	c.writer.Array(2)
	c.writer.BulkString(strconv.FormatInt(now.Unix(), 10))
	c.writer.BulkString(strconv.Itoa(now.Nanosecond()))
}
