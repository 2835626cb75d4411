package main

import (
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"byoredis/shared/redistest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Redis's refusal while stop-writes-on-bgsave-error holds.
const bgsaveMisconf = "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
	"Commands that may modify the data set are disabled, because this instance is configured to report errors during writes " +
	"if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.\r\n"

// startSaving makes a server inside the current synctest bubble that saves to dir with the
// save point "1 1" (its owner checks it every second), and one client.
func startSaving(t *testing.T, dir string, stopWrites bool) *pipeClient {
	srv := newServer(t, Config{Bind: "127.0.0.1", MaxClients: 10, RDB: RDBConfig{Dir: dir, FileName: "dump.rdb",
		SavePoints: []savePoint{{1, 1}}, StopWritesOnBgsaveError: stopWrites}})
	t.Cleanup(func() {
		close(srv.stop)
		srv.owner.Wait()
		srv.running.Wait() // a background save in flight
	})
	return dialInBubble(t, srv)
}

// A background save that fails (here its directory is gone) refuses writes, and PING, with
// Redis's MISCONF until a save succeeds. The save point tries again only more than 5 s after
// a failed try: 4 tries in 20 s, not 20, each copying the whole keyspace.
func TestBgsaveErrorStopsWrites(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "gone")
		c := startSaving(t, dir, true)
		require.Equal(t, "+OK\r\n", c.raw("SET", "a", "1"))

		// The owner's cron ticks on the second; the test wakes between ticks. Tries at 2 s (more
		// than 1 s after the start), then 8, 14 and 20 s.
		time.Sleep(20500 * time.Millisecond)
		info := c.raw("INFO", "persistence")
		assert.Contains(t, info, "rdb_saves:4\r\n")
		assert.Contains(t, info, "rdb_last_bgsave_status:err\r\n")
		assert.Equal(t, bgsaveMisconf, c.raw("SET", "b", "2"))
		assert.Equal(t, bgsaveMisconf, c.raw("PING"))
		assert.Equal(t, "$1\r\n1\r\n", c.raw("GET", "a"), "reads go on")

		require.NoError(t, os.Mkdir(dir, 0o755)) // the disk is back
		time.Sleep(5 * time.Second)              // 25.5 s: the next try is at 26 s
		assert.Equal(t, bgsaveMisconf, c.raw("SET", "b", "2"))
		time.Sleep(time.Second)
		assert.Equal(t, "+OK\r\n", c.raw("SET", "b", "2"))
		assert.Contains(t, c.raw("INFO", "persistence"), "rdb_last_bgsave_status:ok\r\n")
	})
}

// CONFIG SET stop-writes-on-bgsave-error takes effect at once: no, and the failed save
// no longer refuses writes.
func TestConfigSetStopWrites(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startSaving(t, filepath.Join(t.TempDir(), "gone"), true)
		require.Equal(t, "+OK\r\n", c.raw("SET", "a", "1"))
		time.Sleep(2500 * time.Millisecond)
		assert.Equal(t, bgsaveMisconf, c.raw("SET", "b", "2"))
		assert.Equal(t, "-ERR CONFIG SET failed (possibly related to argument 'stop-writes-on-bgsave-error') - argument must be 'yes' or 'no'\r\n",
			c.raw("CONFIG", "SET", "stop-writes-on-bgsave-error", "maybe"))
		assert.Equal(t, "+OK\r\n", c.raw("CONFIG", "SET", "stop-writes-on-bgsave-error", "no"))
		assert.Equal(t, "+OK\r\n", c.raw("SET", "b", "2"))
	})
}

// With stop-writes-on-bgsave-error no, a failed background save leaves writes accepted.
func TestBgsaveErrorWithoutStopWrites(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := startSaving(t, filepath.Join(t.TempDir(), "gone"), false)
		require.Equal(t, "+OK\r\n", c.raw("SET", "a", "1"))
		time.Sleep(2500 * time.Millisecond)
		assert.Contains(t, c.raw("INFO", "persistence"), "rdb_last_bgsave_status:err\r\n")
		assert.Equal(t, "+OK\r\n", c.raw("SET", "b", "2"))
	})
}

// stop-writes-on-bgsave-error is Redis's directive, yes by default.
func TestStopWritesOnBgsaveErrorConfig(t *testing.T) {
	for _, stop := range []bool{true, false} {
		value := map[bool]string{true: "yes", false: "no"}[stop]
		ours := redistest.Start(t, newServer(t, Config{Bind: "127.0.0.1", MaxClients: 100, RDB: RDBConfig{StopWritesOnBgsaveError: stop}}))
		redistest.Differential(t, ours, []redistest.Exchange{
			{Send: cmd("CONFIG", "GET", "stop-writes-on-bgsave-error"), Want: []string{"*2\r\n$27\r\nstop-writes-on-bgsave-error\r\n$" + itoaString(len(value)) + "\r\n" + value + "\r\n"}},
		}, "--stop-writes-on-bgsave-error", value)
	}
}
