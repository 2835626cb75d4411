//go:build solution

// Reference solutions to EXERCISES.md, built only with `-tags solution`. Try the exercises
// before you read them.

package main

import (
	"sort"

	"byoredis/shared/glob"
)

func setex(c *client, args [][]byte)  { setWithExpiry(c, args, "setex", "EX") }
func psetex(c *client, args [][]byte) { setWithExpiry(c, args, "psetex", "PX") }

// setWithExpiry is SET key value EX|PX ttl, with the command's own name in its errors.
func setWithExpiry(c *client, args [][]byte, command, unit string) {
	opts := stringOptions{expire: args[2], expireInSeconds: unit == "EX"}
	var failure string
	c.store.Write(func(k *Keyspace) {
		var expireAt int64
		if expireAt, failure = opts.expireAt(k.Now(), command); failure == "" {
			k.Set(string(args[1]), entry{value: args[3], expireAt: expireAt})
		}
	})
	if failure != "" {
		c.writer.Error(failure)
		return
	}
	c.writer.SimpleString("OK")
}

// KEYS pattern. The bug to avoid: ranging over the map directly lists expired keys that
// nobody has touched since they expired. Every key goes through Get, which hides them.
func keysCommand(c *client, args [][]byte) {
	pattern := string(args[1])
	var matched []string
	c.store.Read(func(k *Keyspace) {
		for key := range k.store.entries {
			if _, alive := k.Get(key); alive && glob.Match(pattern, key, false) {
				matched = append(matched, key)
			}
		}
	})
	sort.Strings(matched) // Redis's order is its hash table's; sorting makes ours stable
	c.writer.Array(len(matched))
	for _, key := range matched {
		c.writer.BulkString(key)
	}
}

// GETSET key value: SET key value GET, which also clears the key's expiry.
func getset(c *client, args [][]byte) {
	var old entry
	var existed bool
	c.store.Write(func(k *Keyspace) {
		old, existed = k.Get(string(args[1]))
		k.Set(string(args[1]), entry{value: args[2]})
	})
	if !existed {
		c.writer.Null()
		return
	}
	c.writer.Bulk(old.value)
}
