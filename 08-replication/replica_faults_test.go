package main

import (
	"bufio"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"byoredis/shared/redistest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// replicaOfFake starts a replica of a fake master, ours or a real redis-server, with a
// repl-timeout of a second.
func replicaOfFake(t *testing.T, real bool, master *redistest.FakeMaster) string {
	if real {
		return startRedisReplica(t, master.Addr, "--repl-timeout", "1")
	}
	return startOurs(t, ReplConfig{ReplicaOf: strings.Replace(master.Addr, ":", " ", 1), Timeout: 1})
}

// bothReplicas runs test with our replica and with a real redis-server replica, side by side:
// the tests wait for replicas to give up and try again, a second at a time, and use little CPU.
func bothReplicas(t *testing.T, test func(t *testing.T, real bool)) {
	t.Run("ours", func(t *testing.T) { t.Parallel(); test(t, false) })
	t.Run("redis", func(t *testing.T) { t.Parallel(); test(t, true) })
}

// nextPSYNC waits for the replica's next PSYNC to the fake master and returns its arguments.
func nextPSYNC(t *testing.T, master *redistest.FakeMaster) []string {
	t.Helper()
	timeout := time.After(hangGuard)
	for {
		select {
		case command := <-master.Commands:
			if len(command) > 0 && strings.EqualFold(command[0], "PSYNC") {
				return command
			}
		case <-timeout:
			t.Fatal("the replica did not ask its master for the stream (again)")
		}
	}
}

// A master that sends a snapshot length that is no length, or one the replica could never
// hold, does not bring its replica down: the replica drops the link, tries again, and goes on
// serving its clients.
func TestReplicaSurvivesBadSnapshotLengths(t *testing.T) {
	for _, header := range []string{"$-5", "$99999999999", "$abc", "$EOF:tooshort", "-ERR no"} {
		t.Run(header, func(t *testing.T) {
			t.Parallel()
			bothReplicas(t, func(t *testing.T, real bool) {
				master := redistest.StartFakeMaster(t, redistest.Handshake+header+"\r\n")
				replica := replicaOfFake(t, real, master)
				nextPSYNC(t, master)
				nextPSYNC(t, master) // it tried again
				assert.Equal(t, "PONG", redistest.Dial(t, replica).Do("PING").Str, "the replica still serves")
			})
		})
	}
}

// A master that goes silent, in the handshake or in the middle of the snapshot, is given up
// on after repl-timeout, and tried again.
func TestReplicaGivesUpOnASilentMaster(t *testing.T) {
	for name, script := range map[string]string{
		"handshake": "",
		"snapshot":  redistest.Handshake + "$1000\r\nREDIS0010",
		"stream":    redistest.Handshake + redistest.EmptyRDB,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bothReplicas(t, func(t *testing.T, real bool) {
				master := redistest.StartFakeMaster(t, script)
				replicaOfFake(t, real, master)
				if script != "" {
					nextPSYNC(t, master)
				}
				timeout := time.After(hangGuard)
				for { // the first connection ends, and a second starts
					select {
					case command := <-master.Commands:
						if len(command) == 0 {
							return
						}
					case <-timeout:
						t.Fatal("the replica still waits for a silent master")
					}
				}
			})
		})
	}
}

// The stream is RESP only: an inline command from the master is not run, the link is
// dropped, and the next sync is a full one, since a partial one would bring the same bytes.
func TestReplicaRefusesInlineCommandsFromMaster(t *testing.T) {
	bothReplicas(t, func(t *testing.T, real bool) {
		master := redistest.StartFakeMaster(t, redistest.Handshake+redistest.EmptyRDB+"SET inline 1\r\n"+cmd("SET", "after", "1"))
		replica := replicaOfFake(t, real, master)
		nextPSYNC(t, master)
		assert.Equal(t, []string{"PSYNC", "?", "-1"}, nextPSYNC(t, master), "a full sync after the protocol error")
		conn := redistest.Dial(t, replica)
		assert.True(t, conn.Do("GET", "inline").IsNull, "the inline command did not run")
		assert.True(t, conn.Do("GET", "after").IsNull, "nor anything after it")
	})
}

// A replica counts the bytes it received from its master, not the commands re-encoded: a
// newline before a command counts, as it does in Redis's offset.
func TestReplicaCountsTheBytesItReceived(t *testing.T) {
	stream := "\n" + cmd("SET", "k", "v") + cmd("REPLCONF", "GETACK", "*")
	bothReplicas(t, func(t *testing.T, real bool) {
		master := redistest.StartFakeMaster(t, redistest.Handshake+redistest.EmptyRDB+stream)
		replicaOfFake(t, real, master)
		want := strconv.Itoa(len(stream) - len(cmd("REPLCONF", "GETACK", "*")))
		timeout := time.After(hangGuard)
		for {
			select {
			case command := <-master.Commands:
				if len(command) == 3 && strings.EqualFold(command[1], "ACK") && command[2] != "0" {
					require.Equal(t, want, command[2], "the offset the replica acknowledges")
					return
				}
			case <-timeout:
				t.Fatal("no REPLCONF ACK past offset 0")
			}
		}
	})
}

// The snapshot arrives in a file, not in memory, as with Redis's default (repl-diskless-load
// disabled): receiving 32 MB allocates a small part of that. (The payload is no RDB, so the
// load fails after it and the replica tries again.)
func TestReplicaReceivesTheSnapshotOnDisk(t *testing.T) {
	const size = 32 << 20
	master := redistest.StartFakeMaster(t, redistest.Handshake+"$"+strconv.Itoa(size)+"\r\n"+strings.Repeat("x", size))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	replicaOfFake(t, false, master)
	nextPSYNC(t, master)
	nextPSYNC(t, master) // the whole payload has arrived, and the load has failed
	runtime.ReadMemStats(&after)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(size/4), "bytes allocated while 32 MB arrived")
}

// Clients that send REPLICAOF at the same moment leave the server with one master link, as
// Redis's one thread does: each REPLICAOF ends the link before it, and REPLICAOF NO ONE ends
// the last. The masters here never answer, so a link the server forgot would hold its
// connection for the whole repl-timeout.
func TestConcurrentReplicaofLeavesOneMasterLink(t *testing.T) {
	bothReplicas(t, func(t *testing.T, real bool) {
		addr := redistest.StartRedis
		if !real {
			addr = func(testing.TB, ...string) string { return startOurs(t, ReplConfig{}) }
		}
		server := addr(t)
		masters := make([]*silentMaster, 8)
		for i := range masters {
			masters[i] = startSilentMaster(t)
		}
		for range 5 {
			conns := make([]net.Conn, len(masters))
			for i := range conns {
				var err error
				conns[i], err = net.Dial("tcp", server)
				require.NoError(t, err)
				defer conns[i].Close()
			}
			replies := make(chan string, len(masters))
			for i, conn := range conns {
				go func() {
					host, port, _ := net.SplitHostPort(masters[i].addr)
					io.WriteString(conn, cmd("REPLICAOF", host, port))
					line, _ := bufio.NewReader(conn).ReadString('\n')
					replies <- line
				}()
			}
			for range conns { // "Already connected" when a master is asked for again
				assert.Contains(t, []string{"+OK\r\n", "+OK Already connected to specified master\r\n"}, <-replies)
			}
		}
		require.Equal(t, "OK", redistest.Dial(t, server).Do("REPLICAOF", "NO", "ONE").Str)
		for _, m := range masters {
			m.waitForNoLinks(t)
		}
	})
}

// What a master's own commands ask of the replica's owner (FLUSHALL's save, with save points
// set; SAVE; CONFIG SET) is posted, not waited for: the owner may be running a REPLICAOF,
// which waits for that master's link to end. REPLICAOF NO ONE, sent while the replica
// applies a stream of them, returns, and the replica serves on.
func TestReplicaofWhileTheMasterAsksForSaves(t *testing.T) {
	stream := strings.Repeat(cmd("FLUSHALL")+cmd("SET", "k", "v"), 200) + cmd("SAVE") + cmd("CONFIG", "SET", "save", "3600 1")
	bothReplicas(t, func(t *testing.T, real bool) {
		master := redistest.StartFakeMaster(t, redistest.Handshake+redistest.EmptyRDB+stream)
		var replica string
		if real {
			replica = startRedisReplica(t, master.Addr, "--save", "3600 1")
		} else {
			replica = redistest.Start(t, newServer(t, Config{Bind: "127.0.0.1", MaxClients: 100,
				RDB:  RDBConfig{Dir: t.TempDir(), FileName: "dump.rdb", SavePoints: []savePoint{{3600, 1}}},
				Repl: ReplConfig{ReplicaOf: strings.Replace(master.Addr, ":", " ", 1), Timeout: 1}}))
		}
		nextPSYNC(t, master)
		probe := redistest.Dial(t, replica)
		require.Eventually(t, func() bool { return probe.Do("EXISTS", "k").Int == 1 }, hangGuard, pollEvery,
			"the replica applies none of the stream")
		conn, err := net.Dial("tcp", replica)
		require.NoError(t, err)
		defer conn.Close()
		in := bufio.NewReader(conn)
		conn.SetReadDeadline(time.Now().Add(hangGuard))
		io.WriteString(conn, cmd("REPLICAOF", "NO", "ONE"))
		line, err := in.ReadString('\n')
		require.NoError(t, err, "REPLICAOF NO ONE got no reply")
		assert.Equal(t, "+OK\r\n", line)
		assert.Equal(t, "PONG", redistest.Dial(t, replica).Do("PING").Str, "the replica still serves")
	})
}

// silentMaster accepts replicas' connections, reads what they send, never answers, and
// counts the connections still open.
type silentMaster struct {
	addr   string
	mu     sync.Mutex
	open   int
	closed chan struct{} // a connection ended
}

func startSilentMaster(t *testing.T) *silentMaster {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	m := &silentMaster{addr: ln.Addr().String(), closed: make(chan struct{}, 1)}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			m.mu.Lock()
			m.open++
			m.mu.Unlock()
			go func() {
				io.Copy(io.Discard, conn)
				conn.Close()
				m.mu.Lock()
				m.open--
				m.mu.Unlock()
				select {
				case m.closed <- struct{}{}:
				default:
				}
			}()
		}
	}()
	return m
}

// waitForNoLinks waits until every connection to the master has ended.
func (m *silentMaster) waitForNoLinks(t *testing.T) {
	t.Helper()
	timeout := time.After(hangGuard)
	for {
		m.mu.Lock()
		open := m.open
		m.mu.Unlock()
		if open == 0 {
			return
		}
		select {
		case <-m.closed:
		case <-timeout:
			t.Fatalf("%d links to master %s are still open after REPLICAOF NO ONE", open, m.addr)
		}
	}
}
