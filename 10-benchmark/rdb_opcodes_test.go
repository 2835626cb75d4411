package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"byoredis/shared/redistest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oldStyleDump is an RDB version 9 file with FD (seconds) expiries, as Redis before 3.0 wrote
// them: "soon" expires in 2033, "y2106" at 4102444800 s, which does not fit in a signed 32-bit
// number and so reads as a time long past. The checksum is 0 (not checked).
func oldStyleDump() []byte {
	file := []byte("REDIS0009")
	file = append(file, opSelectDB, 0)
	file = append(file, typeString, 4, 'k', 'e', 'e', 'p', 1, 'v')
	file = binary.LittleEndian.AppendUint32(append(file, opExpireTime), 2000000000)
	file = append(file, typeString, 4, 's', 'o', 'o', 'n', 1, 'v')
	file = binary.LittleEndian.AppendUint32(append(file, opExpireTime), 4102444800)
	file = append(file, typeString, 5, 'y', '2', '1', '0', '6', 1, 'v')
	file = append(file, opEOF)
	return append(file, make([]byte, 8)...)
}

// Step 06's exercise 1: the FD opcode. Redis reads the same file to the same keys.
func TestOldExpiryOpcode(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "dump.rdb"), oldStyleDump(), 0o644))
	keys, err := readRDB(bytes.NewReader(oldStyleDump()), 0)
	require.NoError(t, err)
	assert.Equal(t, map[string]entry{"keep": {value: []byte("v")}, "soon": {value: []byte("v"), expireAt: 2000000000000}}, keys)

	redistest.Both(t, "", func(t *testing.T, addr string) {
		if addr == "" { // ours: start it on the file
			_, addr = rdbServer(t, dir)
		}
		conn := redistest.Dial(t, addr)
		assert.Equal(t, []string{"keep=v pexpiretime=-1", "soon=v pexpiretime=2000000000000"}, dataset(t, conn))
	}, "--dir", dir, "--dbfilename", "dump.rdb")
}

// Step 06's exercise 2: dumps written under an LRU or LFU eviction policy carry F8 or F9 before keys
// (testdata/redis-7.0-lru.rdb and -lfu.rdb, see testdata/README.md).
func TestEvictionInfoOpcodes(t *testing.T) {
	for _, name := range []string{"redis-7.0-lru.rdb", "redis-7.0-lfu.rdb"} {
		keys, err := readRDB(bytes.NewReader(readTestdata(t, name)), 0)
		require.NoError(t, err, name)
		assert.Equal(t, map[string]entry{"a": {value: []byte("1")}, "b": {value: []byte("hello"), expireAt: 4102444800000}}, keys, name)
	}

	// Redis wrote idle times of 0, which fit in one byte; 300 s takes two (0x41 0x2C) in the
	// length encoding. The same dump with those, and its checksum zeroed (not checked).
	idle300 := bytes.ReplaceAll(readTestdata(t, "redis-7.0-lru.rdb"), []byte{opIdle, 0, typeString}, []byte{opIdle, 0x41, 0x2c, typeString})
	copy(idle300[len(idle300)-8:], make([]byte, 8))
	keys, err := readRDB(bytes.NewReader(idle300), 0)
	require.NoError(t, err, "idle time of 300 s")
	assert.Equal(t, map[string]entry{"a": {value: []byte("1")}, "b": {value: []byte("hello"), expireAt: 4102444800000}}, keys, "idle time of 300 s")
	t.Run("redis", func(t *testing.T) { // real Redis reads that file as idle for 300 s
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "dump.rdb"), idle300, 0o644))
		conn := redistest.Dial(t, redistest.StartRedis(t, "--dir", dir))
		assert.Equal(t, "hello", conn.Do("GET", "b").Str)
		assert.InDelta(t, 300, conn.Do("OBJECT", "IDLETIME", "a").Int, 2)
	})
}

// Step 06's exercise 3: with save points set, FLUSHALL leaves an empty dump on disk, on both servers.
func TestFlushallSaves(t *testing.T) {
	check := func(t *testing.T, conn *redistest.Conn, dir string) {
		conn.Do("SET", "k", "v")
		require.Equal(t, "OK", conn.Do("SAVE").Str)
		conn.Do("SET", "k2", "v")
		require.Equal(t, "OK", conn.Do("FLUSHALL").Str)
		keys, err := readRDB(bytes.NewReader(readFileBytes(t, filepath.Join(dir, "dump.rdb"))), 0)
		require.NoError(t, err)
		assert.Empty(t, keys, "the dump on disk after FLUSHALL")
	}
	dir := t.TempDir()
	_, addr := rdbServer(t, dir, savePoint{3600, 1})
	check(t, redistest.Dial(t, addr), dir)
	t.Run("redis", func(t *testing.T) {
		conn := redistest.Dial(t, redistest.StartRedis(t, "--save", "3600 1"))
		check(t, conn, conn.Do("CONFIG", "GET", "dir").Elems[1].Str)
	})
}
