package main

import "sync"

// Store is the keyspace: every key and its value, shared by all clients.
//
// Every client runs in its own goroutine, so two clients may touch the keyspace at the same
// moment, and a Go map must not be written while anything else reads or writes it. One
// read-write mutex makes every command atomic: a command sees the keyspace before or after
// another command, never halfway. Redis gets the same guarantee differently: one thread runs
// every command, so commands never overlap at all.
type Store struct {
	mu   sync.RWMutex // guards the fields below, atomics and test seams aside (GUIDE.md: "Goroutines and locks")
	keys map[string][]byte

	// afterRead, when set, runs each time a reader has let go of the lock. It is a seam for
	// tests: it lets a test act as a second client at the worst moment for a command that
	// reads under one lock and writes under another.
	afterRead func()
}

// NewStore returns an empty keyspace.
func NewStore() *Store {
	return &Store{keys: map[string][]byte{}}
}

// Read runs f with the keyspace locked for reading; many readers may run at once.
func (s *Store) Read(f func(keys map[string][]byte)) {
	s.mu.RLock()
	f(s.keys)
	s.mu.RUnlock()
	if s.afterRead != nil {
		s.afterRead()
	}
}

// Write runs f with the keyspace locked for writing: f has it to itself, so a command that
// reads and then writes (SET NX, INCR) cannot be interleaved with another.
func (s *Store) Write(f func(keys map[string][]byte)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.keys)
}

// Len returns how many keys there are.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.keys)
}

// Flush removes every key.
func (s *Store) Flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = map[string][]byte{}
}
