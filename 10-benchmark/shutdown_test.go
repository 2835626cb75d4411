package main

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"byoredis/shared/redistest"
	"byoredis/shared/resp"
	"byoredis/shared/stages"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestShutdownSyntax(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("SHUTDOWN", "FOO"), Want: []string{"-ERR syntax error\r\n"}},
		{Send: cmd("SHUTDOWN", "NOSAVE", "SAVE"), Want: []string{"-ERR syntax error\r\n"}},
		{Send: cmd("SHUTDOWN", "ABORT", "NOW"), Want: []string{"-ERR syntax error\r\n"}},
		{Send: cmd("SHUTDOWN", "ABORT"), Want: []string{"-ERR No shutdown in progress.\r\n"}},
		{Send: cmd("CONFIG", "SET", "shutdown-timeout", "-1"), Want: []string{"-ERR CONFIG SET failed (possibly related to argument 'shutdown-timeout') - argument must be between 0 and 2147483647 inclusive\r\n"}},
		{Send: cmd("CONFIG", "GET", "shutdown-timeout"), Want: []string{"*2\r\n$16\r\nshutdown-timeout\r\n$2\r\n10\r\n"}},
	})
}

// SIGTERM in the middle of a pipelined write load, appendfsync everysec: after a restart,
// every write that was acknowledged is there, on both servers.
func TestSigtermLosesNoAcknowledgedWrite(t *testing.T) {
	bothTargets(t, func(t *testing.T, target stages.Target) {
		dir := t.TempDir()
		args := []string{"--dir", dir, "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""}
		server := stages.Launch(t, target, dir, args...)
		var mu sync.Mutex
		acknowledged := map[string]string{}
		started := make(chan struct{}, 4)
		var writers sync.WaitGroup
		for w := range 4 {
			writers.Go(func() {
				conn, err := net.Dial("tcp", server.Addr())
				if err != nil {
					t.Error(err)
					return
				}
				defer conn.Close()
				replies := resp.NewReplyReader(conn)
				for batch := 0; ; batch++ {
					var request strings.Builder
					for i := range 100 {
						request.WriteString(cmd("SET", fmt.Sprintf("w%d:%d", w, batch*100+i), strconv.Itoa(batch)))
					}
					if _, err := conn.Write([]byte(request.String())); err != nil {
						return
					}
					for i := range 100 {
						if _, err := replies.ReadReply(); err != nil || string(replies.Raw()) != "+OK\r\n" {
							return // the server has stopped: this write and the rest were not acknowledged
						}
						mu.Lock()
						acknowledged[fmt.Sprintf("w%d:%d", w, batch*100+i)] = strconv.Itoa(batch)
						mu.Unlock()
					}
					if batch == 20 {
						started <- struct{}{}
					}
				}
			})
		}
		for range 4 {
			<-started
		}
		server.Signal(syscall.SIGTERM)
		writers.Wait()
		code, printed := server.Exit()
		require.Equal(t, 0, code, printed)

		server = stages.Launch(t, target, dir, args...)
		conn := redistest.Dial(t, server.Addr())
		require.Eventually(t, func() bool { return infoField(t, server.Addr(), "persistence", "loading") == "0" }, hangGuard, pollEvery)
		mu.Lock()
		defer mu.Unlock()
		require.Greater(t, len(acknowledged), 4*2000)
		missing := 0
		for key, value := range acknowledged {
			if conn.Do("GET", key).Str != value {
				missing++
			}
		}
		assert.Zero(t, missing, "of %d acknowledged writes, %d are missing after the restart", len(acknowledged), missing)
	})
}

// processID is a real server's pid, from INFO.
func processID(t *testing.T, addr string) int {
	pid, err := strconv.Atoi(infoField(t, addr, "server", "process_id"))
	require.NoError(t, err)
	return pid
}

// A replica connected at shutdown has every write its master acknowledged.
func TestReplicaHasEveryAcknowledgedWriteAtShutdown(t *testing.T) {
	bothTargets(t, func(t *testing.T, target stages.Target) {
		dir := t.TempDir()
		master := stages.Launch(t, target, dir, "--dir", dir, "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0")
		replica := startRedisReplica(t, master.Addr())
		require.Eventually(t, func() bool { return linkUp(t, replica) }, hangGuard, pollEvery)
		fill(t, master.Addr(), 20_000)
		master.Signal(syscall.SIGTERM)
		code, printed := master.Exit()
		require.Equal(t, 0, code, printed)
		r := redistest.Dial(t, replica)
		assert.Equal(t, int64(20_000), r.Do("DBSIZE").Int)
		assert.Equal(t, strings.Repeat("v", 19_999%50), r.Do("GET", "key:19999").Str)
	})
}

// No goroutine outlives a shutdown: the clients', the writers', the replica links', the
// background loops'.
func TestNoGoroutineOutlivesShutdown(t *testing.T) {
	before := goleak.IgnoreCurrent()
	dir := t.TempDir()
	srv := newServer(t, Config{Bind: "127.0.0.1", MaxClients: 100, AOF: aofConfig(dir, "everysec"),
		RDB: RDBConfig{Dir: dir, FileName: "dump.rdb", SavePoints: []savePoint{{3600, 1}}}, Repl: ReplConfig{DisklessSync: true}})
	ln := redistest.Listen(t)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	addr := ln.Addr().String()

	replica := startRedisReplica(t, addr)
	require.Eventually(t, func() bool { return linkUp(t, replica) }, hangGuard, pollEvery)
	subscriber := redistest.Dial(t, addr)
	subscriber.Do("SUBSCRIBE", "news")
	idle := redistest.Dial(t, addr)
	idle.Do("PING")
	fill(t, addr, 1000)
	waiting := redistest.Dial(t, addr) // blocked in WAIT for ever: it must not hold the server
	waiting.Do("SET", "k", "v")
	waiting.Send(cmd("WAIT", "5", "0"))
	caller := redistest.Dial(t, addr)
	caller.Send(cmd("SHUTDOWN"))
	caller.ExpectClosed()
	require.NoError(t, <-served)
	subscriber.ExpectClosed()
	idle.ExpectClosed()
	assert.LessOrEqual(t, waiting.RepliesBeforeClose(2), 1, "WAIT's answer at most, then the end")
	// What remains is the test's own: the reader of the real replica's log, still running.
	goleak.VerifyNone(t, before, goleak.IgnoreAnyFunction("byoredis/shared/redistest.startRedisOn.func1"))
}
