package main

import (
	"math"
	"strings"

	"byoredis/shared/resp"
)

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

func errInvalidExpire(command string) string {
	return "ERR invalid expire time in '" + command + "' command"
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
		if e, found = k.Get(key); !found {
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
			} else {
				k.Set(key, entry{value: e.value, expireAt: expireAt})
				k.Log([]byte("PEXPIREAT"), args[1], itoa(expireAt))
			}
		case opts.persist && e.expireAt != 0:
			k.Set(key, entry{value: e.value})
			k.Log([]byte("PERSIST"), args[1])
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
		case command == "pexpireat":
			k.Set(key, entry{value: e.value, expireAt: when})
			k.Log(args...) // already absolute: logged as it was sent
		default:
			k.Set(key, entry{value: e.value, expireAt: when})
			k.Log([]byte("PEXPIREAT"), args[1], itoa(when))
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
		e, found = k.Get(string(args[1]))
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
			reply = 1
		}
	})
	c.writer.Integer(reply)
}
