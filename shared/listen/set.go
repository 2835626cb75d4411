package listen

import (
	"cmp"
	"errors"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Set is what a server listens on, and the goroutines that accept there: one listener for
// each address of bind, at port. CONFIG SET port and bind change it while clients stay
// connected (Apply).
type Set struct {
	serve func(net.Conn) // called in the accepting goroutine for each connection accepted

	port atomic.Int64           // port, as CONFIG GET and INFO report it
	bind atomic.Pointer[string] // bind

	mu        sync.Mutex     // guards listeners and closed
	listeners []net.Listener // what the set accepts on now
	closed    bool           // Close was called
	accepting sync.WaitGroup // one per listener's accepting goroutine
}

// NewSet returns a set that listens on nothing yet, with the port and bind directives given,
// and hands each connection it will accept to serve.
func NewSet(bind string, port int, serve func(net.Conn)) *Set {
	s := &Set{serve: serve}
	s.bind.Store(&bind)
	s.port.Store(int64(port))
	return s
}

// Port is the port directive: the port listened on (the real one, when 0 asked for any).
func (s *Set) Port() int64 { return s.port.Load() }

// Bind is the bind directive.
func (s *Set) Bind() string { return *s.bind.Load() }

// Accept accepts on listeners, each in a goroutine of its own, in place of what the set
// accepted on; after Close it closes them and returns false.
func (s *Set) Accept(listeners []net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		for _, ln := range listeners {
			ln.Close()
		}
		return false
	}
	if len(listeners) > 0 {
		if addr, ok := listeners[0].Addr().(*net.TCPAddr); ok {
			s.port.Store(int64(addr.Port)) // the real port, when asked for port 0
		}
	}
	s.acceptOn(listeners)
	return true
}

// Close closes the listeners and waits for their goroutines to return.
func (s *Set) Close() {
	s.mu.Lock()
	s.closed = true
	for _, ln := range s.listeners {
		ln.Close()
	}
	s.listeners = nil
	s.mu.Unlock()
	s.accepting.Wait()
}

// acceptOn closes what the set listens on and accepts on listeners instead. The caller holds
// s.mu.
func (s *Set) acceptOn(listeners []net.Listener) {
	for _, ln := range s.listeners {
		ln.Close()
	}
	s.listeners = listeners
	for _, ln := range listeners {
		s.accepting.Add(1)
		go func() {
			defer s.accepting.Done()
			s.accept(ln)
		}()
	}
}

// accept hands each connection ln accepts to serve, until ln is closed.
func (s *Set) accept(ln net.Listener) {
	var pause time.Duration // after a failed accept (acceptFailed)
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return // by Close, or by CONFIG SET port or bind
			}
			pause = acceptFailed(err, pause)
			continue
		}
		pause = 0
		s.serve(conn)
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

// Apply applies CONFIG SET's port and bind where its arguments (CONFIG SET name value ...,
// already checked) set them, and returns the first of the two that they name, with an error
// when the server cannot listen there.
func (s *Set) Apply(args [][]byte) (string, error) {
	bind, port, first := s.Bind(), int(s.Port()), ""
	for i := 2; i+1 < len(args); i += 2 {
		name := strings.ToLower(string(args[i]))
		switch name {
		case "port":
			port, _ = strconv.Atoi(string(args[i+1]))
		case "bind":
			bind = string(args[i+1])
		default:
			continue
		}
		first = cmp.Or(first, name)
	}
	if first == "" {
		return "", nil
	}
	return first, s.Rebind(bind, port, first)
}

// Rebind listens on port at each address of bind in place of what the set listens on. As
// Redis does (changeListenPort and changeBindAddr in server.c), it closes the old listeners
// first, so that the new ones may take their addresses, and port 0 listens on nothing; if an
// address fails, the old addresses are listened on again, and the error is Redis's for the
// setting that changed ("port" or "bind").
func (s *Set) Rebind(bind string, port int, setting string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	var old []string
	for _, ln := range s.listeners {
		old = append(old, ln.Addr().String())
		ln.Close()
	}
	var listeners []net.Listener
	var err error
	if port != 0 {
		var addresses []string
		if addresses, err = Addresses(bind); err == nil {
			listeners, err = TCP(addresses, port)
		}
	}
	if err != nil {
		if setting == "bind" {
			slog.Warn("Failed to bind")
		}
		slog.Warn("Failed applying new configuration. Possibly related to new " + setting + " setting. Restoring previous settings.")
		for _, addr := range old {
			if ln, err := net.Listen("tcp", addr); err == nil {
				listeners = append(listeners, ln)
			}
		}
		s.acceptOn(listeners)
		if setting == "bind" {
			return errors.New("Failed to bind to specified addresses.")
		}
		return errors.New("Unable to listen on this port. Check server logs.")
	}
	s.acceptOn(listeners)
	s.bind.Store(&bind)
	s.port.Store(int64(port))
	return nil
}
