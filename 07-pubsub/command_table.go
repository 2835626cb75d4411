package main

import "byoredis/shared/commandtable"

// commands maps a lower-case command name to its entry. Clients send names in any case
// (go-redis sends "get", people type "GET"), so lookups lower-case the name. What Redis says
// of each command (its arity and flags, where its keys are, its documentation) comes from
// Redis 7.0's own src/commands/*.json (shared/commandtable); this table says which function
// runs it here. "client|id" is the subcommand CLIENT ID of the container "client".
var commands commandtable.Table[handler]

func init() {
	commands = commandtable.New(map[string]handler{
		// Strings (commands_strings.go) and the keyspace (commands_keys.go).
		"get":      get,
		"set":      set,
		"del":      del,
		"exists":   exists,
		"dbsize":   dbsize,
		"flushdb":  flush,
		"flushall": flush,

		// Strings: step 03's exercises (commands_strings.go).
		"incr":   incr,
		"decr":   decr,
		"incrby": incrby,
		"decrby": decrby,
		"append": appendCommand,
		"strlen": strlen,
		"mget":   mget,
		"mset":   mset,
		"getdel": getdel,

		// Expiry: GETEX (commands_strings.go), then the EXPIRE and TTL families (commands_expiry.go).
		"getex":       getex,
		"expire":      expire,
		"pexpire":     pexpire,
		"expireat":    expireat,
		"pexpireat":   pexpireat,
		"ttl":         ttl,
		"pttl":        pttl,
		"expiretime":  expiretime,
		"pexpiretime": pexpiretime,
		"persist":     persist,

		// Step 04's exercises (commands_strings.go, commands_keys.go).
		"setex":  setex,
		"psetex": psetex,
		"keys":   keysCommand,
		"getset": getset,

		// Step 05's exercises (commands_strings.go, commands_keys.go).
		"setnx":    setnx,
		"msetnx":   msetnx,
		"rename":   rename,
		"renamenx": renamenx,
		"copy":     copyCommand,

		// Connection (commands_connection.go).
		"ping":           ping,
		"echo":           echo,
		"quit":           quit,
		"auth":           auth,
		"hello":          hello,
		"reset":          reset,
		"select":         selectDB,
		"client":         nil,
		"client|id":      clientID,
		"client|getname": clientGetName,
		"client|setname": clientSetName,

		// Publish/subscribe (pubsub.go).
		"subscribe":            subscribe,
		"unsubscribe":          unsubscribe,
		"psubscribe":           psubscribe,
		"punsubscribe":         punsubscribe,
		"publish":              publish,
		"pubsub":               nil,
		"pubsub|channels":      pubsubChannels,
		"pubsub|numsub":        pubsubNumsub,
		"pubsub|numpat":        pubsubNumpat,
		"pubsub|shardchannels": pubsubShardChannels,
		"pubsub|shardnumsub":   pubsubShardNumsub,
		"pubsub|help":          pubsubHelp,

		// Server (commands_server.go).
		"command":       commandAll,
		"command|count": commandCount,
		"command|info":  commandInfoCommand,
		"command|docs":  commandDocs,
		"config":        nil,
		"config|get":    configGet,
		"config|set":    owned(configSet),
		"save":          owned(save),
		"bgsave":        owned(bgsave),
		"lastsave":      lastsave,
		"bgrewriteaof":  owned(bgrewriteaof),
		"info":          info,
		"time":          timeCommand,
	})
}
