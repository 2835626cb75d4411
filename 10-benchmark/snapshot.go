package main

import (
	"hash/maphash"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
)

// Snapshots without fork. Redis forks for BGSAVE, an AOF rewrite and a replica's full sync:
// the child sees the memory as it was at the fork, and the kernel copies a page only when the
// parent writes to it. The parent stops only for the fork itself, a few milliseconds to copy
// the page tables. A Go program cannot fork (its other threads would not exist in the child),
// and copying the whole keyspace under the lock stops every client for as long as the copy
// takes: about 400 ms for a million keys.
//
// So the keyspace is cut into shards by the hash of the key, and a snapshot copies one shard
// at a time, in order, each under the lock for as long as one shard takes (a thousandth of
// the keyspace). What keeps it a picture of one instant is copy-on-write at the key level, as
// Dragonfly does it per bucket: from the moment the snapshot begins, the first change to a key
// in a shard not yet copied records what the key held before it ("before", or that it did not
// exist). Copying a shard takes its entries and puts those before-images back over them. A
// shard replaced whole (FLUSHALL, a load) keeps its old map, which nothing writes any more.

// shardCount is how many shards the keyspace has: a power of two.
const shardCount = 1024

var shardSeed = maphash.MakeSeed()

func shardOf(key string) int { return int(maphash.String(shardSeed, key) & (shardCount - 1)) }

// snapshot is the keyspace as it was when beginSnapshot ran. Its shard i is guarded by the
// shard's stripe: writers record before-images with it locked for writing, and the reader
// copies the shard with it locked for reading (which keeps every writer of the shard out).
type snapshot struct {
	store         *Store
	next          atomic.Int32 // the shards before it have been copied
	before        [shardCount]map[string]beforeImage
	frozen        [shardCount]shard // shards replaced whole before they were copied
	keys, expires int               // at the beginning: RESIZEDB's hints
	dirty         int64             // the changes since the last save, at the beginning
	history       dumpHistory       // the replication history and offset, if any (Server.snapshot)
}

// beforeImage is what a key held when the snapshot began: an entry, or nothing.
type beforeImage struct {
	e       entry
	existed bool
}

// beginSnapshot starts a snapshot of the keyspace as it is now. Called with the store
// write-locked; it takes no time at all.
func (s *Store) beginSnapshot() *snapshot {
	keys, expires := s.size()
	sn := &snapshot{store: s, keys: keys, expires: expires, dirty: s.dirty.Load()}
	s.snapshots = append(s.snapshots, sn)
	return sn
}

// beforeChange is called, with shard i's stripe write-locked, before key (in it) changes: the
// first change to it in a shard that a snapshot has yet to copy records what it held.
func (s *Store) beforeChange(i int, key string) {
	for _, sn := range s.snapshots {
		if i < int(sn.next.Load()) || sn.frozen[i].values != nil {
			continue
		}
		if sn.before[i] == nil {
			sn.before[i] = map[string]beforeImage{}
		}
		if _, recorded := sn.before[i][key]; !recorded {
			e, ok := s.shards[i].lookup(key)
			sn.before[i][key] = beforeImage{e, ok}
		}
	}
}

// beforeReplace is called, with the store write-locked, before every shard is replaced with a
// new map: a snapshot keeps the old maps of the shards it has yet to copy.
func (s *Store) beforeReplace() {
	for _, sn := range s.snapshots {
		for i := int(sn.next.Load()); i < shardCount; i++ {
			if sn.frozen[i].values == nil {
				sn.frozen[i] = s.shards[i]
			}
		}
	}
}

// size is how many keys the snapshot holds, and how many of them have an expiry.
func (sn *snapshot) size() (keys, expires int) { return sn.keys, sn.expires }

// each calls f with every key of the snapshot and its entry, shard by shard, and stops at
// f's first error. It can be called once: the snapshot ends with it.
func (sn *snapshot) each(f func(key string, e entry) error) error {
	defer sn.end()
	defer readingSnapshot()()
	var copied []keyEntry
	for i := range shardCount {
		copied = sn.copyShard(i, copied[:0])
		for _, ke := range copied {
			if err := f(ke.key, ke.e); err != nil {
				return err
			}
		}
	}
	return nil
}

// keyEntry is a key and its entry, as a snapshot copies them.
type keyEntry struct {
	key string
	e   entry
}

// copyShard appends shard i as it was when the snapshot began to buf, and returns it. Values
// are never changed in place, so the copy shares them; the lock is held for the copy of a
// thousandth of the keys, into a buffer reused from shard to shard (a new map per shard would
// give the garbage collector a whole keyspace's worth of work per snapshot).
func (sn *snapshot) copyShard(i int, buf []keyEntry) []keyEntry {
	s := sn.store
	stripe := [1]int{stripeOfShard(i)}
	s.lock(stripe[:], false)
	defer s.unlock(stripe[:], false)
	source := &sn.frozen[i]
	if source.values == nil {
		source = &s.shards[i]
	}
	before := sn.before[i]
	for key, value := range source.values {
		if _, changed := before[key]; !changed {
			buf = append(buf, keyEntry{key, entry{valueBytes(value), source.expires[key]}})
		}
	}
	for key, b := range before {
		if b.existed {
			buf = append(buf, keyEntry{key, b.e})
		}
	}
	sn.before[i], sn.frozen[i] = nil, shard{}
	sn.next.Store(int32(i + 1))
	return buf
}

// readingSnapshot sets the runtime up for a snapshot being read, as Redis's fork sets up its
// save, and returns what undoes it once the last snapshot being read ends.
//
// A Go processor (a P) of its own, as Redis gives its save a process of its own. On one core
// (GOMAXPROCS=1) the reader and the clients would share one P, and a client whose request
// has arrived waits for the scheduler to ask the network, which it does only when it has
// nothing else to run: between two shards it has the reader. With two Ps on one core, the
// kernel shares the core between the two threads a few milliseconds at a time, as it shares
// it with Redis's child.
//
// A collector that runs twice as often (GOGC halved). Every key written while a snapshot
// runs keeps its old value alive as a before-image, as each page Redis's parent writes is
// copied for the child; but the collector lets the heap grow to twice what is alive before it
// collects, so a write load during a BGSAVE of a million keys grew the server by 200 MB where
// Redis's copied pages came to 110 MB. Halved, it grew by 100 MB.
func readingSnapshot() (undo func()) {
	snapshotReaders.Lock()
	defer snapshotReaders.Unlock()
	if snapshotReaders.count == 0 {
		snapshotReaders.procs = runtime.GOMAXPROCS(0)
		runtime.GOMAXPROCS(snapshotReaders.procs + 1)
		snapshotReaders.gcPercent = debug.SetGCPercent(-1) // the only way to read it
		if snapshotReaders.gcPercent > 0 {
			debug.SetGCPercent(max(snapshotReaders.gcPercent/2, 1))
		} else {
			debug.SetGCPercent(snapshotReaders.gcPercent)
		}
	}
	snapshotReaders.count++
	return func() {
		snapshotReaders.Lock()
		defer snapshotReaders.Unlock()
		if snapshotReaders.count--; snapshotReaders.count == 0 {
			runtime.GOMAXPROCS(snapshotReaders.procs)
			debug.SetGCPercent(snapshotReaders.gcPercent)
		}
	}
}

// snapshotReaders are the snapshots being read, and the settings from before the first.
var snapshotReaders struct {
	sync.Mutex
	count, procs, gcPercent int
}

// end stops the snapshot: writers no longer record anything for it.
func (sn *snapshot) end() {
	s := sn.store
	s.lock(nil, true)
	defer s.unlock(nil, true)
	if i := slices.Index(s.snapshots, sn); i >= 0 {
		s.snapshots = slices.Delete(s.snapshots, i, i+1)
	}
}

// keyspaceImage is the keyspace at one moment, as the writers of RDB files and AOF bases read
// it: a snapshot, or a map (in tests, and for SAVE's copy).
type keyspaceImage interface {
	size() (keys, expires int)
	each(f func(key string, e entry) error) error
}

// The RDB and AOF-base writers take either.
var _, _ keyspaceImage = (*snapshot)(nil), entryMap(nil)

// entryMap is a plain map as a keyspaceImage.
type entryMap map[string]entry

func (m entryMap) size() (keys, expires int) {
	for _, e := range m {
		if e.expireAt != 0 {
			expires++
		}
	}
	return len(m), expires
}

func (m entryMap) each(f func(key string, e entry) error) error {
	for key, e := range m {
		if err := f(key, e); err != nil {
			return err
		}
	}
	return nil
}
