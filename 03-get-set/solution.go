//go:build solution

// Reference solutions to EXERCISES.md, built only with `-tags solution`. Try the exercises
// before you read them.

package main

import (
	"math"
	"strconv"

	"byoredis/shared/resp"
)

func incr(c *client, args [][]byte) { incrBy(c, args[1], 1) }
func decr(c *client, args [][]byte) { incrBy(c, args[1], -1) }

func incrby(c *client, args [][]byte) {
	if delta, ok := resp.ParseInt(args[2]); ok {
		incrBy(c, args[1], delta)
	} else {
		c.writer.Error(errNotInt)
	}
}

func decrby(c *client, args [][]byte) {
	delta, ok := resp.ParseInt(args[2])
	switch {
	case !ok:
		c.writer.Error(errNotInt)
	case delta == math.MinInt64: // its negation does not fit in an int64
		c.writer.Error("ERR decrement would overflow")
	default:
		incrBy(c, args[1], -delta)
	}
}

// incrBy adds delta to the integer stored at key (0 when the key is missing) and replies with
// the result. The value stays a string; it is parsed and formatted on every call, as Redis
// does for a value it has not stored as an integer.
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

func appendCommand(c *client, args [][]byte) {
	var length int
	c.store.Write(func(keys map[string][]byte) {
		// A fresh slice: the old value may be shared with a reply being written.
		value := append(append([]byte{}, keys[string(args[1])]...), args[2]...)
		keys[string(args[1])] = value
		length = len(value)
	})
	c.writer.Integer(int64(length))
}

func strlen(c *client, args [][]byte) {
	var length int
	c.store.Read(func(keys map[string][]byte) {
		length = len(keys[string(args[1])])
	})
	c.writer.Integer(int64(length))
}

func mget(c *client, args [][]byte) {
	values := make([][]byte, len(args)-1)
	found := make([]bool, len(args)-1)
	c.store.Read(func(keys map[string][]byte) {
		for i, key := range args[1:] {
			values[i], found[i] = keys[string(key)]
		}
	})
	c.writer.Array(len(values))
	for i, value := range values {
		if found[i] {
			c.writer.Bulk(value)
		} else {
			c.writer.Null()
		}
	}
}

func mset(c *client, args [][]byte) {
	if len(args)%2 == 0 {
		c.writer.Error(wrongArity(commands["mset"]))
		return
	}
	c.store.Write(func(keys map[string][]byte) {
		for i := 1; i < len(args); i += 2 {
			keys[string(args[i])] = args[i+1]
		}
	})
	c.writer.SimpleString("OK")
}

func getdel(c *client, args [][]byte) {
	var value []byte
	var found bool
	c.store.Write(func(keys map[string][]byte) {
		if value, found = keys[string(args[1])]; found {
			delete(keys, string(args[1]))
		}
	})
	if !found {
		c.writer.Null()
		return
	}
	c.writer.Bulk(value)
}
