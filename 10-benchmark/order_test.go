package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"byoredis/shared/redistest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Writers on many keys at once, and commands on several keys that cross their paths (MSET,
// RENAME, a shared counter), in pipelines whose commands share a batch's locks where they can:
// the append-only file, replayed, and a replica, fed the stream, both end with exactly the
// master's keys, values and expiry times. Writes to different stripes run side by side
// (store.go), and the log must keep one order that reproduces the keyspace: each key's writes
// in the order they happened. make test runs it
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
						// A pipeline's commands on the stripes of a write before them run in its batch
						// (commands.go): a second write of own's stripe, in one when the last touched own.
						batch.WriteString(cmd("APPEND", own, "+"))
						conn.Send(batch.String())
						for range 3 {
							conn.Reply()
						}
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

// BenchmarkStoreWrites is the store's write path alone, no network: SETs of 16-byte values,
// each locking its key's stripe as execute has a SET do, from as many goroutines as -cpu
// gives. With -cpu 1,2:
//
//	go test -run '^$' -bench StoreWrites -cpu 1,2 -count 3
//
// "apart" gives each goroutine keys of its own stripes: writes to different shards, which
// take no lock another takes and touch no memory another writes. "across" has every goroutine
// write keys of every stripe, as a server's clients do: there the cores hand the map's memory
// back and forth (a cache line a core writes has to leave the other's cache), and that, not
// the locks, is what a write costs on two cores.
func BenchmarkStoreWrites(b *testing.B) {
	keys, stripes, value := benchmarkKeys()
	for _, apart := range []bool{true, false} {
		name := map[bool]string{true: "apart", false: "across"}[apart]
		b.Run(name, func(b *testing.B) {
			s := NewStore()
			procs := runtime.GOMAXPROCS(0)
			var next atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				g := int(next.Add(1) - 1)
				var mine []int // this goroutine's keys
				for i := range keys {
					if !apart || stripes[i]%procs == g%procs {
						mine = append(mine, i)
					}
				}
				store := clientStore{Store: s, stripes: make([]int, 1)}
				for i := g * 7919; pb.Next(); i++ { // each goroutine starts elsewhere in the keys
					key := keys[mine[i%len(mine)]]
					store.stripes[0] = stripes[mine[i%len(mine)]]
					store.Write(func(k *Keyspace) { k.Set(key, entry{value: value}) })
				}
			})
		})
	}
}

// benchmarkKeys returns the keys the store's benchmarks write, each key's stripe, and the
// 16-byte value they write.
func benchmarkKeys() (keys []string, stripes []int, value []byte) {
	keys = make([]string, 1<<16)
	stripes = make([]int, len(keys))
	for i := range keys {
		keys[i] = fmt.Sprintf("key:%012d", i)
		stripes[i] = stripeOf([]byte(keys[i]))
	}
	return keys, stripes, []byte(strings.Repeat("v", 16))
}

// keyOnStripe returns a key of stripe want.
func keyOnStripe(t *testing.T, want int) string {
	for i := 0; ; i++ {
		key := "k" + strconv.Itoa(i)
		if stripeOf([]byte(key)) == want {
			return key
		}
		require.Less(t, i, 1<<20)
	}
}

// A command locks the stripes of the keys the command table finds in it, in increasing order
// and each once; with no key, or keys the table cannot place, it locks the whole store.
func TestKeyStripes(t *testing.T) {
	k3, k5, k5too := keyOnStripe(t, 3), keyOnStripe(t, 5), keyOnStripe(t, 5)+"x"
	for stripeOf([]byte(k5too)) != 5 {
		k5too += "x"
	}
	c := &client{}
	for _, tc := range []struct {
		args []string
		want []int
	}{
		{[]string{"GET", k5}, []int{5}},
		{[]string{"MSET", k5, "1", k3, "2", k5too, "3"}, []int{3, 5}},
		{[]string{"RENAME", k5, k3}, []int{3, 5}},
		{[]string{"DEL", k5, k5too}, []int{5}},
		{[]string{"FLUSHALL"}, nil},
		{[]string{"KEYS", k3}, nil},
	} {
		args := make([][]byte, len(tc.args))
		for i, a := range tc.args {
			args[i] = []byte(a)
		}
		cmd, ok := lookupCommand(commands, args[0])
		require.True(t, ok)
		assert.Equal(t, tc.want, c.keyStripes(cmd, args), tc.args[0])
	}
}

// A write holding one stripe does not hold up a write on another: the second ends while the
// first still holds its stripe.
func TestWritesOnOtherStripesRunBeside(t *testing.T) {
	s := NewStore()
	k3, k5 := keyOnStripe(t, 3), keyOnStripe(t, 5)
	holding, release := make(chan struct{}), make(chan struct{})
	go s.write([]int{3}, func(k *Keyspace) {
		k.Set(k3, entry{value: []byte("1")})
		close(holding)
		<-release
	})
	<-holding
	defer close(release)
	done := make(chan struct{})
	go func() {
		s.write([]int{5}, func(k *Keyspace) { k.Set(k5, entry{value: []byte("2")}) })
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(hangGuard):
		t.Fatal("a write on stripe 5 waited for one holding stripe 3")
	}
}

// A pipeline's commands on the stripes of a write before them run under its locks, taken once:
// let go when a command needs another stripe, after batchSize commands, and before the server
// waits for the client.
func TestPipelineLocksOnce(t *testing.T) {
	srv := newServer(t, Config{Bind: "127.0.0.1", MaxClients: 10})
	serverEnd, clientEnd := net.Pipe()
	t.Cleanup(func() { clientEnd.Close(); serverEnd.Close() })
	go io.Copy(io.Discard, clientEnd) // the replies
	c := newClient(srv, serverEnd)
	k, other := keyOnStripe(t, 5), keyOnStripe(t, 9)
	locked := func(stripe int) bool {
		if srv.store.stripes[stripe].TryLock() {
			srv.store.stripes[stripe].Unlock()
			return false
		}
		return true
	}
	run := func(n int) {
		for range n {
			args, err := c.reader.ReadCommand()
			require.NoError(t, err)
			c.execute(args)
		}
	}
	pipeline := strings.Repeat(cmd("INCR", k), batchSize+1) + cmd("GET", other) + cmd("INCR", k) + cmd("SET", other, "v") + cmd("GET", other)
	go clientEnd.Write([]byte(pipeline))

	run(1)
	assert.True(t, locked(5), "the write's stripe stays locked for the commands behind it")
	assert.False(t, locked(9))
	run(batchSize - 1)
	assert.Equal(t, batchSize, c.batch.commands, "one batch")
	run(1)
	assert.Equal(t, 1, c.batch.commands, "the next command starts the next batch")
	run(1) // GET of another stripe
	assert.False(t, locked(5), "a command on another stripe ends the batch first")
	run(1) // INCR: a batch of its own, which the SET of another stripe behind it ends
	assert.True(t, locked(5))
	run(2) // SET, then a GET of the same stripe, in the SET's batch
	assert.False(t, locked(5))
	assert.True(t, locked(9), "a read runs in the batch of the write before it")
	assert.Equal(t, 2, c.batch.commands)

	read := make(chan error)
	go func() {
		_, err := c.reader.ReadCommand() // waits for the client
		read <- err
	}()
	require.Eventually(t, func() bool { return !locked(9) }, hangGuard, pollEvery, "the server waits for the client with nothing locked")
	clientEnd.Write([]byte(cmd("PING")))
	require.NoError(t, <-read)

	var e entry
	srv.store.Read(func(ks *Keyspace) { e, _ = ks.Get(k) })
	assert.Equal(t, strconv.Itoa(batchSize+2), string(e.value), "every INCR counted")
}

// BenchmarkPipelineLocks is the store's side of a pipeline of 16 SETs, no network: each
// command locking its stripe ("each"), or the locks taken once for the pipeline ("once", the
// way a batch takes them, commands.go), from as many goroutines as -cpu gives:
//
//	go test -run '^$' -bench PipelineLocks -cpu 1,2 -count 5
//
// With one key ("onekey"), taking its stripe once saves most of what locking costs. With
// random keys ("random"), a pipeline's stripes taken together are about 14 of the 64: two
// pipelines on two cores nearly always want one of each other's, and take turns where
// commands one stripe at a time run side by side. So a batch holds one write's stripes only.
func BenchmarkPipelineLocks(b *testing.B) {
	keys, stripes, value := benchmarkKeys()
	sets := make([]func(k *Keyspace), len(keys)) // made before: a closure made per SET is an allocation
	for i, key := range keys {
		sets[i] = func(k *Keyspace) { k.Set(key, entry{value: value}) }
	}
	for _, keyset := range []string{"onekey", "random"} {
		for _, locking := range []string{"each", "once"} {
			b.Run(keyset+"/"+locking, func(b *testing.B) {
				s := NewStore()
				var next atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					pipeline := make([]int, 16) // the keys' indexes
					var union []int
					command := clientStore{Store: s, stripes: make([]int, 1)}
					for i := int(next.Add(1)-1) * 7919; ; {
						for j := range pipeline {
							if keyset == "random" {
								pipeline[j] = i * 2654435761 % len(keys) // spread over the keys
							}
							i++
						}
						if locking == "once" {
							union = union[:0]
							for _, x := range pipeline {
								union = append(union, stripes[x])
							}
							slices.Sort(union)
							union = slices.Compact(union)
							s.lock(union, true)
						}
						for _, x := range pipeline {
							if !pb.Next() {
								if locking == "once" {
									s.unlock(union, true)
								}
								return
							}
							command.stripes[0] = stripes[x]
							if locking == "once" {
								s.writeLocked(command.stripes, sets[x])
							} else {
								command.Write(sets[x])
							}
						}
						if locking == "once" {
							s.unlock(union, true)
						}
					}
				})
			})
		}
	}
}
