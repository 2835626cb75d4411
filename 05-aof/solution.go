//go:build solution

// Reference solutions to EXERCISES.md, built only with `-tags solution`. Try the exercises
// before you read them.

package main

import (
	"strings"

	"byoredis/shared/resp"
)

// SETNX key value: SET key value NX, answering 1 or 0. Logged as sent, and only when it set.
func setnx(c *client, args [][]byte) {
	var set int64
	c.store.Write(func(k *Keyspace) {
		if _, exists := k.Get(string(args[1])); !exists {
			k.Set(string(args[1]), entry{value: args[2]})
			k.Log(args...)
			set = 1
		}
	})
	c.writer.Integer(set)
}

// MSETNX key value [key value ...]: all or nothing. Logged only when it set them all.
func msetnx(c *client, args [][]byte) {
	if len(args)%2 == 0 {
		c.writer.Error(wrongArity(commands["msetnx"]))
		return
	}
	var set int64
	c.store.Write(func(k *Keyspace) {
		for i := 1; i < len(args); i += 2 {
			if _, exists := k.Get(string(args[i])); exists {
				return
			}
		}
		for i := 1; i < len(args); i += 2 {
			k.Set(string(args[i]), entry{value: args[i+1]})
		}
		k.Log(args...)
		set = 1
	})
	c.writer.Integer(set)
}

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
		k.Delete(string(args[1]))
		k.Set(string(args[2]), e)
		k.Log(args...)
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
		e, found := k.Get(string(args[1]))
		if _, exists := k.Get(string(args[2])); !found || exists && !replace {
			return
		}
		k.Set(string(args[2]), e) // values are never changed in place, so sharing is safe
		k.Log(args...)
		copied = 1
	})
	c.writer.Integer(copied)
}
