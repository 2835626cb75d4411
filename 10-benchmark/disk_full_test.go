package main

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"byoredis/shared/redistest"
	"byoredis/shared/stages"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The disk fills up under a running server, on a 1 MiB tmpfs, for this server and for a real
// redis-server run the same way. Mounting needs root: elsewhere these tests are skipped with
// a notice.

// bothTargets runs test against this step's server and against a real redis-server, each as
// its own process.
func bothTargets(t *testing.T, test func(t *testing.T, target stages.Target)) {
	t.Run("ours", func(t *testing.T) { test(t, stages.ThisServer(t)) })
	t.Run("redis", func(t *testing.T) { test(t, stages.RealRedis(t)) })
}

func launchAOF(t *testing.T, target stages.Target, dir, fsync string) *stages.Process {
	return stages.Launch(t, target, dir, "--dir", dir, "--appendonly", "yes", "--appendfsync", fsync,
		"--save", "")
}

// appendfsync everysec: the write that meets the full disk is acknowledged and kept in
// memory; later writes are refused with MISCONF; once space is freed the server writes the
// kept data and accepts writes again, and from then on even a SIGKILL loses nothing that was
// acknowledged.
func TestDiskFullEverysec(t *testing.T) {
	bothTargets(t, func(t *testing.T, target stages.Target) {
		dir := redistest.SmallDisk(t, "1m")
		server := launchAOF(t, target, dir, "everysec")
		c := redistest.Dial(t, server.Addr())
		require.Equal(t, "+OK\r\n", c.RawReplyTo("SET", "a", "1"))

		free := redistest.FillDisk(t, dir)
		big := strings.Repeat("b", 64<<10) // more than the page the file's end is in
		assert.Equal(t, "+OK\r\n", c.RawReplyTo("SET", "b", big), "the write that meets the full disk")
		misconf := "-MISCONF Errors writing to the AOF file: No space left on device\r\n"
		assert.Equal(t, misconf, c.RawReplyTo("SET", "c", "3"))
		assert.Equal(t, misconf, c.RawReplyTo("PING"))
		assert.Equal(t, big, c.Do("GET", "b").Str)

		free()
		require.Eventually(t, func() bool { return c.RawReplyTo("SET", "d", "4") == "+OK\r\n" },
			10*time.Second, 50*time.Millisecond, "writes are still refused after the space was freed")

		server.Signal(syscall.SIGKILL)
		server.Exit()
		server = launchAOF(t, target, dir, "everysec")
		c = redistest.Dial(t, server.Addr())
		assert.Equal(t, "1", c.Do("GET", "a").Str)
		assert.Equal(t, big, c.Do("GET", "b").Str, "the write acknowledged on the full disk is lost")
		assert.True(t, c.Do("GET", "c").IsNull, "a refused write was kept")
		assert.Equal(t, "4", c.Do("GET", "d").Str)
	})
}

// appendfsync always: the write that meets the full disk gets no reply; the server exits
// with Redis's message; after a restart the acknowledged writes are there and the failed one
// is not.
func TestDiskFullAlways(t *testing.T) {
	bothTargets(t, func(t *testing.T, target stages.Target) {
		dir := redistest.SmallDisk(t, "1m")
		server := launchAOF(t, target, dir, "always")
		c := redistest.Dial(t, server.Addr())
		require.Equal(t, "+OK\r\n", c.RawReplyTo("SET", "a", "1"))

		free := redistest.FillDisk(t, dir)
		c.Send(cmd("SET", "b", strings.Repeat("b", 64<<10)))
		c.ExpectClosed()
		code, printed := server.Exit()
		assert.Equal(t, 1, code)
		assert.Contains(t, printed, "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...")

		free()
		server = launchAOF(t, target, dir, "always")
		c = redistest.Dial(t, server.Addr())
		assert.Equal(t, "1", c.Do("GET", "a").Str)
		assert.True(t, c.Do("GET", "b").IsNull, "the write that failed is in the file")
	})
}

// A background save that meets the full disk fails; with a save point set, writes and PING
// are refused with Redis's MISCONF until a save succeeds, and then accepted again.
func TestDiskFullBgsave(t *testing.T) {
	bothTargets(t, func(t *testing.T, target stages.Target) {
		dir := redistest.SmallDisk(t, "1m")
		server := stages.Launch(t, target, dir, "--dir", dir, "--save", "3600 1")
		c := redistest.Dial(t, server.Addr())
		require.Equal(t, "+OK\r\n", c.RawReplyTo("SET", "a", "1"))
		bgsaveEnds := func(status string) {
			t.Helper()
			require.Equal(t, "Background saving started", c.Do("BGSAVE").Str)
			require.Eventually(t, func() bool {
				info := c.Do("INFO", "persistence").Str
				return strings.Contains(info, "rdb_bgsave_in_progress:0\r\n") && strings.Contains(info, "rdb_last_bgsave_status:"+status+"\r\n")
			}, 10*time.Second, 20*time.Millisecond, "BGSAVE did not end with status %s", status)
		}

		free := redistest.FillDisk(t, dir)
		bgsaveEnds("err")
		assert.Equal(t, target.Words(bgsaveMisconf), c.RawReplyTo("SET", "b", "2"))
		assert.Equal(t, target.Words(bgsaveMisconf), c.RawReplyTo("PING"))
		assert.Equal(t, "1", c.Do("GET", "a").Str)

		free()
		bgsaveEnds("ok")
		assert.Equal(t, "+OK\r\n", c.RawReplyTo("SET", "b", "2"))
	})
}
