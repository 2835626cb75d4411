package main

import (
	"bufio"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"byoredis/shared/redistest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// numbers masks the numbers of a reply (ports, offsets), and the lengths they change.
var numbers = regexp.MustCompile(`[0-9]+`)

func masked(reply string) string { return numbers.ReplaceAllString(reply, "N") }

// Step 08's exercise 1: ROLE, on a fresh master, on a master with a replica, and on a replica, in
// Redis's shape on both servers.
func TestRole(t *testing.T) {
	redistest.Both(t, startOurs(t, ReplConfig{}), func(t *testing.T, addr string) {
		conn := redistest.Dial(t, addr)
		assert.Equal(t, "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n", conn.RawReplyTo("ROLE"))
		startRedisReplica(t, addr)
		conn.Do("SET", "k", "v")
		require.Equal(t, int64(1), conn.Do("WAIT", "1", "10000").Int)
		assert.Equal(t, "*N\r\n$N\r\nmaster\r\n:N\r\n*N\r\n*N\r\n$N\r\nN.N.N.N\r\n$N\r\nN\r\n$N\r\nN\r\n", masked(conn.RawReplyTo("ROLE")),
			"the replica's port and offset are bulk strings")
	}, realMaster...)

	master := redistest.StartRedis(t, realMaster...)
	host, port, _ := net.SplitHostPort(master)
	redistest.Both(t, startOurs(t, ReplConfig{ReplicaOf: host + " " + port}), func(t *testing.T, addr string) {
		require.Eventually(t, func() bool { return linkUp(t, addr) }, hangGuard, pollEvery)
		lastNumber := regexp.MustCompile(`:[0-9]+\r\n$`) // the offset
		assert.Equal(t, "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:"+port+"\r\n$9\r\nconnected\r\n:N\r\n",
			lastNumber.ReplaceAllString(redistest.Dial(t, addr).RawReplyTo("ROLE"), ":N\r\n"))
	}, "--replicaof", host, port)
}

// fakeReplica is a replica written by hand: it syncs, and asks for the stream from an offset
// of its choosing.
type fakeReplica struct {
	conn net.Conn
	in   *bufio.Reader
}

func dialReplica(t *testing.T, addr string) *fakeReplica {
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	r := &fakeReplica{conn, bufio.NewReader(conn)}
	r.send(t, "REPLCONF", "capa", "psync2")
	require.Equal(t, "+OK", r.line(t))
	return r
}

func (r *fakeReplica) send(t *testing.T, args ...string) {
	_, err := r.conn.Write([]byte(cmd(args...)))
	require.NoError(t, err)
}

// line reads a line, skipping the newlines a master sends while it prepares a snapshot.
func (r *fakeReplica) line(t *testing.T) string {
	line, err := readLine(r.in)
	require.NoError(t, err)
	return line
}

// psync sends PSYNC and returns the reply's line; after +FULLRESYNC it reads the snapshot
// ("$<len>\r\n" and the bytes: these masters sync from disk).
func (r *fakeReplica) psync(t *testing.T, replID string, from int64) string {
	r.send(t, "PSYNC", replID, strconv.FormatInt(from, 10))
	line := r.line(t)
	if strings.HasPrefix(line, "+FULLRESYNC") {
		size, err := strconv.Atoi(strings.TrimPrefix(r.line(t), "$"))
		require.NoError(t, err)
		_, err = io.CopyN(io.Discard, r.in, int64(size))
		require.NoError(t, err)
	}
	return line
}

// Step 08's exercise 2: PSYNC is answered from the backlog exactly when the backlog holds every byte
// the replica asks for, on both servers: from the byte after its last (a replica that missed
// nothing included), not beyond the end, not from before the backlog's start.
func TestPartialResync(t *testing.T) {
	ours := redistest.Start(t, newServer(t, Config{Bind: "127.0.0.1", MaxClients: 100, Repl: ReplConfig{BacklogSize: 16 << 10}}))
	redistest.Both(t, ours, func(t *testing.T, addr string) {
		first := dialReplica(t, addr)
		fields := strings.Fields(first.psync(t, "?", -1))
		require.Len(t, fields, 3)
		replID := fields[1]
		conn := redistest.Dial(t, addr)
		conn.Do("SET", "a", "1")
		end, err := strconv.ParseInt(infoField(t, addr, "replication", "master_repl_offset"), 10, 64)
		require.NoError(t, err)

		assert.Equal(t, "+CONTINUE "+replID, dialReplica(t, addr).psync(t, replID, end+1), "a replica that missed nothing")
		assert.Equal(t, "+CONTINUE "+replID, dialReplica(t, addr).psync(t, replID, end-5), "a replica that missed the last bytes")
		assert.Regexp(t, "^\\+FULLRESYNC ", dialReplica(t, addr).psync(t, replID, end+2), "beyond the end")
		assert.Regexp(t, "^\\+FULLRESYNC ", dialReplica(t, addr).psync(t, "0123456789012345678901234567890123456789", end), "another history")

		conn.Do("SET", "big", strings.Repeat("x", 100<<10)) // the backlog moves on past the start
		assert.Regexp(t, "^\\+FULLRESYNC ", dialReplica(t, addr).psync(t, replID, 1), "before the backlog's start")
	}, "--repl-backlog-size", "16kb", "--repl-diskless-sync", "no")

	// A real replica whose link is killed goes on where it stopped.
	master := startOurs(t, ReplConfig{})
	replica := startRedisReplica(t, master)
	stop := make(chan struct{})
	loaded := writeLoad(t, master, stop)
	require.Eventually(t, func() bool { return linkUp(t, replica) }, hangGuard, pollEvery)
	require.Equal(t, int64(1), redistest.Dial(t, master).Do("CLIENT", "KILL", "TYPE", "replica").Int)
	require.Eventually(t, func() bool { return infoField(t, master, "stats", "sync_partial_ok") == "1" }, hangGuard, pollEvery)
	close(stop)
	loaded()
	sameData(t, master, replica)
	assert.Equal(t, "1", infoField(t, master, "stats", "sync_full"), "one full sync, the first")
}

// Step 08's exercise 3: a promoted replica keeps its old master's history as its second one, up to its
// offset + 1, as a promoted redis-server does; a sibling that then follows it continues.
func TestPromotion(t *testing.T) {
	t.Run("redis", func(t *testing.T) { // what Redis does, on a real replica of a real master
		master := redistest.StartRedis(t, realMaster...)
		promote(t, master, startRedisReplica(t, master))
	})

	master := redistest.StartRedis(t, realMaster...)
	host, port, _ := net.SplitHostPort(master)
	fill(t, master, 1000)
	ours := startOurs(t, ReplConfig{ReplicaOf: host + " " + port})
	sibling := startRedisReplica(t, master)
	promote(t, master, ours)

	h, p, _ := net.SplitHostPort(ours)
	require.Equal(t, "OK", redistest.Dial(t, sibling).Do("REPLICAOF", h, p).Str)
	require.Eventually(t, func() bool { return infoField(t, ours, "stats", "sync_partial_ok") == "1" }, hangGuard, pollEvery,
		"the sibling continued")
	assert.Equal(t, "0", infoField(t, ours, "stats", "sync_full"))
	redistest.Dial(t, ours).Do("SET", "after", "promotion")
	sameData(t, ours, sibling)
}

// promote waits until replica has all of master's writes, promotes it, and checks the
// histories it then reports.
func promote(t *testing.T, master, replica string) {
	require.Eventually(t, func() bool { return linkUp(t, replica) }, hangGuard, pollEvery)
	m := redistest.Dial(t, master)
	m.Do("SET", "last", "write")
	require.GreaterOrEqual(t, m.Do("WAIT", "1", "10000").Int, int64(1))
	oldID := infoField(t, master, "replication", "master_replid")
	want := infoField(t, master, "replication", "master_repl_offset")
	require.Eventually(t, func() bool { return infoField(t, replica, "replication", "master_repl_offset") == want }, hangGuard, pollEvery)
	offset, err := strconv.ParseInt(want, 10, 64)
	require.NoError(t, err)

	require.Equal(t, "OK", redistest.Dial(t, replica).Do("REPLICAOF", "NO", "ONE").Str)
	assert.Equal(t, "master", infoField(t, replica, "replication", "role"))
	assert.NotEqual(t, oldID, infoField(t, replica, "replication", "master_replid"), "a history of its own")
	assert.Equal(t, oldID, infoField(t, replica, "replication", "master_replid2"))
	assert.Equal(t, strconv.FormatInt(offset+1, 10), infoField(t, replica, "replication", "second_repl_offset"))
	assert.Equal(t, "write", redistest.Dial(t, replica).Do("GET", "last").Str, "promoted with its data")
}
