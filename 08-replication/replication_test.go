package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"byoredis/shared/redistest"
	"byoredis/shared/stages"

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
func startRedisReplica(t testing.TB, master string, args ...string) string {
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

// sameData waits until the replica's dataset is the master's: after WAIT says every
// replica has acknowledged the master's last write, the replica may still be applying.
func sameData(t *testing.T, master, replica string) {
	m, r := redistest.Dial(t, master), redistest.Dial(t, replica)
	m.Do("SET", "sync:mark", "done")
	require.GreaterOrEqual(t, m.Do("WAIT", "1", "10000").Int, int64(1), "the replica acknowledged the last write")
	want := dataset(t, m)
	require.Eventually(t, func() bool { return assert.ObjectsAreEqual(want, dataset(t, r)) }, hangGuard, pollEvery,
		"the replica holds exactly the master's data")
}

// realMaster is how the tests start a real master: diskless sync at once, a 64 MB backlog.
var realMaster = []string{"--repl-diskless-sync-delay", "0", "--repl-backlog-size", "64mb"}

// infoField is one field of INFO section, or "" if the server does not show it.
func infoField(t testing.TB, addr, section, name string) string {
	conn := redistest.Dial(t, addr)
	defer conn.Net().Close() // callers ask again and again: no connection is left open
	for _, line := range strings.Split(conn.Do("INFO", section).Str, "\r\n") {
		if value, ok := strings.CutPrefix(line, name+":"); ok {
			return value
		}
	}
	return ""
}

// linkUp reports whether a replica has synced and follows its master's stream.
func linkUp(t testing.TB, replica string) bool {
	return infoField(t, replica, "replication", "master_link_status") == "up"
}

func fill(t testing.TB, addr string, n int) {
	conn := redistest.Dial(t, addr)
	for from := 0; from < n; from += 10_000 { // in batches: the replies must not outgrow the socket buffers first
		var batch strings.Builder
		for i := from; i < min(from+10_000, n); i++ {
			batch.WriteString(cmd("SET", "key:"+strconv.Itoa(i), strings.Repeat("v", i%50)))
		}
		conn.Send(batch.String())
		for i := from; i < min(from+10_000, n); i++ {
			conn.Reply()
		}
	}
}

// A real redis-server replica of our master ends with exactly our data, while clients write
// during its sync, in both snapshot framings. (After a broken link it resumes with a partial
// resync: exercise 2.)
func TestRealReplicaOfOurMaster(t *testing.T) {
	for _, diskless := range []bool{true, false} {
		t.Run(fmt.Sprintf("diskless=%v", diskless), func(t *testing.T) {
			master := startOurs(t, ReplConfig{DisklessSync: diskless})
			fill(t, master, 5000)
			stop := make(chan struct{})
			loaded := writeLoad(t, master, stop)
			replica := startRedisReplica(t, master)
			require.Eventually(t, func() bool { return linkUp(t, replica) }, hangGuard, pollEvery)
			close(stop)
			loaded()
			sameData(t, master, replica)
			assert.Equal(t, "1", infoField(t, master, "stats", "sync_full"))
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
	require.Eventually(t, func() bool { return linkUp(t, replica) }, hangGuard, pollEvery)
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
	assert.Equal(t, "slave", infoField(t, replica, "replication", "role"))
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
	require.Eventually(t, func() bool { return linkUp(t, last) }, hangGuard, pollEvery)
	close(stop)
	loaded()
	sameData(t, first, middle)
	require.Eventually(t, func() bool {
		return assert.ObjectsAreEqual(dataset(t, redistest.Dial(t, first)), dataset(t, redistest.Dial(t, last)))
	}, hangGuard, pollEvery, "the end of the chain holds the first master's data")
	assert.Equal(t, infoField(t, middle, "replication", "master_repl_offset"), infoField(t, last, "replication", "slave_repl_offset"),
		"the stream is passed on unchanged: the offsets agree")
}

// The handshake's replies, byte for byte, on both servers.
func TestReplicationHandshake(t *testing.T) {
	redistest.Differential(t, startOurs(t, ReplConfig{}), []redistest.Exchange{
		{Send: cmd("REPLCONF", "listening-port", "7777"), Want: []string{"+OK\r\n"}},
		{Send: cmd("REPLCONF", "capa", "eof", "capa", "psync2"), Want: []string{"+OK\r\n"}},
		{Send: cmd("REPLCONF", "foo", "bar"), Want: []string{"-ERR Unrecognized REPLCONF option: foo\r\n"}},
		{Send: cmd("REPLCONF", "listening-port"), Want: []string{"-ERR syntax error\r\n"}},
		{Send: cmd("PSYNC", "?", "x"), Want: []string{"-ERR value is not an integer or out of range\r\n"}},
		{Send: cmd("WAIT", "0", "0"), Want: []string{":0\r\n"}},
		{Send: cmd("WAIT", "1", "-1"), Want: []string{"-ERR timeout is negative\r\n"}},
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

// BenchmarkFullSync syncs a replica from a master holding a million keys, for each pair of
// servers, and reports how long the sync took (until the replica's link is up) and the worst
// latency a client of the master saw meanwhile, pinging it without pause. Run it once, on one
// core, so that both servers get the same machine:
//
//	taskset -c 0 go test -run '^$' -bench FullSync -benchtime 1x
func BenchmarkFullSync(b *testing.B) {
	const keys = 1_000_000
	for _, pair := range []struct{ name, master, replica string }{
		{"ours-to-redis", "ours", "redis"}, {"redis-to-redis", "redis", "redis"}, {"redis-to-ours", "redis", "ours"},
	} {
		b.Run(pair.name, func(b *testing.B) {
			for range b.N {
				var master string
				if pair.master == "ours" {
					master = redistest.Start(b, newServer(b, Config{Bind: "127.0.0.1", MaxClients: 100, Repl: ReplConfig{DisklessSync: true, BacklogSize: 1 << 20}}))
				} else {
					master = redistest.StartRedis(b, realMaster...)
				}
				fill(b, master, keys)
				stop := pingWorst(b, master)
				start := time.Now()
				var replica string
				if pair.replica == "ours" {
					replica = redistest.Start(b, newServer(b, Config{Bind: "127.0.0.1", MaxClients: 100, Repl: ReplConfig{ReplicaOf: strings.Replace(master, ":", " ", 1)}}))
				} else {
					replica = startRedisReplica(b, master)
				}
				for !linkUp(b, replica) {
					time.Sleep(time.Millisecond)
				}
				took := time.Since(start)
				b.ReportMetric(float64(took.Milliseconds()), "sync-ms")
				b.ReportMetric(float64(stop().Microseconds())/1000, "worst-ping-ms")
			}
		})
	}
}

// pingWorst pings addr without pause until stop is called, which returns the longest
// round trip.
func pingWorst(b testing.TB, addr string) (stop func() time.Duration) {
	conn := redistest.Dial(b, addr)
	done, finished := make(chan struct{}), make(chan struct{})
	var longest time.Duration
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				return
			default:
			}
			start := time.Now()
			conn.Send("*1\r\n$4\r\nPING\r\n")
			conn.RawReply()
			longest = max(longest, time.Since(start))
		}
	}()
	return func() time.Duration {
		close(done)
		<-finished
		return longest
	}
}

// BenchmarkReplicationLag runs `redis-benchmark -t set` against a master with one replica
// and samples, every 10 ms, how far the replica's offset is behind the master's: the worst
// lag in bytes, and how long the replica took to catch up once the load stopped.
//
//	taskset -c 0 go test -run '^$' -bench ReplicationLag -benchtime 1x
func BenchmarkReplicationLag(b *testing.B) {
	for _, pair := range []struct{ name, master, replica string }{
		{"ours-to-redis", "ours", "redis"}, {"redis-to-redis", "redis", "redis"}, {"redis-to-ours", "redis", "ours"},
	} {
		b.Run(pair.name, func(b *testing.B) {
			for range b.N {
				var master, replica string
				if pair.master == "ours" {
					master = redistest.Start(b, newServer(b, Config{Bind: "127.0.0.1", MaxClients: 100, Repl: ReplConfig{DisklessSync: true, BacklogSize: 1 << 20}}))
				} else {
					master = redistest.StartRedis(b, realMaster...)
				}
				if pair.replica == "ours" {
					replica = redistest.Start(b, newServer(b, Config{Bind: "127.0.0.1", MaxClients: 100, Repl: ReplConfig{ReplicaOf: strings.Replace(master, ":", " ", 1)}}))
				} else {
					replica = startRedisReplica(b, master)
				}
				for !linkUp(b, replica) {
					time.Sleep(time.Millisecond)
				}
				offset := func(addr, name string) int64 {
					n, _ := strconv.ParseInt(infoField(b, addr, "replication", name), 10, 64)
					return n
				}
				done := make(chan struct{})
				go func() {
					defer close(done)
					redistest.RedisBenchmark(b, master, "-t", "set", "-n", "300000", "-r", "100000", "-c", "50", "-P", "16", "-q")
				}()
				var worst int64
				for running := true; running; {
					select {
					case <-done:
						running = false
					case <-time.After(10 * time.Millisecond):
						worst = max(worst, offset(master, "master_repl_offset")-offset(replica, "slave_repl_offset"))
					}
				}
				stopped := time.Now()
				for offset(replica, "slave_repl_offset") < offset(master, "master_repl_offset") {
					time.Sleep(time.Millisecond)
				}
				b.ReportMetric(float64(worst)/1024, "worst-lag-KiB")
				b.ReportMetric(float64(time.Since(stopped).Microseconds())/1000, "catch-up-ms")
			}
		})
	}
}

// A client blocked in WAIT for ever (timeout 0) does not keep the server from stopping: it
// gets its answer, and Close returns.
func TestCloseEndsWait(t *testing.T) {
	srv := newServer(t, Config{Bind: "127.0.0.1", MaxClients: 10})
	addr := redistest.Start(t, srv)
	conn := redistest.Dial(t, addr)
	conn.Do("SET", "k", "v")
	conn.Send(cmd("WAIT", "1", "0"))
	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(hangGuard):
		require.Fail(t, "Close still waits for the client blocked in WAIT")
	}
}

// The replication stream reaches a replica intact while the master's other clients die in the
// middle of their replies: no buffer that holds the stream is ever handed to another client,
// and the replica ends with exactly the master's keys.
func TestReplicaIntactWhileClientsDieMidReply(t *testing.T) {
	for _, real := range []bool{false, true} {
		t.Run(map[bool]string{false: "ours", true: "redis"}[real], func(t *testing.T) {
			var master, replica string
			if real {
				master = redistest.StartRedis(t, realMaster...)
				replica = startRedisReplica(t, master)
			} else {
				master = startOurs(t, ReplConfig{})
				replica = startOurs(t, ReplConfig{ReplicaOf: strings.Replace(master, ":", " ", 1)})
			}
			require.Eventually(t, func() bool { return linkUp(t, replica) }, hangGuard, pollEvery)
			got := redistest.RepliesUnderResets(t, master, redistest.UnderResetsReplies()/4)
			assert.Zero(t, got.Wrong, "replies that were not the one asked for; the first: %s", got.First)
			sameData(t, master, replica)
		})
	}
}

// A master with requirepass serves only replicas that give the password (masterauth), both
// ways between this server and real Redis.
func TestReplicaOfAPasswordProtectedMaster(t *testing.T) {
	t.Parallel()
	t.Run("real replica of ours", func(t *testing.T) {
		master := redistest.Start(t, newServer(t, Config{Bind: "127.0.0.1", MaxClients: 100, RequirePass: "s3cret", Repl: ReplConfig{BacklogSize: 64 << 20}}))
		c := redistest.Dial(t, master)
		c.Do("AUTH", "s3cret")
		c.Do("SET", "k", "v")
		replica := startRedisReplica(t, master, "--masterauth", "s3cret")
		require.Eventually(t, func() bool { return linkUp(t, replica) }, hangGuard, pollEvery)
		assert.Equal(t, "v", redistest.Dial(t, replica).Do("GET", "k").Str)
	})
	t.Run("our replica of real", func(t *testing.T) {
		master := redistest.StartRedis(t, append([]string{"--requirepass", "s3cret"}, realMaster...)...)
		c := redistest.Dial(t, master)
		c.Do("AUTH", "s3cret")
		c.Do("SET", "k", "v")
		replica := redistest.Start(t, newServer(t, Config{Bind: "127.0.0.1", MaxClients: 100,
			Repl: ReplConfig{ReplicaOf: strings.Replace(master, ":", " ", 1), MasterAuth: "s3cret"}}))
		require.Eventually(t, func() bool { return linkUp(t, replica) }, hangGuard, pollEvery)
		assert.Equal(t, "v", redistest.Dial(t, replica).Do("GET", "k").Str)
	})
}

// A replica's link carries the stream one way. A command on it that has a reply (a PING after
// PSYNC) gets no reply in the stream: the master drops the link, as Redis does.
func TestReplicaLinkThatGetsAReplyIsDropped(t *testing.T) {
	redistest.Both(t, startOurs(t, ReplConfig{DisklessSync: true}), func(t *testing.T, addr string) {
		conn := redistest.Dial(t, addr)
		conn.Do("REPLCONF", "capa", "eof", "capa", "psync2")
		conn.Send(cmd("PSYNC", "?", "-1"))
		require.True(t, strings.HasPrefix(conn.ReadLine(), "+FULLRESYNC "))
		conn.Send(cmd("PING"))
		conn.Net().SetReadDeadline(time.Now().Add(hangGuard))
		stream, err := io.ReadAll(conn.Net())
		require.NoError(t, err, "the master closes the link")
		assert.NotContains(t, string(stream), "+PONG", "no reply in the stream")
	}, realMaster...)
}

// INFO clients as Redis counts: a replica's link is not a connected client, and a client
// waiting in WAIT is a blocked one.
func TestInfoClientsCountsReplicasAndWaiters(t *testing.T) {
	t.Parallel() // it waits on replicas and on WAIT
	redistest.Both(t, startOurs(t, ReplConfig{}), func(t *testing.T, master string) {
		replica := startRedisReplica(t, master)
		require.Eventually(t, func() bool { return linkUp(t, replica) }, hangGuard, pollEvery)
		assert.Equal(t, "1", infoField(t, master, "clients", "connected_clients"), "INFO's own client, not the replica")

		waiter := redistest.Dial(t, master)
		waiter.Send(cmd("WAIT", "2", "1000")) // two replicas: it waits its second
		require.Eventually(t, func() bool { return infoField(t, master, "clients", "blocked_clients") == "1" }, hangGuard, pollEvery)
		assert.Equal(t, int64(1), waiter.Reply().Int, "one replica acknowledged")
		assert.Equal(t, "0", infoField(t, master, "clients", "blocked_clients"))
	}, realMaster...)
}

// Exercise 2, after a restart: a replica restarted from its own dump goes on from where the
// dump is: its dump names the master's history and offset (aux repl-id and repl-offset), it
// asks for what came after, and the master sends just that (sync_partial_ok), where it would
// otherwise send everything again. On both servers, master and replica alike.
func TestExercise2RestartedReplicaSyncsPartially(t *testing.T) {
	t.Parallel() // it waits on replicas
	bothTargets(t, func(t *testing.T, target stages.Target) {
		masterDir, replicaDir := t.TempDir(), t.TempDir()
		master := stages.Launch(t, target, masterDir, "--dir", masterDir, "--save", "",
			"--repl-diskless-sync-delay", "0", "--repl-backlog-size", "64mb")
		replicaArgs := []string{"--dir", replicaDir, "--save", "", "--replicaof", strings.Replace(master.Addr(), ":", " ", 1)}
		replica := stages.Launch(t, target, replicaDir, replicaArgs...)
		m := redistest.Dial(t, master.Addr())
		for range 3 {
			m.Do("INCR", "n")
		}
		require.Equal(t, int64(1), m.Do("WAIT", "1", "10000").Int)
		require.Equal(t, "OK", redistest.Dial(t, replica.Addr()).Do("SAVE").Str)
		replica.Stop()

		m.Do("INCR", "n") // while the replica is down: in the backlog
		m.Do("SET", "b", "2")
		replica = stages.Launch(t, target, replicaDir, replicaArgs...)
		require.Eventually(t, func() bool { return linkUp(t, replica.Addr()) }, hangGuard, pollEvery)
		require.Equal(t, int64(1), m.Do("WAIT", "1", "10000").Int)
		r := redistest.Dial(t, replica.Addr())
		assert.Equal(t, "4", r.Do("GET", "n").Str)
		assert.Equal(t, "2", r.Do("GET", "b").Str)
		assert.Equal(t, "1", infoField(t, master.Addr(), "stats", "sync_full"))
		assert.Equal(t, "1", infoField(t, master.Addr(), "stats", "sync_partial_ok"))
	})
}

// cutTime is how long TestReplicaConvergesAfterLinkCuts cuts the link under load: CUTS=30s
// for a long run by hand.
func cutTime(t *testing.T) time.Duration {
	if s := os.Getenv("CUTS"); s != "" {
		d, err := time.ParseDuration(s)
		require.NoError(t, err, "CUTS is a duration: CUTS=30s")
		return d
	}
	return time.Second
}

// After any sequence of link cuts, and the partial and full resyncs that follow them, a
// replica ends with exactly its master's keys, values and expiry times. A proxy between the
// two breaks every connection through it every 20 to 300 ms while four clients write to the
// master; once they stop, the replica must catch up. Ours following ours, and each following
// real Redis.
func TestReplicaConvergesAfterLinkCuts(t *testing.T) {
	t.Parallel() // it waits on the network
	ours := func(t *testing.T, replicaOf string) string {
		return redistest.Start(t, newServer(t, Config{Bind: "127.0.0.1", MaxClients: 100,
			Repl: ReplConfig{ReplicaOf: replicaOf, BacklogSize: 64 << 20}}))
	}
	for _, pair := range []struct {
		name    string
		master  func(t *testing.T) string
		replica func(t *testing.T, master string) string
	}{
		{"ours to ours", func(t *testing.T) string { return ours(t, "") },
			func(t *testing.T, master string) string { return ours(t, strings.Replace(master, ":", " ", 1)) }},
		{"ours to real", func(t *testing.T) string { return ours(t, "") },
			func(t *testing.T, master string) string {
				return startRedisReplica(t, master, "--repl-backlog-size", "64mb")
			}},
		{"real to ours", func(t *testing.T) string { return redistest.StartRedis(t, realMaster...) },
			func(t *testing.T, master string) string { return ours(t, strings.Replace(master, ":", " ", 1)) }},
	} {
		t.Run(pair.name, func(t *testing.T) {
			t.Parallel()
			master := pair.master(t)
			proxy := redistest.StartProxy(t, master)
			replica := pair.replica(t, proxy.Addr())
			require.Eventually(t, func() bool { return linkUp(t, replica) }, hangGuard, pollEvery)
			stop := make(chan struct{})
			wait := writeLoad(t, master, stop)
			for end := time.Now().Add(cutTime(t)); time.Now().Before(end); {
				time.Sleep(time.Duration(20+rand.IntN(280)) * time.Millisecond) // the cadence of the faults, not a wait for anything
				proxy.Cut()
			}
			close(stop)
			wait()
			t.Logf("%d cuts; master: sync_full %s, sync_partial_ok %s", proxy.Cuts(),
				infoField(t, master, "stats", "sync_full"), infoField(t, master, "stats", "sync_partial_ok"))
			sameData(t, master, replica)
		})
	}
}

// A replica whose link was up and is lost connects again at once, as Redis 7.0 does
// (replicationHandleMasterDisconnection: "Reconnecting to MASTER"), rather than at the next
// second: a second's wait under writes may cost the backlog the bytes a partial resync needs.
func TestReplicaReconnectsAtOnceAfterALostLink(t *testing.T) {
	t.Parallel() // it waits on the network
	bothTargets(t, func(t *testing.T, target stages.Target) {
		master := stages.Launch(t, target, t.TempDir(), "--save", "", "--repl-diskless-sync-delay", "0", "--repl-backlog-size", "64mb")
		proxy := redistest.StartProxy(t, master.Addr())
		host, port, _ := net.SplitHostPort(proxy.Addr())
		replica := stages.Launch(t, target, t.TempDir(), "--save", "", "--replicaof", host+" "+port)
		require.Eventually(t, func() bool { return linkUp(t, replica.Addr()) }, hangGuard, pollEvery)
		proxy.Cut()
		reconnecting := regexp.MustCompile(`Reconnecting to (MASTER|PRIMARY) ` + regexp.QuoteMeta(host+":"+port)) // Valkey says PRIMARY
		require.Eventually(t, func() bool { return reconnecting.MatchString(replica.Printed()) }, hangGuard, pollEvery)
		require.Eventually(t, func() bool { return linkUp(t, replica.Addr()) }, hangGuard, pollEvery)
	})
}

// A replica that never acknowledges its snapshot holds the stream that follows it on the
// master, and that counts against the replica class's client-output-buffer-limit: the master
// drops it at the limit (never lower than repl-backlog-size, as in Redis), where it grew
// without end (a stuck replica took the master from 40 MB to 3.6 GB). INFO memory's
// mem_total_replication_buffers counts the stream kept for replicas and the backlog.
func TestStuckReplicaIsDroppedAtItsOutputLimit(t *testing.T) {
	t.Parallel() // it waits on the network
	limits, err := parseOutputLimits("replica 1mb 0 0", defaultOutputLimits)
	require.NoError(t, err)
	ours := redistest.Start(t, newServer(t, Config{Bind: "127.0.0.1", MaxClients: 100, OutputLimits: limits,
		Repl: ReplConfig{DisklessSync: true, BacklogSize: 1 << 20}}))
	redistest.Both(t, ours, func(t *testing.T, master string) {
		replica := redistest.Dial(t, master)
		replica.Do("REPLCONF", "capa", "eof", "capa", "psync2")
		replica.Send(cmd("PSYNC", "?", "-1"))
		require.True(t, strings.HasPrefix(replica.ReadLine(), "+FULLRESYNC "))
		read := make(chan error)
		go func() { // the replica reads everything, and never sends an ACK
			replica.Net().SetReadDeadline(time.Now().Add(hangGuard))
			_, err := io.Copy(io.Discard, replica.Net())
			read <- err
		}()
		m := redistest.Dial(t, master)
		value := strings.Repeat("v", 10_000)
		for i := range 300 { // 3 MB of stream behind the snapshot
			m.Send(cmd("SET", "k"+strconv.Itoa(i), value))
		}
		for range 300 {
			m.Reply()
		}
		require.NoError(t, <-read, "the master closes the replica's link")
		assert.Equal(t, "0", infoField(t, master, "replication", "connected_slaves"))
		backlog, err := strconv.Atoi(infoField(t, master, "memory", "mem_total_replication_buffers"))
		require.NoError(t, err)
		assert.Greater(t, backlog, 500_000, "the backlog holds the stream")
	}, "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0", "--repl-backlog-size", "1mb",
		"--client-output-buffer-limit", "replica 1mb 0 0")
}
