package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"byoredis/shared/redistest"
	"byoredis/shared/resp"
	"byoredis/shared/stages"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// Step 09's exercise 1: shutdown-on-sigterm and shutdown-on-sigint take Redis's words, with Redis's
// errors, and SIGTERM then shuts down as told: "nosave" leaves the dump alone although save
// points are set.
func TestShutdownOnSignals(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("CONFIG", "SET", "shutdown-on-sigterm", "foo"), Want: []string{"-ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigterm') - argument(s) must be one of the following: default, save, nosave, now, force\r\n"}},
		{Send: cmd("CONFIG", "SET", "shutdown-on-sigint", "save nosave"), Want: []string{"-ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - shutdown options SAVE and NOSAVE can't be used simultaneously\r\n"}},
		{Send: cmd("CONFIG", "SET", "shutdown-on-sigterm", "nosave now"), Want: []string{"+OK\r\n"}},
		{Send: cmd("CONFIG", "GET", "shutdown-on-sigterm"), Want: []string{"*2\r\n$19\r\nshutdown-on-sigterm\r\n$10\r\nnosave now\r\n"}},
		{Send: cmd("CONFIG", "SET", "shutdown-on-sigint", "force now"), Want: []string{"+OK\r\n"}},
		{Send: cmd("CONFIG", "GET", "shutdown-on-sigint"), Want: []string{"*2\r\n$18\r\nshutdown-on-sigint\r\n$9\r\nnow force\r\n"}},
		{Send: cmd("CONFIG", "SET", "shutdown-on-sigint", "default"), Want: []string{"+OK\r\n"}},
		{Send: cmd("CONFIG", "GET", "shutdown-on-sigint"), Want: []string{"*2\r\n$18\r\nshutdown-on-sigint\r\n$7\r\ndefault\r\n"}},
	})

	bothTargets(t, func(t *testing.T, target stages.Target) {
		dir := t.TempDir()
		server := stages.Launch(t, target, dir, "--dir", dir, "--save", "3600 1", "--appendonly", "no", "--shutdown-on-sigterm", "nosave")
		redistest.Dial(t, server.Addr()).Do("SET", "k", "v")
		server.Signal(syscall.SIGTERM)
		code, printed := server.Exit()
		assert.Equal(t, 0, code)
		assert.NotContains(t, printed, "Saving the final RDB snapshot")
		assert.NoFileExists(t, filepath.Join(dir, "dump.rdb"))
	})
}

// Step 09's exercise 2: a replica that does not answer (stopped with SIGSTOP) holds a SIGTERM for shutdown-timeout
// seconds: writes wait, reads are answered, and then the server exits 0 all the same, naming
// the lagging replica. SHUTDOWN ABORT cancels the wait: the SHUTDOWN caller gets Redis's
// error, and the held write goes through.
func TestWaitsForLaggingReplica(t *testing.T) {
	bothTargets(t, func(t *testing.T, target stages.Target) {
		dir := t.TempDir()
		master := stages.Launch(t, target, dir, "--dir", dir, "--save", "", "--appendonly", "no",
			"--shutdown-timeout", "2", "--repl-diskless-sync-delay", "0")
		replica := startRedisReplica(t, master.Addr())
		require.Eventually(t, func() bool { return linkUp(t, replica) }, hangGuard, pollEvery)
		replicaProcess, err := os.FindProcess(processID(t, replica))
		require.NoError(t, err)
		require.NoError(t, replicaProcess.Signal(syscall.SIGSTOP))
		defer replicaProcess.Signal(syscall.SIGCONT)

		caller, writer, reader := redistest.Dial(t, master.Addr()), redistest.Dial(t, master.Addr()), redistest.Dial(t, master.Addr())
		caller.Do("SET", "k", "v") // the replica will not acknowledge it
		caller.Send(cmd("SHUTDOWN"))
		requireShutdownWaiting(t, master.Addr())
		writer.Send(cmd("SET", "held", "1"))
		assert.Equal(t, "$1\r\nv\r\n", reader.RawReplyTo("GET", "k"), "reads are answered while writes wait")
		assert.Equal(t, "+OK\r\n", reader.RawReplyTo("SHUTDOWN", "ABORT"))
		assert.Equal(t, "-ERR Errors trying to SHUTDOWN. Check logs.\r\n", caller.RawReply())
		assert.Equal(t, "+OK\r\n", writer.RawReply(), "the held write goes through")

		// Again, from a new connection: redis-server 7.0.15 fails an assertion
		// (networking.c:2295, 'c->argc == 0') when the client whose SHUTDOWN was aborted sends
		// another command.
		again := redistest.Dial(t, master.Addr())
		again.Send(cmd("SHUTDOWN"))
		again.ExpectClosed()
		code, printed := master.Exit()
		assert.Equal(t, 0, code)
		assert.Contains(t, printed, "Waiting for replicas before shutting down.")
		assert.Regexp(t, `Lagging replica 127\.0\.0\.1:\d+ reported offset \d+ behind master, lag=\d+, state=online\.`, printed)
		assert.Contains(t, printed, "0 of 1 replicas are in sync when shutting down.")
	})
}

// Step 09's exercise 2: a second SIGINT while a shutdown waits for its replicas exits at once, with status 1, as
// Redis's "You insist... exiting now." (a second SIGTERM changes nothing).
func TestSecondSigintExitsAtOnce(t *testing.T) {
	bothTargets(t, func(t *testing.T, target stages.Target) {
		dir := t.TempDir()
		master := stages.Launch(t, target, dir, "--dir", dir, "--save", "", "--appendonly", "no",
			"--shutdown-timeout", "60", "--repl-diskless-sync-delay", "0")
		replica := startRedisReplica(t, master.Addr())
		require.Eventually(t, func() bool { return linkUp(t, replica) }, hangGuard, pollEvery)
		replicaProcess, err := os.FindProcess(processID(t, replica))
		require.NoError(t, err)
		require.NoError(t, replicaProcess.Signal(syscall.SIGSTOP))
		defer replicaProcess.Signal(syscall.SIGCONT)
		redistest.Dial(t, master.Addr()).Do("SET", "k", "v")

		master.Signal(syscall.SIGINT)
		requireShutdownWaiting(t, master.Addr())
		master.Signal(syscall.SIGINT)
		code, printed := master.Exit()
		assert.Equal(t, 1, code)
		assert.Contains(t, printed, "Received SIGINT scheduling shutdown...")
		assert.Contains(t, printed, "You insist... exiting now.")
	})
}

// Step 09's exercise 3: a final save that fails stops the shutdown, with Redis's error, unless NOSAVE or FORCE.
func TestSaveFailureStopsTheShutdown(t *testing.T) {
	bothTargets(t, func(t *testing.T, target stages.Target) {
		dir := t.TempDir()
		serverDir := dir + "/gone"
		require.NoError(t, os.Mkdir(serverDir, 0o755))
		server := stages.Launch(t, target, serverDir, "--dir", serverDir, "--save", "3600 1", "--appendonly", "no")
		conn := redistest.Dial(t, server.Addr())
		conn.Do("SET", "k", "v")
		require.NoError(t, os.RemoveAll(serverDir))
		assert.Equal(t, "-ERR Errors trying to SHUTDOWN. Check logs.\r\n", conn.RawReplyTo("SHUTDOWN"))
		assert.Equal(t, "+PONG\r\n", conn.RawReplyTo("PING"), "the server goes on")
		assert.Equal(t, "+OK\r\n", conn.RawReplyTo("SET", "after", "1"), "writes go on")
		conn.Send(cmd("SHUTDOWN", "FORCE"))
		conn.ExpectClosed()
		code, printed := server.Exit()
		assert.Equal(t, 0, code)
		assert.Contains(t, printed, "Error trying to save the DB, can't exit.")
		assert.Contains(t, printed, "Error trying to save the DB. Exit anyway.")
	})
}

// Step 09's exercise 3: the final snapshot is saved with save points (unless NOSAVE) and with SAVE,
// on both servers.
func TestFinalSave(t *testing.T) {
	bothTargets(t, func(t *testing.T, target stages.Target) {
		for _, c := range []struct {
			save, shutdown string
			saved          bool
		}{
			{"3600 1", "", true}, {"3600 1", "NOSAVE", false}, {"", "", false}, {"", "SAVE", true},
		} {
			dir := t.TempDir()
			server := stages.Launch(t, target, dir, "--dir", dir, "--save", c.save, "--appendonly", "no")
			conn := redistest.Dial(t, server.Addr())
			conn.Do("SET", "k", "v")
			conn.Send(cmd(strings.Fields("SHUTDOWN " + c.shutdown)...))
			conn.ExpectClosed()
			code, _ := server.Exit()
			require.Equal(t, 0, code)
			if c.saved {
				assert.FileExists(t, filepath.Join(dir, "dump.rdb"), "save %q, SHUTDOWN %s", c.save, c.shutdown)
			} else {
				assert.NoFileExists(t, filepath.Join(dir, "dump.rdb"), "save %q, SHUTDOWN %s", c.save, c.shutdown)
			}
		}
	})
}

// Step 09's exercise 2: one replica behind is enough to wait, though another has every write.
func TestOneLaggingReplicaIsEnough(t *testing.T) {
	bothTargets(t, func(t *testing.T, target stages.Target) {
		dir := t.TempDir()
		master := stages.Launch(t, target, dir, "--dir", dir, "--save", "", "--appendonly", "no",
			"--shutdown-timeout", "60", "--repl-diskless-sync-delay", "0")
		inSync, lagging := startRedisReplica(t, master.Addr()), startRedisReplica(t, master.Addr())
		for _, r := range []string{inSync, lagging} {
			require.Eventually(t, func() bool { return linkUp(t, r) }, hangGuard, pollEvery)
		}
		laggingProcess, err := os.FindProcess(processID(t, lagging))
		require.NoError(t, err)
		require.NoError(t, laggingProcess.Signal(syscall.SIGSTOP))
		defer laggingProcess.Signal(syscall.SIGCONT)
		redistest.Dial(t, master.Addr()).Do("SET", "k", "v")
		_, port, _ := net.SplitHostPort(inSync)
		require.Eventually(t, func() bool { // the replica that runs has acknowledged everything
			info := redistest.Dial(t, master.Addr()).Do("INFO", "replication").Str
			offset := infoField(t, master.Addr(), "replication", "master_repl_offset")
			return strings.Contains(info, ",port="+port+",state=online,offset="+offset+",")
		}, hangGuard, pollEvery)

		redistest.Dial(t, master.Addr()).Send(cmd("SHUTDOWN"))
		requireShutdownWaiting(t, master.Addr())
		require.Equal(t, "OK", redistest.Dial(t, master.Addr()).Do("SHUTDOWN", "ABORT").Str)
		conn := redistest.Dial(t, master.Addr())
		conn.Send(cmd("SHUTDOWN", "NOW"))
		conn.ExpectClosed()
		code, printed := master.Exit()
		assert.Equal(t, 0, code)
		// The first shutdown's GETACK put both behind until their next ACK: how many are in
		// sync at the end depends on when that came.
		assert.Regexp(t, `[012] of 2 replicas are in sync when shutting down\.`, printed)
	})
}

// requireShutdownWaiting waits until INFO shows a shutdown waiting for replicas
// (shutdown_in_milliseconds), and fails at once if the server has exited instead.
func requireShutdownWaiting(t *testing.T, addr string) {
	var gone bool
	require.Eventually(t, func() bool {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			gone = true
			return true
		}
		defer conn.Close()
		conn.Write([]byte(cmd("INFO", "server")))
		info, err := resp.NewReplyReader(conn).ReadReply()
		return err == nil && strings.Contains(info.Str, "shutdown_in_milliseconds:")
	}, hangGuard, pollEvery)
	require.False(t, gone, "the server exited: it did not wait for the replica that is behind")
}

// Step 09's exercise 2: Close in the middle of a shutdown that waits for a replica (one that never acknowledges)
// stops the server all the same: the SHUTDOWN caller, the held write and the wait all end.
func TestCloseDuringTheWait(t *testing.T) {
	before := goleak.IgnoreCurrent()
	srv := newServer(t, Config{Bind: "127.0.0.1", MaxClients: 10})
	addr := redistest.Start(t, srv)
	replica := redistest.Dial(t, addr) // a replica that syncs and then says nothing
	// Its PSYNC answered first: a SET before it would leave nothing to acknowledge.
	require.Contains(t, replica.RawReplyTo("PSYNC", "?", "-1"), "+FULLRESYNC ")
	caller, writer := redistest.Dial(t, addr), redistest.Dial(t, addr)
	caller.Do("SET", "k", "v")
	caller.Send(cmd("SHUTDOWN"))
	requireShutdownWaiting(t, addr)
	writer.Send(cmd("SET", "held", "1"))

	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(hangGuard):
		require.Fail(t, "Close waits for the shutdown in progress")
	}
	caller.RepliesBeforeClose(1)
	writer.RepliesBeforeClose(1)
	replica.Net().Close()
	goleak.VerifyNone(t, before, goleak.IgnoreAnyFunction("byoredis/shared/redistest.startRedisOn.func1"))
}
