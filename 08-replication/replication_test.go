package main

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"byoredis/shared/redistest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startOurs starts this step's server with the replication settings given. Its backlog is
// 64 MB, as the real masters' in these tests (--repl-backlog-size 64mb): the write load
// fills Redis's default 1 MB in well under the second a replica takes to reconnect, and
// then a partial resync is impossible on either server.
func startOurs(t *testing.T, repl ReplConfig) string {
	repl.BacklogSize = 64 << 20
	return redistest.Start(t, newServer(t, Config{Bind: "127.0.0.1", MaxClients: 10000, Repl: repl}))
}

// startRedisReplica starts a real redis-server following master.
func startRedisReplica(t *testing.T, master string, args ...string) string {
	host, port, _ := net.SplitHostPort(master)
	return redistest.StartRedis(t, append([]string{"--replicaof", host, port, "--repl-diskless-sync-delay", "0"}, args...)...)
}

// writeLoad writes a mix of commands from several clients until stop is closed, and
// returns when they have all stopped: SETs with and without expiry, INCRs, APPENDs, DELs,
// EXPIREs, RENAMEs.
func writeLoad(t *testing.T, addr string, stop <-chan struct{}) (wait func()) {
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			conn := redistest.Dial(t, addr)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := fmt.Sprintf("load:%d:%d", w, i%200)
				var batch string
				switch i % 6 {
				case 0:
					batch = cmd("SET", k, strconv.Itoa(i))
				case 1:
					batch = cmd("SET", k, "v", "EX", "1000")
				case 2:
					batch = cmd("INCR", fmt.Sprintf("load:%d:n", w))
				case 3:
					batch = cmd("APPEND", k, "x")
				case 4:
					batch = cmd("DEL", fmt.Sprintf("load:%d:%d", w, (i+100)%200))
				case 5:
					batch = cmd("RENAME", k, k+"r")
				}
				conn.Send(batch)
				conn.Reply()
			}
		})
	}
	return wg.Wait
}

// caughtUp waits until the replica's dataset is the master's: after WAIT says every
// replica has acknowledged the master's last write, the replica may still be applying.
func sameData(t *testing.T, master, replica string) {
	m, r := redistest.Dial(t, master), redistest.Dial(t, replica)
	m.Do("SET", "sync:mark", "done")
	require.Equal(t, int64(1), m.Do("WAIT", "1", "10000").Int, "the replica acknowledged the last write")
	want := dataset(t, m)
	require.Eventually(t, func() bool { return assert.ObjectsAreEqual(want, dataset(t, r)) }, hangGuard, pollEvery,
		"the replica holds exactly the master's data")
}

// realMaster is how the tests start a real master: diskless sync at once, a 64 MB backlog.
var realMaster = []string{"--repl-diskless-sync-delay", "0", "--repl-backlog-size", "64mb"}

func infoField(t *testing.T, addr, section, name string) string {
	for _, line := range strings.Split(redistest.Dial(t, addr).Do("INFO", section).Str, "\r\n") {
		if value, ok := strings.CutPrefix(line, name+":"); ok {
			return value
		}
	}
	require.Fail(t, "INFO has no "+name)
	return ""
}

func fill(t *testing.T, addr string, n int) {
	conn := redistest.Dial(t, addr)
	var batch strings.Builder
	for i := range n {
		batch.WriteString(cmd("SET", "key:"+strconv.Itoa(i), strings.Repeat("v", i%50)))
	}
	conn.Send(batch.String())
	for range n {
		conn.Reply()
	}
}

// A real redis-server replica of our master ends with exactly our data, while clients write
// during its sync, in both snapshot framings; after its link is killed it resumes with a
// partial resync, and catches up again.
func TestRealReplicaOfOurMaster(t *testing.T) {
	for _, diskless := range []bool{true, false} {
		t.Run(fmt.Sprintf("diskless=%v", diskless), func(t *testing.T) {
			master := startOurs(t, ReplConfig{DisklessSync: diskless})
			fill(t, master, 5000)
			stop := make(chan struct{})
			loaded := writeLoad(t, master, stop)
			replica := startRedisReplica(t, master)
			require.Eventually(t, func() bool { return infoField(t, replica, "replication", "master_link_status") == "up" }, hangGuard, pollEvery)
			close(stop)
			loaded()
			sameData(t, master, replica)

			conn := redistest.Dial(t, master)
			require.Equal(t, int64(1), conn.Do("CLIENT", "KILL", "TYPE", "replica").Int)
			stop = make(chan struct{})
			loaded = writeLoad(t, master, stop)
			require.Eventually(t, func() bool { return infoField(t, master, "stats", "sync_partial_ok") == "1" }, hangGuard, pollEvery)
			close(stop)
			loaded()
			sameData(t, master, replica)
			assert.Equal(t, "1", infoField(t, master, "stats", "sync_full"), "one full sync, the first")
		})
	}
}

// Our replica of a real master: the same, the other way round.
func TestOurReplicaOfRealMaster(t *testing.T) {
	master := redistest.StartRedis(t, realMaster...)
	fill(t, master, 5000)
	stop := make(chan struct{})
	loaded := writeLoad(t, master, stop)
	replica := startOurs(t, ReplConfig{ReplicaOf: strings.Replace(master, ":", " ", 1)})
	require.Eventually(t, func() bool { return infoField(t, replica, "replication", "master_link_status") == "up" }, hangGuard, pollEvery)
	close(stop)
	loaded()
	sameData(t, master, replica)

	conn := redistest.Dial(t, master)
	require.Equal(t, int64(1), conn.Do("CLIENT", "KILL", "TYPE", "replica").Int)
	stop = make(chan struct{})
	loaded = writeLoad(t, master, stop)
	require.Eventually(t, func() bool { return infoField(t, master, "stats", "sync_partial_ok") == "1" }, hangGuard, pollEvery)
	close(stop)
	loaded()
	sameData(t, master, replica)
	assert.Equal(t, "1", infoField(t, master, "stats", "sync_full"))

	// A replica refuses writes, and expires nothing itself: the master's DEL does it.
	r := redistest.Dial(t, replica)
	assert.Equal(t, "-READONLY You can't write against a read only replica.\r\n", r.RawReplyTo("SET", "x", "1"))
	assert.Equal(t, "slave", r.Do("ROLE").Elems[0].Str)
	assert.Equal(t, "connected", r.Do("ROLE").Elems[3].Str)
}

// A chain, real → ours → real: the last replica gets the first master's stream through ours,
// byte for byte, and holds the same data.
func TestChainRealOursReal(t *testing.T) {
	first := redistest.StartRedis(t, realMaster...)
	fill(t, first, 2000)
	middle := startOurs(t, ReplConfig{ReplicaOf: strings.Replace(first, ":", " ", 1)})
	last := startRedisReplica(t, middle)
	stop := make(chan struct{})
	loaded := writeLoad(t, first, stop)
	require.Eventually(t, func() bool { return infoField(t, last, "replication", "master_link_status") == "up" }, hangGuard, pollEvery)
	close(stop)
	loaded()
	sameData(t, first, middle)
	require.Eventually(t, func() bool {
		return assert.ObjectsAreEqual(dataset(t, redistest.Dial(t, first)), dataset(t, redistest.Dial(t, last)))
	}, hangGuard, pollEvery, "the end of the chain holds the first master's data")
	assert.Equal(t, infoField(t, middle, "replication", "master_repl_offset"), infoField(t, last, "replication", "slave_repl_offset"),
		"the stream is passed on unchanged: the offsets agree")
}

// PSYNC2: when our replica is promoted (REPLICAOF NO ONE), a sibling that followed the same
// master and now follows ours continues with a partial resync, not a full one.
func TestPromotedReplicaContinuesSibling(t *testing.T) {
	master := redistest.StartRedis(t, realMaster...)
	fill(t, master, 1000)
	ours := startOurs(t, ReplConfig{ReplicaOf: strings.Replace(master, ":", " ", 1)})
	sibling := startRedisReplica(t, master)
	for _, r := range []string{ours, sibling} {
		require.Eventually(t, func() bool { return infoField(t, r, "replication", "master_link_status") == "up" }, hangGuard, pollEvery)
	}
	sameData(t, master, ours)
	m := redistest.Dial(t, master)
	m.Do("SET", "last", "write")
	require.Equal(t, int64(2), m.Do("WAIT", "2", "10000").Int)

	o := redistest.Dial(t, ours)
	require.Equal(t, "OK", o.Do("REPLICAOF", "NO", "ONE").Str)
	assert.Equal(t, "master", o.Do("ROLE").Elems[0].Str)
	assert.Equal(t, "write", o.Do("GET", "last").Str, "promoted with its data")
	host, port, _ := net.SplitHostPort(ours)
	require.Equal(t, "OK", redistest.Dial(t, sibling).Do("REPLICAOF", host, port).Str)
	require.Eventually(t, func() bool { return infoField(t, ours, "stats", "sync_partial_ok") == "1" }, hangGuard, pollEvery,
		"the sibling continued")
	assert.Equal(t, "0", infoField(t, ours, "stats", "sync_full"))
	o.Do("SET", "after", "promotion")
	sameData(t, ours, sibling)
}

// The handshake's replies, byte for byte, on both servers.
func TestReplicationHandshake(t *testing.T) {
	redistest.Differential(t, startOurs(t, ReplConfig{}), []redistest.Exchange{
		{Send: cmd("REPLCONF", "listening-port", "7777"), Want: []string{"+OK\r\n"}},
		{Send: cmd("REPLCONF", "capa", "eof", "capa", "psync2"), Want: []string{"+OK\r\n"}},
		{Send: cmd("REPLCONF", "foo", "bar"), Want: []string{"-ERR Unrecognized REPLCONF option: foo\r\n"}},
		{Send: cmd("REPLCONF", "listening-port"), Want: []string{"-ERR syntax error\r\n"}},
		{Send: cmd("WAIT", "0", "0"), Want: []string{":0\r\n"}},
		{Send: cmd("WAIT", "1", "-1"), Want: []string{"-ERR timeout is negative\r\n"}},
		{Send: cmd("ROLE"), Want: []string{"*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n"}},
		{Send: cmd("CLIENT", "KILL", "TYPE", "nosuch"), Want: []string{"-ERR Unknown client type 'nosuch'\r\n"}},
		{Send: cmd("CLIENT", "KILL", "TYPE", "replica"), Want: []string{":0\r\n"}},
		{Send: cmd("CLIENT", "KILL", "1.2.3.4:5"), Want: []string{"-ERR No such client\r\n"}},
		{Send: cmd("REPLICAOF", "localhost", "x"), Want: []string{"-ERR Invalid master port\r\n"}},
	})
}

// WAIT with no replica waits its timeout and answers 0.
func TestWaitTimesOut(t *testing.T) {
	redistest.Both(t, startOurs(t, ReplConfig{}), func(t *testing.T, addr string) {
		conn := redistest.Dial(t, addr)
		conn.Do("SET", "k", "v")
		start := time.Now()
		assert.Equal(t, int64(0), conn.Do("WAIT", "1", "100").Int)
		assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond, "it waited")
	})
}
