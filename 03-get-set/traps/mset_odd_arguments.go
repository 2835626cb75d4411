//go:build ignore

// Exercise 3: trusting the arity -3 to mean pairs, so a key without a value is not refused.

package main

func mset(c *client, args [][]byte) {
	c.store.Write(func(keys map[string][]byte) {
		for i := 1; i+1 < len(args); i += 2 {
			keys[string(args[i])] = args[i+1]
		}
	})
	c.writer.SimpleString("OK")
}
