//go:build ignore

// Exercise 2: RENAMENX looks at newkey before key, so a missing key whose newkey is taken
// answers 0 where Redis answers ERR no such key.

package main

func renameKey(c *client, args [][]byte, nx bool) {
	var found, renamed bool
	c.store.Write(func(k *Keyspace) {
		if _, taken := k.Get(string(args[2])); nx && taken {
			found = true
			return
		}
		var e entry
		if e, found = k.Get(string(args[1])); !found || string(args[1]) == string(args[2]) {
			return
		}
		k.Delete(string(args[1]))
		k.Set(string(args[2]), e)
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
