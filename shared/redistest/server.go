// Package redistest is the test harness every step uses: it starts a step's server on a free
// port, talks to it with raw bytes, go-redis, redis-cli and redis-benchmark, starts a real
// redis-server to compare with, and runs the same exchange against both.
//
// Tests that need a real Redis tool skip with a notice when it is not installed, and fail
// instead when the environment sets REQUIRE_REDIS=1 (CI does).
package redistest

import (
	"errors"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// Server is what a step's server offers the harness: serve on a listener until closed.
type Server interface {
	// Serve accepts connections on ln until Close; it returns nil after Close.
	Serve(ln net.Listener) error
	// Close stops accepting, closes every client connection, and waits for them to finish.
	Close() error
}

// Start runs srv on 127.0.0.1 on a free port and returns its address. The server is closed,
// and Serve's result checked, when the test ends.
func Start(t testing.TB, srv Server) string {
	return StartOn(t, srv, Listen(t))
}

// StartOn runs srv on ln (for a wrapped listener, see OneByteAtATime).
func StartOn(t testing.TB, srv Server, ln net.Listener) string {
	t.Helper()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		require.NoError(t, srv.Close())
		require.NoError(t, <-served, "Serve returned an error")
	})
	return ln.Addr().String()
}

// Listen returns a listener on 127.0.0.1 on a port the kernel picks.
func Listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return ln
}

// OneByteAtATime wraps ln so that every read the server makes from an accepted connection
// returns at most one byte: the most fragmented delivery TCP allows, made deterministic.
func OneByteAtATime(ln net.Listener) net.Listener { return oneByteListener{ln} }

type oneByteListener struct{ net.Listener }

func (l oneByteListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return oneByteConn{c}, nil
}

type oneByteConn struct{ net.Conn }

func (c oneByteConn) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return c.Conn.Read(p)
}

// OutOfDescriptors wraps ln so that its first n accepts fail as they do when the process has
// no file descriptor left (EMFILE), with the connection left waiting in the backlog.
func OutOfDescriptors(ln net.Listener, n int) net.Listener {
	return &failingListener{Listener: ln, failures: n}
}

type failingListener struct {
	net.Listener
	mu       sync.Mutex
	failures int
}

func (l *failingListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failures > 0 {
		l.failures--
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.Addr(), Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// FreePort returns a port on 127.0.0.1 that nothing listens on, for a server process to listen
// on. It is outside the range the kernel hands out to outgoing connections (32768 and up on
// Linux, 49152 on macOS): a test that opens thousands of connections could otherwise take
// the port between this check and the server's bind, so that the server fails to start or,
// worse, its starter reaches another test's server there. Each call takes the port after the
// last one, from a start that depends on the process ID, so that tests running side by side
// never pick the same one.
func FreePort() (int, error) {
	const first, count = 10000, 20000
	start := first + os.Getpid()*7919%count
	for range count {
		port := first + (start-first+int(portsTaken.Add(1)))%count
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			ln.Close()
			return port, nil
		}
	}
	return 0, errors.New("no free port between 10000 and 30000 on 127.0.0.1")
}

var portsTaken atomic.Int64
