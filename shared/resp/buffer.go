package resp

import (
	"io"
	"sync"
)

const (
	// readBufferSize is how much Redis reads from a socket at once (PROTO_IOBUF_LEN).
	readBufferSize = 16 * 1024
	// idleBufferSize is the buffer a connection waits for its next command with: a batch of
	// pipelined commands up to this size arrives in one read, and its replies leave in one
	// write; a larger one takes a second read, and its replies two writes.
	idleBufferSize = 1024
)

// readBuffers are the 16 KiB buffers that connections read with while bytes are arriving.
// A connection waiting for its next command holds none, only its 1 KiB idle buffer, or no
// buffer at all when it reads from a ReadyReader. (Redis frees an idle client's query buffer
// too, in clientsCronResizeQueryBuffer.)
var readBuffers = sync.Pool{New: func() any { return new([readBufferSize]byte) }}

// readBuffer holds what was read from a connection and not parsed yet: buf[r:w].
//
// A read waits in the idle buffer, which takes a short command whole. When more arrives
// than it holds, the bytes move to a pooled 16 KiB buffer, and once everything in that one
// is parsed it goes back to the pool. A line that fills the buffer before its end arrives
// (an inline command, up to 64 KiB) gets a bigger one, so that it waits whole, as in
// Redis's query buffer.
type readBuffer struct {
	rd     io.Reader
	buf    []byte
	r, w   int
	pooled *[readBufferSize]byte // buf, when it came from readBuffers
	idle   *[idleBufferSize]byte // made at the first wait, unless rd is a ReadyReader
	most   int                   // the largest buffer a line has needed
}

// A ReadyReader waits for bytes to arrive before it takes a buffer to read them into, so
// that a connection waiting for its next command holds none: Go's conn.Read waits with the
// caller's buffer in hand, where Redis's event loop reads only once epoll says that bytes
// are there. ReadWhenReady calls Take each time it tries a read, and GiveBack when the try
// found nothing and it is about to wait; the bytes it reports are in the last buffer taken.
type ReadyReader interface {
	io.Reader
	ReadWhenReady(buffers Buffers) (int, error)
}

// Buffers lends a ReadyReader the buffer for one read.
type Buffers interface {
	Take() []byte
	GiveBack()
}

// Take hands a ReadyReader a pooled buffer to read into.
func (b *readBuffer) Take() []byte {
	if b.pooled == nil {
		b.pooled = readBuffers.Get().(*[readBufferSize]byte)
	}
	b.buf = b.pooled[:]
	return b.buf
}

// GiveBack returns the buffer a ReadyReader found nothing to read into.
func (b *readBuffer) GiveBack() {
	b.giveBack()
	b.buf = nil
}

// buffered returns how many bytes are read and not parsed yet.
func (b *readBuffer) buffered() int { return b.w - b.r }

// fill reads more bytes after the unparsed ones. It returns an error only when it read
// nothing.
func (b *readBuffer) fill() error {
	switch {
	case b.r == b.w: // everything is parsed: wait without a buffer, or in the idle one
		b.giveBack()
		b.buf, b.r, b.w = nil, 0, 0
		if ready, ok := b.rd.(ReadyReader); ok {
			return b.fillWhenReady(ready)
		}
		if b.idle == nil {
			b.idle = new([idleBufferSize]byte)
		}
		b.buf = b.idle[:]
	case b.w == len(b.buf):
		b.makeRoom()
	}
	for range 100 { // a reader that returns neither bytes nor an error, as bufio allows
		n, err := b.rd.Read(b.buf[b.w:])
		b.w += n
		if n > 0 {
			return nil // an error comes back on the next read
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

// fillWhenReady reads into a buffer taken once bytes are there.
func (b *readBuffer) fillWhenReady(ready ReadyReader) error {
	for range 100 {
		n, err := ready.ReadWhenReady(b)
		b.w += n
		if n > 0 {
			return nil
		}
		b.GiveBack()
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

// makeRoom moves the unparsed bytes to the front of a buffer with space after them: a
// pooled one if they were in the idle buffer, a bigger one if they fill the one they are in.
func (b *readBuffer) makeRoom() {
	unparsed := b.w - b.r
	dst, pooled := b.buf, b.pooled
	switch {
	case b.pooled == nil && b.idle != nil && len(b.buf) == idleBufferSize:
		pooled = readBuffers.Get().(*[readBufferSize]byte)
		dst = pooled[:]
	case unparsed == len(b.buf):
		dst, pooled = make([]byte, min(2*len(b.buf), MaxInlineSize+readBufferSize)), nil
		b.most = max(b.most, len(dst))
	}
	copy(dst, b.buf[b.r:b.w])
	if pooled != b.pooled {
		b.giveBack()
	}
	b.buf, b.pooled, b.r, b.w = dst, pooled, 0, unparsed
}

// giveBack returns a pooled buffer to the pool.
func (b *readBuffer) giveBack() {
	if b.pooled != nil {
		readBuffers.Put(b.pooled)
		b.pooled = nil
	}
}

// peekByte returns the next byte without consuming it.
func (b *readBuffer) peekByte() (byte, error) {
	for b.r == b.w {
		if err := b.fill(); err != nil {
			return 0, err
		}
	}
	return b.buf[b.r], nil
}

// readByte consumes the next byte.
func (b *readBuffer) readByte() (byte, error) {
	c, err := b.peekByte()
	if err == nil {
		b.r++
	}
	return c, err
}

// discard consumes n bytes.
func (b *readBuffer) discard(n int) error {
	for n > 0 {
		if b.r == b.w {
			if err := b.fill(); err != nil {
				return err
			}
		}
		k := min(n, b.w-b.r)
		b.r += k
		n -= k
	}
	return nil
}

// readFull fills p: first from the buffer, then, for a stretch longer than the idle buffer,
// straight from the connection, with no copy through the buffer. (Through the idle buffer, a
// 16 KiB value arriving after its header took sixteen reads of 1 KiB.)
func (b *readBuffer) readFull(p []byte) error {
	n := copy(p, b.buf[b.r:b.w])
	b.r += n
	p = p[n:]
	if len(p) >= idleBufferSize {
		_, err := io.ReadFull(b.rd, p)
		return err
	}
	for len(p) > 0 {
		if err := b.fill(); err != nil {
			return err
		}
		n := copy(p, b.buf[b.r:b.w])
		b.r += n
		p = p[n:]
	}
	return nil
}

// writeBufferSize is how much of a connection's replies are gathered before they are handed
// on, as bufio.Writer would, and the size of Redis's per-client reply buffer
// (PROTO_REPLY_CHUNK_BYTES).
const writeBufferSize = 16 * 1024

// writeBuffers are the buffers replies are gathered in, taken when a reply is written and
// given back when they are flushed: a connection between commands holds none.
var writeBuffers = sync.Pool{New: func() any { return new([writeBufferSize]byte) }}

// writeBuffer gathers small writes into one, like bufio.Writer, with a pooled buffer.
type writeBuffer struct {
	w      io.Writer
	buf    []byte
	pooled *[writeBufferSize]byte
	err    error // the first write that failed; every later one fails with it
}

func (b *writeBuffer) buffered() int { return len(b.buf) }

// write gathers p, or for a long p with nothing gathered before it, hands it straight on.
func (b *writeBuffer) write(p []byte) {
	if b.err == nil && b.pooled == nil && len(p) >= writeBufferSize {
		_, b.err = b.w.Write(p)
		return
	}
	gather(b, p)
}

func (b *writeBuffer) writeString(s string) { gather(b, s) }

func (b *writeBuffer) writeByte(c byte) { gather(b, []byte{c}) }

// gather copies p into the buffer, taking one from the pool first if needed, and hands the
// buffer on each time it is full.
func gather[Bytes string | []byte](b *writeBuffer, p Bytes) {
	for len(p) > 0 && b.err == nil {
		if b.pooled == nil {
			b.pooled = writeBuffers.Get().(*[writeBufferSize]byte)
			b.buf = b.pooled[:0]
		}
		n := copy(b.buf[len(b.buf):cap(b.buf)], p)
		b.buf = b.buf[:len(b.buf)+n]
		p = p[n:]
		if len(b.buf) == cap(b.buf) {
			b.flush()
		}
	}
}

// flush hands on what was gathered and gives the buffer back.
func (b *writeBuffer) flush() error {
	if b.pooled != nil {
		if b.err == nil && len(b.buf) > 0 {
			_, b.err = b.w.Write(b.buf)
		}
		writeBuffers.Put(b.pooled)
		b.pooled, b.buf = nil, nil
	}
	return b.err
}
