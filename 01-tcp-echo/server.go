package main

import (
	"bufio"
	"bytes"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// maxLineLength is the longest line the server holds in memory while waiting for its '\n'.
// It is Redis's limit for an inline command (PROTO_INLINE_MAX_SIZE, 64 KiB): without a limit,
// one client sending bytes and never a newline could make the server use all its memory.
const maxLineLength = 64 * 1024

// errTooBig is what Redis answers to a line over the limit, just before it closes the
// connection.
const errTooBig = "-ERR Protocol error: too big inline request\r\n"

// Server accepts TCP connections and serves each one in its own goroutine.
type Server struct {
	maxClients int // how many clients may be connected at once (Redis's maxclients)

	mu       sync.Mutex
	listener net.Listener          // set by Serve, closed by Close
	clients  map[net.Conn]struct{} // open connections, so that Close can close them
	closed   bool                  // Close was called
	running  sync.WaitGroup        // one per client goroutine
}

// NewServer returns a server that accepts at most maxClients clients at once.
func NewServer(maxClients int) *Server {
	return &Server{maxClients: maxClients, clients: map[net.Conn]struct{}{}}
}

// Serve accepts connections on ln until Close is called, then returns nil.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ln.Close()
	}
	s.listener = ln
	s.mu.Unlock()

	var pause time.Duration // after a failed accept (acceptFailed)
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil // Close closed the listener: a clean stop
			}
			pause = acceptFailed(err, pause)
			continue
		}
		pause = 0
		if !s.add(conn) {
			continue
		}
		// A goroutine per client: each one blocks in Read while it waits for its client,
		// and the Go runtime parks it cheaply, so ten thousand idle clients cost ten
		// thousand small stacks, not ten thousand threads.
		s.running.Add(1)
		go func() {
			defer s.running.Done()
			defer s.remove(conn)
			s.serveClient(conn)
		}()
	}
}

// acceptFailed logs a failed accept and waits before the next one. Most often the process is
// out of file descriptors (EMFILE), and the client that could not be accepted waits in the
// listen backlog until another connection closes. Redis logs it and goes on
// (acceptTcpHandler in networking.c): ending the server would end every client it has. The
// wait doubles from 5 ms to a second, so that a lasting fault costs a log line a second, not
// a busy loop.
func acceptFailed(err error, pause time.Duration) time.Duration {
	reason := err.Error()
	var syscallErr *os.SyscallError
	if errors.As(err, &syscallErr) { // the C library's words: "accept: Too many open files"
		text := syscallErr.Err.Error()
		reason = "accept: " + strings.ToUpper(text[:1]) + text[1:]
	}
	slog.Warn("Accepting client connection: " + reason)
	pause = min(max(2*pause, 5*time.Millisecond), time.Second)
	time.Sleep(pause)
	return pause
}

// add registers a new client, or turns it away if the server is closing or full.
func (s *Server) add(conn net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		conn.Close()
		return false
	}
	if s.refuse(conn) { // exercise 3
		conn.Close()
		return false
	}
	s.clients[conn] = struct{}{}
	return true
}

func (s *Server) remove(conn net.Conn) {
	s.mu.Lock()
	delete(s.clients, conn)
	s.mu.Unlock()
	conn.Close()
}

// Close stops accepting, closes every client connection, and waits until every client
// goroutine has returned.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	if s.listener != nil {
		s.listener.Close()
	}
	for conn := range s.clients {
		conn.Close() // the goroutine blocked in Read wakes up with an error and returns
	}
	s.mu.Unlock()
	s.running.Wait()
	return nil
}

// serveClient echoes each line the client sends.
//
// TCP delivers a stream of bytes, not messages: one Read may return half a line, or three
// lines and the start of a fourth. The bufio.Reader collects bytes until it has a whole
// line, and keeps what follows for the next one.
func (s *Server) serveClient(conn net.Conn) {
	// One byte more than the limit, so that a full buffer with no '\n' means "over the limit".
	lines := bufio.NewReaderSize(conn, maxLineLength+1)
	for {
		line, err := lines.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			conn.Write([]byte(errTooBig))
			return
		}
		if err != nil {
			return // the client went away, or Close closed the connection
		}
		switch string(bytes.ToUpper(bytes.TrimRight(line, "\r\n"))) {
		case "PING":
			ping(conn) // exercise 1
			continue
		case "QUIT":
			if quit(conn) { // exercise 2
				return
			}
			continue
		}
		if _, err := conn.Write(line); err != nil {
			slog.Debug("write failed", "client", conn.RemoteAddr(), "err", err)
			return
		}
	}
}
