//go:build ignore

// Exercise 1: parsing the value with strconv.ParseInt, which accepts "01" and "+1" where
// Redis answers "value is not an integer".

package main

import (
	"math"
	"strconv"
)

func incrBy(c *client, key []byte, delta int64) {
	var result int64
	var failure string
	c.store.Write(func(keys map[string][]byte) {
		var current int64
		if value, ok := keys[string(key)]; ok {
			var err error
			if current, err = strconv.ParseInt(string(value), 10, 64); err != nil {
				failure = errNotInt
				return
			}
		}
		if delta > 0 && current > math.MaxInt64-delta || delta < 0 && current < math.MinInt64-delta {
			failure = "ERR increment or decrement would overflow"
			return
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
