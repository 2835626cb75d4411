package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"byoredis/shared/redistest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// redisDump is testdata/redis-7.0-strings.rdb: written by redis-server 7.0.15's SAVE after
// these SETs (see testdata/README.md), so it holds every string encoding Redis writes.
var redisDump = map[string]entry{
	"a": {value: []byte("1")}, "s": {value: []byte("hello")}, "n300": {value: []byte("300")},
	"n70000": {value: []byte("70000")}, "neg": {value: []byte("-5")}, "big": {value: []byte("12345678901")},
	"lz": {value: []byte(strings.Repeat("a", 200))}, "empty": {value: []byte("")}, "bin": {value: []byte("a\r\n\x00b\xff")},
	"words": {value: []byte(strings.Repeat("hello world, ", 20))}, "short21": {value: []byte("abcdefghijklmnopqrstu")},
	"n2147483648": {value: []byte("2147483648")}, "n007": {value: []byte("007")}, "nmin": {value: []byte("-2147483648")},
	"e": {value: []byte("v"), expireAt: 4102444800000},
}

func readTestdata(t *testing.T, name string) []byte {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return data
}

func TestReadsRedisDump(t *testing.T) {
	keys, err := readRDB(bytes.NewReader(readTestdata(t, "redis-7.0-strings.rdb")), time.Now().UnixMilli())
	require.NoError(t, err)
	assert.Equal(t, redisDump, keys)
}

// The writer encodes each string as Redis does (rdbSaveRawString in Redis's src/rdb.c); these are the bytes
// Redis wrote for the same keys, found in its dump.
func TestStringEncodingsAreRedis(t *testing.T) {
	redis := readTestdata(t, "redis-7.0-strings.rdb")
	for key, value := range map[string]string{"a": "1", "n300": "300", "n70000": "70000", "neg": "-5", "big": "12345678901",
		"n2147483648": "2147483648", "n007": "007", "nmin": "-2147483648", "s": "hello", "empty": "", "short21": "abcdefghijklmnopqrstu"} {
		var ours bytes.Buffer
		w := &rdbWriter{w: bufio.NewWriter(&ours), options: rdbOptions{compression: true}}
		w.byte(typeString)
		w.string([]byte(key))
		w.string([]byte(value))
		w.w.Flush()
		assert.True(t, bytes.Contains(redis, ours.Bytes()), "%s=%q is encoded as % x, which Redis's dump does not contain", key, value, ours.Bytes())
	}
}

func TestRoundTrip(t *testing.T) {
	now := time.Now().UnixMilli()
	snapshot := map[string]entry{"gone": {value: []byte("x"), expireAt: now - 1}, "long": {value: bytes.Repeat([]byte("0123456789"), 10_000)}}
	for key, e := range redisDump {
		snapshot[key] = e
	}
	for _, options := range []rdbOptions{{compression: true, checksum: true}, {}} {
		var file bytes.Buffer
		require.NoError(t, writeRDB(&file, entryMap(snapshot), now, options))
		keys, err := readRDB(&file, now)
		require.NoError(t, err)
		delete(snapshot, "gone") // expired keys are not written
		assert.Equal(t, snapshot, keys)
	}
}

// corrupt returns a copy of Redis's dump changed by f.
func corrupt(t *testing.T, f func(b []byte) []byte) []byte {
	return f(bytes.Clone(readTestdata(t, "redis-7.0-strings.rdb")))
}

// Files the server refuses. Where Redis refuses them too (a damaged or foreign file), real
// Redis is started on the same dump and the line it logs is the one the server gives.
func TestRefusals(t *testing.T) {
	tests := map[string]struct {
		file     []byte
		want     string
		redisToo bool // Redis refuses the file too, with the line want begins
	}{
		"a list":             {readTestdata(t, "redis-7.0-list.rdb"), "the file holds a list (quicklist) (RDB type 18), which this server does not implement", false},
		"a flipped byte":     {corrupt(t, func(b []byte) []byte { b[bytes.Index(b, []byte("hello"))] = 'j'; return b }), "Wrong RDB checksum expected: (", true},
		"cut short":          {corrupt(t, func(b []byte) []byte { return b[:len(b)-30] }), "Unexpected EOF reading RDB file", true},
		"version 13":         {corrupt(t, func(b []byte) []byte { copy(b, "REDIS0013"); return b }), "Can't handle RDB format version 13", true},
		"not an RDB":         {[]byte("*1\r\n$4\r\nPING\r\n"), "Wrong signature trying to load DB from file", true},
		"another database":   {corrupt(t, func(b []byte) []byte { b[bytes.Index(b, []byte{opSelectDB, 0})+1] = 1; return b }), "database 1", false},
		"a corrupt LZF body": {corrupt(t, func(b []byte) []byte { b[bytes.Index(b, []byte{encLZF})+5] = 0xff; return b }), "", false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := readRDB(bytes.NewReader(tt.file), 0)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			if !tt.redisToo {
				return
			}
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "dump.rdb"), tt.file, 0o644))
			log := redistest.RedisRefusesToStart(t, "--dir", dir)
			_, line, found := strings.Cut(log, tt.want)
			require.True(t, found, "real Redis's log has no line with %q:\n%s", tt.want, log)
			line, _, _ = strings.Cut(tt.want+line, "\n")
			assert.Contains(t, err.Error(), line, "the line real Redis logs")
		})
	}
}

// A checksum of 0 means "written with rdbchecksum no", and versions 11 and 12 (Redis 7.2,
// 7.4) store strings the same way: all are read.
func TestAcceptsNoChecksumAndNewerVersions(t *testing.T) {
	for _, version := range []string{"0010", "0011", "0012", "0009"} {
		file := corrupt(t, func(b []byte) []byte {
			copy(b[5:9], version)
			binary.LittleEndian.PutUint64(b[len(b)-8:], 0)
			return b
		})
		keys, err := readRDB(bytes.NewReader(file), 0)
		require.NoError(t, err, version)
		assert.Len(t, keys, len(redisDump), version)
	}
}

func rdbServer(t *testing.T, dir string, savePoints ...savePoint) (*Server, string) {
	srv := newServer(t, Config{Bind: "127.0.0.1", MaxClients: 100, RDB: RDBConfig{Dir: dir, FileName: "dump.rdb", Compression: true, Checksum: true, SavePoints: savePoints}})
	return srv, redistest.Start(t, srv)
}

func fillRedisDump(conn *redistest.Conn) {
	for key, e := range redisDump {
		if e.expireAt != 0 {
			conn.Do("SET", key, string(e.value), "PXAT", "4102444800000")
		} else {
			conn.Do("SET", key, string(e.value))
		}
	}
}

// SAVE writes the dump, and a restart loads it.
func TestSaveAndLoad(t *testing.T) {
	dir := t.TempDir()
	srv, addr := rdbServer(t, dir)
	conn := redistest.Dial(t, addr)
	fillRedisDump(conn)
	before := conn.Do("LASTSAVE").Int
	assert.Equal(t, "OK", conn.Do("SAVE").Str)
	assert.GreaterOrEqual(t, conn.Do("LASTSAVE").Int, before)
	assert.Contains(t, conn.Do("INFO", "persistence").Str, "rdb_changes_since_last_save:0\r\n")
	want := dataset(t, conn)
	require.NoError(t, srv.Close())

	_, addr = rdbServer(t, dir)
	assert.Equal(t, want, dataset(t, redistest.Dial(t, addr)))
}

func TestBgsave(t *testing.T) {
	dir := t.TempDir()
	srv, addr := rdbServer(t, dir)
	conn := redistest.Dial(t, addr)
	fillRedisDump(conn)
	assert.Equal(t, "Background saving started", conn.Do("BGSAVE").Str)
	waitForSave(srv)
	keys, err := readRDB(bytes.NewReader(readFileBytes(t, filepath.Join(dir, "dump.rdb"))), 0)
	require.NoError(t, err)
	assert.Equal(t, redisDump, keys)

	srv.saveMu.Lock()
	srv.saving = true // as if a save were running
	srv.saveMu.Unlock()
	assert.Equal(t, "ERR Background save already in progress", conn.Do("BGSAVE").Str)
	assert.Equal(t, "ERR Background save already in progress", conn.Do("SAVE").Str)
	srv.saveMu.Lock()
	srv.saving = false
	srv.saveMu.Unlock()
}

func waitForSave(srv *Server) {
	srv.saveMu.Lock()
	defer srv.saveMu.Unlock()
	for srv.saving {
		srv.saveDone.Wait()
	}
}

func readFileBytes(t *testing.T, path string) []byte {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

// A save that fails leaves the previous dump as it was: the new one is written to a
// temporary file and renamed over the dump only once it is complete and fsynced.
func TestFailedSaveLeavesThePreviousDump(t *testing.T) {
	dir := t.TempDir()
	_, addr := rdbServer(t, dir)
	conn := redistest.Dial(t, addr)
	conn.Do("SET", "kept", "v")
	require.Equal(t, "OK", conn.Do("SAVE").Str)
	previous := readFileBytes(t, filepath.Join(dir, "dump.rdb"))

	// Make the temporary file impossible to create: a directory stands where it goes.
	require.NoError(t, os.Mkdir(filepath.Join(dir, "temp-"+itoaString(os.Getpid())+".rdb"), 0o755))
	conn.Do("SET", "lost", "v")
	assert.Equal(t, "ERR", conn.Do("SAVE").Str)
	assert.Equal(t, previous, readFileBytes(t, filepath.Join(dir, "dump.rdb")))
	// Only a background save's failure counts (rdbSave in rdb.c sets the status on success
	// only): a failed SAVE, answered with its error, leaves writes accepted.
	assert.Contains(t, conn.Do("INFO", "persistence").Str, "rdb_last_bgsave_status:ok\r\n")
}

func itoaString(n int) string { return string(itoa(int64(n))) }

// A save point is reached when enough changes happened and enough time passed.
func TestSavePoints(t *testing.T) {
	points, err := parseSavePoints("3600 1 300 100 60 10000")
	require.NoError(t, err)
	assert.Equal(t, []savePoint{{3600, 1}, {300, 100}, {60, 10000}}, points)
	assert.Equal(t, "3600 1 300 100 60 10000", formatSavePoints(points))
	_, err = parseSavePoints("3600")
	assert.Error(t, err)

	srv := newServer(t, Config{RDB: RDBConfig{SavePoints: points}})
	start := srv.lastSave
	change := func(n int) {
		srv.store.Write(func(k *Keyspace) {
			for range n {
				k.Log([]byte("SET"), []byte("k"), []byte("v"))
			}
		})
	}
	assert.False(t, srv.savePointReached(start.Add(time.Hour)), "no change: nothing to save")
	change(1)
	// Whole seconds, and more than the point's: "save 3600 1" saves at 3601 s (serverCron).
	assert.False(t, srv.savePointReached(start.Add(3600*time.Second)))
	assert.True(t, srv.savePointReached(start.Add(3601*time.Second)))
	change(99)
	assert.False(t, srv.savePointReached(start.Add(300*time.Second)))
	assert.True(t, srv.savePointReached(start.Add(301*time.Second)))

	// After a failed background save, the next waits more than 5 s (CONFIG_BGSAVE_RETRY_DELAY).
	srv.lastBgsaveTry = start.Add(400 * time.Second)
	srv.bgsaveFailed.Store(true)
	assert.False(t, srv.savePointReached(start.Add(405*time.Second)))
	assert.True(t, srv.savePointReached(start.Add(406*time.Second)))
}

// redis-check-rdb, Redis's own checker, accepts our dumps, compressed or not.
func TestRedisCheckRDBAcceptsOurDumps(t *testing.T) {
	check := redistest.RequireTool(t, "redis-check-rdb")
	snapshot := map[string]entry{"long": {value: bytes.Repeat([]byte("abc"), 1000)}}
	for key, e := range redisDump {
		snapshot[key] = e
	}
	for _, options := range []rdbOptions{{compression: true, checksum: true}, {checksum: true}, {compression: true}} {
		path := filepath.Join(t.TempDir(), "dump.rdb")
		require.NoError(t, writeFileSynced(path, func(f *os.File) error { return writeRDB(f, entryMap(snapshot), time.Now().UnixMilli(), options) }))
		out, err := runCommand(check, path)
		require.NoError(t, err, out)
		assert.Contains(t, out, "RDB looks OK!")
		assert.Contains(t, out, "16 keys read")
	}
}

// A real redis-server loads our dump with the same keys, values and TTLs.
func TestRedisLoadsOurDump(t *testing.T) {
	dir := t.TempDir()
	srv, addr := rdbServer(t, dir)
	conn := redistest.Dial(t, addr)
	fillRedisDump(conn)
	conn.Do("SET", "long", strings.Repeat("compress me ", 1000))
	conn.Do("SAVE")
	want := dataset(t, conn)
	require.NoError(t, srv.Close())
	real := redistest.StartRedis(t, "--dir", dir, "--dbfilename", "dump.rdb")
	assert.Equal(t, want, dataset(t, redistest.Dial(t, real)))
}

// Our server loads a dump a real redis-server writes now (besides the committed one).
func TestWeLoadRedisDump(t *testing.T) {
	real := redistest.StartRedis(t)
	conn := redistest.Dial(t, real)
	fillRedisDump(conn)
	conn.Do("SET", "long", strings.Repeat("compress me ", 1000))
	conn.Do("SAVE")
	want := dataset(t, conn)
	dir := conn.Do("CONFIG", "GET", "dir").Elems[1].Str
	_, addr := rdbServer(t, dir)
	assert.Equal(t, want, dataset(t, redistest.Dial(t, addr)))
}

// With aof-use-rdb-preamble yes (Redis's default), the AOF base is an RDB snapshot: Redis
// loads our directory, and we load Redis's.
func TestAOFWithRDBPreamble(t *testing.T) {
	dir := t.TempDir()
	config := aofConfig(dir, "always")
	config.RDBPreamble = true
	srv := newServer(t, Config{Bind: "127.0.0.1", MaxClients: 100, AOF: config})
	conn := redistest.Dial(t, redistest.Start(t, srv))
	fillRedisDump(conn)
	conn.Do("BGREWRITEAOF")
	waitForRewrite(srv.aof.Load())
	conn.Do("INCR", "a")
	want := dataset(t, conn)
	assert.Equal(t, "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
		readFile(t, filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest")))
	require.NoError(t, srv.Close())

	t.Run("redis loads ours", func(t *testing.T) {
		if check, err := runCommand(redistest.RequireTool(t, "redis-check-aof"), filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest")); assert.NoError(t, err, check) {
			assert.Contains(t, check, "RDB preamble is OK")
		}
		real := redistest.StartRedis(t, "--dir", dir, "--appendonly", "yes")
		assert.Equal(t, want, dataset(t, redistest.Dial(t, real)))
	})
	t.Run("we load redis's", func(t *testing.T) {
		real := redistest.StartRedis(t, "--appendonly", "yes", "--appendfsync", "always") // preamble yes: Redis's default
		conn := redistest.Dial(t, real)
		fillRedisDump(conn)
		conn.Do("BGREWRITEAOF")
		waitForRedisRewrite(t, conn)
		conn.Do("INCR", "a")
		want := dataset(t, conn)
		redisDir := conn.Do("CONFIG", "GET", "dir").Elems[1].Str
		ours := t.TempDir()
		require.NoError(t, os.CopyFS(filepath.Join(ours, "appendonlydir"), os.DirFS(filepath.Join(redisDir, "appendonlydir"))))
		_, addr := startAOF(t, ours, "everysec")
		assert.Equal(t, want, dataset(t, redistest.Dial(t, addr)))
	})
}

// BenchmarkSnapshotPause measures the longest a snapshot holds the lock: the copy of one
// shard of a keyspace of 1,000,000 keys (go test -run '^$' -bench Snapshot). Redis's fork
// pauses for a comparable moment, to copy the page tables.
func BenchmarkSnapshotPause(b *testing.B) {
	srv := filledServer(b, 1_000_000)
	for b.Loop() {
		sn, _ := srv.snapshot()
		sn.copyShard(0, nil)
		sn.end()
	}
}

// BenchmarkSnapshot measures a whole snapshot of 1,000,000 keys read through, which BGSAVE
// does in the background, a shard at a time.
func BenchmarkSnapshot(b *testing.B) {
	srv := filledServer(b, 1_000_000)
	for b.Loop() {
		sn, _ := srv.snapshot()
		sn.each(func(string, entry) error { return nil })
	}
}

func filledServer(b *testing.B, n int) *Server {
	srv, err := NewServer(Config{})
	require.NoError(b, err)
	srv.store.Write(func(k *Keyspace) {
		for i := range n {
			k.Set("key:"+itoaString(i), entry{value: []byte("value-0123456789")})
		}
	})
	return srv
}

// BenchmarkLoad measures loading a dump of 1,000,000 keys, as the server does at start.
func BenchmarkLoad(b *testing.B) {
	keys := entryMap{}
	for i := range 1_000_000 {
		keys["key:"+itoaString(i)] = entry{value: []byte("value-0123456789")}
	}
	var dump bytes.Buffer
	require.NoError(b, writeRDB(&dump, keys, 0, rdbOptions{compression: true, checksum: true}))
	for b.Loop() {
		s := NewStore()
		require.NoError(b, s.replaceWith(func(keys keyspaceLoader) error {
			return readRDBInto(bytes.NewReader(dump.Bytes()), 0, keys)
		}))
	}
}

// SAVE, SAVE and BGSAVE from three clients at once, four times: every save succeeds, or, for a
// SAVE that meets a running BGSAVE, gets Redis's "Background save already in progress"; no
// background save fails, and writes are accepted after them all. They write one temporary
// file, so they must run one at a time.
func TestOverlappingSavesRunOneAtATime(t *testing.T) {
	t.Parallel() // it waits on disks, beside the tests that wait on networks
	srv := newServer(t, Config{Bind: "127.0.0.1", MaxClients: 100, RDB: RDBConfig{Dir: t.TempDir(), FileName: "dump.rdb",
		Compression: true, Checksum: true, SavePoints: []savePoint{{3600, 1}}, StopWritesOnBgsaveError: true}})
	redistest.Both(t, redistest.Start(t, srv), func(t *testing.T, addr string) {
		conn := redistest.Dial(t, addr)
		var batch strings.Builder
		for i := range 20_000 { // enough that a save takes a few milliseconds
			batch.WriteString(cmd("SET", fmt.Sprint("key:", i), strings.Repeat("v", 100)))
		}
		conn.Send(batch.String())
		for range 20_000 {
			conn.Reply()
		}
		for range 4 {
			var wg sync.WaitGroup
			replies := make([]string, 3)
			for i, command := range []string{"SAVE", "SAVE", "BGSAVE"} {
				wg.Go(func() { replies[i] = redistest.Dial(t, addr).RawReplyTo(command) })
			}
			wg.Wait()
			for i, want := range []string{"+OK\r\n", "+OK\r\n", "+Background saving started\r\n"} {
				if replies[i] != want {
					assert.Equal(t, "-ERR Background save already in progress\r\n", replies[i], "the reply to %s", []string{"SAVE", "SAVE", "BGSAVE"}[i])
				}
			}
			require.Eventually(t, func() bool {
				return strings.Contains(conn.Do("INFO", "persistence").Str, "rdb_bgsave_in_progress:0\r\n")
			}, hangGuard, pollEvery)
			assert.Contains(t, conn.Do("INFO", "persistence").Str, "rdb_last_bgsave_status:ok\r\n")
			assert.Equal(t, "+OK\r\n", conn.RawReplyTo("SET", "after", "1"), "writes are accepted")
		}
	}, "--save", "3600 1")
}
