//go:build ignore

// Exercise 2: the obvious KEYS, ranging over the map, which lists keys that expired while
// nobody touched them.

package main

import (
	"sort"

	"byoredis/shared/glob"
)

func keysCommand(c *client, args [][]byte) {
	pattern := string(args[1])
	var matched []string
	c.store.Read(func(k *Keyspace) {
		for key := range k.store.entries {
			if glob.Match(pattern, key, false) {
				matched = append(matched, key)
			}
		}
	})
	sort.Strings(matched)
	c.writer.Array(len(matched))
	for _, key := range matched {
		c.writer.BulkString(key)
	}
}
