//go:build ignore

// Exercise 1: reading FD's seconds big-endian; RDB numbers of fixed size are little-endian.

package main

import "encoding/binary"

func readExpireSeconds(r *rdbReader) (int64, error) {
	b, err := r.read(4)
	if err != nil {
		return 0, err
	}
	return int64(int32(binary.BigEndian.Uint32(b))) * 1000, nil
}
