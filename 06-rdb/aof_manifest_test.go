package main

import (
	"os"
	"path/filepath"
	"testing"

	"byoredis/shared/redistest"
	"byoredis/shared/resp"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// onBoth runs a test on files set up in a fresh directory twice: with our server started
// there, then with a real redis-server (aof-use-rdb-preamble no) started there.
func onBoth(t *testing.T, setup func(dir string), test func(t *testing.T, addr, dir string), redisArgs ...string) {
	t.Run("ours", func(t *testing.T) {
		dir := t.TempDir()
		setup(dir)
		_, addr := startAOF(t, dir, "everysec")
		test(t, addr, dir)
	})
	t.Run("redis", func(t *testing.T) {
		dir := t.TempDir()
		setup(dir)
		addr := redistest.StartRedis(t, append([]string{"--dir", dir, "--appendonly", "yes", "--aof-use-rdb-preamble", "no"}, redisArgs...)...)
		test(t, addr, dir)
	})
}

func writeFiles(t *testing.T, files map[string]string) {
	for path, content := range files {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
}

var (
	oldFile    = resp.Command("SET", "k1", "v1") + resp.Command("SET", "k2", "v2")
	oldNewFile = resp.Command("SET", "k4", "v4")
	upgraded   = "file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
)

// A directory from Redis 6 or earlier holds one file, appendonly.aof. Redis 7.0 loads it and
// moves it into the multi-part layout as the base (aofUpgradePrepare in aof.c), and so does
// the server, in the cases Redis's tests/integration/aof-multi-part.tcl checks. It never
// starts empty over data that is there.
func TestPreRedis7AOFIsUpgraded(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string // relative to the server's directory
		keys     []string          // the dataset after the start
		oldStays bool              // the file in the server's directory is left there
	}{
		{"one file, no AOF directory", map[string]string{"appendonly.aof": oldFile},
			[]string{"k1=v1", "k2=v2"}, false},
		{"an AOF directory with no manifest", map[string]string{"appendonly.aof": oldFile, "appendonlydir/.keep": ""},
			[]string{"k1=v1", "k2=v2"}, false},
		{"an upgrade interrupted before the move", map[string]string{"appendonly.aof": oldFile, "appendonlydir/appendonly.aof.manifest": "file appendonly.aof seq 1 type b\n"},
			[]string{"k1=v1", "k2=v2"}, false},
		{"an old file beside an upgraded directory", map[string]string{"appendonly.aof": oldFile,
			"appendonlydir/appendonly.aof.manifest": "file appendonly.aof seq 1 type b\n", "appendonlydir/appendonly.aof": oldNewFile},
			[]string{"k4=v4"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			onBoth(t, func(dir string) {
				files := map[string]string{}
				for name, content := range tt.files {
					files[filepath.Join(dir, name)] = content
				}
				writeFiles(t, files)
			}, func(t *testing.T, addr, dir string) {
				conn := redistest.Dial(t, addr)
				var keys []string
				for _, key := range conn.Do("KEYS", "*").Elems {
					keys = append(keys, key.Str+"="+conn.Do("GET", key.Str).Str)
				}
				assert.ElementsMatch(t, tt.keys, keys)
				assert.Equal(t, upgraded, readFile(t, filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest")))
				assert.True(t, fileExists(filepath.Join(dir, "appendonlydir", "appendonly.aof")), "the old file is the base")
				assert.Equal(t, tt.oldStays, fileExists(filepath.Join(dir, "appendonly.aof")), "the old file in the server's directory")
			})
		})
	}
}

// After the upgrade the old file is an ordinary base: writes go to the new incr file, a
// rewrite replaces both, and a restart loads what the rewrite wrote.
func TestUpgradedAOFRewritesAndRestarts(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, map[string]string{filepath.Join(dir, "appendonly.aof"): oldFile})
	srv, addr := startAOF(t, dir, "everysec")
	conn := redistest.Dial(t, addr)
	conn.Do("SET", "k3", "v3")
	assert.Equal(t, resp.Command("SELECT", "0")+resp.Command("SET", "k3", "v3"), readFile(t, filepath.Join(dir, "appendonlydir", "appendonly.aof.1.incr.aof")))
	conn.Do("BGREWRITEAOF")
	waitForRewrite(srv.aof.Load())
	assert.Equal(t, "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
		readFile(t, filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest")))
	assert.False(t, fileExists(filepath.Join(dir, "appendonlydir", "appendonly.aof")), "the old base was deleted after the rewrite")
	require.NoError(t, srv.Close())

	_, addr = startAOF(t, dir, "everysec")
	assert.Equal(t, int64(3), redistest.Dial(t, addr).Do("DBSIZE").Int)
}

// The manifest the server writes for a file name that needs quoting (a space, a newline) is
// the one Redis writes, byte for byte, and both start again from it.
func TestManifestQuotesFileNames(t *testing.T) {
	for _, name := range []string{"my file.aof", "new\nline.aof", "quote\"and'tab\t.aof", "caf\xc3\xa9.aof"} {
		t.Run(name, func(t *testing.T) {
			var manifests []string
			for _, redis := range []bool{false, true} {
				dir := t.TempDir()
				if redis {
					redistest.StartRedis(t, "--dir", dir, "--appendonly", "yes", "--aof-use-rdb-preamble", "no", "--appendfilename", name)
				} else {
					config := aofConfig(dir, "everysec")
					config.FileName = name
					srv := newServer(t, Config{AOF: config})
					require.NoError(t, srv.Close())
					_, err := NewServer(Config{AOF: config}) // and it starts again from it
					require.NoError(t, err)
				}
				manifests = append(manifests, readFile(t, filepath.Join(dir, "appendonlydir", name+".manifest")))
			}
			assert.Equal(t, manifests[1], manifests[0], "the manifest Redis writes")
			m, err := parseManifest([]byte(manifests[0]))
			require.NoError(t, err)
			assert.Equal(t, name+".1.base.aof", m.base.name)
		})
	}
}

// Redis 7.0 with aof-timestamp-enabled writes "#TS:<unix time>" lines between commands, and
// skips any line that starts with '#' when it loads; so does the server.
func TestAnnotationsAreSkipped(t *testing.T) {
	onBoth(t, func(dir string) {
		writeAOF(t, dir, map[string]string{"appendonly.aof.1.base.aof": "#TS:1700000000\r\n" + good,
			"appendonly.aof.1.incr.aof": resp.Command("SET", "c", "3") + "#TS:1700000001\r\n" + resp.Command("DEL", "a") + "#TS:17000"}, twoFiles)
	}, func(t *testing.T, addr, dir string) {
		conn := redistest.Dial(t, addr)
		assert.Equal(t, int64(2), conn.Do("DBSIZE").Int)
		assert.Equal(t, "3", conn.Do("GET", "c").Str)
	}, "--aof-load-truncated", "no")
}

// Redis 6's appendonly.aof after a rewrite (aof-use-rdb-preamble yes, its default) is an RDB
// followed by the commands logged since. Both parts load, and the file becomes the base.
func TestPreRedis7AOFWithAnRDBPreamble(t *testing.T) {
	preamble := readTestdata(t, "redis-7.0-strings.rdb")
	tail := resp.Command("SET", "tail", "1") + "#TS:1700000000\r\n" + resp.Command("DEL", "a")
	onBoth(t, func(dir string) {
		writeFiles(t, map[string]string{filepath.Join(dir, "appendonly.aof"): string(preamble) + tail})
	}, func(t *testing.T, addr, dir string) {
		conn := redistest.Dial(t, addr)
		assert.Equal(t, int64(len(redisDump)), conn.Do("DBSIZE").Int, "the dump's keys, less a, plus tail")
		assert.Equal(t, "1", conn.Do("GET", "tail").Str)
		assert.Equal(t, "hello", conn.Do("GET", "s").Str)
		assert.Equal(t, int64(0), conn.Do("EXISTS", "a").Int)
		assert.Equal(t, upgraded, readFile(t, filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest")))
	})
}
