//go:build unix

package main

import (
	"net"
	"syscall"
)

// nonBlockingWrite returns a write to conn that sends what the socket takes at once and never
// waits: Redis's write from beforeSleep, which leaves the rest to a write handler. Go's
// conn.Write waits until everything is sent, so a goroutine that must not wait for its
// client can call it only from a goroutine of its own. It returns nil for a connection that
// has no socket (net.Pipe in tests). Not safe for concurrent use.
func nonBlockingWrite(conn net.Conn) func(p []byte) (int, error) {
	raw := socketOf(conn)
	if raw == nil {
		return nil
	}
	// The callback is made once, not per call: a closure passed to an interface method
	// escapes, and would cost an allocation each time.
	var p []byte
	var n int
	var writeErr error
	write := func(fd uintptr) bool {
		n, writeErr = syscall.Write(int(fd), p)
		return true // done, whatever happened: never wait for the socket
	}
	return func(b []byte) (int, error) {
		p = b
		err := raw.Write(write)
		p = nil
		if err != nil {
			return 0, err
		}
		if writeErr == syscall.EAGAIN || writeErr == syscall.EINTR {
			return 0, nil // the socket takes nothing now: the writer goroutine will wait for it
		}
		return max(n, 0), writeErr
	}
}

// socketOf is conn's socket, for system calls of our own, or nil for a connection that has
// none.
func socketOf(conn net.Conn) syscall.RawConn {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}
