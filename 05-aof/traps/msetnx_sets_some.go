//go:build ignore

// Exercise 1: setting MSETNX's keys one by one and stopping at the first that exists, so
// the keys before it are set: it must check every key before it sets any.

package main

func msetnx(c *client, args [][]byte) {
	if len(args)%2 == 0 {
		c.writer.Error(wrongArity(commands["msetnx"]))
		return
	}
	var set int64 = 1
	c.store.Write(func(k *Keyspace) {
		for i := 1; i < len(args); i += 2 {
			if _, exists := k.Get(string(args[i])); exists {
				set = 0
				return
			}
			k.Set(string(args[i]), entry{value: args[i+1]})
		}
		k.Log(args...)
	})
	c.writer.Integer(set)
}
