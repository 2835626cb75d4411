//go:build ignore

// Exercise 2: RENAME k k done as "set the new name, delete the old one", which deletes the key.

package main

func rename(c *client, args [][]byte) {
	var found bool
	c.store.Write(func(k *Keyspace) {
		var e entry
		if e, found = k.Get(string(args[1])); !found {
			return
		}
		k.Set(string(args[2]), e)
		k.Delete(string(args[1]))
		k.Log(args...)
	})
	if !found {
		c.writer.Error("ERR no such key")
		return
	}
	c.writer.SimpleString("OK")
}
