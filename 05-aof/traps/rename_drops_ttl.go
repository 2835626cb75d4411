//go:build ignore

// Exercise 2: moving the value but not its expiry.

package main

func renameKey(c *client, args [][]byte, nx bool) {
	var found, renamed bool
	c.store.Write(func(k *Keyspace) {
		var e entry
		if e, found = k.Get(string(args[1])); !found || string(args[1]) == string(args[2]) {
			return
		}
		if _, taken := k.Get(string(args[2])); nx && taken {
			return
		}
		k.Delete(string(args[1]))
		k.Set(string(args[2]), entry{value: e.value})
		k.Log(args...)
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
