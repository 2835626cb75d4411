package main

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// entry is one key's value and, if it has one, the moment it expires.
type entry struct {
	value []byte
	// expireAt is the Unix time in milliseconds after which the key no longer exists; 0
	// means it never expires. Redis stores an absolute time, not a duration, so that the
	// moment survives being written to disk or sent to a replica and read back later.
	expireAt int64
}

// Store is the keyspace: every key and its value, shared by all clients.
//
// Every client runs in its own goroutine, so two clients may touch the keyspace at the same
// moment, and a Go map must not be written while anything else reads or writes it. One
// read-write mutex makes every command atomic: a command sees the keyspace before or after
// another command, never halfway.
type Store struct {
	mu sync.RWMutex // guards the fields below, atomics and test seams aside (GUIDE.md: "Goroutines and locks")
	// shards hold every key and its entry, each key in the shard its hash picks, so that a
	// snapshot can copy the keyspace a shard at a time (snapshot.go).
	shards [shardCount]map[string]entry
	// snapshots are the snapshots being read: before a key changes, each may need to record
	// what it held.
	snapshots []*snapshot
	// expires holds the keys that have an expiry: the set the active expiry cycle samples,
	// so that it never wastes time looking at keys that cannot expire.
	expires map[string]struct{}
	// expiredKeys counts keys removed because they expired (INFO stats: expired_keys).
	expiredKeys int64
	// log, when the append-only file is on, records a change to the keyspace as the command
	// that makes it. It is called with the store locked, so the file holds the changes in the
	// order they happened.
	log func(args [][]byte)
	// loading is set while the append-only file is replayed at start: like Redis, the server
	// then expires nothing, so that replaying gives the state the file describes.
	loading bool
	// dirty counts the changes since the last snapshot, for the save points.
	dirty int64

	// keyspaceEvents is notify-keyspace-events: which events are published (notify.go).
	// events collects them while a command runs; publish sends them once it is done, the
	// store still locked, so that subscribers hear of changes in the order they happened and
	// after the change is logged.
	keyspaceEvents atomic.Int32
	events         []keyEvent
	publish        func(events []keyEvent)

	// writer is the keyspace a write command sees. There is one writer at a time, so one
	// will do: a Keyspace made per command escapes to the heap (f may keep it, as far as the
	// compiler can tell), an allocation per write.
	writer Keyspace

	// replica is set while the server follows a master (replica.go). A replica expires no
	// key itself: its master sends a DEL when a key expires there. Until then a read finds an
	// expired key missing, and the master's commands still find it.
	replica atomic.Bool
}

func (s *Store) setReplica(on bool) { s.replica.Store(on) }

// NewStore returns an empty keyspace.
func NewStore() *Store {
	s := &Store{expires: map[string]struct{}{}}
	for i := range s.shards {
		s.shards[i] = map[string]entry{}
	}
	return s
}

// lookup returns a key's entry, expired or not.
func (s *Store) lookup(key string) (entry, bool) {
	e, ok := s.shards[shardOf(key)][key]
	return e, ok
}

// put stores a key's entry; the store is write-locked.
func (s *Store) put(key string, e entry) {
	i := shardOf(key)
	if len(s.snapshots) > 0 {
		s.beforeChange(i, key)
	}
	s.shards[i][key] = e
}

// size is how many keys there are, expired or not.
func (s *Store) size() int {
	n := 0
	for _, shard := range s.shards {
		n += len(shard)
	}
	return n
}

// keys calls yield with every key, expired or not, until it returns false.
func (s *Store) keys(yield func(key string) bool) {
	for _, shard := range s.shards {
		for key := range shard {
			if !yield(key) {
				return
			}
		}
	}
}

// Keyspace is the store as one command sees it: locked, and with one "now" for the whole
// command, as Redis fixes the time when a command starts, so that a command never sees a key
// alive at its start and gone at its end.
type Keyspace struct {
	store    *Store
	now      int64 // Unix milliseconds; 0 until Now is first called
	writable bool
	expired  []string // keys a reader found expired, for Read to delete afterwards
	missed   []string // keys a reader looked up and did not find, for Read's keymiss events
}

// Read runs f with the keyspace locked for reading; many readers may run at once. Expired
// keys that f came across are deleted afterwards, under the write lock, so that a GET of an
// expired key removes it just as it does in Redis; and the keymiss events of its lookups are
// published then (Lookup).
func (s *Store) Read(f func(k *Keyspace)) {
	k := readers.Get().(*Keyspace)
	*k = Keyspace{store: s}
	defer func() {
		*k = Keyspace{} // nothing kept alive by the pool
		readers.Put(k)
	}()
	s.mu.RLock()
	f(k)
	s.mu.RUnlock()
	if len(k.expired) == 0 && len(k.missed) == 0 {
		return
	}
	s.mu.Lock()
	defer s.unlock()
	for _, key := range k.expired {
		// Between the two locks a writer may have replaced the key: check again.
		if e, ok := s.lookup(key); ok && e.expireAt != 0 && k.Now() > e.expireAt {
			s.expire(key)
		}
	}
	for _, key := range k.missed { // after the expired events, as Redis sends them
		s.notify(notifyKeyMiss, "keymiss", key)
	}
}

// readers are the Keyspaces of reads that have ended, for the next ones: a Keyspace made per
// read escapes to the heap (f may keep it, as far as the compiler can tell), an allocation
// per GET. Many reads run at once, so one per store (as for writes) will not do.
var readers = sync.Pool{New: func() any { return new(Keyspace) }}

// Write runs f with the keyspace locked for writing: f has it to itself.
func (s *Store) Write(f func(k *Keyspace)) {
	s.mu.Lock()
	defer s.unlock()
	s.writer = Keyspace{store: s, writable: true}
	f(&s.writer)
}

// unlock publishes the keyspace events of what ran under the write lock, then unlocks.
func (s *Store) unlock() {
	if len(s.events) > 0 && s.publish != nil {
		s.publish(s.events)
	}
	clear(s.events)
	s.events = s.events[:0]
	s.mu.Unlock()
}

// Notify records a keyspace event of the running command, if notify-keyspace-events asks
// for its class: Redis's notifyKeyspaceEvent (src/notify.c), called where Redis calls it.
func (k *Keyspace) Notify(class int32, event, key string) {
	k.store.notify(class, event, key)
}

func (s *Store) notify(class int32, event, key string) {
	if s.loading || s.keyspaceEvents.Load()&class == 0 {
		return
	}
	s.events = append(s.events, keyEvent{event, key})
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
			k.store.expire(owned)
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
	if e.expireAt != 0 {
		k.store.expires[key] = struct{}{}
	} else {
		delete(k.store.expires, key)
	}
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
	delete(s.shards[i], key)
	delete(s.expires, key)
}

// expire removes a key whose time has come, and logs its deletion: the file must say that it
// is gone, or a replay at another moment could bring it back (Redis's deleteExpiredKeyAndPropagate in
// src/db.c writes a DEL).
func (s *Store) expire(key string) {
	s.remove(key)
	s.expiredKeys++
	s.notify(notifyExpired, "expired", key)
	if s.log != nil {
		s.log([][]byte{[]byte("DEL"), []byte(key)})
	}
}

// Log records a change made by the running command (see Store.log). Most commands log
// themselves as they were sent; some log a command with the same effect that does not
// depend on when it is replayed (SET k v EX 10 becomes SET k v PXAT <Unix ms>).
func (k *Keyspace) Log(args ...[]byte) {
	if k.store.loading {
		return
	}
	k.store.dirty++ // every logged command is a change, for the save points
	if k.store.log != nil {
		k.store.log(args)
	}
}

// changes returns how many changes were made since the last snapshot.
func (s *Store) changes() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.dirty
}

// replaceWith swaps in a whole keyspace, read from a file by load. The keys go straight
// into their shards, made large enough at once when the file says how many keys it has.
func (s *Store) replaceWith(load func(keys keyspaceLoader) error) error {
	loaded := &shardLoader{expires: map[string]struct{}{}}
	loaded.resize(0)
	if err := load(loaded); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.beforeReplace()
	s.shards, s.expires = loaded.shards, loaded.expires
	return nil
}

// shardLoader is a keyspace being loaded.
type shardLoader struct {
	shards  [shardCount]map[string]entry
	expires map[string]struct{}
}

func (l *shardLoader) resize(keys int) {
	for i := range l.shards {
		if len(l.shards[i]) == 0 {
			l.shards[i] = make(map[string]entry, keys/shardCount+keys/shardCount/8)
		}
	}
}

func (l *shardLoader) put(key string, e entry) {
	l.shards[shardOf(key)][key] = e
	if e.expireAt != 0 {
		l.expires[key] = struct{}{}
	}
}

// AlreadyExpired reports whether an expiry time given to a key has passed already, in which
// case the key is deleted instead. While loading, nothing expires.
func (k *Keyspace) AlreadyExpired(expireAt int64) bool {
	return !k.store.loading && expireAt <= k.Now()
}

// Flush removes every key.
func (k *Keyspace) Flush() {
	k.store.beforeReplace()
	for i := range k.store.shards {
		k.store.shards[i] = map[string]entry{}
	}
	k.store.expires = map[string]struct{}{}
}

// Len returns how many keys there are. Like Redis's DBSIZE it counts expired keys that have
// not been removed yet.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.size()
}

// expiredKeyCount is how many keys expired, passively or actively (INFO stats).
func (s *Store) expiredKeyCount() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.expiredKeys
}

// keyspaceStats is what INFO keyspace reports: keys, keys with an expiry, and their average
// remaining time to live in milliseconds.
func (s *Store) keyspaceStats() (keys, expires, avgTTL int64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	now := time.Now().UnixMilli()
	var total int64
	for key := range s.expires {
		e, _ := s.lookup(key)
		total += max(e.expireAt-now, 0)
	}
	if len(s.expires) > 0 {
		avgTTL = total / int64(len(s.expires))
	}
	return int64(s.size()), int64(len(s.expires)), avgTTL
}
