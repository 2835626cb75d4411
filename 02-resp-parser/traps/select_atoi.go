//go:build ignore

// Exercise 1: parsing the index with strconv.Atoi, which accepts "01" and "+0" where Redis
// refuses them.

package main

import "strconv"

func selectDB(c *client, args [][]byte) {
	index, err := strconv.Atoi(string(args[1]))
	switch {
	case err != nil:
		c.writer.Error("ERR value is not an integer or out of range")
	case index < -1<<31 || index > 1<<31-1:
		c.writer.Error("ERR value is out of range, value must between -2147483648 and 2147483647")
	case index != 0:
		c.writer.Error("ERR DB index is out of range")
	default:
		c.writer.SimpleString("OK")
	}
}
