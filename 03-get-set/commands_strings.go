package main

import "strings"

// String commands, as in Redis's t_string.c. The reader gives every argument its own memory,
// so a handler may keep an argument as a stored value without copying it.

// GET key: the value, or null when the key does not exist.
func get(c *client, args [][]byte) {
	var value []byte
	var found bool
	c.store.Read(func(keys map[string][]byte) {
		value, found = keys[string(args[1])]
	})
	if !found {
		c.writer.Null()
		return
	}
	c.writer.Bulk(value)
}

// setOptions are SET's options after the key and value. Expiry options (EX, PX, ...) come in
// step 04.
type setOptions struct {
	onlyIfMissing bool // NX
	onlyIfExists  bool // XX
	returnOld     bool // GET: reply with the old value instead of OK
}

// parseSetOptions reads SET's options; like Redis it rejects unknown options and
// contradictory ones (NX with XX) before touching the keyspace.
func parseSetOptions(options [][]byte) (setOptions, bool) {
	var opts setOptions
	for _, option := range options {
		switch strings.ToUpper(string(option)) {
		case "NX":
			opts.onlyIfMissing = true
		case "XX":
			opts.onlyIfExists = true
		case "GET":
			opts.returnOld = true
		default:
			return opts, false
		}
	}
	return opts, !(opts.onlyIfMissing && opts.onlyIfExists)
}

// SET key value [NX | XX] [GET].
func set(c *client, args [][]byte) {
	opts, ok := parseSetOptions(args[3:])
	if !ok {
		c.writer.Error(errSyntax)
		return
	}
	key := string(args[1])
	var old []byte
	var existed, written bool
	c.store.Write(func(keys map[string][]byte) {
		old, existed = keys[key]
		if opts.onlyIfMissing && existed || opts.onlyIfExists && !existed {
			return
		}
		keys[key] = args[2]
		written = true
	})
	switch {
	case opts.returnOld && existed:
		c.writer.Bulk(old) // with GET, the old value even when NX/XX prevented the write
	case opts.returnOld || !written:
		c.writer.Null()
	default:
		c.writer.SimpleString("OK")
	}
}
