//go:build ignore

// Exercise 1: logging SETNX whether or not it set anything: Redis logs nothing for a command
// that changed nothing.

package main

func setnx(c *client, args [][]byte) {
	var set int64
	c.store.Write(func(k *Keyspace) {
		if _, exists := k.Get(string(args[1])); !exists {
			k.Set(string(args[1]), entry{value: args[2]})
			set = 1
		}
		k.Log(args...)
	})
	c.writer.Integer(set)
}
