//go:build ignore

// Exercise 1: reusing SET's error text, so a bad time names 'set' instead of the command.

package main

func setWithExpiry(c *client, args [][]byte, command, unit string) {
	opts := stringOptions{expire: args[2], expireInSeconds: unit == "EX"}
	var failure string
	c.store.Write(func(k *Keyspace) {
		var expireAt int64
		if expireAt, failure = opts.expireAt(k.Now(), "set"); failure == "" {
			k.Set(string(args[1]), entry{value: args[3], expireAt: expireAt})
		}
	})
	if failure != "" {
		c.writer.Error(failure)
		return
	}
	c.writer.SimpleString("OK")
}
