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

// The persistence directives Redis 7.0 lets CONFIG SET change are settable here too, with
// Redis's replies to good and bad values.
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
	} {
		exchanges = append(exchanges,
			redistest.Exchange{Send: cmd("CONFIG", "SET", d.name, d.value) + cmd("CONFIG", "GET", d.name),
				Want: []string{"+OK\r\n", pair(d.name, d.shown)}},
			redistest.Exchange{Send: cmd("CONFIG", "SET", d.name, d.bad) + cmd("CONFIG", "GET", d.name),
				Want: []string{failed(d.name, d.why), pair(d.name, d.shown)}})
	}
	exchanges = append(exchanges,
		redistest.Exchange{Send: cmd("CONFIG", "SET", "appendfsync", "no", "appendfsync", "no"), Want: []string{failed("appendfsync", "duplicate parameter")}},
		redistest.Exchange{Send: cmd("CONFIG", "SET", "dir", "/tmp"), Want: []string{failed("dir", "can't set protected config")}},
		redistest.Exchange{Send: cmd("CONFIG", "SET", "DBFILENAME", "x.rdb"), Want: []string{failed("DBFILENAME", "can't set protected config")}},
		redistest.Exchange{Send: cmd("CONFIG", "SET", "save", "", "appendfsync", "everysec") + cmd("CONFIG", "GET", "save"),
			Want: []string{"+OK\r\n", pair("save", "")}},
	)
	redistest.Differential(t, startServer(t), exchanges, oneDatabase...)

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
