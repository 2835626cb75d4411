package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"byoredis/shared/redistest"
	"byoredis/shared/stages"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// contents is every key of the store and its entry, read under the lock.
func contents(s *Store) map[string]entry {
	all := map[string]entry{}
	for _, shard := range s.shards {
		for key := range shard.values {
			all[key], _ = shard.lookup(key)
		}
	}
	return all
}

// A snapshot is the keyspace of the instant it began, exactly, however the keys change while
// it is read: overwritten, deleted, created, given an expiry, or all flushed at once.
func TestSnapshotIsPointInTime(t *testing.T) {
	for _, flush := range []bool{false, true} {
		t.Run(fmt.Sprintf("flush=%v", flush), func(t *testing.T) {
			s := NewStore()
			s.Write(func(k *Keyspace) {
				for i := range 20_000 {
					k.Set("key:"+strconv.Itoa(i), entry{value: []byte("v" + strconv.Itoa(i))})
				}
			})
			var want map[string]entry
			var sn *snapshot
			s.Write(func(k *Keyspace) {
				want = contents(s)
				sn = s.beginSnapshot()
			})

			var stop atomic.Bool
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Go(func() {
					r := rand.New(rand.NewPCG(uint64(w), 1))
					for n := 0; !stop.Load(); n++ {
						key := "key:" + strconv.Itoa(r.IntN(30_000)) // a third of them new
						s.Write(func(k *Keyspace) {
							switch n % 4 {
							case 0, 1:
								k.Set(key, entry{value: []byte(fmt.Sprintf("w%d-%d", w, n))})
							case 2:
								k.Delete(key)
							case 3:
								k.Set(key, entry{value: []byte("x"), expireAt: k.Now() + 100_000})
							}
							if flush && w == 0 && n == 500 {
								k.Flush()
							}
						})
					}
				})
			}
			got := map[string]entry{}
			require.NoError(t, sn.each(func(key string, e entry) error {
				_, twice := got[key]
				require.False(t, twice, "%s came twice", key)
				got[key] = e
				return nil
			}))
			stop.Store(true)
			wg.Wait()
			assert.Equal(t, len(want), len(got))
			assert.Equal(t, want, got)
			assert.Empty(t, s.snapshots, "the snapshot ended: writers record nothing more for it")
		})
	}
}

// Two snapshots at once (a BGSAVE while a replica syncs) each see their own instant.
func TestTwoSnapshotsAtOnce(t *testing.T) {
	s := NewStore()
	set := func(key, value string) { s.Write(func(k *Keyspace) { k.Set(key, entry{value: []byte(value)}) }) }
	set("a", "1")
	var first, second *snapshot
	s.Write(func(*Keyspace) { first = s.beginSnapshot() })
	set("a", "2")
	set("b", "2")
	s.Write(func(*Keyspace) { second = s.beginSnapshot() })
	set("a", "3")
	s.Write(func(k *Keyspace) { k.Delete("b") })
	read := func(sn *snapshot) map[string]string {
		out := map[string]string{}
		sn.each(func(key string, e entry) error { out[key] = string(e.value); return nil })
		return out
	}
	assert.Equal(t, map[string]string{"a": "2", "b": "2"}, read(second))
	assert.Equal(t, map[string]string{"a": "1"}, read(first))
	keys, _ := first.size()
	assert.Equal(t, 1, keys)
}

// gcPercent reads GOGC as the runtime has it now.
func gcPercent() int {
	percent := debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	return percent
}

// While a snapshot is read, the collector runs twice as often: every write keeps its key's
// old value alive as a before-image, and at GOGC=100 the heap would grow to twice that before
// a collection (a BGSAVE of a million keys under writes: 200 MB, where Redis's copied pages
// came to 110 MB). It is set back when the last snapshot being read ends, and a collector
// turned off stays off.
func TestReadingASnapshotHalvesGOGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	s := NewStore()
	s.Write(func(k *Keyspace) { k.Set("a", entry{value: []byte("1")}) })
	read := func(inside func()) {
		var sn *snapshot
		s.Write(func(*Keyspace) { sn = s.beginSnapshot() })
		sn.each(func(string, entry) error { inside(); return nil })
	}
	read(func() {
		assert.Equal(t, 50, gcPercent())
		read(func() { assert.Equal(t, 50, gcPercent(), "two snapshots at once: halved once") })
		assert.Equal(t, 50, gcPercent(), "the other snapshot is still being read")
	})
	assert.Equal(t, 100, gcPercent())

	debug.SetGCPercent(-1)
	read(func() { assert.Equal(t, -1, gcPercent()) })
	assert.Equal(t, -1, gcPercent())
}

// Black-box, on both servers: a BGSAVE while one client writes without pause is the keyspace
// of one instant between two of its commands. The client sets k<n mod 1000> to n and then
// last to n, for n = 0, 1, 2 ...: in the dump, last = L says exactly what every k<j> holds
// (the largest n ≤ L with n mod 1000 = j, or L + 1 if the instant fell between the two SETs
// of L + 1), and anything else is a torn snapshot.
func TestBgsaveUnderWritesIsOneInstant(t *testing.T) {
	bothTargets(t, func(t *testing.T, target stages.Target) {
		dir := t.TempDir()
		server := stages.Launch(t, target, dir, "--dir", dir, "--save", "", "--appendonly", "no")
		fill(t, server.Addr(), 100_000) // so that the save takes a while

		writer := redistest.Dial(t, server.Addr())
		var stop atomic.Bool
		written := make(chan int)
		started := make(chan struct{})
		go func() {
			n := 0
			for batch := 0; !stop.Load(); batch++ {
				var b strings.Builder
				for range 100 {
					b.WriteString(cmd("SET", "k"+strconv.Itoa(n%1000), strconv.Itoa(n)))
					b.WriteString(cmd("SET", "last", strconv.Itoa(n)))
					n++
				}
				writer.Send(b.String())
				for range 200 {
					writer.Reply()
				}
				if batch == 20 {
					close(started)
				}
			}
			written <- n
		}()
		<-started
		control := redistest.Dial(t, server.Addr())
		control.Do("BGSAVE")
		require.Eventually(t, func() bool {
			return strings.Contains(control.Do("INFO", "persistence").Str, "rdb_bgsave_in_progress:0")
		}, hangGuard, pollEvery)
		stop.Store(true)
		total := <-written
		require.Contains(t, control.Do("INFO", "persistence").Str, "rdb_last_bgsave_status:ok")

		f, err := os.Open(filepath.Join(dir, "dump.rdb"))
		require.NoError(t, err)
		defer f.Close()
		keys, err := readRDB(f, time.Now().UnixMilli())
		require.NoError(t, err)
		last, err := strconv.Atoi(string(keys["last"].value))
		require.NoError(t, err)
		require.Less(t, last, total-1, "the snapshot was taken while the client wrote")
		// The instant may fall between SET k<n> and SET last n, n = last + 1: then k<n mod 1000>
		// holds n already.
		next := last + 1
		if value, ok := keys["k"+strconv.Itoa(next%1000)]; ok && string(value.value) == strconv.Itoa(next) {
			last = next
		}
		for j := range 1000 {
			key := "k" + strconv.Itoa(j)
			if j > last {
				assert.NotContains(t, keys, key)
				continue
			}
			want := last - (last-j)%1000
			assert.Equal(t, strconv.Itoa(want), string(keys[key].value), "%s, with last = %d", key, last)
		}
		assert.Len(t, keys, 100_000+1+min(last+1, 1000))
	})
}
