package redistest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// RequireRedisEnv is the environment variable that turns "real Redis tool not installed"
// from a skip into a failure.
const RequireRedisEnv = "REQUIRE_REDIS"

// RequireTool returns the path of a real Redis program (redis-server, redis-cli, ...), or of
// Valkey's where only Valkey is installed. When it is not installed, or the reference server
// is a version the course does not support, the test is skipped with a notice, or fails if
// REQUIRE_REDIS=1. The first test to ask notes which server the tests compare with.
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	path, err := LookTool(name)
	problem := ""
	switch ref, refErr := FindReference(); {
	case err != nil:
		problem = name + " is not installed, so the tests that need it did not run (" + InstallHint + ")"
	case refErr != nil:
		problem = refErr.Error()
	case !ref.Supported():
		problem = "the reference server is " + ref.String() + "; the course supports " + SupportedReferences +
			", so the tests that need it did not run (" + InstallHint + ")"
	default:
		referenceNoted.Do(func() { t.Logf("NOTICE: the real server compared with is %s", ref) })
		return path
	}
	if os.Getenv(RequireRedisEnv) == "1" {
		t.Fatalf("%s, and %s=1 says a supported one is required", problem, RequireRedisEnv)
	}
	t.Skipf("NOTICE: %s", problem)
	return ""
}

var referenceNoted sync.Once

// StartRedis starts a real redis-server on a free port on 127.0.0.1, with no persistence and
// its files in a temporary directory, plus any further config directives in args (as
// "--databases", "1"). It returns the address, and stops the server when the test ends.
func StartRedis(t testing.TB, args ...string) string {
	t.Helper()
	bin := RequireTool(t, "redis-server")
	var lastLog string
	for range 3 { // another process may take the free port between probe and bind
		port := freePort(t)
		addr, log, ok := startRedisOn(t, bin, port, args)
		if ok {
			return addr
		}
		lastLog = log
	}
	t.Fatalf("redis-server did not start:\n%s", lastLog)
	return ""
}

// RedisRefusesToStart starts a real redis-server with args and requires it to exit before
// it is ready, as it does on files it cannot load. It returns what the server logged, for
// the test to find Redis's own words for the refusal in.
func RedisRefusesToStart(t testing.TB, args ...string) string {
	t.Helper()
	addr, log, ok := startRedisOn(t, RequireTool(t, "redis-server"), freePort(t), args)
	require.False(t, ok, "redis-server started on %s, where it should have refused to", addr)
	return log
}

func startRedisOn(t testing.TB, bin string, port int, args []string) (addr, log string, ok bool) {
	dir := t.TempDir()
	argv := append([]string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "",
	}, args...)
	cmd := exec.Command(bin, argv...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = cmd.Stdout
	require.NoError(t, cmd.Start())

	// redis-server logs "Ready to accept connections" once it listens: wait for that line
	// rather than guessing a delay. The log is kept for the failure message.
	var logged strings.Builder
	ready, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		lines := bufio.NewScanner(stdout)
		signalled := false
		for lines.Scan() { // read to the end, so the server never blocks on a full pipe
			if signalled {
				continue
			}
			logged.WriteString(lines.Text() + "\n")
			if strings.Contains(lines.Text(), "Ready to accept connections") {
				signalled = true
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-done: // exited before it was ready
	case <-time.After(hangGuard):
	}
	if !isClosedChan(ready) {
		cmd.Process.Kill()
		cmd.Wait()
		<-done
		return "", logged.String(), false
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	references.Store(addr, true)
	t.Cleanup(func() { references.Delete(addr) })
	return addr, "", true
}

// references holds the addresses of the real servers StartRedis started.
var references sync.Map

// RedisAtLeast reports whether addr is a real server StartRedis started, of Redis major.minor
// or later (Valkey counting as Redis 7.2). A test that runs against both servers uses it
// where a later Redis answers differently from 7.0, which the steps follow.
func RedisAtLeast(addr string, major, minor int) bool {
	if _, ok := references.Load(addr); !ok {
		return false
	}
	ref, err := FindReference()
	return err == nil && ref.AtLeast(major, minor)
}

// IsValkey reports whether addr is a real server StartRedis started, and it is Valkey.
func IsValkey(addr string) bool {
	if _, ok := references.Load(addr); !ok {
		return false
	}
	ref, err := FindReference()
	return err == nil && ref.Name == "Valkey"
}

func isClosedChan(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// freePort is FreePort for a test: a port nothing listens on.
func freePort(t testing.TB) int {
	port, err := FreePort()
	require.NoError(t, err)
	return port
}

// RedisCLI runs redis-cli against addr with args and returns what it printed (stdout and
// stderr). Like redis-cli, a command's error reply is printed, not a failure; a redis-cli
// that cannot run or connect fails the test.
func RedisCLI(t testing.TB, addr string, args ...string) string {
	t.Helper()
	return runTool(t, "redis-cli", addr, "", args)
}

// RedisCLIStdin runs redis-cli with commands on standard input, one per line, as
// `redis-cli < commands.txt` does.
func RedisCLIStdin(t testing.TB, addr, stdin string, args ...string) string {
	t.Helper()
	return runTool(t, "redis-cli", addr, stdin, args)
}

// Lines is the output of a redis-cli that keeps running (SUBSCRIBE), line by line.
type Lines struct {
	t     testing.TB
	lines chan string
}

// RedisCLIFollow starts redis-cli against addr with args and leaves it running, for commands
// that print as events come (SUBSCRIBE, PSUBSCRIBE); it is stopped when the test ends.
func RedisCLIFollow(t testing.TB, addr string, args ...string) *Lines {
	t.Helper()
	bin := RequireTool(t, "redis-cli")
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	cmd := exec.Command(bin, append([]string{"-h", host, "-p", port}, args...)...)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	l := &Lines{t: t, lines: make(chan string, 100)}
	go func() {
		scanner := bufio.NewScanner(out)
		for scanner.Scan() {
			l.lines <- scanner.Text()
		}
		close(l.lines)
	}()
	return l
}

// Next returns the next n lines, failing the test if redis-cli prints fewer within
// hangGuard.
func (l *Lines) Next(n int) []string {
	l.t.Helper()
	var got []string
	timeout := time.After(hangGuard)
	for len(got) < n {
		select {
		case line, ok := <-l.lines:
			if !ok {
				require.Failf(l.t, "redis-cli stopped", "after %q", got)
			}
			got = append(got, line)
		case <-timeout:
			require.Failf(l.t, "redis-cli printed too little", "waited %v for %d lines, got %q", hangGuard, n, got)
		}
	}
	return got
}

// RedisBenchmark runs redis-benchmark against addr with args and returns its output.
func RedisBenchmark(t testing.TB, addr string, args ...string) string {
	t.Helper()
	return runTool(t, "redis-benchmark", addr, "", args)
}

func runTool(t testing.TB, name, addr, stdin string, args []string) string {
	t.Helper()
	bin := RequireTool(t, name)
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"-h", host, "-p", port}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
	return string(out)
}

// Both runs test once against the step server at ours and once against a real redis-server
// started with redisArgs, as subtests named "ours" and "redis". Use it for behaviour that
// cannot be written as an Exchange (a go-redis or redis-cli session): the same assertions
// then hold for both servers.
func Both(t *testing.T, ours string, test func(t *testing.T, addr string), redisArgs ...string) {
	t.Run("ours", func(t *testing.T) { test(t, ours) })
	t.Run("redis", func(t *testing.T) { test(t, StartRedis(t, redisArgs...)) })
}

// Describe renders raw bytes for a failure message.
func Describe(raw string) string { return fmt.Sprintf("%q", raw) }
