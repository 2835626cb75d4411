//go:build ignore

// Exercise 1: reading the counter under one lock and writing it under another, so two
// clients incrementing at once can both read 5 and both write 6.

package main

import (
	"math"
	"strconv"

	"byoredis/shared/resp"
)

func incrBy(c *client, key []byte, delta int64) {
	var current int64
	var failure string
	c.store.Read(func(keys map[string][]byte) {
		if value, ok := keys[string(key)]; ok {
			if current, ok = resp.ParseInt(value); !ok {
				failure = errNotInt
			}
		}
	})
	if failure == "" && (delta > 0 && current > math.MaxInt64-delta || delta < 0 && current < math.MinInt64-delta) {
		failure = "ERR increment or decrement would overflow"
	}
	if failure != "" {
		c.writer.Error(failure)
		return
	}
	result := current + delta
	c.store.Write(func(keys map[string][]byte) {
		keys[string(key)] = strconv.AppendInt(nil, result, 10)
	})
	c.writer.Integer(result)
}
