package redistest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"byoredis/shared/resp"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// hangGuard bounds every wait on a server so that a server that never answers fails the test
// instead of hanging it. It is not a speed requirement: a correct server answers in
// microseconds.
const hangGuard = 10 * time.Second

// Conn is a raw client connection: it sends exact bytes and reads exact replies.
type Conn struct {
	t       testing.TB
	conn    net.Conn
	replies *resp.ReplyReader
	sent    string // the last bytes sent, for failure messages
}

// Dial connects to addr; the connection is closed when the test ends.
func Dial(t testing.TB, addr string) *Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return &Conn{t: t, conn: conn, replies: resp.NewReplyReader(conn)}
}

// Net returns the underlying connection.
func (c *Conn) Net() net.Conn { return c.conn }

// Send writes raw bytes, as they are.
func (c *Conn) Send(raw string) {
	c.t.Helper()
	c.sent = raw
	_, err := c.conn.Write([]byte(raw))
	require.NoError(c.t, err, "sent %s", Describe(short(raw)))
}

// Do sends one command in multibulk form and returns its reply.
func (c *Conn) Do(args ...string) resp.Value {
	c.t.Helper()
	c.Send(resp.Command(args...))
	return c.Reply()
}

// Reply reads one reply.
func (c *Conn) Reply() resp.Value {
	c.t.Helper()
	v, err := c.readReply()
	c.requireReply(err)
	return v
}

// RawReply reads one reply and returns its exact bytes.
func (c *Conn) RawReply() string {
	c.t.Helper()
	_, err := c.readReply()
	c.requireReply(err)
	return string(c.replies.Raw())
}

// RawReplyTo sends one command and returns the exact bytes of its reply.
func (c *Conn) RawReplyTo(args ...string) string {
	c.t.Helper()
	c.Send(resp.Command(args...))
	return c.RawReply()
}

// Expect reads one reply per element of want and requires its exact bytes.
func (c *Conn) Expect(want ...string) {
	c.t.Helper()
	for i, w := range want {
		require.Equal(c.t, w, c.RawReply(), "sent %s, reply %d of %d", Describe(short(c.sent)), i+1, len(want))
	}
}

// ExpectClosed requires that the server closes the connection with nothing more to read.
func (c *Conn) ExpectClosed() {
	c.t.Helper()
	v, err := c.readReply()
	require.Truef(c.t, IsClosed(err), "expected the server to close the connection, got reply %v, error %v", v, err)
}

// RepliesBeforeClose reads replies until the server closes the connection, or until most
// have arrived, and returns how many arrived. A connection that stays open with nothing more
// to read fails the test.
func (c *Conn) RepliesBeforeClose(most int) int {
	c.t.Helper()
	for n := range most {
		if _, err := c.readReply(); err != nil {
			require.Truef(c.t, IsClosed(err), "after %d replies: expected a reply or the connection closed, got %v", n, err)
			return n
		}
	}
	return most
}

// ReadLine reads raw bytes up to and including the next "\n" (for servers that do not speak
// RESP yet).
func (c *Conn) ReadLine() string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(hangGuard))
	var line []byte
	buf := make([]byte, 1)
	for {
		_, err := c.conn.Read(buf)
		require.NoError(c.t, err, "after %q", line)
		line = append(line, buf[0])
		if buf[0] == '\n' {
			return string(line)
		}
	}
}

// requireReply fails the test, saying what was sent, when no reply could be read.
func (c *Conn) requireReply(err error) {
	c.t.Helper()
	var timeout net.Error
	if errors.As(err, &timeout) && timeout.Timeout() {
		require.FailNow(c.t, fmt.Sprintf("no reply within %v: the server may still be waiting for more of the request, or never flushed its reply", hangGuard),
			"sent %s", Describe(short(c.sent)))
	}
	require.NoError(c.t, err, "sent %s", Describe(short(c.sent)))
}

func (c *Conn) readReply() (resp.Value, error) {
	c.conn.SetReadDeadline(time.Now().Add(hangGuard))
	return c.replies.ReadReply()
}

// IsClosed reports whether a read error means the peer closed the connection.
func IsClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

// Client returns a go-redis v9 client for addr with default options (so it connects with
// HELLO 3, as applications do); it is closed when the test ends.
func Client(t testing.TB, addr string) *redis.Client {
	client := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { client.Close() })
	return client
}
