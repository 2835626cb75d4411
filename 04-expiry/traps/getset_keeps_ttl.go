//go:build ignore

// Exercise 3: keeping the old value's expiry, where GETSET, like SET, clears it.

package main

func getset(c *client, args [][]byte) {
	var old entry
	var existed bool
	c.store.Write(func(k *Keyspace) {
		old, existed = k.Get(string(args[1]))
		k.Set(string(args[1]), entry{value: args[2], expireAt: old.expireAt})
	})
	if !existed {
		c.writer.Null()
		return
	}
	c.writer.Bulk(old.value)
}
