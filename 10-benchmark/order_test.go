package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"byoredis/shared/redistest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Writers on many keys at once, and commands on several keys that cross their paths (MSET,
// RENAME, a shared counter): the append-only file, replayed, and a replica, fed the stream,
// both end with exactly the master's keys, values and expiry times. Whatever lets writes run
// side by side, the log must keep one order that reproduces the keyspace. make test runs it
// once (under -race); RUNS=100 go test -race -run ConcurrentWritersOneOrder repeats it.
func TestConcurrentWritersOneOrder(t *testing.T) {
	for run := range runsFromEnv(t) {
		t.Run(strconv.Itoa(run), func(t *testing.T) {
			dir := t.TempDir()
			master := newServer(t, Config{Bind: "127.0.0.1", MaxClients: 100, AOF: aofConfig(dir, "everysec"),
				Repl: ReplConfig{BacklogSize: 64 << 20}})
			masterAddr := redistest.Start(t, master)
			replica := startOurs(t, ReplConfig{ReplicaOf: strings.Replace(masterAddr, ":", " ", 1)})
			require.Eventually(t, func() bool { return linkUp(t, replica) }, hangGuard, pollEvery)

			const writers, batches = 8, 300
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					conn := redistest.Dial(t, masterAddr)
					for i := range batches {
						own := fmt.Sprintf("order:%d:%d", w, i%50)
						other := fmt.Sprintf("order:%d:%d", (w+1+i)%writers, (i*7)%50) // another writer's key
						var batch strings.Builder
						batch.WriteString(cmd("INCR", "order:counter"))
						switch (i + w) % 8 { // each kind of write may be the last to touch a key
						case 0:
							batch.WriteString(cmd("SET", own, strconv.Itoa(i)))
						case 1:
							batch.WriteString(cmd("APPEND", other, strconv.Itoa(w)))
						case 2:
							batch.WriteString(cmd("MSET", own, "m"+strconv.Itoa(w), other, "m"+strconv.Itoa(i)))
						case 3:
							batch.WriteString(cmd("RENAME", own, other)) // an error if another writer deleted own: logged as nothing
						case 4:
							batch.WriteString(cmd("SET", other, "ttl", "EX", "1000"))
						case 5:
							batch.WriteString(cmd("COPY", other, own, "REPLACE"))
						case 6:
							batch.WriteString(cmd("DEL", own))
						case 7:
							batch.WriteString(cmd("INCRBY", other, "3")) // an error on a value that is not a number
						}
						conn.Send(batch.String())
						conn.Reply()
						conn.Reply()
					}
				})
			}
			wg.Wait()

			sameData(t, masterAddr, replica)
			want := dataset(t, redistest.Dial(t, masterAddr))
			require.NoError(t, master.Close()) // writes and fsyncs what was logged
			_, again := startAOF(t, dir, "everysec")
			assert.Equal(t, want, dataset(t, redistest.Dial(t, again)), "the append-only file, replayed, is the master's keyspace")
		})
	}
}

// runsFromEnv is how many times a test repeats: RUNS in the environment (a long run by hand),
// or once, as make test runs it.
func runsFromEnv(t *testing.T) int {
	if s := os.Getenv("RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err, "RUNS is a count: RUNS=100")
		return n
	}
	return 1
}

// BenchmarkStoreWrites is the store's write path alone, no network: SETs of 16-byte values to
// keys spread over the shards, from as many goroutines as -cpu gives. With -cpu 1,2 it shows
// whether writes to different shards run side by side; with one writer at a time
// (Store.writer) the second core cannot help:
//
//	go test -run '^$' -bench StoreWrites -cpu 1,2 -count 3
func BenchmarkStoreWrites(b *testing.B) {
	s := NewStore()
	keys := make([]string, 1<<16)
	for i := range keys {
		keys[i] = fmt.Sprintf("key:%012d", i)
	}
	value := []byte(strings.Repeat("v", 16))
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(1)) * 7919 // each goroutine starts elsewhere in the keys
		for pb.Next() {
			key := keys[i&(len(keys)-1)]
			s.Write(func(k *Keyspace) { k.Set(key, entry{value: value}) })
			i++
		}
	})
}
