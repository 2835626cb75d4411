package main

import (
	"net"
	"sync"
)

// replyChunkSize is the size of the blocks replies wait in (Redis's PROTO_REPLY_CHUNK_BYTES).
const replyChunkSize = 16 * 1024

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
type output struct {
	conn net.Conn

	mu     sync.Mutex
	held   [][]byte // replies written but not released yet
	queued [][]byte // released replies, for the writer to send in order
	spare  []byte   // a sent chunk, kept for the next replies
	size   int      // bytes written and not sent yet: the output buffer's size
	most   int      // the largest chunk this client has needed: a big reply's size
	err    error    // the write to the client that failed

	wake chan struct{} // tells the writer that replies were released
	done chan struct{} // closed when the writer has returned
}

func newOutput(conn net.Conn) *output {
	return &output{conn: conn, wake: make(chan struct{}, 1), done: make(chan struct{})}
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

// newChunk returns an empty chunk for at least size bytes: the spare one if it will do,
// or one of replyChunkSize, or for a larger reply one just its size.
func (o *output) newChunk(size int) []byte {
	if size <= replyChunkSize && o.spare != nil {
		chunk := o.spare
		o.spare = nil
		return chunk
	}
	o.most = max(o.most, size)
	return make([]byte, 0, max(size, replyChunkSize))
}

// release hands the replies written so far to the writer.
func (o *output) release() {
	o.mu.Lock()
	o.queued = append(o.queued, o.held...)
	clear(o.held)
	o.held = o.held[:0]
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default: // the writer has a wake-up waiting already
	}
}

// run is the client's writer: it sends released replies until stop is called. A failed
// write closes the connection, which ends the reading goroutine too.
func (o *output) run() {
	defer close(o.done)
	for range o.wake {
		for {
			o.mu.Lock()
			batch := o.queued
			o.queued = nil
			o.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			for _, chunk := range batch {
				_, err := o.conn.Write(chunk)
				o.mu.Lock()
				o.size -= len(chunk)
				if cap(chunk) == replyChunkSize {
					o.spare = chunk[:0]
				}
				if err != nil {
					o.err = err
				}
				o.mu.Unlock()
				if err != nil {
					o.conn.Close()
					return
				}
			}
		}
	}
}

// stop ends the writer and waits for it: once every released reply is sent (after QUIT, or a
// protocol error's reply), or at once, dropping what is left (the client is gone).
func (o *output) stop(sendRest bool) {
	if !sendRest {
		o.conn.Close()
	}
	close(o.wake)
	<-o.done
}
