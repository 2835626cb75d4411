package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"byoredis/shared/redistest"
	"byoredis/shared/resp"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// soakTime is how long TestSoak runs: SOAK=60s for a long run by hand; a few seconds in
// `make test`, where the race detector watches it (go test -race fails a test that races).
func soakTime(t *testing.T) time.Duration { return durationFromEnv(t, "SOAK", 3*time.Second) }

// durationFromEnv is the duration in the environment variable name (a long run by hand), or
// otherwise the short one make test runs.
func durationFromEnv(t *testing.T, name string, otherwise time.Duration) time.Duration {
	if s := os.Getenv(name); s != "" {
		d, err := time.ParseDuration(s)
		require.NoError(t, err, "%s is a duration: %s=60s", name, name)
		return d
	}
	return otherwise
}

// Every kind of work at once, for soakTime: writes of every kind with the append-only file on,
// reads, publishers and subscribers that come and go, BGSAVE and BGREWRITEAOF, a replica
// following, and clients killed in the middle of all of it. Run with -race (make test does),
// a data race anywhere in the server fails it; and at the end the replica holds exactly the
// master's keys.
func TestSoak(t *testing.T) {
	dir := t.TempDir()
	master := redistest.Start(t, newServer(t, Config{Bind: "127.0.0.1", MaxClients: 10000,
		AOF:  aofConfig(dir, "everysec"),
		RDB:  RDBConfig{Dir: dir, FileName: "dump.rdb", Compression: true, Checksum: true},
		Repl: ReplConfig{BacklogSize: 64 << 20, DisklessSync: true}}))
	replica := startOurs(t, ReplConfig{ReplicaOf: strings.Replace(master, ":", " ", 1)})
	require.Eventually(t, func() bool { return linkUp(t, replica) }, hangGuard, pollEvery)

	deadline := time.Now().Add(soakTime(t))
	var work sync.WaitGroup
	var kills, saves, messages int64
	var mu sync.Mutex
	count := func(n *int64) { mu.Lock(); *n++; mu.Unlock() }

	for w := range 4 { // writers and readers, each its own keys and a shared counter
		work.Go(func() {
			conn := redistest.Dial(t, master)
			for i := 0; time.Now().Before(deadline); i++ {
				k := fmt.Sprintf("soak:%d:%d", w, i%300)
				var batch strings.Builder
				batch.WriteString(cmd("SET", k, strings.Repeat(strconv.Itoa(i), i%200+1)))
				batch.WriteString(cmd("GET", k))
				batch.WriteString(cmd("INCR", "soak:counter"))
				batch.WriteString(cmd("EXPIRE", fmt.Sprintf("soak:%d:%d", w, (i+7)%300), "1000"))
				batch.WriteString(cmd("DEL", fmt.Sprintf("soak:%d:%d", w, (i+150)%300)))
				batch.WriteString(cmd("PUBLISH", fmt.Sprintf("soak:ch:%d", i%3), k))
				conn.Send(batch.String())
				for range 6 {
					conn.Reply()
				}
			}
		})
	}
	for s := range 3 { // subscribers that come and go, read some of their messages, or none
		work.Go(func() {
			for round := 0; time.Now().Before(deadline); round++ {
				conn, err := net.Dial("tcp", master)
				require.NoError(t, err)
				conn.SetDeadline(deadline) // messages stop with the publishers
				conn.Write([]byte(cmd("SUBSCRIBE", fmt.Sprintf("soak:ch:%d", s)) + cmd("PSUBSCRIBE", "soak:ch:*")))
				replies := resp.NewReplyReader(conn)
				for i := range 2 + round%50 { // the operator may kill it meanwhile
					if _, err := replies.ReadReply(); err != nil {
						break
					}
					if i >= 2 {
						count(&messages)
					}
				}
				conn.Close()
			}
		})
	}
	work.Go(func() { // the operator: saves, rewrites, and clients killed
		conn := redistest.Dial(t, master)
		for round := 0; time.Now().Before(deadline); round++ {
			switch round % 4 {
			case 0:
				conn.Do("BGSAVE")
				count(&saves)
			case 1:
				conn.Do("BGREWRITEAOF")
			case 2:
				conn.Do("CLIENT", "KILL", "TYPE", "pubsub")
				count(&kills)
			case 3:
				conn.Do("CLIENT", "KILL", "TYPE", "replica") // it reconnects, and resyncs in part
				count(&kills)
			}
			time.Sleep(50 * time.Millisecond) // the operator's pace, not a wait for anything
		}
	})
	work.Go(func() { // clients that die in the middle of a large reply
		redistest.Dial(t, master).Do("SET", "soak:big", strings.Repeat("b", 200_000))
		for time.Now().Before(deadline) {
			c, err := net.Dial("tcp", master)
			require.NoError(t, err)
			c.SetDeadline(time.Now().Add(hangGuard))
			c.Write([]byte(strings.Repeat(cmd("GET", "soak:big"), 20)))
			c.Read(make([]byte, 1)) // the replies have started
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
			count(&kills)
		}
	})
	work.Wait()
	t.Logf("%v: %d kills, %d saves, %d messages read", soakTime(t), kills, saves, messages)

	require.Eventually(t, func() bool { return linkUp(t, replica) }, hangGuard, pollEvery)
	sameData(t, master, replica)
	assert.Positive(t, messages, "subscribers read messages")
}
