//go:build !unix

package main

import "net"

// nonBlockingWrite has no system call to make here: replies always go through the writer
// goroutine (output.run).
func nonBlockingWrite(net.Conn) func(p []byte) (int, error) { return nil }
