//go:build ignore

// Exercise 1: taking SETEX's arguments in SET's order, value before time.

package main

func setWithExpiry(c *client, args [][]byte, command, unit string) {
	opts := stringOptions{expire: args[3], expireInSeconds: unit == "EX"}
	var failure string
	c.store.Write(func(k *Keyspace) {
		var expireAt int64
		if expireAt, failure = opts.expireAt(k.Now(), command); failure == "" {
			k.Set(string(args[1]), entry{value: args[2], expireAt: expireAt})
		}
	})
	if failure != "" {
		c.writer.Error(failure)
		return
	}
	c.writer.SimpleString("OK")
}
