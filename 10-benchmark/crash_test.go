package main

import (
	"bufio"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"

	"byoredis/shared/redistest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// crashRuns and writesBeforeKill size the crash test: each run kills the server once.
const (
	crashRuns        = 5
	writesBeforeKill = 1000
	crashWriters     = 16
)

// With appendfsync always, a write is acknowledged only once it is on disk, so a server
// killed with SIGKILL (no chance to flush anything) loses no acknowledged write. The server
// runs as its own process, and is killed while 16 clients are writing.
func TestCrashLosesNoAcknowledgedWrite(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "10-benchmark")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	dir := t.TempDir()

	var acked []string // every key a client was told OK for, over all runs
	for run := range crashRuns {
		server, addr := startProcess(t, bin, dir)
		var mu sync.Mutex
		var wg sync.WaitGroup
		enough := make(chan struct{})
		var once sync.Once
		for w := range crashWriters {
			wg.Go(func() {
				conn := redistest.Dial(t, addr)
				for i := 0; ; i++ {
					key := fmt.Sprintf("run%d:writer%d:%d", run, w, i)
					if _, err := conn.Net().Write([]byte(cmd("SET", key, key))); err != nil {
						return
					}
					if reply, err := readOK(conn); err != nil || !reply {
						return // the server died: this write was never acknowledged
					}
					mu.Lock()
					acked = append(acked, key)
					if len(acked) >= (run+1)*writesBeforeKill {
						once.Do(func() { close(enough) })
					}
					mu.Unlock()
				}
			})
		}
		<-enough
		require.NoError(t, server.Process.Signal(syscall.SIGKILL)) // while the writers write
		server.Wait()
		wg.Wait()

		server, addr = startProcess(t, bin, dir)
		conn := redistest.Dial(t, addr)
		missing := 0
		for _, key := range acked {
			if conn.Do("GET", key).Str != key {
				missing++
			}
		}
		require.Zero(t, missing, "run %d: %d of %d acknowledged writes lost", run+1, missing, len(acked))
		server.Process.Signal(syscall.SIGKILL)
		server.Wait()
	}
	t.Logf("%d runs, %d acknowledged writes, none lost", crashRuns, len(acked))
	assert.GreaterOrEqual(t, len(acked), crashRuns*writesBeforeKill)
}

// readOK reads one reply and reports whether it was +OK.
func readOK(conn *redistest.Conn) (bool, error) {
	line, err := bufio.NewReader(conn.Net()).ReadString('\n') // replies here are single lines
	return line == "+OK\r\n", err
}

var readyLine = regexp.MustCompile(`ready to accept connections addr=(\S+)`)

// startProcess runs the server binary on a free port with the AOF on in dir, and waits for
// its "ready" log line.
func startProcess(t *testing.T, bin, dir string) (*exec.Cmd, string) {
	server := exec.Command(bin, "--port", "0", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir)
	stderr, err := server.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, server.Start())
	t.Cleanup(func() { server.Process.Kill(); server.Wait() })
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		if m := readyLine.FindStringSubmatch(lines.Text()); m != nil {
			go func() {
				for lines.Scan() { // keep reading, so the server never blocks on its log
				}
			}()
			return server, m[1]
		}
	}
	t.Fatal("the server exited before it was ready")
	return nil, ""
}
