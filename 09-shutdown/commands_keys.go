package main

import (
	"sort"
	"strings"

	"byoredis/shared/glob"
	"byoredis/shared/resp"
)

// Commands on the keyspace as a whole, as in Redis's db.c.

// DEL key [key ...]: how many of the keys existed.
func del(c *client, args [][]byte) {
	deleted := 0
	c.store.Write(func(k *Keyspace) {
		for _, key := range args[1:] {
			if k.Delete(string(key)) {
				deleted++
				k.Notify(notifyGeneric, "del", string(key))
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
			if _, ok := k.Lookup(string(key)); ok {
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
	if strings.EqualFold(string(args[0]), "flushall") {
		c.onOwner(func(c *client) {
			c.server.waitForBackgroundSave()
			c.server.saveAfterFlushall() // step 06's exercise 3
		})
	}
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

// RENAME, RENAMENX and COPY: step 05's exercises.

// RENAME key newkey: the value and its expiry move to the new name.
func rename(c *client, args [][]byte) { renameKey(c, args, false) }

// RENAMENX key newkey: the same, only if newkey does not exist.
func renamenx(c *client, args [][]byte) { renameKey(c, args, true) }

// renameKey is Redis's renameGenericCommand. Renaming a key to its own name changes nothing
// and is not logged; RENAMENX answers 1 when it renamed and 0 when newkey was taken.
func renameKey(c *client, args [][]byte, nx bool) {
	var found, renamed bool
	c.store.Write(func(k *Keyspace) {
		var e entry
		if e, found = k.Get(string(args[1])); !found || string(args[1]) == string(args[2]) {
			return
		}
		if _, taken := k.Get(string(args[2])); nx && taken {
			return
		}
		k.Delete(string(args[2])) // an existing destination goes first: the key is new (Redis's dbDelete, then dbAdd)
		k.Set(string(args[2]), e)
		k.Delete(string(args[1]))
		k.Log(args...)
		k.Notify(notifyGeneric, "rename_from", string(args[1]))
		k.Notify(notifyGeneric, "rename_to", string(args[2]))
		renamed = true
	})
	switch {
	case !found:
		c.writer.Error("ERR no such key")
	case !nx:
		c.writer.SimpleString("OK")
	case renamed:
		c.writer.Integer(1)
	default:
		c.writer.Integer(0)
	}
}

// COPY source destination [DB destination-db] [REPLACE].
func copyCommand(c *client, args [][]byte) {
	replace := false
	for i := 3; i < len(args); i++ {
		switch {
		case strings.EqualFold(string(args[i]), "REPLACE"):
			replace = true
		case strings.EqualFold(string(args[i]), "DB") && i+1 < len(args):
			db, ok := resp.ParseInt(args[i+1])
			if !ok {
				c.writer.Error(errNotInt)
				return
			}
			if db != 0 {
				c.writer.Error("ERR DB index is out of range")
				return
			}
			i++
		default:
			c.writer.Error(errSyntax)
			return
		}
	}
	if string(args[1]) == string(args[2]) {
		c.writer.Error("ERR source and destination objects are the same")
		return
	}
	var copied int64
	c.store.Write(func(k *Keyspace) {
		e, found := k.Lookup(string(args[1]))
		if _, exists := k.Get(string(args[2])); !found || exists && !replace {
			return
		}
		k.Delete(string(args[2]))
		k.Set(string(args[2]), e) // values are never changed in place, so sharing is safe
		k.Log(args...)
		k.Notify(notifyGeneric, "copy_to", string(args[2]))
		copied = 1
	})
	c.writer.Integer(copied)
}
