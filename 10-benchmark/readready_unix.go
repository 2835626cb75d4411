//go:build unix

package main

import (
	"io"
	"net"
	"syscall"

	"byoredis/shared/resp"
)

// readWhenReady returns a read from conn that takes its buffer only once bytes are there:
// it tries the read, and when the socket has nothing (EAGAIN) it gives the buffer back and
// waits for the socket with none. Go's conn.Read waits holding the caller's buffer, 16 KiB
// for each of ten thousand idle clients, where Redis reads only when epoll has said there
// is something to read. The system calls are conn.Read's own: a read, a wait, a read. It
// returns nil for a connection that has no socket (net.Pipe in tests). Not safe for
// concurrent use.
func readWhenReady(conn net.Conn) func(resp.Buffers) (int, error) {
	raw := socketOf(conn)
	if raw == nil {
		return nil
	}
	// As in nonBlockingWrite, the callback is made once, not per call.
	var buffers resp.Buffers
	var n int
	var readErr error
	read := func(fd uintptr) bool {
		for {
			n, readErr = syscall.Read(int(fd), buffers.Take())
			switch readErr {
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				buffers.GiveBack()
				return false // wait for the socket, then try again
			}
			return true
		}
	}
	return func(b resp.Buffers) (int, error) {
		buffers = b
		err := raw.Read(read)
		buffers = nil
		switch {
		case err != nil:
			return 0, err
		case readErr != nil:
			return 0, &net.OpError{Op: "read", Net: "tcp", Source: conn.LocalAddr(), Addr: conn.RemoteAddr(), Err: readErr}
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}
