package main

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// entry is one key's value and, if it has one, the moment it expires, as a command sees them.
type entry struct {
	value []byte
	// expireAt is the Unix time in milliseconds after which the key no longer exists; 0
	// means it never expires. Redis stores an absolute time, not a duration, so that the
	// moment survives being written to disk or sent to a replica and read back later.
	expireAt int64
}

// shard is a part of the keyspace, as the store keeps it: not an entry per key, but the values
// in one map and the expiry times of the keys that have one in another, as Redis keeps two
// dicts, db->dict and db->expires (src/server.h). A map's slot holds its key and value side by
// side: a string key and an entry take 48 bytes, a string key and a string 32, and most keys
// have no expiry. A million keys of 16-byte values went from 1.22× Redis's memory to 0.94×
// (PERFORMANCE.md).
type shard struct {
	values  map[string]string
	expires map[string]int64
}

func newShard(keys int) shard {
	return shard{values: make(map[string]string, keys), expires: map[string]int64{}}
}

// A value is kept as a string: the same bytes as the []byte a command gives and gets, seen
// through a smaller header (16 bytes where a slice takes 24). Neither view is ever written
// through: a value is never changed in place (Set stores a new one), and the bytes a command
// stores are its argument's own (resp.Reader gives every argument a buffer of its own).
func valueString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
func valueBytes(s string) []byte  { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// Store is the keyspace: every key and its value, shared by all clients.
//
// Every client runs in its own goroutine, so two clients may touch the keyspace at the same
// moment, and a Go map must not be written while anything else reads or writes it. Locks make
// every command atomic: a command sees the keyspace before or after another command, never
// halfway. A command whose keys the command table names locks only the stripes of their shards
// (execute works them out), so that commands on other keys run at the same time; any other
// command, and the server's own work on the whole keyspace, locks every stripe.
type Store struct {
	// stripes guard the shards, each a run of shardCount/stripeCount of them (stripeOfShard). A
	// command takes the stripes of its keys in increasing order (no two commands can each hold
	// one the other waits for), for reading or writing (GUIDE.md: "Goroutines and locks").
	stripes [stripeCount]stripe
	// shards hold every key, its value and its expiry, each key in the shard its hash picks,
	// so that a snapshot can copy the keyspace a shard at a time (snapshot.go). Each is guarded
	// by its stripe; the fields after it, atomics and test seams aside, by every stripe: what
	// reads them holds one at least, what changes them holds them all.
	shards [shardCount]shard
	// snapshots are the snapshots being read: before a key changes, each may need to record
	// what it held.
	snapshots []*snapshot
	// expiredKeys counts keys removed because they expired (INFO stats: expired_keys).
	expiredKeys atomic.Int64
	// log records a change to the keyspace as the command that makes it, for the append-only
	// file and the replicas. It is called under logMu with the key's stripe locked: writes to
	// different stripes take turns there, so the file and the stream have one order, and the
	// writes to one key are in it in the order they happened.
	logMu sync.Mutex
	log   func(args [][]byte)
	// loading is set while the append-only file is replayed at start: like Redis, the server
	// then expires nothing, so that replaying gives the state the file describes.
	loading bool
	// dirty counts the changes since the last snapshot, for the save points.
	dirty atomic.Int64

	// keyspaceEvents is notify-keyspace-events: which events are published (notify.go). A
	// command's Keyspace collects them; publish sends them once it is done, its keys still
	// locked, so that subscribers hear of changes to a key in the order they happened and
	// after the change is logged.
	keyspaceEvents atomic.Int32
	publish        func(events []keyEvent)

	// replica is set while the server follows a master (replica.go). A replica expires no
	// key itself: its master sends a DEL when a key expires there. Until then a read finds an
	// expired key missing, and the master's commands still find it.
	replica atomic.Bool
}

func (s *Store) setReplica(on bool) { s.replica.Store(on) }

// NewStore returns an empty keyspace.
func NewStore() *Store {
	s := &Store{}
	for i := range s.shards {
		s.shards[i] = newShard(0)
	}
	return s
}

// lookup returns a key's entry, expired or not.
func (s *Store) lookup(key string) (entry, bool) {
	return s.shards[shardOf(key)].lookup(key)
}

func (sh *shard) lookup(key string) (entry, bool) {
	value, ok := sh.values[key]
	if !ok {
		return entry{}, false
	}
	return entry{valueBytes(value), sh.expires[key]}, true
}

// put stores a key's entry; the store is write-locked.
func (s *Store) put(key string, e entry) {
	i := shardOf(key)
	if len(s.snapshots) > 0 {
		s.beforeChange(i, key)
	}
	s.shards[i].put(key, e)
}

func (sh *shard) put(key string, e entry) {
	sh.values[key] = valueString(e.value)
	if e.expireAt != 0 {
		sh.expires[key] = e.expireAt
	} else {
		delete(sh.expires, key) // costs nothing when the shard has no expiry at all
	}
}

// size is how many keys there are, expired or not, and how many of them have an expiry.
func (s *Store) size() (keys, expires int) {
	for _, shard := range s.shards {
		keys += len(shard.values)
		expires += len(shard.expires)
	}
	return keys, expires
}

// keys calls yield with every key, expired or not, until it returns false.
func (s *Store) keys(yield func(key string) bool) {
	for _, shard := range s.shards {
		for key := range shard.values {
			if !yield(key) {
				return
			}
		}
	}
}

// stripeCount is how many stripes lock the shards.
const stripeCount = 64

// stripe is one lock of the shards, with the Keyspace a write holding it sees: a Keyspace made
// per command escapes to the heap (f may keep it, as far as the compiler can tell), an
// allocation per write. Each stripe has cache lines of its own: stripes taken on different
// cores do not pass one back and forth.
type stripe struct {
	sync.RWMutex
	writer Keyspace
	_      [64 - (unsafe.Sizeof(sync.RWMutex{})+unsafe.Sizeof(Keyspace{}))%64]byte
}

// stripeOf is the stripe of a key's shard.
func stripeOf(key []byte) int {
	return stripeOfShard(int(maphash.Bytes(shardSeed, key) & (shardCount - 1)))
}

// stripeOfShard is the stripe of shard i. A stripe's shards are neighbours, so that the maps
// made one after the other (NewStore, Flush) are mostly those of one stripe: two maps of
// different stripes in one cache line would have two cores writing to it (a map write marks
// its header).
func stripeOfShard(i int) int { return i / stripeShards }

// stripeShards is how many shards a stripe locks.
const stripeShards = shardCount / stripeCount

// lock locks the stripes given, in increasing order, or with none every stripe: the whole
// store. unlock undoes it.
func (s *Store) lock(stripes []int, write bool) {
	if stripes == nil {
		stripes = allStripes[:]
	}
	for _, i := range stripes {
		if write {
			s.stripes[i].Lock()
		} else {
			s.stripes[i].RLock()
		}
	}
}

func (s *Store) unlock(stripes []int, write bool) {
	if stripes == nil {
		stripes = allStripes[:]
	}
	for _, i := range stripes {
		if write {
			s.stripes[i].Unlock()
		} else {
			s.stripes[i].RUnlock()
		}
	}
}

var allStripes = func() (all [stripeCount]int) {
	for i := range all {
		all[i] = i
	}
	return all
}()

// Keyspace is the store as one command sees it: locked, and with one "now" for the whole
// command, as Redis fixes the time when a command starts, so that a command never sees a key
// alive at its start and gone at its end.
type Keyspace struct {
	store    *Store
	now      int64 // Unix milliseconds; 0 until Now is first called
	writable bool
	expired  []string   // keys a reader found expired, for Read to delete afterwards
	missed   []string   // keys a reader looked up and did not find, for Read's keymiss events
	events   []keyEvent // the command's keyspace events, published when it is done
}

// Read runs f with the whole keyspace locked; Write too. A command's Read and Write lock the
// stripes of its keys when it has them (clientStore).
func (s *Store) Read(f func(k *Keyspace))  { s.read(nil, f) }
func (s *Store) Write(f func(k *Keyspace)) { s.write(nil, f) }

// clientStore is the store as a client's command uses it: with the stripes of the command's
// keys, which execute sets while it runs, or nil; batched while the client's pipeline holds
// them locked for writing already (execute), so that its reads and writes lock nothing.
type clientStore struct {
	*Store
	stripes []int
	batched bool
}

func (c *clientStore) Read(f func(k *Keyspace)) {
	if c.batched {
		c.Store.writeLocked(c.stripes, f) // a reader that holds a write lock deletes what expired at once
		return
	}
	c.Store.read(c.stripes, f)
}

func (c *clientStore) Write(f func(k *Keyspace)) {
	if c.batched {
		c.Store.writeLocked(c.stripes, f)
		return
	}
	c.Store.write(c.stripes, f)
}

// read runs f with the keyspace locked for reading: the stripes given (many readers may run
// at once), or with none the whole store. Expired keys that f came across are deleted
// afterwards, its stripes locked for writing, so that a GET of an expired key removes it just
// as it does in Redis; and the keymiss events of its lookups are published then (Lookup).
func (s *Store) read(stripes []int, f func(k *Keyspace)) {
	k := readers.Get().(*Keyspace)
	*k = Keyspace{store: s}
	defer func() {
		*k = Keyspace{} // nothing kept alive by the pool
		readers.Put(k)
	}()
	s.lock(stripes, false)
	f(k)
	s.unlock(stripes, false)
	if len(k.expired) == 0 && len(k.missed) == 0 {
		return
	}
	s.lock(stripes, true)
	defer s.unlock(stripes, true)
	k.writable = true
	for _, key := range k.expired {
		// Between the two locks a writer may have replaced the key: check again.
		if e, ok := s.lookup(key); ok && e.expireAt != 0 && k.Now() > e.expireAt {
			k.expire(key)
		}
	}
	for _, key := range k.missed { // after the expired events, as Redis sends them
		k.Notify(notifyKeyMiss, "keymiss", key)
	}
	k.publish()
}

// readers are the Keyspaces of reads that have ended, for the next ones: a Keyspace made per
// read escapes to the heap (f may keep it, as far as the compiler can tell), an allocation
// per GET. Many reads of a stripe run at once, so one per stripe (as for writes) will not do.
var readers = sync.Pool{New: func() any { return new(Keyspace) }}

// write runs f with the keyspace locked for writing: the stripes given, or with none the
// whole store. f has them to itself.
func (s *Store) write(stripes []int, f func(k *Keyspace)) {
	s.lock(stripes, true)
	defer s.unlock(stripes, true)
	s.writeLocked(stripes, f)
}

// writeLocked is write with the stripes locked already.
func (s *Store) writeLocked(stripes []int, f func(k *Keyspace)) {
	k := &s.stripes[0].writer // the first stripe held: stripe 0 when they all are
	if stripes != nil {
		k = &s.stripes[stripes[0]].writer
	}
	*k = Keyspace{store: s, writable: true, events: k.events[:0]}
	f(k)
	k.publish()
	clear(k.events) // nothing kept alive
}

// publish sends the command's keyspace events, its keys still locked.
func (k *Keyspace) publish() {
	if len(k.events) > 0 && k.store.publish != nil {
		k.store.publish(k.events)
	}
}

// Notify records a keyspace event of the running command, if notify-keyspace-events asks
// for its class: Redis's notifyKeyspaceEvent (src/notify.c), called where Redis calls it.
func (k *Keyspace) Notify(class int32, event, key string) {
	if k.store.loading || k.store.keyspaceEvents.Load()&class == 0 {
		return
	}
	k.events = append(k.events, keyEvent{event, key})
}

// Now returns the command's time, in Unix milliseconds. The clock is read when a command
// first needs it, and then never again: a SET or GET of a key without an expiry never reads
// it. Each time.Now reads two clocks, wall and monotonic; in a profile of SET and GET the
// clock took 5% of the server's time.
func (k *Keyspace) Now() int64 {
	if k.now == 0 {
		k.now = time.Now().UnixMilli()
	}
	return k.now
}

// Get returns a key's entry, treating an expired key as missing. This is passive expiry:
// every access checks the clock, and an expired key is deleted, as Redis deletes it on every
// lookup. A writer deletes it at once; a reader holds only a shared lock, so it notes the key
// and Read deletes it when the reader is done.
func (k *Keyspace) Get(key string) (entry, bool) {
	e, ok := k.store.lookup(key)
	if !ok {
		return entry{}, false
	}
	if e.expireAt != 0 && k.Now() > e.expireAt && !k.store.loading { // "after", not "at": Redis's rule
		if k.store.replica.Load() {
			// Only the master writes on a replica: to its commands the key is still there.
			return e, k.writable
		}
		// A copy outlives the call, not the caller's string: so the key needs no string of its
		// own (an allocation) in the usual case, k.Get(string(arg)) of a key that has not expired.
		owned := strings.Clone(key)
		if k.writable {
			k.expire(owned)
		} else {
			k.expired = append(k.expired, owned)
		}
		return entry{}, false
	}
	return e, true
}

// Lookup is a command's read of a key (Redis's lookupKeyRead): Get, and a key it does not find
// is a keymiss event. A writer records the event at once; a reader, holding the lock only
// shared, leaves it for Read to publish.
func (k *Keyspace) Lookup(key string) (entry, bool) {
	e, ok := k.Get(key)
	if !ok && k.store.keyspaceEvents.Load()&notifyKeyMiss != 0 {
		if k.writable {
			k.Notify(notifyKeyMiss, "keymiss", key)
		} else {
			k.missed = append(k.missed, strings.Clone(key)) // key may be a command's argument, reused
		}
	}
	return e, ok
}

// Set stores an entry, replacing what the key held. Values are never changed in place:
// a reply may still be writing the old slice.
func (k *Keyspace) Set(key string, e entry) {
	if _, exists := k.Get(key); !exists {
		k.Notify(notifyNew, "new", key)
	}
	k.store.put(key, e)
}

// Delete removes a key and reports whether it existed (an expired key did not).
func (k *Keyspace) Delete(key string) bool {
	if _, ok := k.Get(key); !ok {
		return false
	}
	k.store.remove(key)
	return true
}

func (s *Store) remove(key string) {
	i := shardOf(key)
	if len(s.snapshots) > 0 {
		s.beforeChange(i, key)
	}
	delete(s.shards[i].values, key)
	delete(s.shards[i].expires, key)
}

// expire removes a key whose time has come, and logs its deletion: the file must say that it
// is gone, or a replay at another moment could bring it back (Redis's deleteExpiredKeyAndPropagate in
// src/db.c writes a DEL).
func (k *Keyspace) expire(key string) {
	k.store.remove(key)
	k.store.expiredKeys.Add(1)
	k.Notify(notifyExpired, "expired", key)
	k.store.logChange([][]byte{[]byte("DEL"), []byte(key)})
}

// Log records a change made by the running command (see Store.log). Most commands log
// themselves as they were sent; some log a command with the same effect that does not
// depend on when it is replayed (SET k v EX 10 becomes SET k v PXAT <Unix ms>).
func (k *Keyspace) Log(args ...[]byte) {
	if k.store.loading {
		return
	}
	k.store.dirty.Add(1) // every logged command is a change, for the save points
	k.store.logChange(args)
}

func (s *Store) logChange(args [][]byte) {
	if s.log != nil {
		s.logMu.Lock()
		s.log(args)
		s.logMu.Unlock()
	}
}

// changes returns how many changes were made since the last snapshot.
func (s *Store) changes() int64 { return s.dirty.Load() }

// replaceWith swaps in a whole keyspace, read from a file by load. The keys go straight
// into their shards, made large enough at once when the file says how many keys it has.
func (s *Store) replaceWith(load func(keys keyspaceLoader) error) error {
	loaded := &shardLoader{}
	loaded.resize(0)
	if err := load(loaded); err != nil {
		return err
	}
	s.lock(nil, true)
	defer s.unlock(nil, true)
	s.beforeReplace()
	s.shards = loaded.shards
	return nil
}

// shardLoader is a keyspace being loaded.
type shardLoader struct {
	shards [shardCount]shard
}

func (l *shardLoader) resize(keys int) {
	for i := range l.shards {
		if len(l.shards[i].values) == 0 {
			l.shards[i] = newShard(keys/shardCount + keys/shardCount/8)
		}
	}
}

func (l *shardLoader) put(key string, e entry) { l.shards[shardOf(key)].put(key, e) }

// AlreadyExpired reports whether an expiry time given to a key has passed already, in which
// case the key is deleted instead. While loading, nothing expires.
func (k *Keyspace) AlreadyExpired(expireAt int64) bool {
	return !k.store.loading && expireAt <= k.Now()
}

// Flush removes every key.
func (k *Keyspace) Flush() {
	k.store.beforeReplace()
	for i := range k.store.shards {
		k.store.shards[i] = newShard(0)
	}
}

// Len returns how many keys there are. Like Redis's DBSIZE it counts expired keys that have
// not been removed yet.
func (s *Store) Len() int {
	s.lock(nil, false)
	defer s.unlock(nil, false)
	keys, _ := s.size()
	return keys
}

// expiredKeyCount is how many keys expired, passively or actively (INFO stats).
func (s *Store) expiredKeyCount() int64 { return s.expiredKeys.Load() }

// keyspaceStats is what INFO keyspace reports: keys, keys with an expiry, and their average
// remaining time to live in milliseconds.
func (s *Store) keyspaceStats() (keys, expires, avgTTL int64) {
	s.lock(nil, false)
	defer s.unlock(nil, false)
	now := time.Now().UnixMilli()
	var total int64
	for _, shard := range s.shards {
		for _, expireAt := range shard.expires {
			total += max(expireAt-now, 0)
		}
	}
	keyCount, expireCount := s.size()
	if expireCount > 0 {
		avgTTL = total / int64(expireCount)
	}
	return int64(keyCount), int64(expireCount), avgTTL
}
