package main

import (
	"math"
	"strings"

	"byoredis/shared/resp"
)

// Commands on keys' expiry times, as in Redis's expire.c.

// errInvalidExpire is the error for a time that is not positive or overflows, for SET and
// GETEX as for the EXPIRE family.
func errInvalidExpire(command string) string {
	return "ERR invalid expire time in '" + command + "' command"
}

// The EXPIRE family: EXPIRE key seconds, PEXPIRE key milliseconds, EXPIREAT key
// unix-time-seconds, PEXPIREAT key unix-time-milliseconds, each with [NX | XX | GT | LT].
func expire(c *client, args [][]byte)    { expireGeneric(c, args, "expire", 1000, true) }
func pexpire(c *client, args [][]byte)   { expireGeneric(c, args, "pexpire", 1, true) }
func expireat(c *client, args [][]byte)  { expireGeneric(c, args, "expireat", 1000, false) }
func pexpireat(c *client, args [][]byte) { expireGeneric(c, args, "pexpireat", 1, false) }

// expireConditions are EXPIRE's NX, XX, GT and LT.
type expireConditions struct{ nx, xx, gt, lt bool }

func parseExpireConditions(args [][]byte) (expireConditions, string) {
	var e expireConditions
	for _, arg := range args {
		switch strings.ToUpper(string(arg)) {
		case "NX":
			e.nx = true
		case "XX":
			e.xx = true
		case "GT":
			e.gt = true
		case "LT":
			e.lt = true
		default:
			return e, "ERR Unsupported option " + string(arg)
		}
	}
	if e.nx && (e.xx || e.gt || e.lt) {
		return e, "ERR NX and XX, GT or LT options at the same time are not compatible"
	}
	if e.gt && e.lt {
		return e, "ERR GT and LT options at the same time are not compatible"
	}
	return e, ""
}

// allow reports whether the conditions let a key whose expiry is current (0: none) get the
// new expiry when. A key without an expiry counts as expiring at infinity: GT never beats it,
// LT always does.
func (e expireConditions) allow(current, when int64) bool {
	switch {
	case e.nx && current != 0, e.xx && current == 0:
		return false
	case e.gt && (current == 0 || when <= current):
		return false
	case e.lt && current != 0 && when >= current:
		return false
	}
	return true
}

func expireGeneric(c *client, args [][]byte, command string, unit int64, relative bool) {
	conditions, failure := parseExpireConditions(args[3:])
	if failure != "" {
		c.writer.Error(failure)
		return
	}
	when, ok := resp.ParseInt(args[2])
	if !ok {
		c.writer.Error(errNotInt)
		return
	}
	// EXPIRE accepts negative times (the key is deleted at once), but not ones that overflow.
	if unit == 1000 && (when > math.MaxInt64/1000 || when < math.MinInt64/1000) {
		c.writer.Error(errInvalidExpire(command))
		return
	}
	when *= unit
	key := string(args[1])
	var reply int64
	c.store.Write(func(k *Keyspace) {
		if relative {
			if when > math.MaxInt64-k.Now() {
				failure = errInvalidExpire(command)
				return
			}
			when += k.Now()
		}
		e, found := k.Get(key)
		if !found || !conditions.allow(e.expireAt, when) {
			return
		}
		switch {
		case k.AlreadyExpired(when): // already in the past: the key goes now
			k.Delete(key)
			k.Log([]byte("DEL"), args[1])
			k.Notify(notifyGeneric, "del", key)
		case command == "pexpireat":
			k.Set(key, entry{value: e.value, expireAt: when})
			k.Log(args...) // already absolute: logged as it was sent
			k.Notify(notifyGeneric, "expire", key)
		default:
			k.Set(key, entry{value: e.value, expireAt: when})
			k.Log([]byte("PEXPIREAT"), args[1], itoa(when))
			k.Notify(notifyGeneric, "expire", key)
		}
		reply = 1
	})
	if failure != "" {
		c.writer.Error(failure)
		return
	}
	c.writer.Integer(reply)
}

// TTL, PTTL, EXPIRETIME and PEXPIRETIME: -2 for a missing key, -1 for a key without expiry,
// else the time left or the Unix time it expires at; the seconds forms round to the nearest
// second.
func ttl(c *client, args [][]byte)         { ttlGeneric(c, args, false, false) }
func pttl(c *client, args [][]byte)        { ttlGeneric(c, args, true, false) }
func expiretime(c *client, args [][]byte)  { ttlGeneric(c, args, false, true) }
func pexpiretime(c *client, args [][]byte) { ttlGeneric(c, args, true, true) }

func ttlGeneric(c *client, args [][]byte, milliseconds, absolute bool) {
	var e entry
	var found bool
	var now int64
	c.store.Read(func(k *Keyspace) {
		e, found = k.Lookup(string(args[1]))
		now = k.Now()
	})
	switch {
	case !found:
		c.writer.Integer(-2)
	case e.expireAt == 0:
		c.writer.Integer(-1)
	case absolute && milliseconds:
		c.writer.Integer(e.expireAt)
	case absolute:
		c.writer.Integer((e.expireAt + 500) / 1000) // rounded, as TTL is
	case milliseconds:
		c.writer.Integer(max(e.expireAt-now, 0))
	default:
		c.writer.Integer((max(e.expireAt-now, 0) + 500) / 1000)
	}
}

// PERSIST key: remove the expiry; 1 if there was one.
func persist(c *client, args [][]byte) {
	var reply int64
	c.store.Write(func(k *Keyspace) {
		if e, found := k.Get(string(args[1])); found && e.expireAt != 0 {
			k.Set(string(args[1]), entry{value: e.value})
			k.Log(args...)
			k.Notify(notifyGeneric, "persist", string(args[1]))
			reply = 1
		}
	})
	c.writer.Integer(reply)
}
