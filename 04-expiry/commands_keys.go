package main

import "strings"

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
	c.store.Flush()
	c.writer.SimpleString("OK")
}
