//go:build solution

// Reference solutions to EXERCISES.md, built only with `-tags solution`. Try the exercises
// before you read them.

package main

import "encoding/binary"

// The FD operand is 4 bytes, little-endian, *signed*: a time past 2038 reads as negative and
// the key is dropped as long expired, exactly as Redis 7.0 reads it.
func readExpireSeconds(r *rdbReader) (int64, error) {
	b, err := r.read(4)
	if err != nil {
		return 0, err
	}
	return int64(int32(binary.LittleEndian.Uint32(b))) * 1000, nil
}

// IDLE's operand is a length-encoded number of seconds; FREQ's is one byte. This server does
// not evict, so it only reads past them.
func skipEvictionInfo(r *rdbReader, opcode byte) error {
	if opcode == opIdle {
		_, _, err := r.length()
		return err
	}
	_, err := r.byte()
	return err
}

// Redis's FLUSHALL saves an (empty) snapshot when save points are set, so that the dump on
// disk does not bring back the data after a restart.
func (s *Server) saveAfterFlushall() {
	if !s.hasSavePoints() {
		return
	}
	snapshot, dirty := s.snapshot()
	s.saveRDB(snapshot, dirty)
}
