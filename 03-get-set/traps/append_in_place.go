//go:build ignore

// Exercise 2: appending to the stored slice itself, so a value that shares its array with
// another (or with a reply still being written) is changed in place.

package main

func appendCommand(c *client, args [][]byte) {
	var length int
	c.store.Write(func(keys map[string][]byte) {
		value := append(keys[string(args[1])], args[2]...)
		keys[string(args[1])] = value
		length = len(value)
	})
	c.writer.Integer(int64(length))
}
