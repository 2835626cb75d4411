package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"byoredis/shared/redistest"
	"byoredis/shared/resp"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The persistence and replication directives Redis 7.0 lets CONFIG SET change are settable
// here too, with Redis's replies to good and bad values, and CONFIG GET answers to Redis's
// old names (slaveof, repl-ping-slave-period).
func TestConfigSetDirectives(t *testing.T) {
	failed := func(name, why string) string {
		return fmt.Sprintf("-ERR CONFIG SET failed (possibly related to argument '%s') - %s\r\n", name, why)
	}
	pair := func(name, value string) string {
		return fmt.Sprintf("*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(name), name, len(value), value)
	}
	var exchanges []redistest.Exchange
	for _, d := range []struct{ name, value, shown, bad, why string }{
		{"save", "100 1 200 2", "100 1 200 2", "100", "Invalid save parameters"},
		{"rdbcompression", "no", "no", "maybe", "argument must be 'yes' or 'no'"},
		{"appendfsync", "ALWAYS", "always", "sometimes", "argument(s) must be one of the following: everysec, always, no"},
		{"aof-load-truncated", "no", "no", "1", "argument must be 'yes' or 'no'"},
		{"auto-aof-rewrite-percentage", "50", "50", "-1", "argument must be between 0 and 2147483647 inclusive"},
		{"auto-aof-rewrite-min-size", "1mb", "1048576", "1x", "argument must be a memory value"},
		{"aof-use-rdb-preamble", "no", "no", "nope", "argument must be 'yes' or 'no'"},
		{"repl-backlog-size", "1", "16384", "0", "argument must be between 1 and 9223372036854775807 inclusive"},
		{"repl-backlog-size", "2mb", "2097152", "-5", "argument must be a memory value"},
		{"repl-diskless-sync", "no", "no", "on", "argument must be 'yes' or 'no'"},
		{"repl-diskless-sync-delay", "0", "0", "-1", "argument must be between 0 and 2147483647 inclusive"},
		{"repl-ping-replica-period", "3", "3", "0", "argument must be between 1 and 2147483647 inclusive"},
		{"repl-ping-slave-period", "4", "4", "x", "argument couldn't be parsed into an integer"},
		{"repl-timeout", "30", "30", "0", "argument must be between 1 and 2147483647 inclusive"},
		{"shutdown-timeout", "3", "3", "abc", "argument couldn't be parsed into an integer"},
	} {
		exchanges = append(exchanges,
			redistest.Exchange{Send: cmd("CONFIG", "SET", d.name, d.value) + cmd("CONFIG", "GET", d.name),
				Want: []string{"+OK\r\n", pair(d.name, d.shown)}},
			redistest.Exchange{Send: cmd("CONFIG", "SET", d.name, d.bad) + cmd("CONFIG", "GET", d.name),
				Want: []string{failed(d.name, d.why), pair(d.name, d.shown)}})
	}
	exchanges = append(exchanges,
		redistest.Exchange{Send: cmd("CONFIG", "GET", "repl-ping-replica-period") + cmd("CONFIG", "GET", "slaveof"),
			Want: []string{pair("repl-ping-replica-period", "4"), pair("slaveof", "")}},
		redistest.Exchange{Send: cmd("CONFIG", "SET", "slaveof", "127.0.0.1 1"), Want: []string{failed("slaveof", "can't set immutable config")}},
		redistest.Exchange{Send: cmd("CONFIG", "SET", "repl-timeout", "7", "repl-timeout", "8"), Want: []string{failed("repl-timeout", "duplicate parameter")}},
		redistest.Exchange{Send: cmd("CONFIG", "SET", "dir", "/tmp"), Want: []string{failed("dir", "can't set protected config")}},
		redistest.Exchange{Send: cmd("CONFIG", "SET", "DBFILENAME", "x.rdb"), Want: []string{failed("DBFILENAME", "can't set protected config")}},
		redistest.Exchange{Send: cmd("CONFIG", "SET", "save", "", "appendfsync", "everysec") + cmd("CONFIG", "GET", "save"),
			Want: []string{"+OK\r\n", pair("save", "")}},
	)
	redistest.Differential(t, startServer(t), exchanges, oneDatabase...)

	// A pattern finds a directive under both its names (in each server's own order).
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		found := redistest.Dial(t, addr).Do("CONFIG", "GET", "repl-ping-*")
		var names []string
		for i := 0; i < len(found.Elems); i += 2 {
			names = append(names, found.Elems[i].Str)
		}
		assert.ElementsMatch(t, []string{"repl-ping-replica-period", "repl-ping-slave-period"}, names)
	}, oneDatabase...)
}

// CONFIG SET save adds a save point to a server started without one, and it is kept: the
// next write is saved once its time has passed, as Redis's serverCron saves it.
func TestConfigSetSaveStartsSaving(t *testing.T) {
	t.Parallel() // it waits for the server to save
	_, addr := rdbServer(t, t.TempDir())
	redistest.Both(t, addr, func(t *testing.T, addr string) {
		conn := redistest.Dial(t, addr)
		require.Equal(t, "OK", conn.Do("CONFIG", "SET", "save", "1 1").Str)
		conn.Do("SET", "k", "v")
		// Redis gives no signal for a save but INFO: ask every 50 ms.
		assert.Eventually(t, func() bool {
			return strings.Contains(conn.Do("INFO", "persistence").Str, "rdb_changes_since_last_save:0\r\n")
		}, 10*time.Second, 50*time.Millisecond, "no save within 10 seconds of a write with save 1 1")
	})
}

// CONFIG SET repl-diskless-sync and repl-diskless-sync-delay decide how the next full sync
// is sent: an RDB streamed with an EOF mark, or one of known length from a file.
func TestConfigSetDisklessSync(t *testing.T) {
	t.Parallel() // it waits for a snapshot
	_, addr := rdbServer(t, t.TempDir())
	redistest.Both(t, addr, func(t *testing.T, addr string) {
		for _, diskless := range []string{"yes", "no"} {
			conn := redistest.Dial(t, addr)
			require.Equal(t, "OK", conn.Do("CONFIG", "SET", "repl-diskless-sync", diskless, "repl-diskless-sync-delay", "0").Str)
			conn.Do("REPLCONF", "capa", "eof", "capa", "psync2")
			conn.Send(cmd("PSYNC", "?", "-1")) // read line by line from here: the snapshot follows
			assert.True(t, strings.HasPrefix(conn.ReadLine(), "+FULLRESYNC "))
			line := strings.TrimRight(conn.ReadLine(), "\r\n")
			for line == "" { // a newline now and then while the snapshot is prepared
				line = strings.TrimRight(conn.ReadLine(), "\r\n")
			}
			if diskless == "yes" {
				assert.Regexp(t, `^\$EOF:[0-9a-f]{40}$`, line)
			} else {
				assert.Regexp(t, `^\$\d+$`, line)
			}
		}
	})
}

// The backlog's new size shows in INFO, as repl_backlog_size.
func TestConfigSetBacklogSize(t *testing.T) {
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		conn := redistest.Dial(t, addr)
		require.Equal(t, "OK", conn.Do("CONFIG", "SET", "repl-backlog-size", "3mb").Str)
		assert.Contains(t, conn.Do("INFO", "replication").Str, "repl_backlog_size:3145728\r\n")
	})
}

// PSYNC behind other commands in one pipeline is refused, as Redis refuses it: their replies
// are still waiting to be sent, and would land in the middle of the stream.
func TestPsyncAfterPendingReplies(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("PING") + cmd("PSYNC", "?", "-1"), Want: []string{"+PONG\r\n", "-ERR SYNC and PSYNC are invalid with pending output\r\n"}},
		{Send: cmd("ECHO", "x") + cmd("SYNC"), Want: []string{"$1\r\nx\r\n", "-ERR SYNC and PSYNC are invalid with pending output\r\n"}},
	}, oneDatabase...)
}

// CONFIG SET appendonly yes turns the file on as Redis does: a rewrite writes the dataset as
// the first base, and from then on writes are logged. No turns it off and leaves the files as
// they are; yes again writes the next base and incr, and the old files go. A server started
// on the files has every key.
func TestConfigSetAppendonly(t *testing.T) {
	t.Parallel() // it waits for rewrites
	aofArgs := []string{"--aof-use-rdb-preamble", "no"}
	run := func(t *testing.T, addr, dir string) {
		conn := redistest.Dial(t, addr)
		manifest := filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest")
		conn.Do("SET", "a", "1")
		require.Equal(t, "OK", conn.Do("CONFIG", "SET", "appendonly", "yes").Str)
		waitForRedisRewrite(t, conn)
		assert.Equal(t, "yes", conn.Do("CONFIG", "GET", "appendonly").Elems[1].Str)
		assert.Equal(t, twoFiles, readFile(t, manifest))
		conn.Do("SET", "b", "2")
		incr := filepath.Join(dir, "appendonlydir", "appendonly.aof.1.incr.aof")
		assert.Equal(t, resp.Command("SELECT", "0")+resp.Command("SET", "b", "2"), readFile(t, incr))

		require.Equal(t, "OK", conn.Do("CONFIG", "SET", "appendonly", "no").Str)
		conn.Do("SET", "c", "3")
		assert.Equal(t, resp.Command("SELECT", "0")+resp.Command("SET", "b", "2"), readFile(t, incr), "a write with the file off")
		assert.Contains(t, conn.Do("INFO", "persistence").Str, "aof_enabled:0\r\n")

		require.Equal(t, "OK", conn.Do("CONFIG", "SET", "appendonly", "yes").Str)
		waitForRedisRewrite(t, conn)
		assert.Equal(t, "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n", readFile(t, manifest))
		assert.False(t, fileExists(incr), "the old incr file is deleted once the new base is in place")
		conn.Do("SET", "d", "4")
	}
	want := []string{"a=1 pexpiretime=-1", "b=2 pexpiretime=-1", "c=3 pexpiretime=-1", "d=4 pexpiretime=-1"}
	t.Run("ours", func(t *testing.T) {
		dir := t.TempDir()
		config := aofConfig(dir, "everysec")
		config.Enabled = false
		srv := newServer(t, Config{Bind: "127.0.0.1", MaxClients: 100, AOF: config})
		run(t, redistest.Start(t, srv), dir)
		require.NoError(t, srv.Close())
		_, addr := startAOF(t, dir, "everysec")
		assert.Equal(t, want, dataset(t, redistest.Dial(t, addr)))
	})
	t.Run("redis", func(t *testing.T) {
		dir := t.TempDir()
		addr := redistest.StartRedis(t, append([]string{"--dir", dir}, aofArgs...)...)
		run(t, addr, dir)
		redistest.Dial(t, addr).Send(cmd("SHUTDOWN", "NOSAVE"))
		again := redistest.StartRedis(t, append([]string{"--dir", dir, "--appendonly", "yes"}, aofArgs...)...)
		assert.Equal(t, want, dataset(t, redistest.Dial(t, again)))
	})
}
