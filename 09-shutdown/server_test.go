package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"byoredis/shared/redistest"
	"byoredis/shared/resp"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func startServer(t *testing.T) string {
	return redistest.Start(t, newServer(t, Config{Bind: "127.0.0.1", MaxClients: 10000}))
}

var cmd = resp.Command

// Real Redis runs with one database, as this server has (SELECT 1 then fails on both).
var oneDatabase = []string{"--databases", "1"}

func TestGetSetDel(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("GET", "k"), Want: []string{"$-1\r\n"}},
		{Send: cmd("SET", "k", "v1"), Want: []string{"+OK\r\n"}},
		{Send: cmd("get", "k"), Want: []string{"$2\r\nv1\r\n"}},
		{Send: cmd("SET", "k", ""), Want: []string{"+OK\r\n"}},
		{Send: cmd("GET", "k"), Want: []string{"$0\r\n\r\n"}},
		{Send: cmd("SET", "bin", "a\r\n\x00b"), Want: []string{"+OK\r\n"}},
		{Send: cmd("GET", "bin"), Want: []string{"$5\r\na\r\n\x00b\r\n"}},
		{Send: cmd("EXISTS", "k", "k", "bin", "nope"), Want: []string{":3\r\n"}},
		{Send: cmd("DBSIZE"), Want: []string{":2\r\n"}},
		{Send: cmd("DEL", "k", "k", "nope"), Want: []string{":1\r\n"}},
		{Send: cmd("DBSIZE"), Want: []string{":1\r\n"}},
		{Send: cmd("FLUSHDB"), Want: []string{"+OK\r\n"}},
		{Send: cmd("DBSIZE"), Want: []string{":0\r\n"}},
		{Send: cmd("SET", "a", "1") + cmd("FLUSHALL", "async") + cmd("EXISTS", "a"), Want: []string{"+OK\r\n", "+OK\r\n", ":0\r\n"}},
		{Send: cmd("FLUSHALL", "SYNC"), Want: []string{"+OK\r\n"}},
		{Send: cmd("FLUSHDB", "FOO"), Want: []string{"-ERR syntax error\r\n"}},
		{Send: cmd("FLUSHALL", "SYNC", "ASYNC"), Want: []string{"-ERR syntax error\r\n"}},
		{Send: cmd("GET"), Want: []string{"-ERR wrong number of arguments for 'get' command\r\n"}},
		{Send: cmd("SET", "k"), Want: []string{"-ERR wrong number of arguments for 'set' command\r\n"}},
		{Send: cmd("DEL"), Want: []string{"-ERR wrong number of arguments for 'del' command\r\n"}},
		{Send: cmd("EXISTS"), Want: []string{"-ERR wrong number of arguments for 'exists' command\r\n"}},
		{Send: cmd("DBSIZE", "x"), Want: []string{"-ERR wrong number of arguments for 'dbsize' command\r\n"}},
	}, oneDatabase...)
}

func TestSetOptions(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("SET", "k", "v1", "NX"), Want: []string{"+OK\r\n"}},
		{Send: cmd("SET", "k", "v2", "nx"), Want: []string{"$-1\r\n"}},
		{Send: cmd("SET", "missing", "v", "XX"), Want: []string{"$-1\r\n"}},
		{Send: cmd("EXISTS", "missing"), Want: []string{":0\r\n"}},
		{Send: cmd("SET", "k", "v3", "XX"), Want: []string{"+OK\r\n"}},
		{Send: cmd("SET", "k", "v4", "XX", "GET"), Want: []string{"$2\r\nv3\r\n"}},
		{Send: cmd("SET", "k", "v5", "NX", "GET"), Want: []string{"$2\r\nv4\r\n"}}, // NX+GET: old value, not written
		{Send: cmd("GET", "k"), Want: []string{"$2\r\nv4\r\n"}},
		{Send: cmd("SET", "new", "v", "GET", "NX"), Want: []string{"$-1\r\n"}}, // and the key is set
		{Send: cmd("GET", "new"), Want: []string{"$1\r\nv\r\n"}},
		{Send: cmd("SET", "new2", "v", "XX", "GET"), Want: []string{"$-1\r\n"}},
		{Send: cmd("SET", "k", "v", "NX", "XX"), Want: []string{"-ERR syntax error\r\n"}},
		{Send: cmd("SET", "k", "v", "FOO"), Want: []string{"-ERR syntax error\r\n"}},
	}, oneDatabase...)
}

// HELLO's reply differs from Redis's in two fields only: the version this server reports and
// the client id (a count of connections, different on every server). Both are masked, and
// Valkey's name for itself is read as Redis's.
var helloVersionAndID = regexp.MustCompile(`(?s)\$7\r\nversion\r\n\$\d+\r\n[0-9.]+\r\n(.*?)\$2\r\nid\r\n:\d+\r\n`)

func maskHello(reply string) string {
	reply = strings.Replace(reply, "$6\r\nserver\r\n$6\r\nvalkey\r\n", "$6\r\nserver\r\n$5\r\nredis\r\n", 1)
	return helloVersionAndID.ReplaceAllString(reply, "$$7\r\nversion\r\nVERSION\r\n$1$$2\r\nid\r\nID\r\n")
}

func helloReply(header string, proto int) string {
	return header + "$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\nVERSION\r\n$5\r\nproto\r\n" +
		fmt.Sprintf(":%d\r\n", proto) + "$2\r\nid\r\nID\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
}

func TestHello(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("HELLO"), Want: []string{helloReply("*14\r\n", 2)}, Normalize: maskHello},
		{Send: cmd("GET", "missing"), Want: []string{"$-1\r\n"}},
		{Send: cmd("hello", "3"), Want: []string{helloReply("%7\r\n", 3)}, Normalize: maskHello},
		{Send: cmd("GET", "missing"), Want: []string{"_\r\n"}}, // RESP3 null
		{Send: cmd("HELLO"), Want: []string{helloReply("%7\r\n", 3)}, Normalize: maskHello},
		{Send: cmd("HELLO", "2", "SETNAME", "myconn"), Want: []string{helloReply("*14\r\n", 2)}, Normalize: maskHello},
		{Send: cmd("CLIENT", "GETNAME"), Want: []string{"$6\r\nmyconn\r\n"}},
		{Send: cmd("HELLO", "3", "AUTH", "default", "anything"), Want: []string{helloReply("%7\r\n", 3)}, Normalize: maskHello},
		{Send: cmd("HELLO", "2", "AUTH", "bob", "pw"), Want: []string{"-WRONGPASS invalid username-password pair or user is disabled.\r\n"}},
		{Send: cmd("HELLO", "1"), Want: []string{"-NOPROTO unsupported protocol version\r\n"}},
		{Send: cmd("HELLO", "4"), Want: []string{"-NOPROTO unsupported protocol version\r\n"}},
		{Send: cmd("HELLO", "abc"), Want: []string{"-ERR Protocol version is not an integer or out of range\r\n"}},
		{Send: cmd("HELLO", "3", "FOO"), Want: []string{"-ERR Syntax error in HELLO option 'FOO'\r\n"}},
		{Send: cmd("HELLO", "3", "SETNAME"), Want: []string{"-ERR Syntax error in HELLO option 'SETNAME'\r\n"}},
		{Send: cmd("HELLO", "2", "AUTH", "default"), Want: []string{"-ERR Syntax error in HELLO option 'AUTH'\r\n"}},
		{Send: cmd("HELLO", "3", "SETNAME", "a b"), Want: []string{"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"}},
		{Send: cmd("GET", "missing"), Want: []string{"_\r\n"}}, // a failed HELLO changed nothing
	}, oneDatabase...)
}

func TestSelectAndClient(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("SELECT", "0"), Want: []string{"+OK\r\n"}},
		{Send: cmd("SELECT", "1"), Want: []string{"-ERR DB index is out of range\r\n"}},
		{Send: cmd("SELECT", "x"), Want: []string{"-ERR value is not an integer or out of range\r\n"}},
		{Send: cmd("CLIENT", "GETNAME"), Want: []string{"$-1\r\n"}},
		{Send: cmd("client", "setname", "worker-1"), Want: []string{"+OK\r\n"}},
		{Send: cmd("CLIENT", "GETNAME"), Want: []string{"$8\r\nworker-1\r\n"}},
		{Send: cmd("CLIENT", "SETNAME", ""), Want: []string{"+OK\r\n"}},
		{Send: cmd("CLIENT", "GETNAME"), Want: []string{"$-1\r\n"}},
		{Send: cmd("CLIENT", "SETNAME", "a b"), Want: []string{"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"}},
		{Send: cmd("CLIENT", "SETNAME", "a\nb"), Want: []string{"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"}},
		{Send: cmd("CLIENT"), Want: []string{"-ERR wrong number of arguments for 'client' command\r\n"}},
		{Send: cmd("CLIENT", "ID", "x"), Want: []string{"-ERR wrong number of arguments for 'client|id' command\r\n"}},
		{Send: cmd("CLIENT", "SETNAME"), Want: []string{"-ERR wrong number of arguments for 'client|setname' command\r\n"}},
		// Redis 7.0 has no CLIENT SETINFO (7.2 added it); go-redis sends it and ignores the error.
		{Send: cmd("CLIENT", "SETINFO", "LIB-NAME", "go-redis"), Want: []string{"-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n"},
			Since: map[string][]string{"7.2": {"+OK\r\n"}}}, // CLIENT SETINFO came in Redis 7.2
	}, oneDatabase...)
}

func TestClientIDsAreUniqueAndIncreasing(t *testing.T) {
	addr := startServer(t)
	first := redistest.Dial(t, addr).Do("CLIENT", "ID")
	second := redistest.Dial(t, addr).Do("client", "id")
	require.Equal(t, resp.Integer, first.Kind)
	assert.Greater(t, second.Int, first.Int)
	hello := redistest.Dial(t, addr).Do("HELLO", "3")
	require.Equal(t, resp.Map, hello.Kind)
	assert.Equal(t, "id", hello.Elems[6].Str)
	assert.Greater(t, hello.Elems[7].Int, second.Int)
}

// COMMAND INFO gives Redis's own description of each command, byte for byte, in both
// protocols. The containers (CLIENT, CONFIG, COMMAND) list only the subcommands this server
// has, so they are compared field by field in TestCommandInfoContainers instead.
func TestCommandInfo(t *testing.T) {
	var exchanges []redistest.Exchange
	for _, proto := range []string{"2", "3"} {
		exchanges = append(exchanges, redistest.Exchange{Send: cmd("HELLO", proto), Want: []string{"HELLO"}, Normalize: func(string) string { return "HELLO" }})
		for _, name := range commands.Names() {
			if commands[name].Subcommands != nil {
				continue
			}
			info := commandInfoFromRedis(t, name, proto)
			exchanges = append(exchanges, redistest.Exchange{Send: cmd("COMMAND", "INFO", name), Want: []string{info}, Since: commandInfoSince(name, info)})
		}
		exchanges = append(exchanges, redistest.Exchange{Send: cmd("COMMAND", "INFO", "get", "nosuch"), Want: []string{commandInfoFromRedis(t, "get nosuch", proto)}})
	}
	redistest.Differential(t, startServer(t), exchanges, oneDatabase...)
}

// commandInfoSince is how later versions changed a command's entry (info, as Redis 7.0 has it),
// where they did: 7.2 dropped MSETNX's tips and WAIT's noscript flag, and 7.4 and Valkey made
// WAIT blocking.
func commandInfoSince(name, info string) map[string][]string {
	set := "*"
	if strings.Contains(info, "~") {
		set = "~" // RESP3
	}
	switch name {
	case "msetnx":
		tips := set + "2\r\n$26\r\nrequest_policy:multi_shard\r\n$23\r\nresponse_policy:agg_min\r\n"
		return map[string][]string{"7.2": {strings.Replace(info, tips, set+"0\r\n", 1)}}
	case "wait":
		noscript, categories := set+"1\r\n+noscript\r\n", set+"2\r\n+@slow\r\n+@connection\r\n"
		blocking := strings.Replace(strings.Replace(info, noscript, set+"1\r\n+blocking\r\n", 1), categories, set+"3\r\n+@slow\r\n+@blocking\r\n+@connection\r\n", 1)
		return map[string][]string{"7.2": {strings.Replace(info, noscript, set+"0\r\n", 1)}, "7.4": {blocking}, "valkey": {blocking}}
	}
	return nil
}

// commandInfoFromRedis is what our server must send for COMMAND INFO: the test computes it
// from our own table, and Differential then requires real Redis to send the same.
func commandInfoFromRedis(t *testing.T, names, proto string) string {
	addr := startServer(t)
	conn := redistest.Dial(t, addr)
	conn.Do("HELLO", proto)
	return conn.RawReplyTo(append([]string{"COMMAND", "INFO"}, strings.Fields(names)...)...)
}

func TestCommandInfoContainers(t *testing.T) {
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		conn := redistest.Dial(t, addr)
		for _, name := range []string{"client", "command", "config", "pubsub"} {
			entry := conn.Do("COMMAND", "INFO", name).Elems[0]
			require.Len(t, entry.Elems, 10)
			ours := commands[name]
			assert.Equal(t, name, entry.Elems[0].Str)
			assert.Equal(t, int64(ours.Arity), entry.Elems[1].Int)
			var subcommands []string
			for _, sub := range entry.Elems[9].Elems {
				subcommands = append(subcommands, sub.Elems[0].Str)
			}
			for _, sub := range ours.Subcommands {
				assert.Contains(t, subcommands, sub.Name)
			}
		}
	}, oneDatabase...)
}

// COMMAND DOCS of a command and a container, as Redis sends them (every command's whole
// documentation, arguments included, is compared with Redis 7.0's in shared/commandtable).
func TestCommandDocs(t *testing.T) {
	fields := func(t *testing.T, addr string) map[string]string {
		docs := redistest.Dial(t, addr).Do("COMMAND", "DOCS", "get", "nosuch", "client")
		got := map[string]string{}
		for i := 0; i < len(docs.Elems); i += 2 {
			name, doc := docs.Elems[i].Str, docs.Elems[i+1].Elems
			for j := 0; j < len(doc); j += 2 {
				if key := doc[j].Str; key != "arguments" && key != "subcommands" {
					got[name+"."+key] = doc[j+1].Str
				}
			}
		}
		return got
	}
	ours := fields(t, startServer(t))
	assert.Equal(t, "Get the value of a key", ours["get.summary"])
	assert.Len(t, ours, 8, "summary, since, group and complexity of get and client: %v", ours)
	t.Run("redis", func(t *testing.T) {
		addr := redistest.StartRedis(t)
		if redistest.RedisAtLeast(addr, 7, 2) { // 7.2 rewrote the summaries
			ours["get.summary"], ours["client.summary"] = "Returns the string value of a key.", "A container for client connection commands."
		}
		assert.Equal(t, ours, fields(t, addr))
	})
}

func TestCommandCount(t *testing.T) {
	conn := redistest.Dial(t, startServer(t))
	assert.Equal(t, int64(len(commands)), conn.Do("COMMAND", "COUNT").Int)
	assert.Len(t, conn.Do("COMMAND").Elems, len(commands))
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("COMMAND", "COUNT", "x"), Want: []string{"-ERR wrong number of arguments for 'command|count' command\r\n"}},
		{Send: cmd("COMMAND", "FOO"), Want: []string{"-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n"}},
	})
}

func TestConfigGet(t *testing.T) {
	addr := startServer(t)
	redistest.Differential(t, addr, []redistest.Exchange{
		{Send: cmd("CONFIG", "GET", "save"), Want: []string{"*2\r\n$4\r\nsave\r\n$0\r\n\r\n"}},
		{Send: cmd("CONFIG", "GET", "appendonly"), Want: []string{"*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"}},
		{Send: cmd("config", "get", "DATABASES"), Want: []string{"*2\r\n$9\r\nDATABASES\r\n$1\r\n1\r\n"}}, // an exact name comes back as sent
		{Send: cmd("CONFIG", "GET", "data*"), Want: []string{"*2\r\n$9\r\ndatabases\r\n$1\r\n1\r\n"}},
		{Send: cmd("CONFIG", "GET", "SAVE", "save"), Want: []string{"*2\r\n$4\r\nSAVE\r\n$0\r\n\r\n"}},
		{Send: cmd("CONFIG", "GET", "maxclients"), Want: []string{"*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n"}},
		{Send: cmd("CONFIG", "GET", "nosuchparam"), Want: []string{"*0\r\n"}},
		{Send: cmd("HELLO", "3") + cmd("CONFIG", "GET", "save"), Want: []string{"HELLO", "%1\r\n$4\r\nsave\r\n$0\r\n\r\n"},
			Normalize: func(r string) string { return map[bool]string{true: "HELLO", false: r}[strings.Contains(r, "server")] }},
		{Send: cmd("CONFIG"), Want: []string{"-ERR wrong number of arguments for 'config' command\r\n"}},
		{Send: cmd("CONFIG", "GET"), Want: []string{"-ERR wrong number of arguments for 'config|get' command\r\n"}},
	}, oneDatabase...)

	port := redistest.Dial(t, addr).Do("CONFIG", "GET", "port")
	assert.Equal(t, []string{"port", strings.Split(addr, ":")[1]}, []string{port.Elems[0].Str, port.Elems[1].Str})
}

func TestInfo(t *testing.T) {
	addr := startServer(t)
	redistest.Differential(t, addr, []redistest.Exchange{
		{Send: cmd("INFO", "keyspace"), Want: []string{"$12\r\n# Keyspace\r\n\r\n"}},
		{Send: cmd("SET", "a", "1") + cmd("SET", "b", "2"), Want: []string{"+OK\r\n", "+OK\r\n"}},
		{Send: cmd("INFO", "KEYSPACE"), Want: []string{"$44\r\n# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\n\r\n"},
			Since: map[string][]string{"7.4": {"$56\r\n# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0,subexpiry=0\r\n\r\n"}}}, // 7.4: hash fields' expiry
		{Send: cmd("HELLO", "3") + cmd("INFO", "keyspace"), Want: []string{"HELLO", "=48\r\ntxt:# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\n\r\n"},
			Since:     map[string][]string{"7.4": {"HELLO", "=60\r\ntxt:# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0,subexpiry=0\r\n\r\n"}},
			Normalize: func(r string) string { return map[bool]string{true: "HELLO", false: r}[strings.Contains(r, "server")] }},
		{Send: cmd("INFO", "nosuchsection"), Want: []string{"=4\r\ntxt:\r\n"}},
	}, oneDatabase...)

	// The full report: sections in Redis's order, separated by a blank line.
	report := redistest.Dial(t, addr).Do("INFO").Str
	assert.Regexp(t, `^# Server\r\nredis_version:7\.0\.0\r\n(?s:.*)\r\n\r\n# Clients\r\nconnected_clients:\d+\r\n(?s:.*)\r\n\r\n# Stats\r\n(?s:.*)\r\nexpired_keys:0\r\n(?s:.*)\r\n\r\n# Keyspace\r\ndb0:keys=2,`, report)
	assert.Contains(t, report, "tcp_port:"+strings.Split(addr, ":")[1]+"\r\n")
}

// INFO all has Redis 7.0's sections and fields, and the same counts of
// calls and errors after the same commands. Values that depend on the machine and the
// moment (times, memory, ids) are left out; so is the Latencystats section (see info.go).
func TestInfoHasRedisFields(t *testing.T) {
	usec := regexp.MustCompile(`usec=\d+,usec_per_call=[\d.]+`)
	report := func(t *testing.T, addr string) []string {
		conn := redistest.Dial(t, addr)
		for _, command := range [][]string{{"SET", "a", "1"}, {"GET", "a"}, {"NOPE"}, {"GET"},
			{"SET", "a", "1", "NX", "XX"}, {"CLIENT", "SETNAME", "x"}, {"CLIENT", "SETNAME", "a b"}} {
			conn.Do(command...)
		}
		var lines, commandStats []string
		section := ""
		for _, line := range strings.Split(conn.Do("INFO", "all").Str, "\r\n") {
			name, value, _ := strings.Cut(line, ":")
			switch {
			case strings.HasPrefix(line, "# "):
				section = line
				if section != "# Latencystats" {
					lines = append(lines, line)
				}
			case line == "" || section == "# Latencystats":
			case section == "# Commandstats": // in each server's hash table order
				commandStats = append(commandStats, name+":"+usec.ReplaceAllString(value, "usec=N"))
			case section == "# Errorstats" || section == "# Keyspace":
				lines = append(lines, name+":"+usec.ReplaceAllString(value, "usec=N"))
			default:
				lines = append(lines, name)
			}
		}
		sort.Strings(commandStats)
		return append(lines, commandStats...)
	}
	ours := report(t, startServer(t))
	redis := redistest.StartRedis(t, oneDatabase...)
	redistest.AssertSameFields(t, redis, report(t, redis), ours)
}

// Many clients writing one key at once: SET NX lets exactly one of them win.
func TestSetNXHasOneWinner(t *testing.T) {
	addr := startServer(t)
	var wg sync.WaitGroup
	wins := make(chan int, 50)
	for i := range 50 {
		wg.Go(func() {
			if redistest.Dial(t, addr).Do("SET", "lock", fmt.Sprint(i), "NX").Str == "OK" {
				wins <- i
			}
		})
	}
	wg.Wait()
	close(wins)
	require.Len(t, wins, 1)
	assert.Equal(t, fmt.Sprint(<-wins), redistest.Dial(t, addr).Do("GET", "lock").Str)
}

// Concurrent clients on their own keys never see each other's writes or lose their own
// (run with -race, as make test does, this also checks the locking).
func TestConcurrentClients(t *testing.T) {
	addr := startServer(t)
	var wg sync.WaitGroup
	for c := range 20 {
		wg.Go(func() {
			conn := redistest.Dial(t, addr)
			for i := range 100 {
				key, value := fmt.Sprintf("c%d:k%d", c, i%10), fmt.Sprint(i)
				conn.Send(cmd("SET", key, value) + cmd("GET", key))
				conn.Expect("+OK\r\n", fmt.Sprintf("$%d\r\n%s\r\n", len(value), value))
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(200), redistest.Dial(t, addr).Do("DBSIZE").Int)
}

// go-redis with default options connects with HELLO 3 and works as it does with Redis.
func TestGoRedis(t *testing.T) {
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		ctx := context.Background()
		client := redistest.Client(t, addr)
		require.NoError(t, client.Set(ctx, "k", "v", 0).Err())
		assert.Equal(t, "v", client.Get(ctx, "k").Val())
		assert.ErrorIs(t, client.Get(ctx, "missing").Err(), redis.Nil)
		assert.True(t, client.SetNX(ctx, "k2", "x", 0).Val())
		assert.False(t, client.SetNX(ctx, "k2", "y", 0).Val())
		assert.Equal(t, int64(2), client.Exists(ctx, "k", "k2", "nope").Val())
		assert.Equal(t, int64(2), client.DBSize(ctx).Val())
		assert.Equal(t, int64(1), client.Del(ctx, "k").Val())
		assert.Contains(t, client.Info(ctx, "keyspace").Val(), "db0:keys=1,")
		assert.Equal(t, map[string]string{"appendonly": "no"}, client.ConfigGet(ctx, "appendonly").Val())
		require.NoError(t, client.FlushDB(ctx).Err())
		assert.Equal(t, int64(0), client.DBSize(ctx).Val())

		// With a client name and DB 0 it also sends CLIENT SETNAME and SELECT on connect.
		named := redis.NewClient(&redis.Options{Addr: addr, ClientName: "named-client", DB: 0})
		defer named.Close()
		assert.Equal(t, "named-client", named.ClientGetName(ctx).Val())
	}, oneDatabase...)
}

// redis-cli prints the same for our server as for Redis, in RESP2 and with -3 (RESP3).
func TestRedisCLI(t *testing.T) {
	var outputs []string
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		script := "SET greeting hello\nGET greeting\nGET missing\nEXISTS greeting\nDEL greeting\nCLIENT GETNAME\nNOPE\n"
		plain := redistest.RedisCLIStdin(t, addr, script)
		resp3 := redistest.RedisCLIStdin(t, addr, script, "-3")
		assert.Equal(t, "OK\nhello\n\n1\n1\n\nERR unknown command 'NOPE', with args beginning with: \n\n", plain)
		outputs = append(outputs, plain, resp3)
	}, oneDatabase...)
	if len(outputs) == 4 {
		assert.Equal(t, outputs[1], outputs[3], "redis-cli -3 prints the same for both servers")
	}
}

// redis-benchmark runs its ping, set and get tests (PING_INLINE included) against the server.
func TestRedisBenchmark(t *testing.T) {
	out := redistest.RedisBenchmark(t, startServer(t), "-t", "ping,set,get", "-n", "20000", "-c", "20", "-q")
	for _, test := range []string{"PING_INLINE", "PING_MBULK", "SET", "GET"} {
		assert.Regexp(t, regexp.MustCompile(`(^|[\r\n])`+test+`: [0-9.]+ requests per second`), out)
	}
	assert.NotContains(t, out, "WARNING", "redis-benchmark could read the server's CONFIG")
}

// When the process runs out of file descriptors, Accept fails; the server logs it and goes
// on, as Redis does, and the client waiting in the backlog is served once it can be.
func TestServerOutlivesFailedAccepts(t *testing.T) {
	addr := redistest.StartOn(t, newServer(t, Config{Bind: "127.0.0.1", MaxClients: 10000}), redistest.OutOfDescriptors(redistest.Listen(t), 3))
	assert.Equal(t, "PONG", redistest.Dial(t, addr).Do("PING").Str)
}

// CONFIG SET maxclients takes effect for the next connection: with 2, a third client is
// refused with Redis's error, as Redis refuses it.
func TestConfigSetMaxclients(t *testing.T) {
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		first := redistest.Dial(t, addr)
		assert.Equal(t, "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive\r\n",
			first.RawReplyTo("CONFIG", "SET", "maxclients", "0"))
		require.Equal(t, "OK", first.Do("CONFIG", "SET", "maxclients", "2").Str)
		assert.Equal(t, "2", first.Do("CONFIG", "GET", "maxclients").Elems[1].Str)
		second := redistest.Dial(t, addr)
		assert.Equal(t, "PONG", second.Do("PING").Str)
		third := redistest.Dial(t, addr)
		assert.Equal(t, "-ERR max number of clients reached\r\n", third.RawReply())
		require.Equal(t, "OK", first.Do("CONFIG", "SET", "maxclients", "10000").Str)
	}, oneDatabase...)
}

// CONFIG SET port and bind move where the server listens while its clients stay connected,
// and a port or an address it cannot listen on changes nothing (as Redis's own
// tests/unit/networking.tcl checks).
func TestConfigSetPortAndBind(t *testing.T) {
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		conn := redistest.Dial(t, addr)
		taken, err := net.Listen("tcp", "127.0.0.1:0") // a port another program holds
		require.NoError(t, err)
		defer taken.Close()
		takenPort := strconv.Itoa(taken.Addr().(*net.TCPAddr).Port)
		assert.Equal(t, "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n",
			conn.RawReplyTo("CONFIG", "SET", "port", takenPort))
		assert.Equal(t, "PONG", redistest.Dial(t, addr).Do("PING").Str, "still listening where it was")
		assert.Equal(t, "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n",
			conn.RawReplyTo("CONFIG", "SET", "bind", "999.999.999.999"))
		assert.Equal(t, "-ERR CONFIG SET failed (possibly related to argument 'bind') - Too many bind addresses specified.\r\n",
			conn.RawReplyTo("CONFIG", "SET", "bind", strings.Repeat("127.0.0.1 ", 17)))
		assert.Equal(t, "-ERR CONFIG SET failed (possibly related to argument 'port') - argument must be between 0 and 65535 inclusive\r\n",
			conn.RawReplyTo("CONFIG", "SET", "port", "65536"))
		assert.Equal(t, "PONG", redistest.Dial(t, addr).Do("PING").Str, "still listening where it was")

		port, err := redistest.FreePort()
		require.NoError(t, err)
		moved := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		require.Equal(t, "+OK\r\n", conn.RawReplyTo("CONFIG", "SET", "port", strconv.Itoa(port)))
		assert.Equal(t, strconv.Itoa(port), conn.Do("CONFIG", "GET", "port").Elems[1].Str, "the client that moved it stays")
		assert.Equal(t, "PONG", redistest.Dial(t, moved).Do("PING").Str)
		_, err = net.Dial("tcp", addr)
		assert.Error(t, err, "the old port is closed")

		// An address after "-" is optional: skipped where this machine does not have it
		// (192.0.2.1 is reserved for documentation). No address listens on nothing.
		require.Equal(t, "+OK\r\n", conn.RawReplyTo("CONFIG", "SET", "bind", "127.0.0.1 -192.0.2.1"))
		assert.Equal(t, "127.0.0.1 -192.0.2.1", conn.Do("CONFIG", "GET", "bind").Elems[1].Str)
		assert.Equal(t, "PONG", redistest.Dial(t, moved).Do("PING").Str)
		require.Equal(t, "+OK\r\n", conn.RawReplyTo("CONFIG", "SET", "bind", ""))
		_, err = net.Dial("tcp", moved)
		assert.Error(t, err, "no address: nothing listens")
		require.Equal(t, "+OK\r\n", conn.RawReplyTo("CONFIG", "SET", "bind", "127.0.0.1"))
		assert.Equal(t, "PONG", redistest.Dial(t, moved).Do("PING").Str)
		require.Equal(t, "+OK\r\n", conn.RawReplyTo("CONFIG", "SET", "port", "0"))
		_, err = net.Dial("tcp", moved)
		assert.Error(t, err, "port 0: nothing listens")
		assert.Equal(t, "PONG", conn.Do("PING").Str)
	}, oneDatabase...)
}

// hz stays between 1 and 500, set at start or by CONFIG SET, as in Redis, and INFO shows it.
func TestConfigSetHz(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("CONFIG", "SET", "hz", "0") + cmd("CONFIG", "GET", "hz"), Want: []string{"+OK\r\n", "*2\r\n$2\r\nhz\r\n$1\r\n1\r\n"}},
		{Send: cmd("CONFIG", "SET", "hz", "1000") + cmd("CONFIG", "GET", "hz"), Want: []string{"+OK\r\n", "*2\r\n$2\r\nhz\r\n$3\r\n500\r\n"}},
		{Send: cmd("CONFIG", "SET", "hz", "x"), Want: []string{"-ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer\r\n"}},
		{Send: cmd("CONFIG", "SET", "hz", "-1"), Want: []string{"-ERR CONFIG SET failed (possibly related to argument 'hz') - argument must be between 0 and 2147483647 inclusive\r\n"}},
		{Send: cmd("CONFIG", "SET", "hz", "20"), Want: []string{"+OK\r\n"}},
	}, oneDatabase...)
	fast := redistest.Start(t, newServer(t, Config{Bind: "127.0.0.1", MaxClients: 100, Hz: 1000}))
	redistest.Both(t, fast, func(t *testing.T, addr string) {
		assert.Equal(t, "500", redistest.Dial(t, addr).Do("CONFIG", "GET", "hz").Elems[1].Str, "started with hz 1000")
	}, "--hz", "1000")
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		conn := redistest.Dial(t, addr)
		require.Equal(t, "OK", conn.Do("CONFIG", "SET", "hz", "50").Str)
		info := conn.Do("INFO", "server").Str
		assert.Contains(t, info, "\r\nhz:50\r\n")
		assert.Contains(t, info, "\r\nconfigured_hz:50\r\n")
	}, oneDatabase...)
}

// BenchmarkRequestPath measures SET and GET, half each, on 100,000 keys of 16-byte values,
// one request at a time and in pipelines of 16, on this server and on a real Redis. The
// client allocates nothing per request, so allocs/op is the server's alone (0 for Redis,
// another process). Run it on one core so that both servers get the same machine:
//
//	taskset -c 0 go test -run '^$' -bench RequestPath -count 3
func BenchmarkRequestPath(b *testing.B) {
	ours := redistest.Start(b, newServer(b, Config{Bind: "127.0.0.1", MaxClients: 10000}))
	real := redistest.StartRedis(b)
	for _, pipeline := range []int{1, 16} {
		b.Run(fmt.Sprintf("pipeline=%d/ours", pipeline), func(b *testing.B) { benchmarkRequestPath(b, ours, pipeline) })
		b.Run(fmt.Sprintf("pipeline=%d/redis", pipeline), func(b *testing.B) { benchmarkRequestPath(b, real, pipeline) })
	}
}

func benchmarkRequestPath(b *testing.B, addr string, pipeline int) {
	const keys = 100_000
	value := strings.Repeat("v", 16)
	conn := redistest.Dial(b, addr).Net()
	key := func(i int) string { return fmt.Sprintf("key:%012d", i) }
	var fill []byte
	for i := range keys {
		fill = append(fill, cmd("SET", key(i), value)...)
	}
	_, err := conn.Write(fill)
	require.NoError(b, err)
	_, err = io.ReadFull(conn, make([]byte, keys*len("+OK\r\n")))
	require.NoError(b, err)

	// Batches made in advance, of random keys; every GET finds its key, so the replies'
	// length is known and reading them allocates nothing.
	rng := rand.New(rand.NewPCG(1, 2))
	batches := make([][]byte, 1024)
	replyLen := pipeline/2*len("+OK\r\n") + (pipeline-pipeline/2)*len("$16\r\n"+value+"\r\n")
	for i := range batches {
		for j := range pipeline {
			if j%2 == 1 {
				batches[i] = append(batches[i], cmd("SET", key(rng.IntN(keys)), value)...)
			} else {
				batches[i] = append(batches[i], cmd("GET", key(rng.IntN(keys)))...)
			}
		}
	}
	replies := make([]byte, replyLen)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += pipeline {
		if _, err := conn.Write(batches[i/pipeline%len(batches)]); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(conn, replies); err != nil {
			b.Fatal(err)
		}
	}
}
