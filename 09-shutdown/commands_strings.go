package main

import (
	"math"
	"strconv"
	"strings"

	"byoredis/shared/resp"
)

// String commands, as in Redis's t_string.c. The reader gives every argument its own memory,
// so a handler may keep an argument as a stored value without copying it.

// GET key: the value, or null when the key does not exist (or has expired).
func get(c *client, args [][]byte) {
	var e entry
	var found bool
	c.store.Read(func(k *Keyspace) {
		e, found = k.Lookup(string(args[1]))
	})
	if !found {
		c.writer.Null()
		return
	}
	c.writer.Bulk(e.value)
}

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds |
// PXAT unix-time-milliseconds | KEEPTTL].
func set(c *client, args [][]byte) {
	opts, ok := parseStringOptions(args[3:], "set")
	if !ok {
		c.writer.Error(errSyntax)
		return
	}
	key := string(args[1])
	var old entry
	var existed, written bool
	var failure string
	c.store.Write(func(k *Keyspace) {
		var expireAt int64
		if opts.expire != nil {
			if expireAt, failure = opts.expireAt(k.Now(), "set"); failure != "" {
				return
			}
		}
		if opts.returnOld { // GET reads the key, as the GET command does: a keymiss if it is not there
			old, existed = k.Lookup(key)
		} else {
			old, existed = k.Get(key)
		}
		if opts.onlyIfMissing && existed || opts.onlyIfExists && !existed {
			return
		}
		if opts.keepTTL {
			expireAt = old.expireAt
		}
		// A plain SET clears any expiry the key had: a new value, a new life.
		k.Set(key, entry{value: args[2], expireAt: expireAt})
		written = true
		k.Notify(notifyString, "set", key)
		if opts.expire != nil {
			k.Notify(notifyGeneric, "expire", key)
		}
		switch {
		case opts.expire != nil: // a relative time would mean something else when replayed
			k.Log([]byte("SET"), args[1], args[2], []byte("PXAT"), itoa(expireAt))
		case opts.returnOld: // replaying needs no reply: log it without GET
			k.Log(withoutGet(args)...)
		default:
			k.Log(args...)
		}
	})
	switch {
	case failure != "":
		c.writer.Error(failure)
	case opts.returnOld && existed:
		c.writer.Bulk(old.value) // with GET, the old value even when NX/XX prevented the write
	case opts.returnOld || !written:
		c.writer.Null()
	default:
		c.writer.SimpleString("OK")
	}
}

// withoutGet returns SET's arguments without its GET options.
func withoutGet(args [][]byte) [][]byte {
	kept := args[:3:3]
	for _, arg := range args[3:] {
		if !strings.EqualFold(string(arg), "GET") {
			kept = append(kept, arg)
		}
	}
	return kept
}

// stringOptions are the options of SET and GETEX, parsed as Redis parses them
// (parseExtendedStringArgumentsOrReply): each option may appear once, and options that
// contradict each other are a syntax error.
type stringOptions struct {
	onlyIfMissing bool // SET NX
	onlyIfExists  bool // SET XX
	returnOld     bool // SET GET
	keepTTL       bool // SET KEEPTTL
	persist       bool // GETEX PERSIST

	expire          []byte // the number after EX, PX, EXAT or PXAT; nil when none was given
	expireInSeconds bool   // EX, EXAT (else milliseconds: PX, PXAT)
	expireAbsolute  bool   // EXAT, PXAT: a Unix time (else a time to live: EX, PX)
}

func parseStringOptions(args [][]byte, command string) (stringOptions, bool) {
	var o stringOptions
	isSet := command == "set"
	for i := 0; i < len(args); i++ {
		hasNext := i+1 < len(args)
		switch option := strings.ToUpper(string(args[i])); {
		case option == "NX" && isSet && !o.onlyIfExists:
			o.onlyIfMissing = true
		case option == "XX" && isSet && !o.onlyIfMissing:
			o.onlyIfExists = true
		case option == "GET" && isSet:
			o.returnOld = true
		case option == "KEEPTTL" && isSet && o.expire == nil:
			o.keepTTL = true
		case option == "PERSIST" && !isSet && o.expire == nil:
			o.persist = true
		case (option == "EX" || option == "PX" || option == "EXAT" || option == "PXAT") &&
			hasNext && o.expire == nil && !o.keepTTL && !o.persist:
			o.expire = args[i+1]
			o.expireInSeconds = option == "EX" || option == "EXAT"
			o.expireAbsolute = option == "EXAT" || option == "PXAT"
			i++
		default:
			return o, false
		}
	}
	return o, true
}

// expireAt turns the EX/PX/EXAT/PXAT argument into an absolute Unix time in milliseconds, or
// returns the error Redis gives: the number must be a positive integer, and must not overflow
// when converted to milliseconds and added to the current time.
func (o stringOptions) expireAt(now int64, command string) (int64, string) {
	ms, ok := resp.ParseInt(o.expire)
	if !ok {
		return 0, errNotInt
	}
	if ms <= 0 || o.expireInSeconds && ms > math.MaxInt64/1000 {
		return 0, errInvalidExpire(command)
	}
	if o.expireInSeconds {
		ms *= 1000
	}
	if !o.expireAbsolute {
		if ms > math.MaxInt64-now {
			return 0, errInvalidExpire(command)
		}
		ms += now
	}
	return ms, ""
}

// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT
// unix-time-milliseconds | PERSIST]: GET, and change the key's expiry.
func getex(c *client, args [][]byte) {
	opts, ok := parseStringOptions(args[2:], "getex")
	if !ok {
		c.writer.Error(errSyntax)
		return
	}
	key := string(args[1])
	var e entry
	var found bool
	var failure string
	c.store.Write(func(k *Keyspace) {
		// Redis looks the key up before it checks the expire time: GETEX missing EX 0 is null.
		if e, found = k.Lookup(key); !found {
			return
		}
		switch {
		case opts.expire != nil:
			var expireAt int64
			if expireAt, failure = opts.expireAt(k.Now(), "getex"); failure != "" {
				return
			}
			if k.AlreadyExpired(expireAt) { // an EXAT/PXAT in the past deletes the key
				k.Delete(key)
				k.Log([]byte("DEL"), args[1])
				k.Notify(notifyGeneric, "del", key)
			} else {
				k.Set(key, entry{value: e.value, expireAt: expireAt})
				k.Log([]byte("PEXPIREAT"), args[1], itoa(expireAt))
				k.Notify(notifyGeneric, "expire", key)
			}
		case opts.persist && e.expireAt != 0:
			k.Set(key, entry{value: e.value})
			k.Log([]byte("PERSIST"), args[1])
			k.Notify(notifyGeneric, "persist", key)
		}
	})
	switch {
	case failure != "":
		c.writer.Error(failure)
	case !found:
		c.writer.Null()
	default:
		c.writer.Bulk(e.value)
	}
}

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
		k.Notify(notifyString, "incrby", string(key))
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
		k.Notify(notifyString, "append", string(args[1]))
		length = len(e.value)
	})
	c.writer.Integer(int64(length))
}

func strlen(c *client, args [][]byte) {
	var length int
	c.store.Read(func(k *Keyspace) {
		e, _ := k.Lookup(string(args[1]))
		length = len(e.value)
	})
	c.writer.Integer(int64(length))
}

func mget(c *client, args [][]byte) {
	values := make([]entry, len(args)-1)
	found := make([]bool, len(args)-1)
	c.store.Read(func(k *Keyspace) {
		for i, key := range args[1:] {
			values[i], found[i] = k.Lookup(string(key))
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
			k.Notify(notifyString, "set", string(args[i]))
		}
		k.Log(args...)
	})
	c.writer.SimpleString("OK")
}

func getdel(c *client, args [][]byte) {
	var e entry
	var found bool
	c.store.Write(func(k *Keyspace) {
		if e, found = k.Lookup(string(args[1])); found {
			k.Delete(string(args[1]))
			k.Log([]byte("DEL"), args[1])
			k.Notify(notifyGeneric, "del", string(args[1]))
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
			k.Notify(notifyString, "set", string(args[1]))
			k.Notify(notifyGeneric, "expire", string(args[1]))
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
		old, existed = k.Lookup(string(args[1]))
		k.Set(string(args[1]), entry{value: args[2]})
		k.Log([]byte("SET"), args[1], args[2])
		k.Notify(notifyString, "set", string(args[1]))
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
			k.Notify(notifyString, "set", string(args[1]))
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
			k.Notify(notifyString, "set", string(args[i]))
		}
		k.Log(args...)
		set = 1
	})
	c.writer.Integer(set)
}
