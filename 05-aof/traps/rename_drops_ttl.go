//go:build ignore

// Exercise 2: moving the value but not its expiry.

package main

func rename(c *client, args [][]byte) {
	var found bool
	c.store.Write(func(k *Keyspace) {
		var e entry
		if e, found = k.Get(string(args[1])); !found || string(args[1]) == string(args[2]) {
			return
		}
		k.Delete(string(args[1]))
		k.Set(string(args[2]), entry{value: e.value})
		k.Log(args...)
	})
	if !found {
		c.writer.Error("ERR no such key")
		return
	}
	c.writer.SimpleString("OK")
}
