package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
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
	// discarded: the stream could not be parsed, so the next sync is a full one. phase is
	// where the link is (handshake, transfer, stream), for the log line of a timeout. Both
	// belong to the link's goroutine.
	discarded bool
	phase     string
}

// replTimeout is repl-timeout: how long a replica waits for its master, in any phase.
func (s *Server) replTimeout() time.Duration {
	return time.Duration(s.replTimeoutSeconds.Load()) * time.Second
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
// It runs on the owner (or in Close, once the owner has ended): role changes run one at a
// time, as on Redis's one thread. Two at once would each find no link to end, each start
// one, and the link the server forgot would follow its master for ever.
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
		wasUp := m.up.Swap(false)
		m.syncing.Store(false)
		select {
		case <-m.stop:
			return
		default:
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			slog.Warn(timeoutLines[m.phase])
		}
		slog.Info("Connection with master lost: " + err.Error())
		if wasUp {
			// A link that was up is tried again at once, as Redis does since 7.0
			// (replicationHandleMasterDisconnection): a second's wait may cost the backlog the
			// bytes a partial resync needs. A master that cannot be reached is tried once a second.
			slog.Info(fmt.Sprintf("Reconnecting to MASTER %s:%d", m.host, m.port))
			continue
		}
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
	// Every read and write on the link, in every phase, gets repl-timeout: a master that
	// goes silent in the handshake or in the middle of the snapshot is given up on and tried
	// again, as Redis's replicationCron does.
	m.conn = deadlineConn{conn, m.s.replTimeout()}
	m.connMu.Unlock()
	defer conn.Close()
	in := bufio.NewReaderSize(m.conn, 64<<10)
	m.phase = "handshake"
	slog.Info("MASTER <-> REPLICA sync started")

	// The handshake: each step answered before the next is sent. Errors to REPLCONF are
	// not fatal (an old master may not know an option), as in Redis.
	s := m.s
	requests := [][]string{{"PING"}}
	if password := *s.masterAuth.Load(); password != "" { // masterauth, and masteruser if set
		if user := *s.masterUser.Load(); user != "" {
			requests = append(requests, []string{"AUTH", user, password})
		} else {
			requests = append(requests, []string{"AUTH", password})
		}
	}
	requests = append(requests,
		[]string{"REPLCONF", "listening-port", strconv.FormatInt(s.listeners.Port(), 10)},
		[]string{"REPLCONF", "capa", "eof", "capa", "psync2"})
	for _, request := range requests {
		if err := m.send(request...); err != nil {
			return err
		}
		line, err := readLine(in)
		if err != nil {
			return err
		}
		switch {
		case request[0] == "PING" && strings.HasPrefix(line, "-") && !strings.HasPrefix(line, "-NOAUTH"):
			return errors.New("Error reply to PING from master: '" + line + "'")
		case request[0] == "AUTH" && strings.HasPrefix(line, "-"):
			return errors.New("Unable to AUTH to MASTER: " + line)
		}
	}
	r := s.repl
	r.mu.Lock()
	replID, from := "?", "-1"
	if !m.discarded && (m.everSynced || r.hasBacklog) {
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
		offset, err := int64(0), errors.New("bad FULLRESYNC reply")
		if len(fields) == 3 && len(fields[1]) == 40 {
			offset, err = strconv.ParseInt(fields[2], 10, 64)
		}
		if err != nil || offset < 0 {
			// Redis's words when it cannot make sense of the reply (syncWithMaster).
			return errors.New("Master replied with wrong +FULLRESYNC syntax: " + line)
		}
		slog.Info("Full resync from master: " + fields[1] + ":" + fields[2])
		m.phase = "transfer"
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
	m.everSynced, m.discarded = true, false
	m.up.Store(true)
	m.phase = "stream"
	return m.stream(in)
}

// loadSnapshot reads the snapshot after +FULLRESYNC, in either framing, into a temporary file,
// and loads it from there: "$<len>\r\n" and len bytes, or "$EOF:<40 bytes>\r\n", the RDB,
// and the same 40 bytes (diskless). Newlines before it keep the link alive and are skipped.
// On disk, as Redis's default (repl-diskless-load disabled): the replica's memory does not
// grow with the master's dataset while it arrives, and a length the master gets wrong costs
// disk, not memory.
func (m *masterLink) loadSnapshot(in *bufio.Reader, replID string, offset int64) error {
	m.syncing.Store(true)
	defer m.syncing.Store(false)
	line, err := readLine(in)
	if err != nil {
		return err
	}
	s := m.s
	temp := filepath.Join(s.config.RDB.Dir, fmt.Sprintf("temp-%d.%d.rdb", time.Now().Unix(), os.Getpid()))
	file, err := os.OpenFile(temp, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o644)
	if err != nil {
		return errors.New("Opening the temp file needed for MASTER <-> REPLICA synchronization: " + err.Error())
	}
	defer os.Remove(temp) // gone once loaded, or renamed to the snapshot's name before
	defer file.Close()
	if err := receiveSnapshot(in, line, file); err != nil {
		return err
	}
	m.lastIO.Store(time.Now().Unix())
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	keys, err := readRDB(file, 0) // a replica keeps keys its master will expire
	if err != nil {
		return errors.New("Failed trying to load the MASTER synchronization DB from disk, check server logs: " + err.Error())
	}
	if s.config.RDB.FileName != "" { // as Redis, the snapshot received is the replica's own from now on
		if err := file.Sync(); err == nil {
			os.Rename(temp, s.rdbPath())
		}
	}
	s.store.replaceAll(keys)
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
	slog.Info(fmt.Sprintf("MASTER <-> REPLICA sync: Finished with success (%d keys)", len(keys)))
	return nil
}

// receiveSnapshot copies the snapshot whose header line is line from in to file, and no byte
// more: the stream follows it on the same connection.
func receiveSnapshot(in *bufio.Reader, line string, file *os.File) error {
	if message, ok := strings.CutPrefix(line, "-"); ok {
		return errors.New("MASTER aborted replication with an error: " + message)
	}
	if !strings.HasPrefix(line, "$") {
		return errors.New("Bad protocol from MASTER, the first byte is not '$' (we received '" + line + "'), are you sure the host and port are right?")
	}
	if mark, ok := strings.CutPrefix(line, "$EOF:"); ok {
		if len(mark) != 40 {
			return errors.New("Bad protocol from MASTER, the EOF mark is not 40 bytes (we received '" + line + "')")
		}
		slog.Info("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk")
		return copyUntilMark(file, in, []byte(mark))
	}
	size, err := strconv.ParseInt(line[1:], 10, 64)
	if err != nil || size < 0 {
		return errors.New("Bad protocol from MASTER, the snapshot's length is not a size (we received '" + line + "')")
	}
	slog.Info(fmt.Sprintf("MASTER <-> REPLICA sync: receiving %d bytes from master to disk", size))
	if _, err := io.CopyN(file, in, size); err != nil {
		return fmt.Errorf("I/O error trying to sync with MASTER: %w", noEOF(err))
	}
	return nil
}

// copyUntilMark copies from in to w until the 40-byte mark, which it consumes and does not
// copy. It looks for the mark in what in holds already, so it never reads past it.
func copyUntilMark(w io.Writer, in *bufio.Reader, mark []byte) error {
	var window []byte // the last bytes seen, which may be the start of the mark
	for {
		if _, err := in.Peek(1); err != nil {
			return fmt.Errorf("I/O error trying to sync with MASTER: %w", noEOF(err))
		}
		chunk, _ := in.Peek(in.Buffered())
		kept := len(window)
		window = append(window, chunk...)
		if i := bytes.Index(window, mark); i >= 0 {
			if _, err := w.Write(window[:i]); err != nil {
				return err
			}
			_, err := in.Discard(i + len(mark) - kept)
			return err
		}
		keep := min(len(mark)-1, len(window))
		if _, err := w.Write(window[:len(window)-keep]); err != nil {
			return err
		}
		window = append(window[:0], window[len(window)-keep:]...)
		in.Discard(len(chunk))
	}
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// deadlineConn gives every read and write on the master link the time of repl-timeout.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c deadlineConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	return c.Conn.Read(p)
}

func (c deadlineConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	return c.Conn.Write(p)
}

// stream applies the master's commands, counting their bytes, and passes them on to our own
// replicas unchanged.
func (m *masterLink) stream(in *bufio.Reader) error {
	s := m.s
	c := newClient(s, m.conn)
	c.writer = resp.NewWriter(io.Discard) // the master reads no replies
	c.master = m
	c.authenticated = true // the master is obeyed, whatever requirepass says (Redis's mustObeyClient)
	s.mu.Lock()            // among the clients, for CLIENT KILL TYPE master and for Close
	s.clients[c.conn] = c
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.clients, c.conn)
		s.mu.Unlock()
	}()
	received := &receivedBytes{r: in}
	reader := resp.NewReader(received)
	done := make(chan struct{})
	defer close(done)
	go m.ackEverySecond(done)
	for {
		// A master sends at least a PING every repl-ping-replica-period, so a link silent for
		// repl-timeout is dead, even if TCP has not noticed (deadlineConn).
		args, err := reader.ReadCommand()
		var protocolErr *resp.ProtocolError
		if errors.As(err, &protocolErr) {
			return m.protocolError(strings.TrimPrefix(protocolErr.Error(), "Protocol error: "), received.untaken())
		}
		if err != nil {
			return err
		}
		m.lastIO.Store(time.Now().Unix())
		// The bytes as they came, newlines before the command included: what the replica
		// counts in its offset and passes on, as Redis does (the query buffer up to qb_pos).
		raw := received.take(reader.Buffered())
		if command := bytes.TrimLeft(raw, "\r\n"); len(command) == 0 || command[0] != '*' {
			// The stream is RESP only: an inline line is a desynchronised stream.
			slog.Warn("WARNING: Receiving inline protocol from master, master stream corruption? Closing the master connection and discarding the cached master.")
			return m.protocolError("Master using the inline protocol. Desync?", raw)
		}
		s.streamApply.Lock() // a snapshot has both the command and its bytes, or neither
		s.applyingFromMaster.Store(true)
		c.execute(args)
		s.applyingFromMaster.Store(false)
		s.repl.mu.Lock()
		s.repl.write(raw)
		s.repl.mu.Unlock()
		m.offset.Add(int64(len(raw)))
		s.streamApply.Unlock()
	}
}

// protocolError ends the link over a stream the replica cannot parse, with Redis's log line.
// Like Redis, it discards what it knew of the master: the next sync is a full one, since a
// partial one would send the same bytes again.
func (m *masterLink) protocolError(problem string, query []byte) error {
	m.discarded = true
	sample := strings.Map(func(r rune) rune {
		if r < ' ' || r > '~' {
			return '.'
		}
		return r
	}, string(query[:min(len(query), 128)]))
	slog.Warn("Protocol error (" + problem + ") from client: addr=" + m.conn.RemoteAddr().String() + " flags=M. Query buffer during protocol error: '" + sample + "'")
	return errors.New("protocol error from master: " + problem)
}

// receivedBytes keeps the bytes read from the master until the command they hold is applied:
// kept[from:] are those not taken yet.
type receivedBytes struct {
	r    io.Reader
	kept []byte
	from int
}

func (b *receivedBytes) Read(p []byte) (int, error) {
	if b.from > 0 { // what was taken goes, once a read: not once a command
		b.kept = b.kept[:copy(b.kept, b.kept[b.from:])]
		b.from = 0
	}
	n, err := b.r.Read(p)
	b.kept = append(b.kept, p[:n]...)
	return n, err
}

// take returns the bytes read and not taken yet, but the last unparsed ones.
func (b *receivedBytes) take(unparsed int) []byte {
	n := len(b.kept) - unparsed
	taken := bytes.Clone(b.kept[b.from:n])
	b.from = n
	return taken
}

// untaken is what was read and not taken: the command that could not be parsed, and after.
func (b *receivedBytes) untaken() []byte { return b.kept[b.from:] }

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

// timeoutLines are Redis's log lines for a master silent for repl-timeout, in each phase of
// the link (replicationCron).
var timeoutLines = map[string]string{
	"handshake": "Timeout connecting to the MASTER...",
	"transfer":  "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.",
	"stream":    "MASTER timeout: no data nor PING received...",
}

// readLine reads a line of the handshake, skipping the newlines a master sends to keep the
// link alive while it prepares the snapshot. A line longer than the reader's buffer is an
// error, not a reason to hold more.
func readLine(in *bufio.Reader) (string, error) {
	for {
		line, err := in.ReadSlice('\n')
		if err != nil {
			return "", err
		}
		if line := strings.TrimRight(string(line), "\r\n"); line != "" {
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
