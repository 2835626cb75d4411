package main

import (
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"byoredis/shared/config"
)

// Replies wait in chunks: a small one for a batch's first replies, which is all most
// batches need, then chunks the size of Redis's reply blocks (PROTO_REPLY_CHUNK_BYTES).
const (
	smallChunkSize = 1024
	replyChunkSize = 16 * 1024
)

// output is a client's output buffer: the replies the client has not read yet.
//
// The goroutine that reads and executes a client's commands never waits for the client to
// read. It leaves its replies here and goes on reading; a second goroutine, the client's
// writer, sends them as fast as the client takes them. With one goroutine doing both, a
// client that sends a large batch before it reads any reply (go-redis pipelines and bulk
// loaders do) deadlocks with the server: the server waits for the client to read its replies
// while the client waits for the server to read the rest of the batch. Redis keeps reading
// too: replies wait in the client's output buffer until the socket takes them
// (_addReplyToBufferOrList and writeToClient in networking.c). It grows as large as the
// client makes it, unless client-output-buffer-limit bounds it (see outputLimit).
//
// Replies are written into the buffer as they are made, but the writer sees them only once
// they are released: at the end of each batch, so that a batch's replies go out together.
// The writer runs only while there is something to send, and the chunks come from a pool:
// a client between commands holds neither a goroutine nor a buffer.
type output struct {
	conn  net.Conn
	limit func() outputLimit // the client's class's, as it is now

	mu      sync.Mutex // guards the fields below (GUIDE.md: "Goroutines and locks")
	held    [][]byte   // replies written but not released yet
	queued  [][]byte   // released replies, for the writer to send in order
	writing bool       // the writer goroutine is running
	stopped *sync.Cond // signalled when the writer returns
	size    int        // bytes written and not sent yet: the output buffer's size
	most    int        // the largest chunk this client has needed: a big reply's size
	err     error      // the write to the client that failed, or errOutputLimit
	// softSince is when the size last reached the soft limit; zero while it is below it.
	softSince time.Time
}

// smallChunks and replyChunks are the chunks replies wait in, given back once sent.
var (
	smallChunks = sync.Pool{New: func() any { return new([smallChunkSize]byte) }}
	replyChunks = sync.Pool{New: func() any { return new([replyChunkSize]byte) }}
)

func newOutput(conn net.Conn, limit func() outputLimit) *output {
	o := &output{conn: conn, limit: limit}
	o.stopped = sync.NewCond(&o.mu)
	return o
}

// Write adds replies to the buffer. It never waits for the client.
func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return 0, o.err
	}
	written := len(p)
	o.size += written
	for len(p) > 0 {
		last := len(o.held) - 1
		if last < 0 || len(o.held[last]) == cap(o.held[last]) {
			o.held = append(o.held, o.newChunk(len(p)))
			last++
		}
		n := min(len(p), cap(o.held[last])-len(o.held[last]))
		o.held[last] = append(o.held[last], p[:n]...)
		p = p[n:]
	}
	if o.limit().reached(o.size, &o.softSince) {
		// Redis logs this and closes the client; what it has not read is lost.
		slog.Warn("Client addr=" + o.conn.RemoteAddr().String() + " scheduled to be closed ASAP for overcoming of output buffer limits.")
		o.err = errOutputLimit
		o.conn.Close()
		return 0, o.err
	}
	return written, nil
}

// newChunk returns an empty chunk for at least size bytes: a pooled small one to start a
// batch, then pooled ones of replyChunkSize, or for a larger reply one just its size.
func (o *output) newChunk(size int) []byte {
	if len(o.held) == 0 && size <= smallChunkSize {
		return smallChunks.Get().(*[smallChunkSize]byte)[:0]
	}
	if size <= replyChunkSize {
		return replyChunks.Get().(*[replyChunkSize]byte)[:0]
	}
	o.most = max(o.most, size)
	return make([]byte, 0, size)
}

// release hands the replies written so far to the writer, starting it if it is not running.
func (o *output) release() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.queued = append(o.queued, o.held...)
	clear(o.held)
	o.held = o.held[:0]
	if len(o.queued) > 0 && !o.writing && o.err == nil {
		o.writing = true
		go o.run()
	}
}

// run is the client's writer: it sends released replies until none are left. A failed write
// closes the connection, which ends the reading goroutine too.
func (o *output) run() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for len(o.queued) > 0 && o.err == nil {
		batch := o.queued
		o.queued = nil
		for _, chunk := range batch {
			o.mu.Unlock()
			_, err := o.conn.Write(chunk)
			switch cap(chunk) {
			case smallChunkSize:
				smallChunks.Put((*[smallChunkSize]byte)(chunk[:smallChunkSize]))
			case replyChunkSize:
				replyChunks.Put((*[replyChunkSize]byte)(chunk[:replyChunkSize]))
			}
			o.mu.Lock()
			o.size -= len(chunk)
			if err != nil && o.err == nil {
				o.err = err
				o.conn.Close()
			}
		}
	}
	o.writing = false
	o.stopped.Broadcast()
}

// stop waits for the writer: once every released reply is sent (after QUIT, or a protocol
// error's reply), or at once, dropping what is left (the client is gone).
func (o *output) stop(sendRest bool) {
	if !sendRest {
		o.conn.Close() // a write in progress fails, and the writer returns
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for o.writing {
		o.stopped.Wait()
	}
}

var errOutputLimit = errors.New("output buffer limit reached")

// outputLimit is one class of Redis's client-output-buffer-limit: a client is disconnected
// when its output buffer reaches hard bytes, or stays at soft bytes or more for longer than
// softSeconds. Zero turns a limit off. Redis checks it whenever a reply is added
// (checkClientOutputBufferLimits in networking.c); this server, whenever replies are written
// into the buffer.
type outputLimit struct {
	hard, soft, softSeconds int64
}

func (l outputLimit) reached(size int, softSince *time.Time) bool {
	if l.hard > 0 && int64(size) >= l.hard {
		return true
	}
	if l.soft == 0 || int64(size) < l.soft {
		*softSince = time.Time{}
		return false
	}
	if softSince.IsZero() {
		*softSince = time.Now()
		return false
	}
	return time.Since(*softSince) > time.Duration(l.softSeconds)*time.Second
}

// outputLimits is the client-output-buffer-limit directive: a limit for each class of client,
// in Redis's order. Normal clients have none by default; replicas (step 08) and pub/sub
// subscribers (step 07) do.
type outputLimits struct {
	normal, replica, pubsub outputLimit
}

var defaultOutputLimits = outputLimits{
	replica: outputLimit{hard: 256 << 20, soft: 64 << 20, softSeconds: 60},
	pubsub:  outputLimit{hard: 32 << 20, soft: 8 << 20, softSeconds: 60},
}

// String is what CONFIG GET shows: "normal 0 0 0 slave 268435456 67108864 60 pubsub ...".
func (l outputLimits) String() string {
	var b strings.Builder
	for i, class := range []struct {
		name  string
		limit outputLimit
	}{{"normal", l.normal}, {"slave", l.replica}, {"pubsub", l.pubsub}} {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(class.name + " " + strconv.FormatInt(class.limit.hard, 10) + " " +
			strconv.FormatInt(class.limit.soft, 10) + " " + strconv.FormatInt(class.limit.softSeconds, 10))
	}
	return b.String()
}

// parseOutputLimits reads "<class> <hard> <soft> <soft-seconds>", repeated, into limits:
// the classes named change, the others keep their values. Like Redis
// (updateClientOutputBufferLimit in config.c), it takes all of it or none, with its errors.
func parseOutputLimits(value string, current outputLimits) (outputLimits, error) {
	limits := current
	fields := strings.Fields(value)
	if len(fields)%4 != 0 {
		return current, errors.New("Wrong number of arguments in buffer limit configuration.")
	}
	for i := 0; i < len(fields); i += 4 {
		var class *outputLimit
		switch strings.ToLower(fields[i]) {
		case "normal":
			class = &limits.normal
		case "slave", "replica":
			class = &limits.replica
		case "pubsub":
			class = &limits.pubsub
		default:
			return current, errors.New("Invalid client class specified in buffer limit configuration.")
		}
		hard, hardOK := config.ParseMemory(fields[i+1])
		soft, softOK := config.ParseMemory(fields[i+2])
		seconds, err := strconv.ParseInt(fields[i+3], 10, 64)
		if !hardOK || !softOK || err != nil || seconds < 0 {
			return current, errors.New("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
		}
		*class = outputLimit{hard: hard, soft: soft, softSeconds: seconds}
	}
	return limits, nil
}
