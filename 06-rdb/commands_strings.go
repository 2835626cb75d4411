package main

import (
	"math"
	"strconv"

	"byoredis/shared/resp"
)

// INCR, DECR, INCRBY, DECRBY, APPEND, STRLEN, MGET, MSET and GETDEL: step 03's exercises,
// with expiry. Each write is logged as it was sent, except GETDEL, which is logged as the DEL
// it amounts to. Commands that change a value keep the key's expiry (INCR on a counter with a
// TTL does not make it immortal); MSET, like SET, clears it.

func incr(c *client, args [][]byte) { incrBy(c, args, 1) }
func decr(c *client, args [][]byte) { incrBy(c, args, -1) }

func incrby(c *client, args [][]byte) {
	if delta, ok := resp.ParseInt(args[2]); ok {
		incrBy(c, args, delta)
	} else {
		c.writer.Error(errNotInt)
	}
}

func decrby(c *client, args [][]byte) {
	delta, ok := resp.ParseInt(args[2])
	switch {
	case !ok:
		c.writer.Error(errNotInt)
	case delta == math.MinInt64: // its negation does not fit in an int64
		c.writer.Error("ERR decrement would overflow")
	default:
		incrBy(c, args, -delta)
	}
}

// incrBy adds delta to the integer stored at args[1] (0 when the key is missing) and replies
// with the result.
func incrBy(c *client, args [][]byte, delta int64) {
	key := args[1]
	var result int64
	var failure string
	c.store.Write(func(k *Keyspace) {
		e, found := k.Get(string(key))
		var current int64
		if found {
			var ok bool
			if current, ok = resp.ParseInt(e.value); !ok {
				failure = errNotInt
				return
			}
		}
		if delta > 0 && current > math.MaxInt64-delta || delta < 0 && current < math.MinInt64-delta {
			failure = "ERR increment or decrement would overflow"
			return
		}
		result = current + delta
		k.Set(string(key), entry{value: strconv.AppendInt(nil, result, 10), expireAt: e.expireAt})
		k.Log(args...)
	})
	if failure != "" {
		c.writer.Error(failure)
		return
	}
	c.writer.Integer(result)
}

func appendCommand(c *client, args [][]byte) {
	var length int
	c.store.Write(func(k *Keyspace) {
		e, _ := k.Get(string(args[1]))
		// A fresh slice: the old value may be shared with a reply being written.
		e.value = append(append([]byte{}, e.value...), args[2]...)
		k.Set(string(args[1]), e)
		k.Log(args...)
		length = len(e.value)
	})
	c.writer.Integer(int64(length))
}

func strlen(c *client, args [][]byte) {
	var length int
	c.store.Read(func(k *Keyspace) {
		e, _ := k.Get(string(args[1]))
		length = len(e.value)
	})
	c.writer.Integer(int64(length))
}

func mget(c *client, args [][]byte) {
	values := make([]entry, len(args)-1)
	found := make([]bool, len(args)-1)
	c.store.Read(func(k *Keyspace) {
		for i, key := range args[1:] {
			values[i], found[i] = k.Get(string(key))
		}
	})
	c.writer.Array(len(values))
	for i, e := range values {
		if found[i] {
			c.writer.Bulk(e.value)
		} else {
			c.writer.Null()
		}
	}
}

func mset(c *client, args [][]byte) {
	if len(args)%2 == 0 {
		c.writer.Error(wrongArity(commands["mset"]))
		return
	}
	c.store.Write(func(k *Keyspace) {
		for i := 1; i < len(args); i += 2 {
			k.Set(string(args[i]), entry{value: args[i+1]})
		}
		k.Log(args...)
	})
	c.writer.SimpleString("OK")
}

func getdel(c *client, args [][]byte) {
	var e entry
	var found bool
	c.store.Write(func(k *Keyspace) {
		if e, found = k.Get(string(args[1])); found {
			k.Delete(string(args[1]))
			k.Log([]byte("DEL"), args[1])
		}
	})
	if !found {
		c.writer.Null()
		return
	}
	c.writer.Bulk(e.value)
}

// SETEX, PSETEX and GETSET: step 04's exercises.

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
			k.Log([]byte("SET"), args[1], args[3], []byte("PXAT"), itoa(expireAt))
		}
	})
	if failure != "" {
		c.writer.Error(failure)
		return
	}
	c.writer.SimpleString("OK")
}

// GETSET key value: SET key value GET, which also clears the key's expiry; logged as SET.
func getset(c *client, args [][]byte) {
	var old entry
	var existed bool
	c.store.Write(func(k *Keyspace) {
		old, existed = k.Get(string(args[1]))
		k.Set(string(args[1]), entry{value: args[2]})
		k.Log([]byte("SET"), args[1], args[2])
	})
	if !existed {
		c.writer.Null()
		return
	}
	c.writer.Bulk(old.value)
}

// itoa formats an integer as an argument for the log.
func itoa(n int64) []byte { return strconv.AppendInt(nil, n, 10) }

// SETNX and MSETNX: step 05's exercises.

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
