package main

import (
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"byoredis/shared/release"
	"byoredis/shared/resp"
)

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
		s.running.Add(1)
		go func() {
			defer s.running.Done()
			defer s.remove(conn)
			newClient(conn).serve()
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
	if len(s.clients) >= s.maxClients {
		conn.Write([]byte("-ERR max number of clients reached\r\n"))
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

// client is one connection's state: how to read its commands and write its replies.
type client struct {
	conn    net.Conn
	reader  *resp.Reader
	writer  *resp.Writer
	output  *output // the replies the client has not read yet (output.go)
	closing bool    // QUIT was called: close once the reply is sent
}

func newClient(conn net.Conn) *client {
	out := newOutput(conn)
	c := &client{conn: conn, writer: resp.NewWriter(out), output: out}
	c.reader = resp.NewReader(flushBeforeRead{c})
	return c
}

// serve reads commands and answers them until the client leaves or sends something the
// server cannot parse.
func (c *client) serve() {
	defer func() { release.AfterClient(max(c.reader.Largest(), int64(c.output.most))) }() // what it held goes back
	for {
		args, err := c.reader.ReadCommand()
		if err != nil {
			var protocolErr *resp.ProtocolError
			if errors.As(err, &protocolErr) {
				// Redis answers a malformed request with the error, then closes: after a framing
				// error it cannot know where the next command starts.
				c.writer.Error(protocolErr.Reply())
				c.flush()
				c.output.stop(true)
				return
			}
			c.output.stop(false) // the client is gone: what it did not read is dropped
			return
		}
		c.execute(args)
		if c.closing {
			c.flush()
			c.output.stop(true)
			return
		}
	}
}

// flush releases the replies written so far to the client's writer.
func (c *client) flush() error {
	if err := c.writer.Flush(); err != nil {
		slog.Debug("write failed", "client", c.conn.RemoteAddr(), "err", err)
		return err
	}
	c.output.release()
	return nil
}

// flushBeforeRead sends the replies written so far whenever the server is about to wait for
// the client. While a pipelined batch of commands is still in the read buffer, no read
// happens and the replies accumulate; when the batch is used up, they go out together.
// One system call per batch instead of one per reply: this is what makes pipelining fast, and
// it is what Redis does too (replies are written in beforeSleep, before the event loop waits).
type flushBeforeRead struct{ c *client }

func (f flushBeforeRead) Read(p []byte) (int, error) {
	if err := f.c.flush(); err != nil {
		return 0, err
	}
	return f.c.conn.Read(p)
}
