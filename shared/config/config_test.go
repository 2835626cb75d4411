package config

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"byoredis/shared/redistest"
	"byoredis/shared/resp"
)

// server is a pretend server with three directives: one CONFIG SET may change, one fixed at
// start, one protected, and one with an old name.
type server struct {
	hz, timeout int64
	dir         string
	applied     []string
}

func (s *server) table() *Table {
	return NewTable(
		Setting[int64]{Name: "hz", Default: "10", Parse: Int(0, 500),
			Set: func(n int64) { s.hz = n; s.applied = append(s.applied, "hz") }, Get: func() string { return strconv.FormatInt(s.hz, 10) }},
		Setting[string]{Name: "databases", Get: Fixed("1")},
		Setting[string]{Name: "dir", Default: ".", Protected: true, Parse: String, Get: func() string { return s.dir }},
		Setting[int64]{Name: "repl-timeout", Alias: "slave-timeout", Default: "60", Parse: Int(1, 100),
			Check: func(n int64) error {
				if n == 13 {
					return errors.New("unlucky")
				}
				return nil
			},
			Set: func(n int64) { s.timeout = n; s.applied = append(s.applied, "repl-timeout") }, Get: func() string { return strconv.FormatInt(s.timeout, 10) }},
	)
}

func reply(write func(w *resp.Writer)) string {
	var buf bytes.Buffer
	w := resp.NewWriter(&buf)
	write(w)
	w.Flush()
	return buf.String()
}

func set(t *Table, first func([][]byte) (string, error), args ...string) string {
	if first == nil {
		first = func([][]byte) (string, error) { return "", nil }
	}
	var command [][]byte
	for _, a := range append([]string{"CONFIG", "SET"}, args...) {
		command = append(command, []byte(a))
	}
	return reply(func(w *resp.Writer) { t.Set(w, command, first) })
}

// CONFIG SET refuses the whole command for the first name that is unknown, protected, fixed
// or given twice (an old name and its directive count as two), in Redis 7.0's words, and
// changes nothing unless every value parses and passes its check.
func TestSetRefusesAsRedis(t *testing.T) {
	s := &server{hz: 10, timeout: 60}
	table := s.table()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"hz"}, "-ERR syntax error\r\n"},
		{[]string{"hz", "20", "nosuch", "1"}, "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n"},
		{[]string{"hz", "20", "DIR", "/tmp"}, "-ERR CONFIG SET failed (possibly related to argument 'DIR') - can't set protected config\r\n"},
		{[]string{"hz", "20", "databases", "2"}, "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n"},
		{[]string{"hz", "20", "HZ", "30"}, "-ERR CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter\r\n"},
		{[]string{"hz", "20", "REPL-TIMEOUT", "x"}, "-ERR CONFIG SET failed (possibly related to argument 'repl-timeout') - argument couldn't be parsed into an integer\r\n"},
		{[]string{"hz", "20", "repl-timeout", "101"}, "-ERR CONFIG SET failed (possibly related to argument 'repl-timeout') - argument must be between 1 and 100 inclusive\r\n"},
		{[]string{"hz", "20", "slave-timeout", "13"}, "-ERR CONFIG SET failed (possibly related to argument 'slave-timeout') - unlucky\r\n"},
	} {
		assert.Equal(t, tt.want, set(table, nil, tt.args...), "%v", tt.args)
	}
	assert.Empty(t, s.applied)
	assert.Equal(t, "-ERR CONFIG SET failed (possibly related to argument 'port') - taken\r\n",
		set(table, func([][]byte) (string, error) { return "port", errors.New("taken") }, "hz", "20"))
	assert.Empty(t, s.applied, "the first change failed: nothing changes")

	assert.Equal(t, "+OK\r\n", set(table, nil, "slave-timeout", "30", "repl-timeout", "40", "hz", "20"))
	assert.Equal(t, []string{"repl-timeout", "repl-timeout", "hz"}, s.applied)
	assert.Equal(t, int64(40), s.timeout)
	assert.Equal(t, int64(20), s.hz)
}

// CONFIG GET answers an exact name as it was sent, matches patterns by Redis's glob rules,
// lists a directive once however many patterns match it, and lists old names too.
func TestGet(t *testing.T) {
	table := (&server{hz: 10, timeout: 60, dir: "/data"}).table()
	get := func(patterns ...string) string {
		var args [][]byte
		for _, p := range patterns {
			args = append(args, []byte(p))
		}
		return reply(func(w *resp.Writer) { table.Get(w, args) })
	}
	assert.Equal(t, "*2\r\n$2\r\nHZ\r\n$2\r\n10\r\n", get("HZ"))
	assert.Equal(t, "*4\r\n$12\r\nrepl-timeout\r\n$2\r\n60\r\n$13\r\nslave-timeout\r\n$2\r\n60\r\n", get("*timeout", "repl-*"))
	assert.Equal(t, "*0\r\n", get("nosuch"))
	assert.Equal(t, "*2\r\n$3\r\ndir\r\n$5\r\n/data\r\n", get("d?r"))
}

// Flags' values reach a server made later through Late, for the directives with no Start;
// a bad one stops the start (tested by the steps, which run their binaries).
func TestLateSetsWhatStartDoesNot(t *testing.T) {
	s := &server{}
	s.table().Late(map[string]string{"hz": "15", "repl-timeout": "7", "dir": "/x"}, "7.0.0")
	assert.Equal(t, int64(15), s.hz)
	assert.Equal(t, int64(7), s.timeout)
	assert.Empty(t, s.dir, "dir is fixed at start: nothing to set late")
}

func TestParsers(t *testing.T) {
	for value, want := range map[string]int64{"0": 0, "1k": 1000, "1kb": 1024, "2MB": 2 << 20, "3g": 3e9, "1gb": 1 << 30} {
		n, ok := ParseMemory(value)
		require.True(t, ok, value)
		assert.Equal(t, want, n, value)
	}
	for _, bad := range []string{"", "k", "1x", "-1", "99999999999gb"} {
		_, ok := ParseMemory(bad)
		assert.False(t, ok, bad)
	}
	_, err := Memory(1 << 20)("1kb")
	assert.EqualError(t, err, "argument must be between 1048576 and 9223372036854775807 inclusive")
	_, err = Memory(0)("lots")
	assert.EqualError(t, err, "argument must be a memory value")
	on, err := YesNo("YES")
	assert.True(t, on)
	assert.NoError(t, err)
	_, err = YesNo("maybe")
	assert.EqualError(t, err, "argument must be 'yes' or 'no'")
	v, err := OneOf("everysec", "always", "no")("ALWAYS")
	assert.Equal(t, "always", v)
	assert.NoError(t, err)
	_, err = OneOf("everysec", "always", "no")("sometimes")
	assert.EqualError(t, err, "argument(s) must be one of the following: everysec, always, no")
	assert.Equal(t, "No such file or directory", Strerror(&os.PathError{Op: "chdir", Path: "/nosuch", Err: syscall.ENOENT}))
}

// flagsEnv, when set, makes the test binary a server that only parses its command line
// (TestMain), with the arguments in it separated by newlines.
const flagsEnv = "CONFIG_TEST_FLAGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(flagsEnv); ok {
		os.Args = append([]string{"server"}, strings.Split(args, "\n")...)
		flag.CommandLine = flag.NewFlagSet("server", flag.ExitOnError)
		var cfg struct {
			maxClients int64
			fsync      string
		}
		NewTable(
			Setting[int64]{Name: "port", Default: "6379", Parse: Int(0, 65535), Start: func(int64) error { return nil }},
			Setting[int64]{Name: "maxclients", Default: "10000", Parse: Int(1, 1<<32-1), Start: func(n int64) error { cfg.maxClients = n; return nil }},
			Setting[string]{Name: "appendfsync", Default: "everysec", Parse: OneOf("everysec", "always", "no"), Start: func(v string) error { cfg.fsync = v; return nil }},
		).Flags("7.0.0")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A bad value on the command line stops the start with Redis's words, the line redis-server
// says it was on included, and exit status 1, as real Redis does with the same arguments.
func TestBadValueAtStartStopsAsRedisDoes(t *testing.T) {
	redis := redistest.RequireTool(t, "redis-server")
	version := regexp.MustCompile(`\(\w+ [0-9.]+\) \*\*\*`) // Valkey says "(Version 8.0.1)"
	for _, args := range [][]string{
		{"--port", "6390", "--maxclients", "x"},
		{"--appendfsync", "sometimes"},
		{"--port", "6390", "--appendfsync", "always", "--maxclients", "0"},
	} {
		ours := exec.Command(os.Args[0])
		ours.Env = append(os.Environ(), flagsEnv+"="+strings.Join(args, "\n"))
		oursOut, oursErr := ours.CombinedOutput()
		theirs, theirsErr := exec.Command(redis, args...).CombinedOutput()
		var exit *exec.ExitError
		require.ErrorAs(t, oursErr, &exit, "%v: %s", args, oursOut)
		assert.Equal(t, 1, exit.ExitCode(), "%v", args)
		require.ErrorAs(t, theirsErr, &exit, "%v: %s", args, theirs)
		assert.Equal(t, 1, exit.ExitCode(), "%v", args)
		assert.Equal(t, version.ReplaceAllString(string(theirs), "(V) ***"), version.ReplaceAllString(string(oursOut), "(V) ***"), "%v", args)
	}
}
