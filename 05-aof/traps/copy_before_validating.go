//go:build ignore

// Exercise 3: copying first and checking the options afterwards, so a COPY that answers
// an error has already copied.

package main

import (
	"strings"

	"byoredis/shared/resp"
)

func copyCommand(c *client, args [][]byte) {
	if string(args[1]) == string(args[2]) {
		c.writer.Error("ERR source and destination objects are the same")
		return
	}
	replace := false
	for i := 3; i < len(args); i++ {
		if strings.EqualFold(string(args[i]), "REPLACE") {
			replace = true
		}
	}
	var copied int64
	c.store.Write(func(k *Keyspace) {
		e, found := k.Get(string(args[1]))
		if _, exists := k.Get(string(args[2])); !found || exists && !replace {
			return
		}
		k.Set(string(args[2]), e)
		k.Log(args...)
		copied = 1
	})
	for i := 3; i < len(args); i++ {
		switch {
		case strings.EqualFold(string(args[i]), "REPLACE"):
		case strings.EqualFold(string(args[i]), "DB") && i+1 < len(args):
			db, ok := resp.ParseInt(args[i+1])
			if !ok {
				c.writer.Error(errNotInt)
				return
			}
			if db != 0 {
				c.writer.Error("ERR DB index is out of range")
				return
			}
			i++
		default:
			c.writer.Error(errSyntax)
			return
		}
	}
	c.writer.Integer(copied)
}
