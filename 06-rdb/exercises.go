//go:build !solution

// This file holds the exercises of EXERCISES.md, each a stub for you to replace. Run
// `make check STEP=06` to see which pass.

package main

import "errors"

// readExpireSeconds reads the operand of opcode FD: the expiry time of the next key in the
// old format (Redis before 3.0), and returns it in Unix milliseconds. Exercise 1.
func readExpireSeconds(r *rdbReader) (int64, error) {
	return 0, errors.New("not implemented yet: the RDB opcode FD, an expiry in seconds (exercise 1)")
}

// skipEvictionInfo reads past the operand of opcode F8 (IDLE: how long the key was idle, for
// LRU eviction) or F9 (FREQ: its access frequency, for LFU). Exercise 2.
func skipEvictionInfo(r *rdbReader, opcode byte) error {
	return errors.New("not implemented yet: the RDB opcodes F8 and F9 (exercise 2)")
}

// saveAfterFlushall is called after FLUSHALL. Exercise 3: when save points are set, save a
// snapshot at once, as Redis does.
func (s *Server) saveAfterFlushall() {}
