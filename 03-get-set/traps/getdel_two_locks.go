//go:build ignore

// Exercise 4: reading the value under one lock and deleting it under another, so two
// clients can both take the same value.

package main

func getdel(c *client, args [][]byte) {
	var value []byte
	var found bool
	c.store.Read(func(keys map[string][]byte) {
		value, found = keys[string(args[1])]
	})
	if !found {
		c.writer.Null()
		return
	}
	c.store.Write(func(keys map[string][]byte) {
		delete(keys, string(args[1]))
	})
	c.writer.Bulk(value)
}
