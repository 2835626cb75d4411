//go:build ignore

// Exercise 1: adding first and checking for overflow afterwards: the sum has already
// wrapped around.

package main

import (
	"strconv"

	"byoredis/shared/resp"
)

func incrBy(c *client, key []byte, delta int64) {
	var result int64
	var failure string
	c.store.Write(func(keys map[string][]byte) {
		var current int64
		if value, ok := keys[string(key)]; ok {
			if current, ok = resp.ParseInt(value); !ok {
				failure = errNotInt
				return
			}
		}
		result = current + delta
		keys[string(key)] = strconv.AppendInt(nil, result, 10)
	})
	if failure != "" {
		c.writer.Error(failure)
		return
	}
	c.writer.Integer(result)
}
