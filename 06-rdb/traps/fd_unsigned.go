//go:build ignore

// Exercise 1: reading FD's seconds as unsigned, so a time past 2038 becomes 2106 where
// Redis 7.0 reads it as long past and drops the key.

package main

import "encoding/binary"

func readExpireSeconds(r *rdbReader) (int64, error) {
	b, err := r.read(4)
	if err != nil {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint32(b)) * 1000, nil
}
