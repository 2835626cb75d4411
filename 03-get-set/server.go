package main

import (
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"byoredis/shared/resp"
)

// Config holds the server's settings, named after Redis's config directives.
type Config struct {
	Port       int    // port
	Bind       string // bind
	MaxClients int    // maxclients
}

// Server accepts TCP connections and serves each one in its own goroutine.
type Server struct {
	config  Config
	store   *Store    // the keyspace every client shares
	started time.Time // for INFO's uptime
	nextID  atomic.Int64

	// What INFO reports (info.go).
	runID, replID string
	stats         serverStats
	commandStats  map[*command]*commandStats
	memoryAtStart int64
	memoryPeak    atomic.Int64

	mu       sync.Mutex
	listener net.Listener         // set by Serve, closed by Close
	clients  map[net.Conn]*client // open connections, so that Close can close them
	closed   bool                 // Close was called
	running  sync.WaitGroup       // one per client goroutine
}

// NewServer returns a server with an empty keyspace.
func NewServer(config Config) *Server {
	return &Server{config: config, store: NewStore(), started: time.Now(), clients: map[net.Conn]*client{},
		runID: newRunID(), replID: newRunID(), memoryAtStart: heapInUse(), commandStats: newCommandStats()}
}

// Serve accepts connections on ln until Close is called, then returns nil.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ln.Close()
	}
	s.listener = ln
	if addr, ok := ln.Addr().(*net.TCPAddr); ok {
		s.config.Port = addr.Port // the real port, when asked for port 0 (CONFIG GET port)
	}
	s.mu.Unlock()

	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil // Close closed the listener: a clean stop
			}
			return err
		}
		c := s.add(conn)
		if c == nil {
			continue
		}
		s.running.Add(1)
		go func() {
			defer s.running.Done()
			defer s.remove(conn)
			c.serve()
		}()
	}
}

// add registers a new client, or turns it away if the server is closing or full.
func (s *Server) add(conn net.Conn) *client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		conn.Close()
		return nil
	}
	if len(s.clients) >= s.config.MaxClients {
		s.stats.rejectedConnections.Add(1)
		conn.Write([]byte("-ERR max number of clients reached\r\n"))
		conn.Close()
		return nil
	}
	s.stats.connectionsReceived.Add(1)
	c := newClient(s, conn)
	s.clients[conn] = c
	return c
}

func (s *Server) remove(conn net.Conn) {
	s.mu.Lock()
	delete(s.clients, conn)
	s.mu.Unlock()
	conn.Close()
}

// clientCount returns how many clients are connected.
func (s *Server) clientCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clients)
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

// client is one connection's state.
type client struct {
	server  *Server
	store   *Store
	conn    net.Conn
	reader  *resp.Reader
	writer  *resp.Writer
	id      int64  // CLIENT ID: unique, increasing, never reused
	name    string // CLIENT SETNAME
	closing bool   // QUIT was called: close once the reply is sent

	errorReplies int64 // error replies sent, so that INFO can count the commands that failed
}

func newClient(s *Server, conn net.Conn) *client {
	counted := countingConn{conn, &s.stats} // INFO's byte and system call counts
	writer := resp.NewWriter(counted)
	c := &client{
		server: s,
		store:  s.store,
		conn:   conn,
		writer: writer,
		reader: resp.NewReader(flushBeforeRead{counted, writer}),
		id:     s.nextID.Add(1),
	}
	writer.OnError = func(message string) {
		c.errorReplies++
		s.stats.countError(message)
	}
	return c
}

// serve reads commands and answers them until the client leaves or sends something the
// server cannot parse.
func (c *client) serve() {
	for {
		args, err := c.reader.ReadCommand()
		if err != nil {
			var protocolErr *resp.ProtocolError
			if errors.As(err, &protocolErr) {
				// Redis answers a malformed request with the error, then closes: after a framing
				// error it cannot know where the next command starts.
				c.writer.Error(protocolErr.Reply())
				c.writer.Flush()
			}
			return
		}
		c.execute(args)
		if c.closing {
			c.writer.Flush()
			return
		}
	}
}

// flushBeforeRead sends the replies written so far whenever the server is about to wait for
// the client. While a pipelined batch of commands is still in the read buffer, no read
// happens and the replies accumulate; when the batch is used up, one write sends them all.
// One system call per batch instead of one per reply: this is what makes pipelining fast, and
// it is what Redis does too (replies are written in beforeSleep, before the event loop waits).
type flushBeforeRead struct {
	conn   net.Conn
	writer *resp.Writer
}

func (f flushBeforeRead) Read(p []byte) (int, error) {
	if f.writer.Buffered() > 0 {
		if err := f.writer.Flush(); err != nil {
			slog.Debug("write failed", "client", f.conn.RemoteAddr(), "err", err)
			return 0, err
		}
	}
	return f.conn.Read(p)
}
