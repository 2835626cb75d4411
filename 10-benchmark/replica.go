package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"byoredis/shared/resp"
)

// The replica's side of replication: follow a master (--replicaof, REPLICAOF host port).
//
// The replica connects, introduces itself (PING, REPLCONF listening-port, REPLCONF capa eof
// capa psync2) and asks for the stream with PSYNC: "? -1" the first time, its master's
// replication ID and its offset + 1 after a broken link. A full resync brings a snapshot,
// which replaces the keyspace; then every command of the stream is applied as the master
// sent it, and the replica counts the stream's bytes. Once a second, and whenever the master
// asks (REPLCONF GETACK), it reports its offset with REPLCONF ACK.
type masterLink struct {
	s          *Server
	host       string
	port       int
	stop       chan struct{} // closed by REPLICAOF NO ONE or another REPLICAOF
	stopped    sync.WaitGroup
	up         atomic.Bool  // the link is established and the stream flowing
	offset     atomic.Int64 // bytes of the stream applied
	lastIO     atomic.Int64 // Unix seconds of the last byte from the master
	syncing    atomic.Bool  // a snapshot is being received
	writeMu    sync.Mutex   // ACKs come from two goroutines
	conn       net.Conn
	connMu     sync.Mutex
	everSynced bool
}

// following reports whether this server is a replica.
func (s *Server) following() bool { return s.currentMaster() != nil }

func (s *Server) currentMaster() *masterLink {
	s.masterMu.Lock()
	defer s.masterMu.Unlock()
	return s.master
}

func (s *Server) masterLinkUp() bool {
	m := s.currentMaster()
	return m != nil && m.up.Load()
}

// replicaOf makes the server a replica of host:port, or a master again when host is "".
func (s *Server) replicaOf(host string, port int) {
	s.masterMu.Lock()
	old := s.master
	s.master = nil
	s.masterMu.Unlock()
	if old != nil {
		old.close()
	}
	r := s.repl
	if host == "" {
		if old != nil {
			r.mu.Lock()
			r.promote() // step 08's exercise 3
			r.mu.Unlock()
			s.store.setReplica(false)
			slog.Info("MASTER MODE enabled (user request from 'id=...')")
		}
		return
	}
	// Our own replicas must follow the new history: drop them, and they come back asking.
	r.mu.Lock()
	for _, link := range r.replicas {
		link.c.conn.Close()
	}
	r.mu.Unlock()
	s.store.setReplica(true)
	m := &masterLink{s: s, host: host, port: port, stop: make(chan struct{})}
	m.offset.Store(r.currentOffset())
	s.masterMu.Lock()
	s.master = m
	s.masterMu.Unlock()
	m.stopped.Add(1)
	go func() {
		defer m.stopped.Done()
		m.run()
	}()
	slog.Info(fmt.Sprintf("Connecting to MASTER %s:%d", host, port))
}

func (r *replication) currentOffset() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.offset
}

// close ends the link and waits for its goroutine.
func (m *masterLink) close() {
	close(m.stop)
	m.connMu.Lock()
	if m.conn != nil {
		m.conn.Close()
	}
	m.connMu.Unlock()
	m.stopped.Wait()
}

// run connects, syncs and applies the stream, and reconnects after a broken link, once a
// second, until stopped.
func (m *masterLink) run() {
	for {
		err := m.session()
		m.up.Store(false)
		m.syncing.Store(false)
		select {
		case <-m.stop:
			return
		default:
		}
		slog.Info("Connection with master lost: " + err.Error())
		select {
		case <-m.stop:
			return
		case <-time.After(time.Second):
		}
	}
}

func (m *masterLink) session() error {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(m.host, strconv.Itoa(m.port)), 5*time.Second)
	if err != nil {
		return err
	}
	m.connMu.Lock()
	select {
	case <-m.stop:
		m.connMu.Unlock()
		conn.Close()
		return errors.New("stopped")
	default:
	}
	m.conn = conn
	m.connMu.Unlock()
	defer conn.Close()
	in := bufio.NewReaderSize(conn, 64<<10)
	slog.Info("MASTER <-> REPLICA sync started")

	// The handshake: each step answered before the next is sent. Errors to REPLCONF are
	// not fatal (an old master may not know an option), as in Redis.
	s := m.s
	for _, request := range [][]string{
		{"PING"},
		{"REPLCONF", "listening-port", strconv.Itoa(s.config.Port)},
		{"REPLCONF", "capa", "eof", "capa", "psync2"},
	} {
		if err := m.send(request...); err != nil {
			return err
		}
		line, err := readLine(in)
		if err != nil {
			return err
		}
		if request[0] == "PING" && strings.HasPrefix(line, "-") && !strings.HasPrefix(line, "-NOAUTH") {
			return errors.New("Error reply to PING from master: '" + line + "'")
		}
	}
	r := s.repl
	r.mu.Lock()
	replID, from := "?", "-1"
	if m.everSynced || r.hasBacklog {
		replID, from = r.replID, strconv.FormatInt(r.offset+1, 10)
	}
	r.mu.Unlock()
	if err := m.send("PSYNC", replID, from); err != nil {
		return err
	}
	line, err := readLine(in)
	if err != nil {
		return err
	}
	switch {
	case strings.HasPrefix(line, "+FULLRESYNC "):
		fields := strings.Fields(line)
		if len(fields) != 3 {
			return errors.New("bad FULLRESYNC reply: " + line)
		}
		offset, err := strconv.ParseInt(fields[2], 10, 64)
		if err != nil {
			return err
		}
		slog.Info("Full resync from master: " + fields[1] + ":" + fields[2])
		if err := m.loadSnapshot(in, fields[1], offset); err != nil {
			return err
		}
	case strings.HasPrefix(line, "+CONTINUE"):
		slog.Info("Successful partial resynchronization with master.")
		if id := strings.TrimSpace(strings.TrimPrefix(line, "+CONTINUE")); id != "" {
			r.mu.Lock()
			if id != r.replID { // the master was promoted: its new history continues ours
				r.replID2, r.secondOffset = r.replID, r.offset+1
				r.replID = id
			}
			r.mu.Unlock()
		}
	default:
		return errors.New("unexpected reply to PSYNC from master: " + line)
	}
	m.everSynced = true
	m.up.Store(true)
	return m.stream(in)
}

// loadSnapshot reads the snapshot after +FULLRESYNC, in either framing, and makes it the
// keyspace: "$<len>\r\n" and len bytes, or "$EOF:<40 bytes>\r\n", the RDB, and the same 40
// bytes (diskless). Newlines before it keep the link alive and are skipped.
func (m *masterLink) loadSnapshot(in *bufio.Reader, replID string, offset int64) error {
	m.syncing.Store(true)
	defer m.syncing.Store(false)
	line, err := readLine(in)
	if err != nil {
		return err
	}
	var rdb []byte
	if mark, ok := strings.CutPrefix(line, "$EOF:"); ok {
		if len(mark) != 40 {
			return errors.New("bad EOF mark: " + line)
		}
		// Byte by byte from the buffered reader: the stream follows the mark at once, and
		// nothing after it may be taken.
		var buf []byte
		last := mark[len(mark)-1]
		for {
			b, err := in.ReadByte()
			if err != nil {
				return err
			}
			buf = append(buf, b)
			if b == last && bytes.HasSuffix(buf, []byte(mark)) {
				break
			}
		}
		m.lastIO.Store(time.Now().Unix())
		rdb = buf[:len(buf)-40]
	} else {
		size, err := strconv.Atoi(strings.TrimPrefix(line, "$"))
		if err != nil || !strings.HasPrefix(line, "$") {
			return errors.New("bad snapshot header from master: " + line)
		}
		rdb = make([]byte, size)
		if _, err := io.ReadFull(in, rdb); err != nil {
			return err
		}
	}
	s := m.s
	err = s.store.replaceWith(func(keys keyspaceLoader) error {
		return readRDBInto(bytes.NewReader(rdb), 0, keys) // a replica keeps keys its master will expire
	})
	if err != nil {
		return err
	}
	r := s.repl
	r.mu.Lock()
	r.replID, r.offset = replID, offset
	r.replID2, r.secondOffset = strings.Repeat("0", 40), -1
	r.hasBacklog, r.backlog, r.backlogFirst = true, nil, offset+1
	// Our own replicas had the old data: they must sync again.
	for _, link := range r.replicas {
		link.c.conn.Close()
	}
	r.mu.Unlock()
	m.offset.Store(offset)
	slog.Info(fmt.Sprintf("MASTER <-> REPLICA sync: Finished with success (%d keys)", s.store.Len()))
	return nil
}

// stream applies the master's commands, counting their bytes, and passes them on to our own
// replicas unchanged.
func (m *masterLink) stream(in *bufio.Reader) error {
	s := m.s
	c := newClient(s, m.conn)
	c.writer = resp.NewWriter(io.Discard) // the master reads no replies
	c.master = m
	s.mu.Lock() // among the clients, for CLIENT KILL TYPE master and for Close
	s.clients[c.conn] = c
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.clients, c.conn)
		s.mu.Unlock()
	}()
	reader := resp.NewReader(in)
	done := make(chan struct{})
	defer close(done)
	go m.ackEverySecond(done)
	for {
		// Redis's repl-timeout: a master sends at least a PING every 10 seconds, so a link
		// silent for 60 is dead, even if TCP has not noticed.
		m.conn.SetReadDeadline(time.Now().Add(replTimeout))
		args, err := reader.ReadCommand()
		if err != nil {
			return err
		}
		m.lastIO.Store(time.Now().Unix())
		raw := resp.AppendCommand(nil, args...)
		s.applyingFromMaster.Store(true)
		c.execute(args)
		s.applyingFromMaster.Store(false)
		s.repl.mu.Lock()
		s.repl.write(raw)
		s.repl.mu.Unlock()
		m.offset.Add(int64(len(raw)))
	}
}

const replTimeout = 60 * time.Second

func (m *masterLink) ackEverySecond(done chan struct{}) {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-done:
			return
		case <-ticker.C:
			m.sendAck()
		}
	}
}

// sendAck tells the master how much of the stream has been applied. On GETACK it is sent
// before the GETACK itself is counted, as Redis does.
func (m *masterLink) sendAck() {
	m.send("REPLCONF", "ACK", strconv.FormatInt(m.offset.Load(), 10))
}

func (m *masterLink) send(args ...string) error {
	m.writeMu.Lock()
	defer m.writeMu.Unlock()
	m.connMu.Lock()
	conn := m.conn
	m.connMu.Unlock()
	_, err := conn.Write(resp.AppendCommand(nil, args...))
	return err
}

func (m *masterLink) offsetNow() int64 { return m.offset.Load() }

// linkState is ROLE's word for the link: connect, connecting, sync or connected.
func (m *masterLink) linkState() string {
	switch {
	case m.up.Load():
		return "connected"
	case m.syncing.Load():
		return "sync"
	default:
		return "connecting"
	}
}

// readLine reads a line of the handshake, skipping the newlines a master sends to keep the
// link alive while it prepares the snapshot.
func readLine(in *bufio.Reader) (string, error) {
	for {
		line, err := in.ReadString('\n')
		if err != nil {
			return "", err
		}
		if line = strings.TrimRight(line, "\r\n"); line != "" {
			return line, nil
		}
	}
}

// REPLICAOF host port | NO ONE (and its old name, SLAVEOF).
func replicaof(c *client, args [][]byte) {
	s := c.server
	if strings.EqualFold(string(args[1]), "no") && strings.EqualFold(string(args[2]), "one") {
		s.replicaOf("", 0)
		c.writer.SimpleString("OK")
		return
	}
	port, err := strconv.Atoi(string(args[2]))
	if err != nil || port < 0 || port > 65535 {
		c.writer.Error("ERR Invalid master port")
		return
	}
	if m := s.currentMaster(); m != nil && m.host == string(args[1]) && m.port == port {
		c.writer.SimpleString("OK Already connected to specified master")
		return
	}
	s.replicaOf(string(args[1]), port)
	c.writer.SimpleString("OK")
}
