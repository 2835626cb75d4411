//go:build ignore

// Exercise 2: taking IDLE's operand for one byte like FREQ's, where it is a length-encoded
// number.

package main

func skipEvictionInfo(r *rdbReader, opcode byte) error {
	_, err := r.byte()
	return err
}
