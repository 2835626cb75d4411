package stages

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// replicaConn is a replica written by hand, on a connection of the stage's: it sends the
// handshake and reads what a master streams, byte for byte.
type replicaConn struct {
	s    *Session
	c    *Conn
	in   *bufio.Reader
	sent string
}

func (s *Session) dialReplica(capa ...string) *replicaConn {
	c := s.Dial()
	r := &replicaConn{s: s, c: c, in: bufio.NewReader(c.conn)}
	r.request(cmd("PING"), "+PONG")
	r.request(cmd("REPLCONF", "listening-port", "7777"), "+OK")
	r.request(cmd(append([]string{"REPLCONF"}, capa...)...), "+OK")
	return r
}

// request sends raw bytes and requires the reply line want.
func (r *replicaConn) request(raw, want string) {
	r.c.Send(raw)
	r.sent = raw
	if got := r.line(); got != want {
		panic(&Failure{Sent: raw, Expected: want + "\r\n", Received: quote(got + "\r\n")})
	}
}

// line reads a line without its CRLF, skipping the newlines a master sends to keep the link
// alive while it prepares a snapshot.
func (r *replicaConn) line() string {
	for {
		r.c.conn.SetReadDeadline(time.Now().Add(replyTimeout))
		line, err := r.in.ReadString('\n')
		if err != nil {
			panic(&Failure{Sent: r.sent, Expected: "a line", Received: describe(line, err)})
		}
		if line = strings.TrimRight(line, "\r\n"); line != "" {
			return line
		}
	}
}

// exactly reads n bytes.
func (r *replicaConn) exactly(n int) []byte {
	r.c.conn.SetReadDeadline(time.Now().Add(replyTimeout))
	buf := make([]byte, n)
	if _, err := io.ReadFull(r.in, buf); err != nil {
		panic(&Failure{Sent: r.sent, Expected: fmt.Sprintf("%d bytes", n), Received: describe(string(buf), err)})
	}
	return buf
}

// expectStream requires the next bytes of the stream to be want.
func (r *replicaConn) expectStream(want string, mask func(string) string) {
	got := string(r.exactly(len(want)))
	if mask != nil {
		got, want = mask(got), mask(want)
	}
	if got != want {
		panic(&Failure{Sent: "(a write, on another connection)", Expected: want, Received: quote(got), Note: "\nthe replication stream is the write as the append-only file logs it"})
	}
}

var fullResync = regexp.MustCompile(`^\+FULLRESYNC [0-9a-f]{40} [0-9]+$`)

// fullSync sends PSYNC ? -1 and reads the snapshot in the framing expected.
func (r *replicaConn) fullSync(diskless bool) {
	r.c.Send(cmd("PSYNC", "?", "-1"))
	r.sent = cmd("PSYNC", "?", "-1")
	if line := r.line(); !fullResync.MatchString(line) {
		panic(&Failure{Sent: r.sent, Expected: "+FULLRESYNC <40 hex digits> <offset>\r\n", Received: quote(line + "\r\n")})
	}
	header := r.line()
	if diskless {
		mark, ok := strings.CutPrefix(header, "$EOF:")
		if !ok || len(mark) != 40 {
			panic(&Failure{Sent: r.sent, Expected: "$EOF:<40 bytes>\r\n (a replica that sent capa eof gets the snapshot diskless)", Received: quote(header + "\r\n")})
		}
		var rdb []byte
		for !strings.HasSuffix(string(rdb), mark) {
			rdb = append(rdb, r.exactly(1)...)
		}
		r.expectRDB(rdb[:len(rdb)-40])
		return
	}
	size, err := strconv.Atoi(strings.TrimPrefix(header, "$"))
	if err != nil || !strings.HasPrefix(header, "$") {
		panic(&Failure{Sent: r.sent, Expected: "$<length>\r\n, then the snapshot", Received: quote(header + "\r\n")})
	}
	r.expectRDB(r.exactly(size))
}

func (r *replicaConn) expectRDB(rdb []byte) {
	if len(rdb) < 18 || string(rdb[:5]) != "REDIS" || rdb[len(rdb)-9] != 0xff {
		panic(&Failure{Sent: r.sent, Expected: "an RDB file: REDIS0010 ... 0xff and 8 bytes of checksum", Received: quote(string(rdb[:min(len(rdb), 32)]))})
	}
}

var selectDB = cmd("SELECT", "0")

var step08 = []*Stage{
	{
		Step: 8, Name: "replconf", Title: "REPLCONF listening-port and capa are accepted, with Redis's errors for the rest",
		Guide: "08-replication/GUIDE.md: The handshake",
		Check: exchanges(
			exchange{cmd("REPLCONF", "listening-port", "7777"), []string{ok}},
			exchange{cmd("REPLCONF", "capa", "eof", "capa", "psync2"), []string{ok}},
			exchange{cmd("REPLCONF", "foo", "bar"), []string{"-ERR Unrecognized REPLCONF option: foo\r\n"}},
			exchange{cmd("REPLCONF", "listening-port"), []string{syntaxError}},
		),
	},
	{
		Step: 8, Name: "full-sync", Title: "PSYNC ? -1: +FULLRESYNC, the snapshot as $<length> and an RDB, then every write as the command, after a SELECT",
		Guide: "08-replication/GUIDE.md: A full resync",
		Check: func(s *Session) {
			conn := s.Dial()
			conn.Exchange(cmd("SET", "before", "1"), ok)
			r := s.dialReplica("capa", "psync2")
			r.fullSync(false)
			conn.Exchange(cmd("SET", "after", "2")+cmd("INCR", "n"), ok, integer(1))
			r.expectStream(selectDB+cmd("SET", "after", "2")+cmd("INCR", "n"), nil)
		},
	},
	{
		Step: 8, Name: "diskless-sync", Title: "a replica that sent capa eof gets the snapshot diskless: $EOF:<40 bytes>, the RDB, the same 40 bytes",
		Guide: "08-replication/GUIDE.md: A full resync", Args: []string{"--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"},
		Check: func(s *Session) {
			s.Dial().Exchange(cmd("SET", "before", "1"), ok)
			s.dialReplica("capa", "eof", "capa", "psync2").fullSync(true)
		},
	},
	{
		Step: 8, Name: "replica-reply", Title: "a command on a replica's link that has a reply (PING after PSYNC) gets none: the master drops the link",
		Guide: "08-replication/GUIDE.md: The stream",
		Check: func(s *Session) {
			r := s.dialReplica("capa", "psync2")
			r.fullSync(false)
			r.c.Send(cmd("PING"))
			r.sent = cmd("PING") + " (on the replica's link, after the snapshot)"
			r.c.conn.SetReadDeadline(time.Now().Add(replyTimeout))
			rest, err := io.ReadAll(r.in)
			switch {
			case err != nil:
				panic(&Failure{Sent: r.sent, Expected: "(the link closed, with no reply)", Received: describe(string(rest), err)})
			case strings.Contains(string(rest), "+PONG"):
				panic(&Failure{Sent: r.sent, Expected: "(the link closed, with no reply)", Received: quote(string(rest)),
					Note: "\na reply in the stream would be read by the replica as part of it"})
			}
		},
	},
	{
		Step: 8, Name: "stream-rewrites", Title: "the stream as the AOF: relative expiries become absolute times, and a key that expires is sent as DEL",
		Guide: "08-replication/GUIDE.md: The stream",
		Check: func(s *Session) {
			conn := s.Dial()
			r := s.dialReplica("capa", "psync2")
			r.fullSync(false)
			conn.Exchange(cmd("SET", "a", "1", "EX", "100")+cmd("SET", "b", "2")+cmd("EXPIRE", "b", "100")+cmd("PEXPIRE", "a", "1"), ok, ok, integer(1), integer(1))
			r.expectStream(selectDB+cmd("SET", "a", "1", "PXAT", someTime)+cmd("SET", "b", "2")+cmd("PEXPIREAT", "b", someTime)+cmd("PEXPIREAT", "a", someTime), maskTimes)
			expired := cmd("DEL", "a") // the master expires it, actively or at the next GET
			if s.IsValkey() {          // with lazyfree-lazy-expire, on by default in Valkey 8
				expired = cmd("UNLINK", "a")
			}
			r.expectStream(expired, nil)
			conn.Exchange(cmd("GET", "a"), nullBulk)
		},
	},
	{
		Step: 8, Name: "wait", Title: "WAIT asks the replicas with REPLCONF GETACK * down the stream, and counts their REPLCONF ACKs",
		Guide: "08-replication/GUIDE.md: Offsets, ACK and WAIT",
		Check: func(s *Session) {
			conn := s.Dial()
			r := s.dialReplica("capa", "psync2")
			r.fullSync(false)
			conn.Exchange(cmd("SET", "k", "v"), ok)
			write := selectDB + cmd("SET", "k", "v")
			r.expectStream(write, nil)
			conn.Send(cmd("WAIT", "1", "0"))
			getack := cmd("REPLCONF", "GETACK", "*")
			r.expectStream(getack, nil)
			r.c.Send(cmd("REPLCONF", "ACK", strconv.Itoa(len(write))))
			conn.Expect(integer(1))
		},
	},
	{
		Step: 8, Name: "replica", Title: "--replicaof: the handshake, the snapshot loaded, the stream applied, GETACK answered, writes refused with READONLY",
		Guide: "08-replication/GUIDE.md: The replica's side",
		Check: func(s *Session) {
			conn := followFakeMaster(s)
			conn.Exchange(cmd("GET", "loaded")+cmd("GET", "fromstream"), bulk("v"), bulk("1"))
			conn.Exchange(cmd("SET", "x", "1"), "-READONLY You can't write against a read only replica.\r\n")
		},
	},
	{
		Step: 8, Name: "masterauth", Title: "--masterauth and --masteruser: a replica gives its master AUTH after PING, in either form",
		Guide: "08-replication/GUIDE.md: The replica's side",
		Check: func(s *Session) {
			for _, auth := range [][]string{{"s3cret"}, {"repl", "s3cret"}} {
				master := newFakeMaster(s)
				s.Stop()
				// No save at shutdown: the second start must sync from nothing, as the first.
				args := []string{"--save", "", "--replicaof", master.addr(), "--masterauth", auth[len(auth)-1]}
				if len(auth) == 2 {
					args = append(args, "--masteruser", auth[0])
				}
				s.Start(args...)
				master.serve(auth...)
				conn := s.Dial()
				waitForValue(conn, "fromstream", "1")
				conn.Exchange(cmd("GET", "loaded"), bulk("v"))
			}
		},
	},
	{
		Step: 8, Name: "partial-resync-after-restart", Title: "a replica restarted from its own dump asks its master for the stream after it (PSYNC <replid> <offset+1>), not for a full sync",
		Guide: "08-replication/GUIDE.md: The replica's side",
		Check: func(s *Session) {
			conn := followFakeMaster(s)
			// The dump a replica saves names its master's history and its offset (aux repl-id
			// and repl-offset): here the stream and the GETACK after it.
			conn.Exchange(cmd("SAVE"), ok)
			offset := len(fakeStream + cmd("REPLCONF", "GETACK", "*"))
			again := newFakeMaster(s)
			defer again.ln.Close()
			s.Crash("--replicaof", again.addr())
			_, link := again.handshake(cmd("PSYNC", fakeReplID, strconv.Itoa(offset+1)), "+CONTINUE "+fakeReplID+"\r\n")
			link.Write([]byte(cmd("SET", "after", "1")))
			conn = s.Dial()
			waitForValue(conn, "after", "1")
			conn.Exchange(cmd("GET", "loaded")+cmd("GET", "fromstream")+cmd("GET", "after"), bulk("v"), bulk("1"), bulk("1"))
		},
	},
}

// followFakeMaster starts the server again as a replica of a fake master, which plays the sync
// and the stream, and returns a connection to it once the stream is applied.
func followFakeMaster(s *Session) *Conn {
	master := newFakeMaster(s)
	s.Stop()
	s.Start("--replicaof", master.addr())
	master.serve()
	conn := s.Dial()
	waitForValue(conn, "fromstream", "1")
	return conn
}

// waitForValue asks a replica for key until it holds value (the stream applied), or until
// replyTimeout has passed: the exchange that follows then fails with what it holds.
func waitForValue(conn *Conn, key, value string) {
	for deadline := time.Now().Add(replyTimeout); conn.Do("GET", key) != bulk(value) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
}

// fakeMaster is the smallest master a Redis 7.0 replica accepts: it answers the handshake,
// sends a snapshot with one key, then a stream of two commands and a GETACK.
type fakeMaster struct {
	s  *Session
	ln net.Listener
}

func newFakeMaster(s *Session) *fakeMaster {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Fail("cannot listen for the fake master: %v", err)
	}
	return &fakeMaster{s, ln}
}

func (m *fakeMaster) addr() string {
	return "127.0.0.1 " + strconv.Itoa(m.ln.Addr().(*net.TCPAddr).Port)
}

// snapshotWithOneKey is an RDB version 10 file holding "loaded" = "v", checksum 0 (not
// checked).
const snapshotWithOneKey = "REDIS0010\xfe\x00\xfb\x01\x00\x00\x06loaded\x01v\xff\x00\x00\x00\x00\x00\x00\x00\x00"

// fakeReplID is the fake master's replication ID, and fakeStream what it sends after the
// snapshot, before a GETACK.
const fakeReplID = "0123456789abcdef0123456789abcdef01234567"

var fakeStream = selectDB + cmd("SET", "fromstream", "1")

// handshake takes the replica's connection and checks its handshake, up to the PSYNC it
// expects, which it answers with reply.
func (m *fakeMaster) handshake(psync, reply string, auth ...string) (*replicaConn, net.Conn) {
	m.ln.(*net.TCPListener).SetDeadline(time.Now().Add(replyTimeout))
	conn, err := m.ln.Accept()
	if err != nil {
		m.s.Fail("the server, started with --replicaof, did not connect to its master: %v", err)
	}
	r := &replicaConn{s: m.s, c: &Conn{conn: conn}, in: bufio.NewReader(conn)}
	m.s.conns = append(m.s.conns, r.c)
	expect := func(want string, reply string) {
		got := r.exactly(len(want))
		if string(got) != want {
			panic(&Failure{Sent: "(the fake master's previous reply)", Expected: want, Received: quote(string(got)), Note: "\nthe replica's handshake, as Redis 7.0 sends it"})
		}
		conn.Write([]byte(reply))
	}
	if len(auth) == 0 {
		expect(cmd("PING"), "+PONG\r\n")
	} else { // a master with requirepass: PING is refused, and AUTH comes next
		expect(cmd("PING"), "-NOAUTH Authentication required.\r\n")
		expect(cmd(append([]string{"AUTH"}, auth...)...), ok)
	}
	_, port, _ := net.SplitHostPort(m.s.proc.addr)
	expect(cmd("REPLCONF", "listening-port", port), ok)
	expect(cmd("REPLCONF", "capa", "eof", "capa", "psync2"), ok)
	if m.s.IsValkey() { // Valkey tells its master its version
		expect(cmd("REPLCONF", "version", m.s.target.Reference.Version), ok)
	}
	expect(psync, reply)
	return r, conn
}

// serve plays the master for one replica; auth, if given, is the AUTH arguments it requires
// (masteruser and masterauth, or masterauth alone).
func (m *fakeMaster) serve(auth ...string) {
	defer m.ln.Close()
	r, conn := m.handshake(cmd("PSYNC", "?", "-1"), "+FULLRESYNC "+fakeReplID+" 0\r\n"+
		"$"+strconv.Itoa(len(snapshotWithOneKey))+"\r\n"+snapshotWithOneKey, auth...)
	stream := fakeStream
	conn.Write([]byte(stream + cmd("REPLCONF", "GETACK", "*")))
	// The ACK reports the offset before the GETACK itself (the ACKs of every second may come
	// first, with smaller offsets).
	want := cmd("REPLCONF", "ACK", strconv.Itoa(len(stream)))
	for {
		// A replica may send a newline first: Redis's keeps its master's link alive so while it
		// loads a snapshot.
		for next, err := r.in.Peek(1); err == nil && next[0] == '\n'; next, err = r.in.Peek(1) {
			r.in.Discard(1)
		}
		line := r.exactly(len(cmd("REPLCONF", "ACK", "0")))
		if strings.HasSuffix(string(line), "$1\r\n0\r\n") {
			continue // an ACK of every second, sent before the snapshot was applied
		}
		rest := r.exactly(len(want) - len(line))
		if got := string(line) + string(rest); got != want {
			panic(&Failure{Sent: "REPLCONF GETACK * (after " + quote(stream) + ")", Expected: want, Received: quote(got)})
		}
		return
	}
}
