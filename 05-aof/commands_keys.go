package main

import (
	"sort"
	"strings"

	"byoredis/shared/glob"
)

// Commands on the keyspace as a whole, as in Redis's db.c.

// DEL key [key ...]: how many of the keys existed.
func del(c *client, args [][]byte) {
	deleted := 0
	c.store.Write(func(k *Keyspace) {
		for _, key := range args[1:] {
			if k.Delete(string(key)) {
				deleted++
			}
		}
		if deleted > 0 { // a command that changed nothing is not logged
			k.Log(args...)
		}
	})
	c.writer.Integer(int64(deleted))
}

// EXISTS key [key ...]: how many of the keys exist; a key named twice counts twice.
func exists(c *client, args [][]byte) {
	found := 0
	c.store.Read(func(k *Keyspace) {
		for _, key := range args[1:] {
			if _, ok := k.Get(string(key)); ok {
				found++
			}
		}
	})
	c.writer.Integer(int64(found))
}

// DBSIZE: how many keys there are, counting expired keys not yet removed, as Redis does.
func dbsize(c *client, args [][]byte) {
	c.writer.Integer(int64(c.store.Len()))
}

// FLUSHDB [ASYNC | SYNC] and FLUSHALL [ASYNC | SYNC]: remove every key. With one database
// they are the same command. Redis's ASYNC frees the memory in a background thread; here
// the garbage collector does that in the background anyway, so both modes do the same.
func flush(c *client, args [][]byte) {
	if len(args) > 2 {
		c.writer.Error(errSyntax)
		return
	}
	if len(args) == 2 {
		if mode := strings.ToUpper(string(args[1])); mode != "ASYNC" && mode != "SYNC" {
			c.writer.Error(errSyntax)
			return
		}
	}
	c.store.Write(func(k *Keyspace) {
		k.Flush()
		k.Log(args...) // even when already empty, as Redis does
	})
	c.writer.SimpleString("OK")
}

// KEYS pattern (step 04's exercise). Every key goes through Get, so that expired keys that
// nobody has touched since are not listed.
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
