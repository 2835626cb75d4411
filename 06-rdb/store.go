package main

import (
	"sync"
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
	mu      sync.RWMutex // guards the fields below, atomics and test seams aside (GUIDE.md: "Goroutines and locks")
	entries map[string]entry
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
}

// NewStore returns an empty keyspace.
func NewStore() *Store {
	return &Store{entries: map[string]entry{}, expires: map[string]struct{}{}}
}

// Keyspace is the store as one command sees it: locked, and with one "now" for the whole
// command, as Redis fixes the time when a command starts, so that a command never sees a key
// alive at its start and gone at its end.
type Keyspace struct {
	store    *Store
	now      int64 // Unix milliseconds
	writable bool
	expired  []string // keys a reader found expired, for Read to delete afterwards
}

// Read runs f with the keyspace locked for reading; many readers may run at once. Expired
// keys that f came across are deleted afterwards, under the write lock, so that a GET of an
// expired key removes it just as it does in Redis.
func (s *Store) Read(f func(k *Keyspace)) {
	k := &Keyspace{store: s, now: time.Now().UnixMilli()}
	s.mu.RLock()
	f(k)
	s.mu.RUnlock()
	if len(k.expired) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range k.expired {
		// Between the two locks a writer may have replaced the key: check again.
		if e, ok := s.entries[key]; ok && e.expireAt != 0 && k.now > e.expireAt {
			s.expire(key)
		}
	}
}

// Write runs f with the keyspace locked for writing: f has it to itself.
func (s *Store) Write(f func(k *Keyspace)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&Keyspace{store: s, now: time.Now().UnixMilli(), writable: true})
}

// Now returns the command's time, in Unix milliseconds.
func (k *Keyspace) Now() int64 { return k.now }

// Get returns a key's entry, treating an expired key as missing. This is passive expiry:
// every access checks the clock, and an expired key is deleted, as Redis deletes it on every
// lookup. A writer deletes it at once; a reader holds only a shared lock, so it notes the key
// and Read deletes it when the reader is done.
func (k *Keyspace) Get(key string) (entry, bool) {
	e, ok := k.store.entries[key]
	if !ok {
		return entry{}, false
	}
	if e.expireAt != 0 && k.now > e.expireAt && !k.store.loading { // "after", not "at": Redis's rule
		if k.writable {
			k.store.expire(key)
		} else {
			k.expired = append(k.expired, key)
		}
		return entry{}, false
	}
	return e, true
}

// Set stores an entry, replacing what the key held. Values are never changed in place:
// a reply may still be writing the old slice.
func (k *Keyspace) Set(key string, e entry) {
	k.store.entries[key] = e
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
	delete(s.entries, key)
	delete(s.expires, key)
}

// expire removes a key whose time has come, and logs its deletion: the file must say that it
// is gone, or a replay at another moment could bring it back (Redis's deleteExpiredKeyAndPropagate in
// src/db.c writes a DEL).
func (s *Store) expire(key string) {
	s.remove(key)
	s.expiredKeys++
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

// replaceAll swaps in a whole keyspace, loaded from a file.
func (s *Store) replaceAll(entries map[string]entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries = entries
	s.expires = map[string]struct{}{}
	for key, e := range entries {
		if e.expireAt != 0 {
			s.expires[key] = struct{}{}
		}
	}
}

// AlreadyExpired reports whether an expiry time given to a key has passed already, in which
// case the key is deleted instead. While loading, nothing expires.
func (k *Keyspace) AlreadyExpired(expireAt int64) bool {
	return !k.store.loading && expireAt <= k.now
}

// Flush removes every key.
func (k *Keyspace) Flush() {
	k.store.entries = map[string]entry{}
	k.store.expires = map[string]struct{}{}
}

// Len returns how many keys there are. Like Redis's DBSIZE it counts expired keys that have
// not been removed yet.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.entries)
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
		total += max(s.entries[key].expireAt-now, 0)
	}
	if len(s.expires) > 0 {
		avgTTL = total / int64(len(s.expires))
	}
	return int64(len(s.entries)), int64(len(s.expires)), avgTTL
}
