//go:build ignore

// Exercise 2: logging RENAME k k, which changes nothing and which Redis does not log.

package main

func renameKey(c *client, args [][]byte, nx bool) {
	var found, renamed bool
	c.store.Write(func(k *Keyspace) {
		var e entry
		if e, found = k.Get(string(args[1])); !found {
			return
		}
		if _, taken := k.Get(string(args[2])); nx && taken {
			return
		}
		k.Log(args...)
		if string(args[1]) == string(args[2]) {
			return
		}
		k.Delete(string(args[1]))
		k.Set(string(args[2]), e)
		renamed = true
	})
	switch {
	case !found:
		c.writer.Error("ERR no such key")
	case !nx:
		c.writer.SimpleString("OK")
	case renamed:
		c.writer.Integer(1)
	default:
		c.writer.Integer(0)
	}
}
