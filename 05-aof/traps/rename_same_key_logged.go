//go:build ignore

// Exercise 2: logging RENAME k k, which changes nothing and which Redis does not log.

package main

func rename(c *client, args [][]byte) {
	var found bool
	c.store.Write(func(k *Keyspace) {
		var e entry
		if e, found = k.Get(string(args[1])); !found {
			return
		}
		k.Log(args...)
		if string(args[1]) == string(args[2]) {
			return
		}
		k.Delete(string(args[1]))
		k.Set(string(args[2]), e)
	})
	if !found {
		c.writer.Error("ERR no such key")
		return
	}
	c.writer.SimpleString("OK")
}
