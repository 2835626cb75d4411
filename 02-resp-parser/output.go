package main

import (
	"net"
	"sync"
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
// (_addReplyToBufferOrList and writeToClient in networking.c), however large it grows.
//
// Replies are written into the buffer as they are made, but the writer sees them only once
// they are released: at the end of each batch, so that a batch's replies go out together.
// The writer runs only while there is something to send, and the chunks come from a pool:
// a client between commands holds neither a goroutine nor a buffer.
type output struct {
	conn net.Conn

	mu      sync.Mutex
	held    [][]byte   // replies written but not released yet
	queued  [][]byte   // released replies, for the writer to send in order
	writing bool       // the writer goroutine is running
	stopped *sync.Cond // signalled when the writer returns
	size    int        // bytes written and not sent yet: the output buffer's size
	most    int        // the largest chunk this client has needed: a big reply's size
	err     error      // the write to the client that failed
}

// smallChunks and replyChunks are the chunks replies wait in, given back once sent.
var (
	smallChunks = sync.Pool{New: func() any { return new([smallChunkSize]byte) }}
	replyChunks = sync.Pool{New: func() any { return new([replyChunkSize]byte) }}
)

func newOutput(conn net.Conn) *output {
	o := &output{conn: conn}
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
