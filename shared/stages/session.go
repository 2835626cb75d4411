package stages

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"byoredis/shared/resp"
)

// Session is what a stage's check works with: the server under test, connections to it,
// and the directory it runs in. Its methods end the check with a *Failure at the first
// thing that is not as Redis does it, the way testing's FailNow ends a test.
type Session struct {
	target Target
	dir    string
	args   []string
	proc   *process
	conns  []*Conn
}

// Failure says what went wrong in a stage: the request and the reply expected and received,
// or, for a check that is not an exchange, what was found.
type Failure struct {
	Sent     string // the bytes sent, as they were
	Expected string // the reply Redis gives
	Received string // what the server gave instead
	Problem  string // set instead of the three above for any other check
	Note     string // what else is known: the server crashed, and what it printed
}

func (f *Failure) Error() string {
	text := f.Problem
	if text == "" {
		text = fmt.Sprintf("sent:     %s\nexpected: %s\nreceived: %s", quote(f.Sent), quote(f.Expected), f.Received)
	}
	return text + f.Note
}

// Fail ends the check with a problem in words.
func (s *Session) Fail(format string, args ...any) {
	panic(&Failure{Problem: fmt.Sprintf(format, args...)})
}

// Addr is the server's address, host:port.
func (s *Session) Addr() string { return s.proc.addr }

// Path is a file in the server's directory.
func (s *Session) Path(name string) string { return filepath.Join(s.dir, name) }

// RedisAtLeast reports whether the server is a real Redis of major.minor or later (Valkey
// counting as 7.2), for a stage whose behaviour changed after 7.0, which the steps follow.
func (s *Session) RedisAtLeast(major, minor int) bool {
	return s.target.Reference != nil && s.target.Reference.AtLeast(major, minor)
}

// IsValkey reports whether the server is a real Valkey, which names itself where Redis does.
func (s *Session) IsValkey() bool {
	return s.target.Reference != nil && s.target.Reference.Name == "Valkey"
}

// rdbVersion is the RDB format version the server writes: Redis 7.0's 10, or a later real
// Redis's (11 from 7.2 and Valkey 8, 12 from 7.4).
func (s *Session) rdbVersion() string {
	ref := s.target.Reference
	switch {
	case ref == nil || !ref.AtLeast(7, 2):
		return "0010"
	case ref.Name == "Redis" && ref.AtLeast(7, 4):
		return "0012"
	}
	return "0011"
}

// Restart stops the server with SIGTERM and starts it again in the same directory with the
// same flags, plus extra ones.
func (s *Session) Restart(extra ...string) {
	s.Stop()
	s.Start(extra...)
}

// Stop stops the server with SIGTERM, as an operator would, and waits until it has exited.
func (s *Session) Stop() {
	s.closeConns()
	err := s.proc.stop()
	s.proc = nil
	if err != nil {
		s.Fail("%v", err)
	}
}

// Start starts the server again in the same directory with the same flags, plus extra ones.
func (s *Session) Start(extra ...string) { s.launch(extra) }

// ExpectNoStart stops the server and requires it to refuse to start again with the extra
// flags: to exit before it accepts a connection, as Redis does with a setting it cannot apply.
func (s *Session) ExpectNoStart(extra ...string) {
	s.Stop()
	proc, err := start(s.target, s.dir, append(append([]string{}, s.args...), extra...))
	if err == nil {
		proc.kill()
		s.Fail("the server started with %s; Redis refuses to start with it", strings.Join(extra, " "))
	}
	if !strings.Contains(err.Error(), "exited before") {
		s.Fail("expected the server to exit at once with %s, but: %v", strings.Join(extra, " "), err)
	}
}

// Crash kills the server with SIGKILL, which it cannot catch or clean up after, and starts it
// again in the same directory: only what it had written to its files survives.
func (s *Session) Crash(extra ...string) {
	s.closeConns()
	s.proc.kill()
	s.proc = nil
	s.launch(extra)
}

// ExpectExit requires the server to exit by itself, with the status code, and leaves it
// stopped.
func (s *Session) ExpectExit(code int) {
	select {
	case <-s.proc.exited:
	case <-time.After(stopTimeout):
		s.Fail("the server was still running %v later: it should have exited", stopTimeout)
	}
	if got := s.proc.cmd.ProcessState.ExitCode(); got != code {
		s.Fail("the server exited with status %d, not %d%s", got, code, s.proc.output.show())
	}
	s.closeConns()
	s.proc = nil
}

// Kill ends the server with SIGKILL and leaves it stopped: for a server that could not stop
// cleanly, as Redis cannot while a save it must make at shutdown fails.
func (s *Session) Kill() {
	s.closeConns()
	s.proc.kill()
	s.proc = nil
}

func (s *Session) launch(extra []string) {
	proc, err := start(s.target, s.dir, append(append([]string{}, s.args...), extra...))
	if err != nil {
		s.Fail("%v", err)
	}
	s.proc = proc
}

func (s *Session) closeConns() {
	for _, c := range s.conns {
		c.conn.Close()
	}
	s.conns = nil
}

// Dial opens a connection to the server.
func (s *Session) Dial() *Conn {
	conn, err := net.DialTimeout("tcp", s.proc.addr, replyTimeout)
	if err != nil {
		s.Fail("cannot connect to the server at %s: %v", s.proc.addr, err)
	}
	c := &Conn{conn: conn, replies: resp.NewReplyReader(conn)}
	s.conns = append(s.conns, c)
	return c
}

// DialFrom opens a connection from the local address ip, as "127.0.0.2": to the server, a
// client that is not on the loopback address 127.0.0.1.
func (s *Session) DialFrom(ip string) *Conn {
	dialer := net.Dialer{Timeout: replyTimeout, LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	conn, err := dialer.Dial("tcp", s.proc.addr)
	if err != nil {
		s.Fail("cannot connect to the server at %s from %s: %v\n(on macOS, 127.0.0.2 needs an alias first: sudo ifconfig lo0 alias 127.0.0.2 up)", s.proc.addr, ip, err)
	}
	c := &Conn{conn: conn, replies: resp.NewReplyReader(conn)}
	s.conns = append(s.conns, c)
	return c
}

// Conn is one client connection that sends exact bytes and checks exact replies.
type Conn struct {
	conn    net.Conn
	replies *resp.ReplyReader
	sent    string // the last request, for failure messages
}

// Send writes raw bytes, as they are.
func (c *Conn) Send(raw string) {
	c.sent = raw
	if _, err := c.conn.Write([]byte(raw)); err != nil {
		panic(&Failure{Sent: raw, Expected: "(the request to be accepted)", Received: "the write failed: " + err.Error()})
	}
}

// SendInPieces writes raw size bytes at a time, each piece its own write, as a slow network
// may deliver a request. A failure shows the whole request.
func (c *Conn) SendInPieces(raw string, size int) {
	for i := 0; i < len(raw); i += size {
		c.Send(raw[i:min(i+size, len(raw))])
	}
	c.sent = raw
}

// SendBeforeReading writes a batch larger than the socket buffers before reading any reply.
// A server that stops reading while its replies wait for this client never takes the whole
// batch: the write then fails after a while instead of waiting for ever.
func (c *Conn) SendBeforeReading(raw string) {
	c.sent = raw
	c.conn.SetWriteDeadline(time.Now().Add(3 * replyTimeout))
	defer c.conn.SetWriteDeadline(time.Time{})
	if n, err := c.conn.Write([]byte(raw)); err != nil {
		received := "the write failed: " + err.Error()
		var timeout net.Error
		if errors.As(err, &timeout) && timeout.Timeout() {
			received = fmt.Sprintf("(the server stopped reading: %d of %d bytes taken after %v; it waits for the client to read its replies while the client is still sending, a deadlock)", n, len(raw), 3*replyTimeout)
		}
		panic(&Failure{Sent: raw, Expected: "(the whole batch to be read)", Received: received})
	}
}

// SendRefusable writes raw bytes that the server may refuse halfway by closing the
// connection: the write goes on in the background, and its failure is not an error.
func (c *Conn) SendRefusable(raw string) {
	c.sent = raw
	go c.conn.Write([]byte(raw))
}

// RepliesBeforeClose reads replies until the server closes the connection, or until most
// have arrived, and returns how many arrived.
func (c *Conn) RepliesBeforeClose(most int) int {
	for n := range most {
		if _, err := c.read(); err != nil {
			if !isClosed(err) {
				panic(&Failure{Sent: c.sent, Expected: "a reply, or the connection closed", Received: describe("", err) + fmt.Sprintf(" after %d replies", n)})
			}
			return n
		}
	}
	return most
}

// Do sends one command as a RESP array and returns the exact bytes of its reply.
func (c *Conn) Do(args ...string) string {
	c.Send(resp.Command(args...))
	return c.Raw()
}

// Exchange sends raw bytes and requires the replies want, in order, byte for byte.
func (c *Conn) Exchange(send string, want ...string) {
	c.Send(send)
	c.Expect(want...)
}

// Expect reads one reply for each of want and requires its exact bytes.
func (c *Conn) Expect(want ...string) {
	for i, w := range want {
		got, err := c.read()
		if err != nil || got != w {
			received := describe(got, err)
			if len(want) > 1 {
				received += fmt.Sprintf("   (reply %d of %d)", i+1, len(want))
			}
			failure := &Failure{Sent: c.sent, Expected: w, Received: received}
			if got != "" && strings.HasPrefix(c.sent, got) {
				failure.Note = "\nthat is the request itself, sent back: the server echoes instead of answering in RESP (step 02)"
			}
			panic(failure)
		}
	}
}

// Raw reads one reply and returns its exact bytes.
func (c *Conn) Raw() string {
	got, err := c.read()
	if err != nil {
		panic(&Failure{Sent: c.sent, Expected: "a reply", Received: describe("", err)})
	}
	return got
}

// ExpectClosed requires the server to close the connection with nothing more to read.
func (c *Conn) ExpectClosed() {
	got, err := c.read()
	if err == nil {
		panic(&Failure{Sent: c.sent, Expected: "(the connection closed)", Received: quote(got)})
	}
	if !isClosed(err) {
		panic(&Failure{Sent: c.sent, Expected: "(the connection closed)", Received: describe("", err)})
	}
}

// ExpectLine reads raw bytes up to and including "\n", for a server that does not speak
// RESP, and requires them to be want.
func (c *Conn) ExpectLine(want string) {
	c.conn.SetReadDeadline(time.Now().Add(replyTimeout))
	var line []byte
	buf := make([]byte, 1)
	for len(line) == 0 || line[len(line)-1] != '\n' {
		if _, err := c.conn.Read(buf); err != nil {
			panic(&Failure{Sent: c.sent, Expected: want, Received: describe(string(line), err)})
		}
		line = append(line, buf[0])
	}
	if string(line) != want {
		panic(&Failure{Sent: c.sent, Expected: want, Received: quote(string(line))})
	}
}

func (c *Conn) read() (string, error) {
	c.conn.SetReadDeadline(time.Now().Add(replyTimeout))
	if _, err := c.replies.ReadReply(); err != nil {
		return string(c.replies.Raw()), err
	}
	return string(c.replies.Raw()), nil
}

// describe renders what was received for a failure message.
func describe(got string, err error) string {
	var timeout net.Error
	switch {
	case err == nil:
		return quote(got)
	case isClosed(err) && got == "":
		return "(the server closed the connection)"
	case errors.As(err, &timeout) && timeout.Timeout() && got == "":
		return fmt.Sprintf("(nothing within %v: is the server busy with another client, waiting for more of the request, or holding its reply unflushed?)", replyTimeout)
	case got != "":
		return fmt.Sprintf("%s, which is not a whole RESP reply (%v)", quote(got), err)
	default:
		return fmt.Sprintf("(%v)", err)
	}
}

func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF)
}

// quote shows bytes as a Go string literal, cut short when long.
func quote(raw string) string {
	const most = 200
	if len(raw) > most {
		return fmt.Sprintf("%q... (%d bytes in all)", raw[:most], len(raw))
	}
	return fmt.Sprintf("%q", raw)
}

func indent(text string) string {
	return "    " + strings.ReplaceAll(text, "\n", "\n    ")
}

// exists reports whether a file is in the server's directory.
func (s *Session) exists(name string) bool {
	_, err := os.Stat(s.Path(name))
	return err == nil
}

func contains(s, part string) bool { return strings.Contains(s, part) }

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
