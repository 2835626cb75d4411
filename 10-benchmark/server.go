package main

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"byoredis/shared/config"
	"byoredis/shared/listen"
	"byoredis/shared/owner"
	"byoredis/shared/release"
	"byoredis/shared/resp"
	"byoredis/shared/serverinfo"
)

// Config holds the server's settings, named after Redis's config directives.
type Config struct {
	Port       int    // port
	Bind       string // bind
	MaxClients int    // maxclients
	Hz         int    // hz: how many times a second background tasks (active expiry) run

	OutputLimits     outputLimits // client-output-buffer-limit
	QueryBufferLimit int64        // client-query-buffer-limit (0: Redis's default, 1gb)

	// requirepass: the password of Redis's only user here, "default"; "" for none. With
	// none, protected-mode (on unless turned off: main's flag is yes, as Redis's default)
	// serves only clients of the loopback interface.
	RequirePass    string
	ProtectedMode  bool
	KeyspaceEvents int32 // notify-keyspace-events, parsed (notify.go)
	AOF            AOFConfig
	RDB            RDBConfig
	Repl           ReplConfig
}

// ReplConfig holds the replication settings, named after Redis's directives.
type ReplConfig struct {
	ReplicaOf         string // replicaof: "host port" of the master to follow, or ""
	BacklogSize       int    // repl-backlog-size (0: Redis's default, 1mb)
	DisklessSync      bool   // repl-diskless-sync: stream the snapshot to replicas that can take it
	DisklessSyncDelay int    // repl-diskless-sync-delay: seconds to wait for more replicas first
	PingPeriod        int    // repl-ping-replica-period: seconds between the master's PINGs (0: 10)
	Timeout           int    // repl-timeout: seconds a replica waits for its master (0: 60)
	MasterAuth        string // masterauth: the password to give a master with requirepass
	MasterUser        string // masteruser: the user to give it as, where not "default"
}

// Server accepts TCP connections and serves each one in its own goroutine.
type Server struct {
	config    Config
	listeners *listen.Set                    // where it listens: bind and port, which CONFIG SET may change
	store     *Store                         // the keyspace every client shares
	aof       atomic.Pointer[appendOnlyFile] // the append-only file; nil when appendonly is no
	// owner runs the background work one job at a time, as Redis's main thread does: the
	// commands command_table.go marks owned, and cron's checks (GUIDE.md: "Goroutines and locks").
	owner *owner.Loop

	saveMu sync.Mutex  // guards saving, saves, lastSave and lastBgsaveTry; saveDone waits on it
	pubsub *pubsub     // who listens to which channel and pattern (pubsub.go)
	pushes *pushWriter // sends what is pushed to clients (output.go)

	// Replication: our side as a master (replication.go), and the master we follow, if any
	// (replica.go). applyingFromMaster is set while a command of the master's stream runs.
	repl *replication

	// Shutting down (shutdown.go): its state, and the settings CONFIG SET may change.
	shutdown           *shutdown
	shutdownTimeout    atomic.Int64  // shutdown-timeout, seconds
	onSigterm          atomic.Int32  // shutdown-on-sigterm, as SHUTDOWN flags
	onSigint           atomic.Int32  // shutdown-on-sigint
	stopped            chan struct{} // closed once a shutdown has stopped everything
	masterMu           sync.Mutex    // guards master
	master             *masterLink   // the master followed, nil for none (masterMu)
	applyingFromMaster atomic.Bool
	// streamApply is held while a command of the master's stream is applied and counted in
	// the offset: a snapshot for the dump file begins between two (Server.snapshot).
	streamApply sync.Mutex

	saveDone      *sync.Cond  // signalled when a background save ends
	saving        bool        // a background save is running (saveMu)
	lastSave      time.Time   // the last successful save, LASTSAVE (saveMu)
	lastBgsaveTry time.Time   // when the last background save started (saveMu)
	saves         int64       // saves started, SAVE and BGSAVE: INFO's rdb_saves (saveMu)
	bgsaveFailed  atomic.Bool // the last background save failed (INFO's rdb_last_bgsave_status:err)
	started       time.Time   // for INFO's uptime
	nextID        atomic.Int64

	// The configuration table (config.go), and what CONFIG SET may change while clients are
	// connected.
	directives       *config.Table
	outputLimits     atomic.Pointer[outputLimits]
	queryBufferLimit atomic.Int64
	requirePass      atomic.Pointer[string]
	// blocked counts the clients waiting in WAIT or SHUTDOWN: INFO's blocked_clients.
	blocked                 atomic.Int64
	masterAuth              atomic.Pointer[string] // masterauth: the password a replica gives its master
	masterUser              atomic.Pointer[string] // masteruser: with it, the user name
	protectedMode           atomic.Bool
	maxClients              atomic.Int64 // maxclients
	hz                      atomic.Int64 // hz: the active expiry cycles a second
	stopWritesOnBgsaveError atomic.Bool
	// Persistence and replication settings CONFIG SET may change while the server runs.
	aofSettings           *aofSettings
	savePoints            atomic.Pointer[[]savePoint] // save
	rdbCompression        atomic.Bool                 // rdbcompression
	replDisklessSync      atomic.Bool                 // repl-diskless-sync
	replDisklessSyncDelay atomic.Int64                // repl-diskless-sync-delay, seconds
	replPingPeriod        atomic.Int64                // repl-ping-replica-period, seconds
	replTimeoutSeconds    atomic.Int64                // repl-timeout

	// What INFO reports (info.go).
	runID         string
	stats         serverinfo.Stats
	commandStats  map[*command]*serverinfo.CommandStats
	memoryAtStart int64
	memoryPeak    atomic.Int64

	mu      sync.Mutex           // guards clients and closed (GUIDE.md: "Goroutines and locks")
	clients map[net.Conn]*client // open connections, so that Close can close them
	closed  bool                 // Close was called
	running sync.WaitGroup       // one per client goroutine and per background loop (expiry, ...)
	stop    chan struct{}        // closed by Close, to stop what Serve started
}

// NewServer returns a server whose keyspace is loaded from the append-only file when
// appendonly is on.
func NewServer(config Config) (*Server, error) {
	if config.Hz <= 0 {
		config.Hz = 10 // Redis's default
	}
	config.Hz = min(config.Hz, 500) // Redis's CONFIG_MAX_HZ
	if config.OutputLimits == (outputLimits{}) {
		config.OutputLimits = defaultOutputLimits
	}
	if config.Repl.BacklogSize == 0 {
		config.Repl.BacklogSize = 1 << 20 // Redis's default
	}
	if config.Repl.PingPeriod == 0 {
		config.Repl.PingPeriod = 10
	}
	if config.Repl.Timeout == 0 {
		config.Repl.Timeout = 60
	}
	if config.QueryBufferLimit == 0 {
		config.QueryBufferLimit = 1 << 30 // Redis's default
	}
	s := &Server{config: config, store: NewStore(), started: time.Now(), clients: map[net.Conn]*client{},
		runID: serverinfo.NewRunID(), memoryAtStart: serverinfo.HeapInUse(), commandStats: newCommandStats(), pubsub: newPubsub(), pushes: newPushWriter(), repl: newReplication(config.Repl.BacklogSize),
		shutdown: newShutdown(), stopped: make(chan struct{}),
		stop: make(chan struct{}), lastSave: time.Now()}
	s.outputLimits.Store(&config.OutputLimits)
	s.queryBufferLimit.Store(config.QueryBufferLimit)
	s.requirePass.Store(&config.RequirePass)
	s.masterAuth.Store(&config.Repl.MasterAuth)
	s.masterUser.Store(&config.Repl.MasterUser)
	s.protectedMode.Store(config.ProtectedMode)
	s.listeners = listen.NewSet(config.Bind, config.Port, s.serveConn)
	s.maxClients.Store(int64(config.MaxClients))
	s.directives = directives(s, &s.config)
	s.hz.Store(int64(config.Hz))
	s.stopWritesOnBgsaveError.Store(config.RDB.StopWritesOnBgsaveError)
	s.aofSettings = newAOFSettings(config.AOF)
	s.savePoints.Store(&config.RDB.SavePoints)
	s.rdbCompression.Store(config.RDB.Compression)
	s.replDisklessSync.Store(config.Repl.DisklessSync)
	s.replDisklessSyncDelay.Store(int64(config.Repl.DisklessSyncDelay))
	s.replPingPeriod.Store(int64(config.Repl.PingPeriod))
	s.replTimeoutSeconds.Store(int64(config.Repl.Timeout))
	s.store.keyspaceEvents.Store(config.KeyspaceEvents)
	s.shutdownTimeout.Store(10) // Redis's default
	s.store.publish = s.publishKeyspaceEvents
	s.saveDone = sync.NewCond(&s.saveMu)
	// At start, Redis loads the append-only file when it is on (it is the more complete
	// record), and the dump file otherwise.
	if config.AOF.Enabled {
		a, err := openAppendOnlyFile(config.AOF, s)
		if err != nil {
			return nil, err
		}
		s.aof.Store(a)
	} else if config.RDB.FileName != "" {
		if err := s.loadRDB(); err != nil {
			return nil, err
		}
	}
	s.store.log = s.propagate // the append-only file, and the replicas (replication.go)
	s.owner = owner.Start(s.stop, time.Second, s.cron)
	return s, nil
}

// cron is what Redis's serverCron checks, run by the owner once a second: is an automatic
// rewrite due, or a save point reached?
func (s *Server) cron(now time.Time) {
	if a := s.aof.Load(); a != nil && a.rewriteDue() {
		s.startRewrite()
	}
	if s.savePointReached(now) {
		slog.Info("save point reached: saving")
		s.startBackgroundSave()
	}
}

// owned marks a command that changes what the owner owns (the files, the configuration): it
// runs on the owner, one at a time with the rest of the background work.
func owned(h handler) handler {
	return func(c *client, args [][]byte) { c.onOwner(func(c *client) { h(c, args) }) }
}

// onOwner runs job on the owner, and returns once it has run. The master's commands do not
// wait for it: the owner may be waiting for their link to end (REPLICAOF) or for the command
// being applied (a snapshot begins between two: streamApply). Theirs runs later, as a client
// of its own whose reply is discarded, as a master's always is; the arguments are the
// command's own (ReadCommand), so they keep. While NewServer loads the files, before it starts
// the owner, nothing else runs: the job runs in place.
func (c *client) onOwner(job func(c *client)) {
	if c.server.owner == nil {
		job(c)
		return
	}
	if c.master == nil {
		c.server.owner.Do(func() { job(c) })
		return
	}
	detached := &client{server: c.server, store: clientStore{Store: c.store.Store}, conn: c.conn, writer: resp.NewWriter(io.Discard), master: c.master, authenticated: true}
	c.server.owner.Post(func() { job(detached) })
}

// Serve accepts connections on ln, and on what CONFIG SET port and bind listen on in its
// place, until Close is called; then it returns nil.
func (s *Server) Serve(ln net.Listener) error { return s.serve([]net.Listener{ln}) }

// serve is Serve for any number of listeners, as main has one for each address of bind.
func (s *Server) serve(listeners []net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		for _, ln := range listeners {
			ln.Close()
		}
		return nil
	}
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		s.store.expireLoop(&s.hz, s.stop)
	}()
	if a := s.aof.Load(); a != nil {
		s.runInBackground(a)
	}
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		s.replicationCron(s.stop)
	}()
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		s.pushes.run(s.stop)
	}()
	if host, port, ok := strings.Cut(s.config.Repl.ReplicaOf, " "); ok {
		p, _ := strconv.Atoi(port)
		s.owner.Do(func() { s.replicaOf(host, p) })
	}
	s.listeners.Accept(listeners)
	s.mu.Unlock()
	<-s.stop
	if s.stopping() {
		<-s.stopped // a shutdown: return once everything is stopped and written
	}
	return nil
}

// serveConn serves a connection the listeners accepted, in a goroutine of its own.
func (s *Server) serveConn(conn net.Conn) {
	c := s.add(conn)
	if c == nil {
		return
	}
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		defer s.remove(conn)
		c.serve()
	}()
}

// add registers a new client, or turns it away if the server is closing or full.
func (s *Server) add(conn net.Conn) *client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		conn.Close()
		return nil
	}
	if int64(len(s.clients)) >= s.maxClients.Load() {
		s.stats.RejectedConnections.Add(1)
		conn.Write([]byte("-ERR max number of clients reached\r\n"))
		conn.Close()
		return nil
	}
	// Protected mode: a server with no password serves the loopback interface only, and says
	// why to anyone else before it closes (clientAcceptHandler in Redis's networking.c).
	if s.protectedMode.Load() && *s.requirePass.Load() == "" && !fromLoopback(conn) {
		s.stats.RejectedConnections.Add(1)
		conn.Write([]byte(deniedProtectedMode))
		conn.Close()
		return nil
	}
	s.stats.ConnectionsReceived.Add(1)
	c := newClient(s, conn)
	s.clients[conn] = c
	return c
}

// fromLoopback reports whether a client connects from 127.0.0.1 or ::1: those two addresses
// exactly, as Redis checks (islocalClient), not the whole of 127.0.0.0/8.
func fromLoopback(conn net.Conn) bool {
	host, _, _ := net.SplitHostPort(conn.RemoteAddr().String())
	return host == "127.0.0.1" || host == "::1"
}

const deniedProtectedMode = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. " +
	"In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: " +
	"1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, " +
	"however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. " +
	"2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. " +
	"3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. " +
	"4) Setup a an authentication password for the default user. " +
	"NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"

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

// Close stops accepting, closes every client connection, waits until every client
// goroutine has returned, and writes and fsyncs the append-only file. It is the abrupt
// stop; a shutdown (shutdown.go) lets the clients' replies go out first.
func (s *Server) Close() error { return s.stopServing(false) }

// stopServing stops the server. Gracefully, each client finishes the commands it has read
// and its replies are sent (for up to replyDrainTime) before its connection closes;
// otherwise the connections are closed at once.
func (s *Server) stopServing(graceful bool) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	close(s.stop)
	s.closed = true
	for conn := range s.clients {
		if graceful {
			conn.SetReadDeadline(time.Now()) // the goroutine waiting for the client stops waiting
		} else {
			conn.Close() // the goroutine blocked in Read wakes up with an error and returns
		}
	}
	s.mu.Unlock()
	s.listeners.Close() // and wait for the goroutines that accept
	s.owner.Wait()      // from here on, Close alone touches what the owner did
	s.releaseWrites()   // writes held by a shutdown that Close cuts short
	s.replicaOf("", 0)  // stop following a master, if we were
	s.repl.close()      // and end the WAITs
	s.running.Wait()
	var err error
	if a := s.aof.Load(); a != nil {
		err = a.close()
	}
	if graceful {
		close(s.stopped)
	}
	return err
}

// replyDrainTime bounds how long a stopping server waits for a client to read its replies.
const replyDrainTime = time.Second

// client is one connection's state.
type client struct {
	server *Server
	store  clientStore // the keyspace, with the stripes of the running command's keys
	// stripes is the room keyStripes reuses from command to command.
	stripes []int
	batch   batch // the stripes a pipeline's commands hold from one to the next (commands.go)
	conn    net.Conn
	reader  *resp.Reader
	// readWhenReady reads from the socket with a buffer taken once bytes are there, or is nil
	// (readready_unix.go).
	readWhenReady func(resp.Buffers) (int, error)
	writer        *resp.Writer
	output        *output // the replies the client has not read yet (output.go)
	id            int64   // CLIENT ID: unique, increasing, never reused
	name          string  // CLIENT SETNAME
	// authenticated: AUTH or HELLO AUTH gave the password, or there was none to give when the
	// client connected (Redis's c->authenticated).
	authenticated bool
	closing       bool // QUIT was called: close once the reply is sent

	// Replication (replication.go, replica.go): what a replica told us in REPLCONF; its link,
	// once it has sent PSYNC; the master link, on the client that applies its stream; and
	// the offset of this client's last write, for WAIT.
	listeningPort       int
	capaEOF, capaPsync2 bool
	replica             *replicaLink
	// isReplica is replica != nil, for CLIENT KILL TYPE in other clients' goroutines: replica
	// is set under the replication lock, which they do not hold.
	isReplica   atomic.Bool
	master      *masterLink
	writeOffset int64

	// subscribed is the client's channels and patterns (pubsub.go); subscriptionCount is
	// their number, read by publishers (the output buffer's class) as well.
	subscribed        subscriptions
	subscriptionCount atomic.Int32
	resp3             atomic.Bool // HELLO 3: messages go out as push frames

	errorReplies int64 // error replies sent, so that INFO can count the commands that failed
	// logged is the append-only file's offset after this client's last write command: its
	// replies may not be sent before the file holds that much (see flush).
	logged int64
}

func newClient(s *Server, conn net.Conn) *client {
	counted := serverinfo.CountingConn{Conn: conn, Stats: &s.stats} // INFO's byte and system call counts
	c := &client{
		server: s,
		store:  clientStore{Store: s.store},
		conn:   counted,
		id:     s.nextID.Add(1),

		authenticated: *s.requirePass.Load() == "",
	}
	c.output = newOutput(counted, func() outputLimit {
		if c.subscriptionCount.Load() > 0 { // Redis's CLIENT_TYPE_PUBSUB
			return s.outputLimits.Load().pubsub
		}
		return s.outputLimits.Load().normal
	})
	if write := nonBlockingWrite(conn); write != nil {
		c.output.try = func(p []byte) (int, error) {
			n, err := write(p)
			s.stats.CountWrite(n)
			return n, err
		}
		c.output.pushes = s.pushes
	}
	c.output.durable = func(offset int64) error { // the file CONFIG SET may have turned on or off since
		if aof := s.aof.Load(); aof != nil {
			return aof.flush(offset, aof.fsyncPolicy() == "always")
		}
		return nil
	}
	c.readWhenReady = readWhenReady(conn)
	c.writer = resp.NewWriter(c.output)
	c.reader = resp.NewReader(flushBeforeRead{c})
	c.writer.OnError = func(message string) {
		c.errorReplies++
		s.stats.CountError(message)
	}
	return c
}

// serve reads commands and answers them until the client leaves or sends something the
// server cannot parse.
func (c *client) serve() {
	defer func() { release.AfterClient(max(c.reader.Largest(), int64(c.output.most))) }() // what it held goes back
	defer c.leavePubsub()
	defer func() {
		if c.replica != nil {
			c.server.repl.dropReplica(c.replica)
		}
	}()
	defer c.endBatch()
	// Every command's arguments come in one slice, handed back to the reader for the next: no
	// command keeps the slice, only the arguments in it, and a short command saves its largest
	// allocation.
	var last [][]byte
	for {
		c.reader.QueryBufferLimit = c.server.queryBufferLimit.Load() // CONFIG SET may change it
		// The last command's arguments are not kept alive by the slice.
		clear(last[:cap(last)])
		if cap(last) > 1024 {
			last = nil // one huge command does not cost memory for ever
		}
		args, err := c.reader.ReadCommandInto(last)
		last = args
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
			if c.server.stopping() {
				// The server is stopping: the replies go out, then the connection closes.
				c.conn.SetWriteDeadline(time.Now().Add(replyDrainTime))
				c.output.stop(true)
				return
			}
			if errors.Is(err, resp.ErrQueryBufferLimit) {
				slog.Warn("Closing client that reached max query buffer length: id=" + strconv.FormatInt(c.id, 10) + " addr=" + c.conn.RemoteAddr().String())
			}
			c.output.stop(false) // the client is gone: what it did not read is dropped
			return
		}
		replica, replied := c.replica != nil, c.writer.Buffered()
		c.execute(args)
		if replica && c.writer.Buffered() != replied {
			// A replica's link carries the stream one way: a reply in it would be read as part of
			// the stream. Redis drops the reply and the link (_addReplyToBufferOrList in
			// networking.c).
			slog.Warn("Replica generated a reply to command '" + strings.ToLower(string(args[0])) + "', disconnecting it: addr=" + c.conn.RemoteAddr().String())
			c.output.stop(false)
			return
		}
		if c.closing {
			c.flush()
			c.output.stop(true)
			return
		}
	}
}

// flush releases the replies written so far to the client's writer. First, the writes they
// acknowledge go to the append-only file, and with appendfsync always they are fsynced: a
// client is told "OK" only for what is on disk. Redis does the same in beforeSleep: the AOF
// buffer is written (and with always, fsynced) before any reply is sent. If the file cannot
// be written, the connection is dropped rather than a write acknowledged that is not in the
// file.
func (c *client) flush() error {
	c.endBatch() // the replies, the file and the next read may wait: nothing stays locked meanwhile
	if aof := c.server.aof.Load(); aof != nil && c.logged > 0 {
		if err := aof.flush(c.logged, aof.fsyncPolicy() == "always"); err != nil {
			return err
		}
		c.logged = 0
	}
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
	n, err := f.c.conn.Read(p)
	if n > 0 {
		f.c.output.hold() // commands run from here until the next flush
	}
	return n, err
}

// ReadWhenReady is Read for a client waiting for its next command: it holds no buffer while
// it waits (readWhenReady).
func (f flushBeforeRead) ReadWhenReady(buffers resp.Buffers) (int, error) {
	if err := f.c.flush(); err != nil {
		return 0, err
	}
	var n int
	var err error
	if f.c.readWhenReady != nil {
		n, err = f.c.readWhenReady(buffers)
		f.c.server.stats.CountRead(n)
	} else {
		n, err = f.c.conn.Read(buffers.Take())
	}
	if n > 0 {
		f.c.output.hold()
	}
	return n, err
}
