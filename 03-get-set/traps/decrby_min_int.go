//go:build ignore

// Exercise 1: negating DECRBY's decrement without asking whether -(-9223372036854775808)
// fits in an int64 (it does not, and Redis has its own error for it).

package main

import "byoredis/shared/resp"

func decrby(c *client, args [][]byte) {
	if delta, ok := resp.ParseInt(args[2]); ok {
		incrBy(c, args[1], -delta)
	} else {
		c.writer.Error(errNotInt)
	}
}
