package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"byoredis/shared/resp"
)

// The master's side of replication (Redis's src/replication.c).
//
// A replica connects as a client and asks for the stream with PSYNC. The master answers with
// a snapshot of the keyspace (a full resynchronization) or, if the replica was following it
// and the bytes it missed are still in the backlog, with only those bytes (a partial one).
// From then on every write is sent to the replica as the command that makes it, the same
// bytes the append-only file gets, starting with a SELECT. Master and replica count the
// bytes of that stream: the replication offset, the position a replica reports in its ACKs
// and asks to resume from.
type replication struct {
	mu sync.Mutex // guards the fields below, backlogSize (an atomic) aside
	// replID names the history the offsets count in; replID2 and secondOffset name the one
	// this server followed before it was promoted, up to the offset where the new one starts:
	// a sibling replica of the old master may go on from there (PSYNC2).
	replID, replID2 string
	offset          int64 // master_repl_offset: bytes of the stream so far
	secondOffset    int64
	// backlog holds the last backlogSize bytes of the stream, so that a replica that lost
	// its link can get what it missed. It starts with the first replica.
	backlog      []byte
	backlogSize  atomic.Int64 // repl-backlog-size, which CONFIG SET may change
	backlogFirst int64        // the offset of backlog[0], counted from 1 as Redis does
	hasBacklog   bool
	selected     bool // the stream has a SELECT since the last full resync
	replicas     []*replicaLink
	acked        *sync.Cond // signalled at every ACK, for WAIT
	closed       bool       // the server is stopping: WAIT returns
	// INFO stats: sync_full, sync_partial_ok, sync_partial_err.
	fullSyncs, partialOK, partialErr int64
}

// replicaLink is a connected replica, as the master sees it.
type replicaLink struct {
	c         *client
	addr      string // its IP, and the port it listens on (REPLCONF listening-port)
	port      int
	state     string // wait_bgsave while its snapshot is being made, then online
	ackOffset int64
	ackTime   time.Time
	// After a diskless snapshot, the stream waits here for the replica's first ACK: a
	// replica finds the end of the snapshot by its last 40 bytes, the EOF mark, so nothing
	// may follow the mark in the same read (Redis's repl_start_cmd_stream_on_ack).
	waitingForAck bool
	held          heldStream
}

// heldStream is the stream kept for a replica until its first ACK, in chunks of a fixed size:
// one slice grown by append would copy it again and again, and hold twice its size.
type heldStream struct {
	chunks [][]byte
	size   int
}

const heldChunkSize = 64 << 10

func (h *heldStream) add(p []byte) {
	h.size += len(p)
	for len(p) > 0 {
		last := len(h.chunks) - 1
		if last < 0 || len(h.chunks[last]) == cap(h.chunks[last]) {
			h.chunks = append(h.chunks, make([]byte, 0, heldChunkSize))
			last++
		}
		n := min(len(p), cap(h.chunks[last])-len(h.chunks[last]))
		h.chunks[last] = append(h.chunks[last], p[:n]...)
		p = p[n:]
	}
}

func newReplication(backlogSize int) *replication {
	r := &replication{replID: newReplID(), replID2: strings.Repeat("0", 40), secondOffset: -1}
	r.backlogSize.Store(int64(backlogSize))
	r.acked = sync.NewCond(&r.mu)
	return r
}

func newReplID() string {
	b := make([]byte, 20)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// feed appends a command to the stream: to the backlog and to every replica. It is called
// with the store locked (or from PUBLISH), so the stream has the writes in the order they
// were made.
func (r *replication) feed(args ...[]byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.hasBacklog {
		return // no replica ever connected: nothing to count yet, as in Redis
	}
	var stream []byte
	if !r.selected {
		stream = resp.AppendCommand(stream, "SELECT", "0")
		r.selected = true
	}
	r.write(resp.AppendCommand(stream, args...))
}

// write adds raw bytes to the stream. A replica passes on its master's stream this way,
// byte for byte, so that its own replicas count the same offsets.
func (r *replication) write(stream []byte) {
	r.backlog = append(r.backlog, stream...)
	if size := int(r.backlogSize.Load()); len(r.backlog)-size > size/4 {
		excess := len(r.backlog) - size
		r.backlog = append(r.backlog[:0:0], r.backlog[excess:]...) // trim in steps, not on every write
		r.backlogFirst += int64(excess)
	}
	r.offset += int64(len(stream))
	for _, link := range r.replicas {
		if link.waitingForAck {
			link.held.add(stream)
			// The stream held behind the snapshot counts against the replica's output limit, as
			// the replication buffer it waits in does in Redis: a replica that never sends its
			// ACK is dropped, where it made the master grow without end.
			if link.c.output.overLimitWith(link.held.size) {
				link.held, link.waitingForAck = heldStream{}, false
			}
		} else {
			link.c.output.push(stream, 0)
		}
	}
}

// replicaLimit is the replica class's client-output-buffer-limit, with its hard limit no lower
// than repl-backlog-size, as Redis has it (checkClientOutputBufferLimits): a replica may fall
// as far behind as a partial resync could bring it back from.
func (s *Server) replicaLimit() outputLimit {
	limit := s.outputLimits.Load().replica
	if backlog := s.repl.backlogSize.Load(); limit.hard > 0 && limit.hard < backlog {
		limit.hard = backlog
	}
	return limit
}

// bufferMemory is INFO's mem_replication_backlog, and mem_total_replication_buffers: the
// backlog, and every byte of the stream a replica has not read yet.
func (r *replication) bufferMemory() (backlog, total int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	backlog = int64(len(r.backlog))
	total = backlog
	for _, link := range r.replicas {
		total += int64(link.c.output.buffered() + link.held.size)
	}
	return backlog, total
}

// propagate is every logged change (Store.log): to the append-only file, and to the replicas.
// A replica passes its master's stream on as it came (masterLink.stream) instead.
func (s *Server) propagate(args [][]byte) {
	if aof := s.aof.Load(); aof != nil {
		aof.append(args)
	}
	if !s.applyingFromMaster.Load() {
		s.repl.feed(args...)
	}
}

// replicationCron pings the replicas every repl-ping-replica-period seconds, down the stream,
// as Redis's replicationCron does: a replica that hears nothing for a minute knows its link
// is dead, even when nothing is written. Like Redis's, it runs every second and counts, so
// that a period changed by CONFIG SET applies from the next second.
func (s *Server) replicationCron(stop <-chan struct{}) {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for seconds := int64(1); ; seconds++ {
		select {
		case <-stop:
			return
		case <-ticker.C:
			if seconds%max(s.replPingPeriod.Load(), 1) != 0 {
				continue
			}
			r := s.repl
			r.mu.Lock()
			replicas := len(r.replicas)
			r.mu.Unlock()
			if replicas > 0 && !s.following() {
				r.feed([]byte("ping"))
			}
		}
	}
}

// startBacklog creates the backlog with the first replica: from then on, writes count. A
// new history starts too (Redis's changeReplicationId when it creates the backlog).
func (r *replication) startBacklog() {
	if r.hasBacklog {
		return
	}
	r.hasBacklog = true
	r.replID = newReplID()
	r.replID2, r.secondOffset = strings.Repeat("0", 40), -1
	r.backlog, r.backlogFirst = nil, r.offset+1
}

// PSYNC replid offset: a replica asks for the stream from offset (its own offset + 1).
// SYNC is the old form: a full resync with no +FULLRESYNC line.
func psync(c *client, args [][]byte) {
	s := c.server
	if c.replica != nil {
		return // already a replica: Redis ignores a second PSYNC
	}
	if s.following() && !s.masterLinkUp() {
		c.writer.Error("NOMASTERLINK Can't SYNC while not connected with my master")
		return
	}
	if c.writer.Buffered() > 0 {
		// Replies to earlier commands of the same pipeline would land in the middle of the
		// stream: Redis wants a fresh reply buffer (syncCommand in replication.c). Replies
		// already handed to the output go out before the stream, in order.
		c.writer.Error("ERR SYNC and PSYNC are invalid with pending output")
		return
	}
	legacy := strings.EqualFold(string(args[0]), "sync")
	if !legacy && len(args) != 3 {
		c.writer.Error(wrongArity(commands["psync"]))
		return
	}
	link := &replicaLink{c: c, addr: hostOf(c.conn.RemoteAddr().String()), port: c.listeningPort, state: "wait_bgsave"}
	if !legacy {
		from, ok := resp.ParseInt(args[2])
		if !ok {
			slog.Warn(fmt.Sprintf("Replica %s:%d asks for synchronization but with a wrong offset", link.addr, link.port))
			c.writer.Error(errNotInt)
			return
		}
		if s.tryPartialResync(c, link, string(args[1]), from) {
			return
		}
	}
	s.fullResync(c, link, legacy)
}

// tryPartialResync answers +CONTINUE and the missing bytes when the replica's history is
// ours and what it missed is still in the backlog.
func (s *Server) tryPartialResync(c *client, link *replicaLink, replID string, from int64) bool {
	r := s.repl
	// The history the replica names must be ours, or the one we followed before a promotion
	// up to where ours began.
	r.mu.Lock()
	defer r.mu.Unlock()
	if replID != r.replID && (replID != r.replID2 || from > r.secondOffset) {
		if replID != "?" {
			r.partialErr++
			slog.Info("Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '" + replID + "', my replication IDs are '" + r.replID + "' and '" + r.replID2 + "')")
		}
		return false
	}
	if !r.hasBacklog || !r.backlogHas(from) { // step 08's exercise 2
		slog.Info(fmt.Sprintf("Unable to partial resync with replica %s:%d for lack of backlog (Replica request was: %d).", link.addr, link.port, from))
		r.partialErr++
		return false
	}
	c.replica = link
	c.isReplica.Store(true)
	c.output.setLimit(s.replicaLimit)
	if c.capaPsync2 {
		c.output.push([]byte("+CONTINUE "+r.replID+"\r\n"), 0)
	} else {
		c.output.push([]byte("+CONTINUE\r\n"), 0)
	}
	c.output.push(r.backlog[from-r.backlogFirst:], 0)
	link.state = "online"
	r.replicas = append(r.replicas, link)
	r.partialOK++
	slog.Info(fmt.Sprintf("Partial resynchronization request from %s:%d accepted. Sending %d bytes of backlog starting from offset %d.", link.addr, link.port, r.offset+1-from, from))
	return true
}

// fullResync sends a snapshot and then the stream from the moment it was taken.
//
// The snapshot and the replica's place in the stream are taken together, with the keyspace
// locked: every write after the snapshot reaches the replica, none before it does twice.
// While the snapshot is encoded and sent, the stream waits behind it in the replica's output
// buffer (output.pending, step 07), so that the replica reads the snapshot first.
//
// Redis forks and writes the snapshot from the child while the parent serves clients. Here
// a snapshot (snapshot.go) begins under the lock, which takes no time, and is read a shard at
// a time while the other clients are served (GUIDE.md measures the pause they see).
func (s *Server) fullResync(c *client, link *replicaLink, legacy bool) {
	r := s.repl
	diskless := s.replDisklessSync.Load() && c.capaEOF && !legacy
	if diskless {
		// Redis waits repl-diskless-sync-delay seconds for more replicas to share the
		// transfer, sending a newline every second so the replica knows the link is alive.
		for range s.replDisklessSyncDelay.Load() {
			c.output.Write([]byte("\n"))
			c.output.release()
			time.Sleep(time.Second)
			c.output.hold()
		}
	}
	var snapshot *snapshot
	var offset int64
	var replID string
	s.store.Write(func(k *Keyspace) {
		snapshot = k.store.beginSnapshot()
		r.mu.Lock()
		defer r.mu.Unlock()
		r.startBacklog()
		r.selected = false // the stream after a snapshot starts with a SELECT
		offset, replID = r.offset, r.replID
		c.replica = link
		c.isReplica.Store(true)
		c.output.setLimit(s.replicaLimit)
		link.waitingForAck = diskless
		r.replicas = append(r.replicas, link)
		r.fullSyncs++
	})
	slog.Info(fmt.Sprintf("Replica %s:%d asks for synchronization", link.addr, link.port))
	options := rdbOptions{compression: s.rdbCompression.Load(), checksum: true, replID: replID, replOffset: offset}
	if !legacy {
		c.output.Write([]byte("+FULLRESYNC " + replID + " " + strconv.FormatInt(offset, 10) + "\r\n"))
	}
	if diskless {
		mark := make([]byte, 20)
		rand.Read(mark)
		eof := hex.EncodeToString(mark)
		c.output.Write([]byte("$EOF:" + eof + "\r\n"))
		// The snapshot leaves as it is encoded, a buffer (1 MB) at a time, as Redis's child
		// writes it into the socket: never whole in memory. Built whole first, its 35 MB for a
		// million keys (and the collection they brought) held the worst GET during a full
		// sync at 65 ms.
		writeRDB(snapshotStream{c.output}, snapshot, time.Now().UnixMilli(), options)
		c.output.Write([]byte(eof))
	} else {
		// With a length first, the snapshot has to be whole before it is sent (Redis writes
		// it to a file first).
		var rdb bytes.Buffer
		writeRDB(&rdb, snapshot, time.Now().UnixMilli(), options)
		c.output.Write([]byte("$" + strconv.Itoa(rdb.Len()) + "\r\n"))
		c.output.Write(rdb.Bytes())
	}
	r.mu.Lock()
	link.state = "online"
	r.mu.Unlock()
	slog.Info(fmt.Sprintf("Synchronization with replica %s:%d succeeded", link.addr, link.port))
}

// snapshotStream sends what is written to it to a replica at once, ahead of the stream
// waiting behind the snapshot.
type snapshotStream struct{ o *output }

func (s snapshotStream) Write(p []byte) (int, error) {
	n, err := s.o.Write(p)
	if err == nil {
		s.o.releaseHeld()
	}
	return n, err
}

// close wakes the clients blocked in WAIT, as the server stops: they answer what they have.
func (r *replication) close() {
	r.mu.Lock()
	r.closed = true
	r.acked.Broadcast()
	r.mu.Unlock()
}

// dropReplica forgets a replica whose connection ended.
func (r *replication) dropReplica(link *replicaLink) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, l := range r.replicas {
		if l == link {
			r.replicas = append(r.replicas[:i], r.replicas[i+1:]...)
			break
		}
	}
	r.acked.Broadcast()
}

// REPLCONF option value ...: what a replica tells its master about itself (listening-port,
// capa, ack), and GETACK, which the master sends down the stream.
func replconf(c *client, args [][]byte) {
	if len(args)%2 == 0 {
		c.writer.Error(errSyntax)
		return
	}
	for i := 1; i < len(args); i += 2 {
		option, value := strings.ToLower(string(args[i])), string(args[i+1])
		switch option {
		case "listening-port":
			port, err := strconv.Atoi(value)
			if err != nil {
				c.writer.Error(errNotInt)
				return
			}
			c.listeningPort = port
		case "capa":
			c.capaEOF = c.capaEOF || strings.EqualFold(value, "eof")
			c.capaPsync2 = c.capaPsync2 || strings.EqualFold(value, "psync2")
		case "ip-address", "rdb-only", "rdb-filter-only":
		case "ack":
			// From a replica: its offset. No reply: the stream is one way.
			if c.replica != nil {
				offset, _ := strconv.ParseInt(value, 10, 64)
				r := c.server.repl
				r.mu.Lock()
				link := c.replica
				link.ackOffset = max(link.ackOffset, offset)
				link.ackTime = time.Now()
				if link.waitingForAck { // the snapshot is loaded: the stream may follow
					link.waitingForAck = false
					for _, chunk := range link.held.chunks {
						c.output.push(chunk, 0)
					}
					link.held = heldStream{}
				}
				r.acked.Broadcast()
				r.mu.Unlock()
			}
			return
		case "getack":
			// From our master, in the stream: answer with our offset at once.
			if c.master != nil {
				c.master.sendAck()
			}
			return
		default:
			c.writer.Error("ERR Unrecognized REPLCONF option: " + truncate(string(args[i]), 128))
			return
		}
	}
	c.writer.SimpleString("OK")
}

// WAIT numreplicas timeout: block until numreplicas replicas have acknowledged this client's
// last write, or timeout milliseconds (0: for ever); the answer is how many did.
func waitCommand(c *client, args [][]byte) {
	want, ok1 := resp.ParseInt(args[1])
	timeout, ok2 := resp.ParseInt(args[2])
	if !ok1 || !ok2 {
		c.writer.Error(errNotInt)
		return
	}
	if timeout < 0 {
		c.writer.Error("ERR timeout is negative")
		return
	}
	s := c.server
	if s.following() {
		c.writer.Error("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.")
		return
	}
	r := s.repl
	count := func() int64 {
		n := int64(0)
		for _, link := range r.replicas {
			if link.state == "online" && link.ackOffset >= c.writeOffset {
				n++
			}
		}
		return n
	}
	r.mu.Lock()
	n := count()
	r.mu.Unlock()
	if n >= want {
		c.writer.Integer(n)
		return
	}
	// Ask every replica for its offset now rather than at its next ACK.
	r.feed([]byte("REPLCONF"), []byte("GETACK"), []byte("*"))
	deadline := time.Now().Add(time.Duration(timeout) * time.Millisecond)
	if timeout > 0 {
		timer := time.AfterFunc(time.Duration(timeout)*time.Millisecond, func() {
			r.mu.Lock()
			r.acked.Broadcast()
			r.mu.Unlock()
		})
		defer timer.Stop()
	}
	s.blocked.Add(1)
	defer s.blocked.Add(-1)
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		n := count()
		if n >= want || timeout > 0 && !time.Now().Before(deadline) || r.closed {
			c.writer.Integer(n)
			return
		}
		r.acked.Wait()
	}
}

// ROLE, as roleCommand in replication.c answers it: on a master, its offset and each
// replica's address and acknowledged offset, the numbers of those as bulk strings; on a
// replica, "slave" (Redis's word), its master, the link's state and its offset.
func role(c *client, args [][]byte) {
	s := c.server
	if m := s.currentMaster(); m != nil {
		c.writer.Array(5)
		c.writer.BulkString("slave")
		c.writer.BulkString(m.host)
		c.writer.Integer(int64(m.port))
		c.writer.BulkString(m.linkState())
		c.writer.Integer(m.offsetNow())
		return
	}
	r := s.repl
	r.mu.Lock()
	defer r.mu.Unlock()
	c.writer.Array(3)
	c.writer.BulkString("master")
	c.writer.Integer(r.offset)
	c.writer.Array(len(r.replicas))
	for _, link := range r.replicas {
		c.writer.Array(3)
		c.writer.BulkString(link.addr)
		c.writer.BulkString(strconv.Itoa(link.port))
		c.writer.BulkString(strconv.FormatInt(link.ackOffset, 10))
	}
}

func hostOf(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		return addr[:i]
	}
	return addr
}

// syncStats is what INFO stats reports of the resyncs served.
func (r *replication) syncStats() (full, partialOK, partialErr int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.fullSyncs, r.partialOK, r.partialErr
}

// A replica asks for the stream from the byte after the last one it has: its offset + 1.
// The backlog holds the bytes from backlogFirst to offset, so it can serve from backlogFirst
// up to offset + 1, which is a replica that missed nothing at all.
func (r *replication) backlogHas(from int64) bool {
	return from >= r.backlogFirst && from <= r.offset+1
}

// A promoted replica starts a history of its own, and remembers the one it followed up to
// the first byte it will not share with it: replicas of the old master that ask for the old
// history up to there are continued (Redis's shiftReplicationId).
func (r *replication) promote() {
	r.replID2, r.secondOffset = r.replID, r.offset+1
	r.replID = newReplID()
}
