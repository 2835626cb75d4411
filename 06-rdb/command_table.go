package main

import "strings"

// commands maps a lower-case command name to its entry. Clients send names in any case
// (go-redis sends "get", people type "GET"), so lookups lower-case the name.
var commands = map[string]*command{}

func init() {
	for _, cmd := range []*command{
		// Strings (commands_strings.go) and the keyspace (commands_keys.go).
		{name: "get", arity: 2, handler: get, info: commandInfo{
			flags: "readonly fast", acl: "@read @string @fast", keys: oneKey("RO access"),
			doc: doc("string", "1.0.0", "Get the value of a key", "O(1)")}},
		{name: "set", arity: -3, handler: set, info: commandInfo{
			flags: "write denyoom", acl: "@write @string @slow",
			keys: oneKey("RW access update variable_flags").withNote("RW and ACCESS due to the optional `GET` argument"),
			doc:  doc("string", "1.0.0", "Set the string value of a key", "O(1)")}},
		{name: "del", arity: -2, handler: del, info: commandInfo{
			flags: "write", acl: "@keyspace @write @slow", tips: "request_policy:multi_shard response_policy:agg_sum",
			keys: allKeys(1, "RM delete"),
			doc: doc("generic", "1.0.0", "Delete a key", "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, "+
				"the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).")}},
		{name: "exists", arity: -2, handler: exists, info: commandInfo{
			flags: "readonly fast", acl: "@keyspace @read @fast", tips: "request_policy:multi_shard response_policy:agg_sum",
			keys: allKeys(1, "RO"),
			doc:  doc("generic", "1.0.0", "Determine if a key exists", "O(N) where N is the number of keys to check.")}},
		{name: "dbsize", arity: 1, handler: dbsize, info: commandInfo{
			flags: "readonly fast", acl: "@keyspace @read @fast", tips: "request_policy:all_shards response_policy:agg_sum",
			doc: doc("server", "1.0.0", "Return the number of keys in the selected database", "O(1)")}},
		{name: "flushdb", arity: -1, handler: flush, info: commandInfo{
			flags: "write", acl: "@keyspace @write @slow @dangerous", tips: "request_policy:all_shards response_policy:all_succeeded",
			doc: doc("server", "1.0.0", "Remove all keys from the current database", "O(N) where N is the number of keys in the selected database")}},
		{name: "flushall", arity: -1, handler: flush, info: commandInfo{
			flags: "write", acl: "@keyspace @write @slow @dangerous", tips: "request_policy:all_shards response_policy:all_succeeded",
			doc: doc("server", "1.0.0", "Remove all keys from all databases", "O(N) where N is the total number of keys in all databases")}},

		// Strings: step 03's exercises (commands_strings.go).
		{name: "incr", arity: 2, handler: incr, info: counterInfo("Increment the integer value of a key by one")},
		{name: "decr", arity: 2, handler: decr, info: counterInfo("Decrement the integer value of a key by one")},
		{name: "incrby", arity: 3, handler: incrby, info: counterInfo("Increment the integer value of a key by the given amount")},
		{name: "decrby", arity: 3, handler: decrby, info: counterInfo("Decrement the integer value of a key by the given number")},
		{name: "append", arity: 3, handler: appendCommand, info: commandInfo{
			flags: "write denyoom fast", acl: "@write @string @fast", keys: oneKey("RW insert"),
			doc: doc("string", "2.0.0", "Append a value to a key", "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, "+
				"since the dynamic string library used by Redis will double the free space available on every reallocation.")}},
		{name: "strlen", arity: 2, handler: strlen, info: commandInfo{
			flags: "readonly fast", acl: "@read @string @fast", keys: oneKey("RO"),
			doc: doc("string", "2.2.0", "Get the length of the value stored in a key", "O(1)")}},
		{name: "mget", arity: -2, handler: mget, info: commandInfo{
			flags: "readonly fast", acl: "@read @string @fast", tips: "request_policy:multi_shard", keys: allKeys(1, "RO access"),
			doc: doc("string", "1.0.0", "Get the values of all the given keys", "O(N) where N is the number of keys to retrieve.")}},
		{name: "mset", arity: -3, handler: mset, info: commandInfo{
			flags: "write denyoom", acl: "@write @string @slow", tips: "request_policy:multi_shard response_policy:all_succeeded", keys: allKeys(2, "OW update"),
			doc: doc("string", "1.0.1", "Set multiple keys to multiple values", "O(N) where N is the number of keys to set.")}},
		{name: "getdel", arity: 2, handler: getdel, info: commandInfo{
			flags: "write fast", acl: "@write @string @fast", keys: oneKey("RW access delete"),
			doc: doc("string", "6.2.0", "Get the value of a key and delete the key", "O(1)")}},

		// Expiry: GETEX (commands_strings.go), then the EXPIRE and TTL families (commands_expiry.go).
		{name: "getex", arity: -2, handler: getex, info: commandInfo{
			flags: "write fast", acl: "@write @string @fast",
			keys: oneKey("RW access update").withNote("RW and UPDATE because it changes the TTL"),
			doc:  doc("string", "6.2.0", "Get the value of a key and optionally set its expiration", "O(1)")}},
		{name: "expire", arity: -3, handler: expire, info: expireInfo("1.0.0", "Set a key's time to live in seconds")},
		{name: "pexpire", arity: -3, handler: pexpire, info: expireInfo("2.6.0", "Set a key's time to live in milliseconds")},
		{name: "expireat", arity: -3, handler: expireat, info: expireInfo("1.2.0", "Set the expiration for a key as a UNIX timestamp")},
		{name: "pexpireat", arity: -3, handler: pexpireat, info: expireInfo("2.6.0", "Set the expiration for a key as a UNIX timestamp specified in milliseconds")},
		{name: "ttl", arity: 2, handler: ttl, info: ttlInfo("nondeterministic_output", "1.0.0", "Get the time to live for a key in seconds")},
		{name: "pttl", arity: 2, handler: pttl, info: ttlInfo("nondeterministic_output", "2.6.0", "Get the time to live for a key in milliseconds")},
		{name: "expiretime", arity: 2, handler: expiretime, info: ttlInfo("", "7.0.0", "Get the expiration Unix timestamp for a key")},
		{name: "pexpiretime", arity: 2, handler: pexpiretime, info: ttlInfo("", "7.0.0", "Get the expiration Unix timestamp for a key in milliseconds")},
		{name: "persist", arity: 2, handler: persist, info: commandInfo{
			flags: "write fast", acl: "@keyspace @write @fast", keys: oneKey("RW update"),
			doc: doc("generic", "2.2.0", "Remove the expiration from a key", "O(1)")}},

		// Step 04's exercises (commands_strings.go, commands_keys.go).
		{name: "setex", arity: 4, handler: setex, info: commandInfo{
			flags: "write denyoom", acl: "@write @string @slow", keys: oneKey("OW update"),
			doc: doc("string", "2.0.0", "Set the value and expiration of a key", "O(1)")}},
		{name: "psetex", arity: 4, handler: psetex, info: commandInfo{
			flags: "write denyoom", acl: "@write @string @slow", keys: oneKey("OW update"),
			doc: doc("string", "2.6.0", "Set the value and expiration in milliseconds of a key", "O(1)")}},
		{name: "keys", arity: 2, handler: keysCommand, info: commandInfo{
			flags: "readonly", acl: "@keyspace @read @slow @dangerous", tips: "request_policy:all_shards nondeterministic_output_order",
			doc: doc("generic", "1.0.0", "Find all keys matching the given pattern", "O(N) with N being the number of keys in the database, "+
				"under the assumption that the key names in the database and the given pattern have limited length.")}},
		{name: "getset", arity: 3, handler: getset, info: commandInfo{
			flags: "write denyoom fast", acl: "@write @string @fast", keys: oneKey("RW access update"),
			doc: doc("string", "1.0.0", "Set the string value of a key and return its old value", "O(1)")}},

		// Step 05's exercises (commands_strings.go, commands_keys.go).
		{name: "setnx", arity: 3, handler: setnx, info: commandInfo{
			flags: "write denyoom fast", acl: "@write @string @fast", keys: oneKey("OW insert"),
			doc: doc("string", "1.0.0", "Set the value of a key, only if the key does not exist", "O(1)")}},
		{name: "msetnx", arity: -3, handler: msetnx, info: commandInfo{
			flags: "write denyoom", acl: "@write @string @slow", tips: "request_policy:multi_shard response_policy:agg_min", keys: allKeys(2, "OW insert"),
			doc: doc("string", "1.0.1", "Set multiple keys to multiple values, only if none of the keys exist", "O(N) where N is the number of keys to set.")}},
		{name: "rename", arity: 3, handler: rename, info: commandInfo{
			flags: "write", acl: "@keyspace @write @slow", keys: twoKeys("RW access delete", "OW update"),
			doc: doc("generic", "1.0.0", "Rename a key", "O(1)")}},
		{name: "renamenx", arity: 3, handler: renamenx, info: commandInfo{
			flags: "write fast", acl: "@keyspace @write @fast", keys: twoKeys("RW access delete", "OW insert"),
			doc: doc("generic", "1.0.0", "Rename a key, only if the new key does not exist", "O(1)")}},
		{name: "copy", arity: -3, handler: copyCommand, info: commandInfo{
			flags: "write denyoom", acl: "@keyspace @write @slow", keys: twoKeys("RO access", "OW update"),
			doc: doc("generic", "6.2.0", "Copy a key", "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.")}},

		// Connection (commands_connection.go).
		{name: "ping", arity: -1, handler: ping, info: commandInfo{
			flags: "fast", acl: "@fast @connection", tips: "request_policy:all_shards response_policy:all_succeeded",
			doc: doc("connection", "1.0.0", "Ping the server", "O(1)")}},
		{name: "echo", arity: 2, handler: echo, info: commandInfo{
			flags: "loading stale fast", acl: "@fast @connection", doc: doc("connection", "1.0.0", "Echo the given string", "O(1)")}},
		{name: "quit", arity: -1, handler: quit, info: commandInfo{
			flags: "noscript loading stale fast no_auth allow_busy", acl: "@fast @connection", doc: doc("connection", "1.0.0", "Close the connection", "O(1)")}},
		{name: "auth", arity: -2, handler: auth, info: commandInfo{
			flags: "noscript loading stale fast no_auth allow_busy", acl: "@fast @connection", doc: doc("connection", "1.0.0", "Authenticate to the server", "O(N) where N is the number of passwords defined for the user")}},
		{name: "hello", arity: -1, handler: hello, info: commandInfo{
			flags: "noscript loading stale fast no_auth allow_busy", acl: "@fast @connection", doc: doc("connection", "6.0.0", "Handshake with Redis", "O(1)")}},
		{name: "select", arity: 2, handler: selectDB, info: commandInfo{
			flags: "loading stale fast", acl: "@fast @connection", doc: doc("connection", "1.0.0", "Change the selected database for the current connection", "O(1)")}},
		{name: "client", arity: -2, info: commandInfo{acl: "@slow", doc: doc("connection", "2.4.0", "A container for client connection commands", "Depends on subcommand.")},
			subcommands: table(
				&command{name: "client|id", arity: 2, handler: clientID, info: clientInfo("5.0.0", "Returns the client ID for the current connection")},
				&command{name: "client|getname", arity: 2, handler: clientGetName, info: clientInfo("2.6.9", "Get the current connection name")},
				&command{name: "client|setname", arity: 3, handler: clientSetName, info: clientInfo("2.6.9", "Set the current connection name")},
			)},

		// Server (commands_server.go).
		{name: "command", arity: -1, handler: commandAll, info: commandInfo{
			flags: "loading stale", acl: "@slow @connection", tips: "nondeterministic_output_order",
			doc: doc("server", "2.8.13", "Get array of Redis command details", "O(N) where N is the total number of Redis commands")},
			subcommands: table(
				&command{name: "command|count", arity: 2, handler: commandCount, info: commandInfo{
					flags: "loading stale", acl: "@slow @connection", doc: doc("server", "2.8.13", "Get total number of Redis commands", "O(1)")}},
				&command{name: "command|info", arity: -2, handler: commandInfoCommand, info: commandInfo{
					flags: "loading stale", acl: "@slow @connection", tips: "nondeterministic_output_order",
					doc: doc("server", "2.8.13", "Get array of specific Redis command details, or all when no argument is given.", "O(N) where N is the number of commands to look up")}},
				&command{name: "command|docs", arity: -2, handler: commandDocs, info: commandInfo{
					flags: "loading stale", acl: "@slow @connection", tips: "nondeterministic_output_order",
					doc: doc("server", "7.0.0", "Get array of specific Redis command documentation", "O(N) where N is the number of commands to look up")}},
			)},
		{name: "config", arity: -2, info: commandInfo{acl: "@slow", doc: doc("server", "2.0.0", "A container for server configuration commands", "Depends on subcommand.")},
			subcommands: table(
				&command{name: "config|get", arity: -3, handler: configGet, info: commandInfo{
					flags: "admin noscript loading stale", acl: "@admin @slow @dangerous",
					doc: doc("server", "2.0.0", "Get the values of configuration parameters", "O(N) when N is the number of configuration parameters provided")}},
				&command{name: "config|set", arity: -4, handler: configSet, info: commandInfo{
					flags: "admin noscript loading stale", acl: "@admin @slow @dangerous", tips: "request_policy:all_nodes response_policy:all_succeeded",
					doc: doc("server", "2.0.0", "Set configuration parameters to the given values", "O(N) when N is the number of configuration parameters provided")}},
			)},
		{name: "save", arity: 1, handler: save, info: commandInfo{
			flags: "admin noscript no_async_loading no_multi", acl: "@admin @slow @dangerous",
			doc: doc("server", "1.0.0", "Synchronously save the dataset to disk", "O(N) where N is the total number of keys in all databases")}},
		{name: "bgsave", arity: -1, handler: bgsave, info: commandInfo{
			flags: "admin noscript no_async_loading", acl: "@admin @slow @dangerous",
			doc: doc("server", "1.0.0", "Asynchronously save the dataset to disk", "O(1)")}},
		{name: "lastsave", arity: 1, handler: lastsave, info: commandInfo{
			flags: "loading stale fast", acl: "@admin @fast @dangerous", tips: "nondeterministic_output",
			doc: doc("server", "1.0.0", "Get the UNIX time stamp of the last successful save to disk", "O(1)")}},
		{name: "bgrewriteaof", arity: 1, handler: bgrewriteaof, info: commandInfo{
			flags: "admin noscript no_async_loading", acl: "@admin @slow @dangerous",
			doc: doc("server", "1.0.0", "Asynchronously rewrite the append-only file", "O(1)")}},
		{name: "info", arity: -1, handler: info, info: commandInfo{
			flags: "loading stale", acl: "@slow @dangerous", tips: "nondeterministic_output request_policy:all_shards response_policy:special",
			doc: doc("server", "1.0.0", "Get information and statistics about the server", "O(1)")}},
		{name: "time", arity: 1, handler: timeCommand, info: commandInfo{
			flags: "loading stale fast", acl: "@fast", tips: "nondeterministic_output", doc: doc("server", "2.6.0", "Return the current server time", "O(1)")}},
	} {
		cmd.writes = strings.Contains(" "+cmd.info.flags+" ", " write ")
		commands[cmd.name] = cmd
	}
}

// table indexes subcommands by the part of their name after "|".
func table(subcommands ...*command) map[string]*command {
	m := map[string]*command{}
	for _, sub := range subcommands {
		m[sub.name[strings.IndexByte(sub.name, '|')+1:]] = sub
	}
	return m
}

// commandInfo is what Redis 7.0 reports about a command in COMMAND INFO and COMMAND DOCS,
// transcribed from a real redis-server so that tools reading it see Redis's own answers.
type commandInfo struct {
	flags string  // command flags, space-separated: "readonly fast"
	acl   string  // ACL categories: "@read @string @fast"
	tips  string  // hints for cluster clients: "request_policy:multi_shard"
	keys  keyInfo // where the key names are among the arguments
	doc   docInfo
}

// keyInfo says where a command's keys are: first, last (negative counts from the end) and
// step, the legacy form, and the same as "key specs", the 7.0 form, one per kind of key.
type keyInfo struct {
	first, last, step int
	specs             []keySpec
}

// keySpec is one 7.0 key spec: keys start at argument index and run to lastKey (relative
// to index; -1 is the last argument), every keyStep arguments.
type keySpec struct {
	flags                   string // "RO access", "RW insert", ...
	note                    string
	index, lastKey, keyStep int
}

// oneKey is a command whose single key is its first argument (GET key).
func oneKey(flags string) keyInfo {
	return keyInfo{1, 1, 1, []keySpec{{flags: flags, index: 1, keyStep: 1}}}
}

// allKeys is a command whose every step-th argument is a key (DEL k1 k2..., MSET k1 v1 k2 v2...).
func allKeys(step int, flags string) keyInfo {
	return keyInfo{1, -1, step, []keySpec{{flags: flags, index: 1, lastKey: -1, keyStep: step}}}
}

// twoKeys is a command with a source key and a destination key (RENAME src dst).
func twoKeys(sourceFlags, destinationFlags string) keyInfo {
	return keyInfo{1, 2, 1, []keySpec{{flags: sourceFlags, index: 1, keyStep: 1}, {flags: destinationFlags, index: 2, keyStep: 1}}}
}

func (k keyInfo) withNote(note string) keyInfo { k.specs[0].note = note; return k }

type docInfo struct{ group, since, summary, complexity string }

func doc(group, since, summary, complexity string) docInfo {
	return docInfo{group, since, summary, complexity}
}

func counterInfo(summary string) commandInfo {
	return commandInfo{flags: "write denyoom fast", acl: "@write @string @fast", keys: oneKey("RW access update"),
		doc: doc("string", "1.0.0", summary, "O(1)")}
}

func expireInfo(since, summary string) commandInfo {
	return commandInfo{flags: "write fast", acl: "@keyspace @write @fast", keys: oneKey("RW update"),
		doc: doc("generic", since, summary, "O(1)")}
}

func ttlInfo(tips, since, summary string) commandInfo {
	return commandInfo{flags: "readonly fast", acl: "@keyspace @read @fast", tips: tips, keys: oneKey("RO access"),
		doc: doc("generic", since, summary, "O(1)")}
}

func clientInfo(since, summary string) commandInfo {
	return commandInfo{flags: "noscript loading stale", acl: "@slow @connection", doc: doc("connection", since, summary, "O(1)")}
}
