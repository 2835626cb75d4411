package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"byoredis/shared/redistest"
	"byoredis/shared/resp"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newServer(t testing.TB, config Config) *Server {
	t.Helper()
	if config.RDB.Dir == "" { // a replica's snapshot arrives in a file there: not in the step's folder
		config.RDB.Dir = t.TempDir()
	}
	srv, err := NewServer(config)
	require.NoError(t, err)
	return srv
}

// aofConfig is the append-only file in dir with Redis's default names.
func aofConfig(dir, fsync string) AOFConfig {
	return AOFConfig{Enabled: true, Fsync: fsync, Dir: dir, DirName: "appendonlydir", FileName: "appendonly.aof", LoadTruncated: true}
}

// startAOF starts a server with the append-only file on in dir.
func startAOF(t *testing.T, dir, fsync string) (*Server, string) {
	t.Helper()
	srv := newServer(t, Config{Bind: "127.0.0.1", MaxClients: 10000, AOF: aofConfig(dir, fsync)})
	return srv, redistest.Start(t, srv)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

// The first start creates Redis 7's layout (Redis's src/aof.c, the multi-part AOF): an empty base, an empty
// incr file, and the manifest naming them.
func TestAOFLayoutOnFirstStart(t *testing.T) {
	dir := t.TempDir()
	startAOF(t, dir, "everysec")
	aofDir := filepath.Join(dir, "appendonlydir")
	assert.Equal(t, "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
		readFile(t, filepath.Join(aofDir, "appendonly.aof.manifest")))
	assert.Empty(t, readFile(t, filepath.Join(aofDir, "appendonly.aof.1.base.aof")))
	assert.Empty(t, readFile(t, filepath.Join(aofDir, "appendonly.aof.1.incr.aof")))
}

// aofScript is a sequence of writes, each of the forms Redis logs differently from how it was
// sent (feedAppendOnlyFile in Redis's src/aof.c), and some that change nothing and are not logged at all.
var aofScript = [][]string{
	{"SET", "a", "1"}, {"SET", "b", "2", "EX", "100"}, {"DEL", "nope"}, {"DEL", "a"},
	{"SET", "c", "v", "NX"}, {"SET", "c", "v", "NX"}, {"INCR", "n"}, {"incrby", "n", "5"},
	{"EXPIRE", "b", "50"}, {"EXPIRE", "b", "10", "GT"}, {"PEXPIREAT", "b", "99999999999999", "LT"},
	{"GETSET", "c", "w"}, {"SETEX", "d", "100", "v"}, {"SET", "e", "v", "GET"}, {"SET", "e", "v2", "XX", "GET", "KEEPTTL"},
	{"GETDEL", "e"}, {"GETDEL", "e"}, {"GETEX", "d", "PERSIST"}, {"GETEX", "d", "PERSIST"}, {"GETEX", "d", "EX", "10"},
	{"GETEX", "d"}, {"PERSIST", "d"}, {"PERSIST", "d"}, {"EXPIRE", "d", "-1"}, {"APPEND", "s", "x"},
	{"MSET", "m1", "1", "m2", "2"}, {"SET", "g", "v", "PXAT", "1"}, {"GET", "g"}, // the GET finds g expired: DEL
	{"SET", "x", "y", "PX", "100000"}, {"FLUSHDB"}, {"FLUSHALL"}, {"SET", "x", "y"},
}

// unixTimes masks the Unix times that SET ... PXAT and PEXPIREAT were given, which depend on
// when each server ran the command; every other byte must be Redis's.
var unixTimes = regexp.MustCompile(`\$13\r\n1[0-9]{12}\r\n`)

// Both servers, fed the same commands, write the same incr file (feedAppendOnlyFile in Redis's src/aof.c).
func TestCommandsAreLoggedAsRedisLogsThem(t *testing.T) {
	ours := loggedLikeRedis(t, aofScript)
	assert.Contains(t, ours, "*5\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n$4\r\nPXAT\r\n$13\r\nUNIXTIME\r\n")
	assert.Contains(t, ours, resp.Command("DEL", "g"))
}

// loggedLikeRedis runs script on our server and on a real redis-server, each with the AOF on,
// requires both to write the same incr file (Unix times masked), and returns ours.
func loggedLikeRedis(t *testing.T, script [][]string) string {
	t.Helper()
	run := func(addr string, incrPath func(conn *redistest.Conn) string) string {
		conn := redistest.Dial(t, addr)
		doAll(conn, script)
		return unixTimes.ReplaceAllString(readFile(t, incrPath(conn)), "$$13\r\nUNIXTIME\r\n")
	}
	dir := t.TempDir()
	_, addr := startAOF(t, dir, "always")
	ours := run(addr, func(*redistest.Conn) string { return filepath.Join(dir, "appendonlydir", "appendonly.aof.1.incr.aof") })
	t.Run("redis", func(t *testing.T) {
		real := redistest.StartRedis(t, "--appendonly", "yes", "--aof-use-rdb-preamble", "no", "--appendfsync", "always")
		theirs := run(real, func(conn *redistest.Conn) string {
			return filepath.Join(conn.Do("CONFIG", "GET", "dir").Elems[1].Str, "appendonlydir", "appendonly.aof.1.incr.aof")
		})
		want := ours
		if redistest.IsValkey(real) { // Valkey 8 logs an expiry in the past as UNLINK, and drops a SET whose time has passed
			want = strings.NewReplacer(resp.Command("DEL", "d"), resp.Command("UNLINK", "d"),
				resp.Command("SET", "g", "v", "PXAT", "1")+resp.Command("DEL", "g"), "").Replace(ours)
		}
		assert.Equal(t, theirs, want, "the incr file differs from Redis's")
	})
	return ours
}

// doAll sends each command of script and reads its reply.
func doAll(conn *redistest.Conn, script [][]string) {
	for _, command := range script {
		conn.Do(command...)
	}
}

// What was written is there after a restart, TTLs included.
func TestRestartRestoresTheData(t *testing.T) {
	dir := t.TempDir()
	srv, addr := startAOF(t, dir, "everysec")
	conn := redistest.Dial(t, addr)
	doAll(conn, aofScript)
	conn.Do("SET", "ttl", "v", "PXAT", "99999999999999")
	conn.Do("INCR", "counter")
	conn.Do("INCR", "counter")
	require.NoError(t, srv.Close())

	_, addr = startAOF(t, dir, "everysec")
	again := redistest.Dial(t, addr)
	assert.Equal(t, "y", again.Do("GET", "x").Str)
	assert.Equal(t, "2", again.Do("GET", "counter").Str)
	assert.Equal(t, int64(99999999999999), again.Do("PEXPIRETIME", "ttl").Int)
	assert.Equal(t, int64(3), again.Do("DBSIZE").Int)
}

// writeAOF writes a finished append-only directory in dir: a manifest and the given files.
func writeAOF(t *testing.T, dir string, files map[string]string, manifest string) string {
	aofDir := filepath.Join(dir, "appendonlydir")
	require.NoError(t, os.MkdirAll(aofDir, 0o755))
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(aofDir, name), []byte(content), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(aofDir, "appendonly.aof.manifest"), []byte(manifest), 0o644))
	return aofDir
}

const twoFiles = "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"

var good = resp.Command("SELECT", "0") + resp.Command("SET", "a", "1") + resp.Command("SET", "b", "2")

// A last command cut short (the server died while writing it) is cut off, and the server
// starts with everything before it, as Redis does with aof-load-truncated yes (§4.4).
func TestTruncatedLastCommandIsCutOff(t *testing.T) {
	dir := t.TempDir()
	aofDir := writeAOF(t, dir, map[string]string{"appendonly.aof.1.base.aof": "", "appendonly.aof.1.incr.aof": good + "*3\r\n$3\r\nSET\r\n$3\r\nbaz\r\n$2\r\nqu"}, twoFiles)
	_, addr := startAOF(t, dir, "everysec")
	conn := redistest.Dial(t, addr)
	assert.Equal(t, int64(2), conn.Do("DBSIZE").Int)
	assert.Equal(t, "2", conn.Do("GET", "b").Str)
	assert.Equal(t, good, readFile(t, filepath.Join(aofDir, "appendonly.aof.1.incr.aof")), "the partial command was cut off the file")
}

// Where Redis refuses to start, so does the server, with Redis's own log line (operators and
// Redis's tests look for it), and it changes nothing on disk. Real Redis is started on the
// same files and must refuse them with the same line.
func TestBadFilesStopTheStart(t *testing.T) {
	const base, incr = "appendonly.aof.1.base.aof", "appendonly.aof.1.incr.aof"
	tests := []struct {
		name     string
		files    map[string]string
		manifest string
		truncate bool
		want     string
	}{
		{"truncated, with aof-load-truncated no", map[string]string{base: "", incr: good + "*2\r\n$3\r\nDEL"}, twoFiles, false,
			"Unexpected end of file reading the append only file appendonly.aof.1.incr.aof. You can: 1) Make a backup of your AOF file, " +
				"then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server."},
		{"truncated in a file that is not the last", map[string]string{base: good + "*2\r\n$3\r\nDEL", incr: good}, twoFiles, true,
			"Fatal error: the truncated file is not the last file"},
		{"not a bulk string", map[string]string{base: "", incr: good + "*1\r\n:1\r\n" + good}, twoFiles, true,
			"Bad file format reading the append only file appendonly.aof.1.incr.aof: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"},
		{"inline command", map[string]string{base: "SET a 1\r\n", incr: ""}, twoFiles, true,
			"Bad file format reading the append only file appendonly.aof.1.base.aof"},
		{"unknown command", map[string]string{base: good + resp.Command("NOPE", "x"), incr: ""}, twoFiles, true,
			"Unknown command 'NOPE' reading the append only file appendonly.aof.1.base.aof"},
		{"a file the manifest names is missing", map[string]string{base: good}, twoFiles, true,
			"Unable to obtain the AOF file appendonly.aof.1.incr.aof length. stat: No such file or directory"},
		{"empty manifest", map[string]string{base: good, incr: ""}, "", true,
			"Found an empty AOF manifest"},
		{"empty line in the manifest", map[string]string{base: "", incr: ""}, "file appendonly.aof.1.base.aof seq 1 type b\n\n", true,
			"Invalid AOF manifest file format"},
		{"manifest line too long", map[string]string{base: good, incr: ""}, "file appendonly.aof.1.base.aof seq 1 type b" + strings.Repeat(" ", 2000) + "\n", true,
			"The AOF manifest file contains too long line"},
		{"manifest's last line without its newline", map[string]string{base: good, incr: ""}, strings.TrimSuffix(twoFiles, "\n"), true,
			"The AOF manifest file contains too long line"},
		{"manifest line too short", map[string]string{base: good, incr: ""}, "file appendonly.aof.1.base.aof seq 1\n", true,
			"Invalid AOF manifest file format"},
		{"manifest line without a sequence", map[string]string{base: good, incr: ""}, "file appendonly.aof.1.base.aof type b seqq 1\n", true,
			"Invalid AOF manifest file format"},
		{"two bases", map[string]string{base: good, incr: ""}, twoFiles + "file appendonly.aof.1.base.aof seq 1 type b\n", true,
			"Found duplicate base file information"},
		{"unknown file type", map[string]string{base: good, incr: ""}, twoFiles + "file appendonly.aof.2.incr.aof seq 2 type x\n", true,
			"Unknown AOF file type"},
		{"incr files out of order", map[string]string{base: good, incr: ""}, twoFiles + "file appendonly.aof.0.incr.aof seq 0 type i\n", true,
			"Invalid AOF manifest file format"},
		{"incr sequence going down", map[string]string{base: good, incr: "", "appendonly.aof.2.incr.aof": ""},
			"file appendonly.aof.2.incr.aof seq 2 type i\nfile appendonly.aof.1.incr.aof seq 1 type i\n", true,
			"Found a non-monotonic sequence number"},
		{"a path for a file name", map[string]string{base: good, incr: ""}, "file ../appendonly.aof.1.base.aof seq 1 type b\n", true,
			"File can't be a path, just a filename"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			aofDir := writeAOF(t, dir, tt.files, tt.manifest)
			config := aofConfig(dir, "everysec")
			config.LoadTruncated = tt.truncate
			_, err := NewServer(Config{AOF: config})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			for name, content := range tt.files {
				assert.Equal(t, content, readFile(t, filepath.Join(aofDir, name)), "%s was changed", name)
			}

			redisDir := t.TempDir()
			writeAOF(t, redisDir, tt.files, tt.manifest)
			log := redistest.RedisRefusesToStart(t, "--dir", redisDir, "--appendonly", "yes", "--aof-load-truncated", map[bool]string{true: "yes", false: "no"}[tt.truncate])
			assert.Contains(t, log, redistest.ReferenceWords(tt.want), "real Redis's log")
		})
	}
}

// waitForRewrite waits until no rewrite is running.
func waitForRewrite(a *appendOnlyFile) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for a.rewriting {
		a.idle.Wait()
	}
}

// BGREWRITEAOF replaces the base and incr files with a base that holds the dataset, in
// Redis's layout and naming (§4.1), and the data survives a restart from the new files.
func TestRewrite(t *testing.T) {
	dir := t.TempDir()
	srv, addr := startAOF(t, dir, "everysec")
	conn := redistest.Dial(t, addr)
	for range 100 {
		conn.Do("INCR", "counter")
	}
	conn.Do("SET", "ttl", "v", "PXAT", "99999999999999")
	conn.Do("SET", "gone", "v", "PXAT", "1") // expired: left out of the new base
	assert.Equal(t, "Background append only file rewriting started", conn.Do("BGREWRITEAOF").Str)
	waitForRewrite(srv.aof.Load())
	conn.Do("SET", "after", "rewrite")

	aofDir := filepath.Join(dir, "appendonlydir")
	assert.Equal(t, "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
		readFile(t, filepath.Join(aofDir, "appendonly.aof.manifest")))
	names, err := filepath.Glob(filepath.Join(aofDir, "*"))
	require.NoError(t, err)
	assert.Len(t, names, 3, "the old base and incr files were removed: %v", names)
	base := readFile(t, filepath.Join(aofDir, "appendonly.aof.2.base.aof"))
	assert.True(t, strings.HasPrefix(base, resp.Command("SELECT", "0")))
	assert.Contains(t, base, resp.Command("SET", "counter", "100"))
	assert.Contains(t, base, resp.Command("SET", "ttl", "v")+resp.Command("PEXPIREAT", "ttl", "99999999999999"))
	assert.NotContains(t, base, "gone")
	assert.NotContains(t, base, "INCR")
	assert.Contains(t, srvInfo(t, conn), "aof_rewrites:1\r\n")
	// INFO's sizes, which decide the next automatic rewrite, are the files' real sizes.
	baseSize := fileSize(t, filepath.Join(aofDir, "appendonly.aof.2.base.aof"))
	incrSize := fileSize(t, filepath.Join(aofDir, "appendonly.aof.2.incr.aof"))
	assert.Contains(t, srvInfo(t, conn), fmt.Sprintf("aof_current_size:%d\r\naof_base_size:%d\r\n", baseSize+incrSize, baseSize))
	require.NoError(t, srv.Close())

	_, addr = startAOF(t, dir, "everysec")
	again := redistest.Dial(t, addr)
	assert.Equal(t, "100", again.Do("GET", "counter").Str)
	assert.Equal(t, "rewrite", again.Do("GET", "after").Str)
	assert.Equal(t, int64(99999999999999), again.Do("PEXPIRETIME", "ttl").Int)
}

func fileSize(t *testing.T, path string) int64 {
	info, err := os.Stat(path)
	require.NoError(t, err)
	return info.Size()
}

func srvInfo(t *testing.T, conn *redistest.Conn) string {
	return conn.Do("INFO", "persistence").Str
}

func TestRewriteAlreadyInProgress(t *testing.T) {
	srv, addr := startAOF(t, t.TempDir(), "everysec")
	srv.aof.Load().mu.Lock()
	srv.aof.Load().rewriting = true // as if a rewrite were running
	srv.aof.Load().mu.Unlock()
	conn := redistest.Dial(t, addr)
	assert.Equal(t, "ERR Background append only file rewriting already in progress", conn.Do("BGREWRITEAOF").Str)
	srv.aof.Load().mu.Lock()
	srv.aof.Load().rewriting = false
	srv.aof.Load().mu.Unlock()
}

// Clients keep writing while a rewrite runs, and every acknowledged write is in the files.
func TestWritesDuringRewriteAreKept(t *testing.T) {
	dir := t.TempDir()
	srv, addr := startAOF(t, dir, "always")
	var wg sync.WaitGroup
	for c := range 8 {
		wg.Go(func() {
			conn := redistest.Dial(t, addr)
			for i := range 300 {
				require.Equal(t, "OK", conn.Do("SET", fmt.Sprintf("c%d:%d", c, i), "v").Str)
				if c == 0 && i%100 == 50 {
					conn.Do("BGREWRITEAOF") // may answer "already in progress"
				}
			}
		})
	}
	wg.Wait()
	waitForRewrite(srv.aof.Load())
	require.NoError(t, srv.Close())

	_, addr = startAOF(t, dir, "always")
	assert.Equal(t, int64(8*300), redistest.Dial(t, addr).Do("DBSIZE").Int)
}

// The automatic rewrite starts when the files have doubled (auto-aof-rewrite-percentage 100)
// and are past auto-aof-rewrite-min-size.
func TestRewriteDue(t *testing.T) {
	a := &appendOnlyFile{live: newAOFSettings(AOFConfig{RewritePercent: 100, RewriteMinSize: 1000})}
	for _, tt := range []struct {
		base, current int64
		due           bool
	}{{0, 999, false}, {0, 1000, true}, {800, 1599, false}, {800, 1600, true}, {5000, 9999, false}, {5000, 10000, true}} {
		a.baseSize, a.currentSize = tt.base, tt.current
		assert.Equal(t, tt.due, a.rewriteDue(), "base %d, now %d", tt.base, tt.current)
	}
	a.live.rewritePercent.Store(0)
	assert.False(t, a.rewriteDue(), "0 turns automatic rewrites off")
}

// Group commit: while one fsync is in flight, the writes of every other client gather, and
// the next fsync covers them all: ten clients, two fsyncs.
func TestGroupCommit(t *testing.T) {
	file := &memoryFile{room: -1, syncing: make(chan struct{}), release: make(chan struct{})}
	a := &appendOnlyFile{live: newAOFSettings(AOFConfig{Fsync: "always"}), incr: file, selected: true}
	a.idle = sync.NewCond(&a.mu)
	log := func(key string) int64 {
		a.append([][]byte{[]byte("SET"), []byte(key), []byte("v")})
		return a.offset()
	}

	first := log("first")
	done := make(chan struct{})
	go func() { a.flush(first, true); close(done) }()
	<-file.syncing // the first fsync is in flight

	var wg sync.WaitGroup
	for i := range 10 {
		offset := log(fmt.Sprint("k", i))
		wg.Go(func() { a.flush(offset, true) })
	}
	file.release <- struct{}{} // the first fsync ends
	<-done
	<-file.syncing // one more fsync, for all ten
	file.release <- struct{}{}
	wg.Wait()

	assert.Equal(t, int64(2), a.fsyncs)
	assert.Equal(t, a.logged, a.synced)
	assert.Equal(t, 11, strings.Count(file.String(), "SET"))
}

// redis-check-aof, Redis's own checker, accepts the files, before and after a rewrite.
func TestRedisCheckAOFAcceptsOurFiles(t *testing.T) {
	check := redistest.RequireTool(t, "redis-check-aof")
	dir := t.TempDir()
	srv, addr := startAOF(t, dir, "always")
	conn := redistest.Dial(t, addr)
	doAll(conn, aofScript)
	manifest := filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest")
	for _, when := range []string{"before the rewrite", "after the rewrite"} {
		out, err := runCommand(check, manifest)
		require.NoError(t, err, "%s: %s", when, out)
		assert.Contains(t, out, "All AOF files and manifest are valid", when)
		conn.Do("SET", "more", "data", "EX", "100")
		conn.Do("BGREWRITEAOF")
		waitForRewrite(srv.aof.Load())
	}
}

// A real redis-server started on our files has the same keys, values and TTLs.
func TestRedisLoadsOurFiles(t *testing.T) {
	dir := t.TempDir()
	srv, addr := startAOF(t, dir, "always")
	conn := redistest.Dial(t, addr)
	doAll(conn, aofScript)
	conn.Do("SET", "ttl", "v", "PXAT", "99999999999999")
	conn.Do("SET", "rewritten", "1")
	conn.Do("BGREWRITEAOF")
	waitForRewrite(srv.aof.Load())
	conn.Do("INCR", "rewritten")
	want := dataset(t, conn)
	require.NoError(t, srv.Close())

	real := redistest.StartRedis(t, "--dir", dir, "--appendonly", "yes", "--aof-use-rdb-preamble", "no")
	assert.Equal(t, want, dataset(t, redistest.Dial(t, real)))
}

// Our server started on files written by a real Redis 7.0 (aof-use-rdb-preamble no, with a
// rewrite halfway) has the same keys, values and TTLs.
func TestWeLoadRedisFiles(t *testing.T) {
	real := redistest.StartRedis(t, "--appendonly", "yes", "--aof-use-rdb-preamble", "no", "--appendfsync", "always")
	conn := redistest.Dial(t, real)
	doAll(conn, aofScript[:len(aofScript)-3]) // all but the FLUSHes
	conn.Do("SET", "ttl", "v", "PXAT", "99999999999999")
	conn.Do("BGREWRITEAOF")
	waitForRedisRewrite(t, conn)
	conn.Do("INCR", "n")
	conn.Do("SET", "after", "rewrite", "EX", "1000")
	want := dataset(t, conn)
	redisDir := conn.Do("CONFIG", "GET", "dir").Elems[1].Str

	dir := t.TempDir()
	require.NoError(t, os.CopyFS(filepath.Join(dir, "appendonlydir"), os.DirFS(filepath.Join(redisDir, "appendonlydir"))))
	_, addr := startAOF(t, dir, "everysec")
	assert.Equal(t, want, dataset(t, redistest.Dial(t, addr)))
}

// dataset lists every key with its value and expiry time, sorted.
func dataset(t *testing.T, conn *redistest.Conn) []string {
	var out []string
	for _, key := range conn.Do("KEYS", "*").Elems {
		out = append(out, fmt.Sprintf("%s=%s pexpiretime=%d", key.Str, conn.Do("GET", key.Str).Str, conn.Do("PEXPIRETIME", key.Str).Int))
	}
	sort.Strings(out)
	return out
}

// waitForRedisRewrite waits until a real Redis reports that its rewrite ended. Redis gives no
// signal for it but INFO, so this asks until it says so (a few milliseconds).
func waitForRedisRewrite(t *testing.T, conn *redistest.Conn) {
	for range 100_000 {
		info := conn.Do("INFO", "persistence").Str
		if !strings.Contains(info, "aof_rewrite_in_progress:1") && !strings.Contains(info, "aof_rewrite_scheduled:1") {
			return
		}
	}
	t.Fatal("redis-server's rewrite did not end")
}

func runCommand(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

// go-redis works against the server with the AOF on, as against Redis.
func TestGoRedisWithAOF(t *testing.T) {
	_, addr := startAOF(t, t.TempDir(), "always")
	ctx := context.Background()
	client := redistest.Client(t, addr)
	require.NoError(t, client.Set(ctx, "k", "v", 0).Err())
	assert.Equal(t, "v", client.Get(ctx, "k").Val())
	assert.Equal(t, map[string]string{"appendonly": "yes"}, client.ConfigGet(ctx, "appendonly").Val())
}
