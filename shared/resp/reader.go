// Package resp speaks the Redis Serialization Protocol (RESP) for servers and clients.
//
// A server reads requests with [Reader] and answers with [Writer]; a client (the tests, the
// benchmark) reads answers with [ReplyReader]. The rules, limits and error texts are Redis 7.0's:
// where this package and a real redis-server disagree, the package is wrong.
//
//	r := resp.NewReader(conn)
//	w := resp.NewWriter(conn)
//	for {
//		args, err := r.ReadCommand() // e.g. [][]byte{[]byte("SET"), []byte("k"), []byte("v")}
//		...
//		w.SimpleString("OK")
//		w.Flush()
//	}
package resp

import (
	"bytes"
	"errors"
	"io"
)

// Redis's limits on a request. Each exists so that a client cannot make the server hold
// unbounded memory for a command it has not finished sending.
const (
	// MaxInlineSize is PROTO_INLINE_MAX_SIZE: the longest inline command line, and the
	// longest "*<count>" or "$<length>" header line.
	MaxInlineSize = 64 * 1024
	// MaxBulkLen is proto-max-bulk-len: the largest single argument (512 MiB).
	MaxBulkLen = 512 * 1024 * 1024
	// MaxArgs is the largest argument count Redis 7.0 accepts (INT_MAX).
	MaxArgs = 1<<31 - 1
	// bigArgument is PROTO_MBULK_BIG_ARG: an argument declared longer is believed only once
	// an eighth of it has arrived (see readArgument).
	bigArgument = 32 * 1024
	// chunkSize is the piece an untrusted argument is read in, and partSize the piece a
	// trusted one is (the query buffer limit is checked after each).
	chunkSize = 64 * 1024
	partSize  = 1024 * 1024
)

// ProtocolError is a request the server cannot parse. Redis answers it with
// "-ERR Protocol error: <text>" and then closes the connection, because after a framing error
// it can no longer tell where the next command starts.
type ProtocolError struct{ text string }

func (e *ProtocolError) Error() string { return "Protocol error: " + e.text }

// Reply is the error reply a server sends before closing: "ERR Protocol error: ...".
func (e *ProtocolError) Reply() string { return "ERR " + e.Error() }

// The protocol errors Redis 7.0 sends, with its exact texts.
var (
	ErrInvalidMultibulkLength = &ProtocolError{"invalid multibulk length"}
	ErrInvalidBulkLength      = &ProtocolError{"invalid bulk length"}
	ErrUnbalancedQuotes       = &ProtocolError{"unbalanced quotes in request"}
	ErrTooBigInline           = &ProtocolError{"too big inline request"}
	ErrTooBigMultibulkCount   = &ProtocolError{"too big mbulk count string"}
	ErrTooBigBulkCount        = &ProtocolError{"too big bulk count string"}
)

// errExpectedDollar builds "expected '$', got 'X'" for an array element that is not a bulk string.
func errExpectedDollar(got byte) *ProtocolError {
	return &ProtocolError{"expected '$', got '" + string([]byte{got}) + "'"}
}

// ErrQueryBufferLimit is returned when an argument still arriving holds more bytes than
// the Reader's QueryBufferLimit. Redis closes such a client without a reply, logging
// "Closing client that reached max query buffer length".
var ErrQueryBufferLimit = errors.New("client reached max query buffer length")

// errLineTooLong is returned by readLine when no terminator came within MaxInlineSize bytes;
// the caller turns it into the error Redis gives for that kind of line.
var errLineTooLong = errors.New("line too long")

// Reader reads commands from a client connection. It accepts both forms Redis accepts:
//
//   - the multibulk form every client library sends: "*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n"
//   - the inline form a person types into telnet or nc: "ECHO hi\r\n"
//
// Any number of commands may arrive in one read (pipelining), and a command may arrive split
// across any number of reads: the buffer underneath (buffer.go) hides both.
type Reader struct {
	in readBuffer

	largest int64 // see Largest

	// QueryBufferLimit is Redis's client-query-buffer-limit (1gb by default): the most bytes
	// of an unfinished argument a server holds for a client. Zero means no limit, as for the
	// append-only file, which Redis reads with no limit either.
	QueryBufferLimit int64
}

// NewReader returns a Reader that reads from rd, at most as much at once as Redis reads.
func NewReader(rd io.Reader) *Reader {
	return &Reader{in: readBuffer{rd: rd}}
}

// Buffered reports how many bytes have been read from the connection but not parsed yet.
// Zero means the client has nothing more in flight that the server has seen.
func (r *Reader) Buffered() int { return r.in.buffered() }

// Peek returns the first byte of the next request without consuming it: '*' for the
// multibulk form. A reader of files that must hold multibulk requests only (an append-only
// file) checks it before ReadCommand. At the end of the input it returns io.EOF.
func (r *Reader) Peek() (byte, error) { return r.in.peekByte() }

// SkipLine discards the input up to and including the next newline. An append-only file
// may hold annotation lines between its commands ("#TS:1700000000\r\n"), which its reader
// skips, as Redis does.
func (r *Reader) SkipLine() error {
	_, err := r.readLine('\n', MaxInlineSize)
	return err
}

// ReadCommand returns the next command's arguments; args[0] is the command name. Empty inline
// lines and "*0"/"*-1" headers are skipped, as Redis skips them. The error is io.EOF when the
// client closed between commands, a *ProtocolError for a malformed request, or the I/O error.
func (r *Reader) ReadCommand() ([][]byte, error) { return r.ReadCommandInto(nil) }

// ReadCommandInto is ReadCommand with the arguments of a multibulk command appended to
// args[:0], in its room while it has some: a caller that keeps no command's slice can hand the
// last one back and save an allocation a command.
func (r *Reader) ReadCommandInto(args [][]byte) ([][]byte, error) {
	for {
		first, err := r.in.peekByte()
		if err != nil {
			return nil, err
		}
		if first == '*' {
			args, err = r.readMultibulk(args[:0])
		} else {
			args, err = r.readInline()
		}
		if err != nil || len(args) > 0 {
			return args, err
		}
	}
}

// readMultibulk reads "*<count>\r\n" followed by count bulk strings "$<len>\r\n<bytes>\r\n",
// appended to args.
func (r *Reader) readMultibulk(args [][]byte) ([][]byte, error) {
	r.in.discard(1) // the '*' that ReadCommand peeked at
	count, ok, err := r.readHeader()
	if errors.Is(err, errLineTooLong) {
		return nil, ErrTooBigMultibulkCount
	}
	if err != nil {
		return nil, err
	}
	if !ok || count > MaxArgs {
		return nil, ErrInvalidMultibulkLength
	}
	if count <= 0 {
		return nil, nil
	}
	// The count is only a claim: allocate for what is likely, and grow the slice as arguments
	// really arrive, so "*2147483647\r\n" followed by nothing costs nothing.
	if cap(args) == 0 {
		args = make([][]byte, 0, min(count, 1024))
	}
	for range count {
		arg, err := r.readBulk()
		if err != nil {
			return nil, err
		}
		if len(args) == cap(args) {
			args = growArgs(args, count)
		}
		args = append(args, arg)
	}
	return args, nil
}

// growArgs makes room for more arguments as Redis grows a client's argv: twice the room, but
// never past the count the header declared. A command of a million arguments then ends in one
// array of its exact size and leaves behind less than twice that as garbage; append's own
// growth, a quarter at a time past 256 elements, leaves more than four times that.
func growArgs(args [][]byte, count int64) [][]byte {
	room := min(max(int64(cap(args)), 1024), count-int64(len(args)))
	grown := make([][]byte, len(args), int64(len(args))+room)
	copy(grown, args)
	return grown
}

// readBulk reads one "$<len>\r\n<bytes>\r\n" element of a multibulk request.
func (r *Reader) readBulk() ([]byte, error) {
	prefix, err := r.in.readByte()
	if err != nil {
		return nil, noEOF(err)
	}
	if prefix != '$' {
		return nil, errExpectedDollar(prefix)
	}
	size, ok, err := r.readHeader()
	if errors.Is(err, errLineTooLong) {
		return nil, ErrTooBigBulkCount
	}
	if err != nil {
		return nil, err
	}
	if !ok || size < 0 || size > MaxBulkLen {
		return nil, ErrInvalidBulkLength
	}
	arg, err := r.readArgument(size)
	if err != nil {
		return nil, err
	}
	// Redis skips the two bytes after the data without checking that they are "\r\n"
	// ("*1\r\n$4\r\nPINGXX" is a PING), so we do too.
	if err := r.in.discard(2); err != nil {
		return nil, noEOF(err)
	}
	return arg, nil
}

// readArgument reads an argument's bytes into one buffer of its final size, the buffer the
// command keeps: one copy, from the read buffer (or none: bufio reads a long stretch straight
// into it). Like the count, the length is a claim. Up to bigArgument (Redis's
// PROTO_MBULK_BIG_ARG) it is believed at once; past it, once an eighth of the bytes has
// arrived, held meanwhile in chunks that are copied into the final buffer. So a header with
// nothing behind it costs nothing, a client must send an eighth of what it wants the server to
// hold, and a whole argument costs its size and an eighth (Redis: its size).
func (r *Reader) readArgument(size int64) ([]byte, error) {
	if size <= bigArgument {
		arg := make([]byte, size)
		if err := r.in.readFull(arg); err != nil {
			return nil, noEOF(err)
		}
		return arg, nil
	}
	var chunks [][]byte
	var received int64
	for received < size/8 {
		chunk := make([]byte, min(size/8-received, chunkSize))
		if err := r.readPart(chunk, received); err != nil {
			return nil, err
		}
		chunks = append(chunks, chunk)
		received += int64(len(chunk))
	}
	arg := make([]byte, size)
	at := 0
	for _, chunk := range chunks {
		at += copy(arg[at:], chunk)
	}
	for int64(at) < size {
		part := arg[at:min(int64(at)+partSize, size)]
		if err := r.readPart(part, int64(at)); err != nil {
			return nil, err
		}
		at += len(part)
	}
	return arg, nil
}

// readPart reads len(part) bytes of an argument of which received have arrived before, and
// checks the client-query-buffer-limit as they come.
func (r *Reader) readPart(part []byte, received int64) error {
	if err := r.in.readFull(part); err != nil {
		return noEOF(err)
	}
	if r.largest < received+int64(len(part)) {
		r.largest = received + int64(len(part))
	}
	if r.QueryBufferLimit > 0 && received+int64(len(part)) > r.QueryBufferLimit {
		return ErrQueryBufferLimit
	}
	return nil
}

// Held returns the size of the buffer the reader holds now: 0 while a reader of a
// ReadyReader waits for its next command.
func (r *Reader) Held() int { return cap(r.in.buf) }

// Largest returns the most bytes of one argument this reader has held, whole or still
// arriving, or of its buffer grown for a long line: a server can tell from it that a client
// cost a lot of memory.
func (r *Reader) Largest() int64 { return max(r.largest, int64(r.in.most)) }

// readHeader reads the number of a "*<count>" or "$<len>" header; ok is false when it is not
// a valid integer. Redis looks for the '\r' and skips the byte after it without checking that
// it is '\n'. The length limit counts the '*' or '$' already consumed, as Redis counts its
// query buffer from there.
func (r *Reader) readHeader() (n int64, ok bool, err error) {
	line, err := r.readLine('\r', MaxInlineSize-1)
	if err != nil {
		return 0, false, err
	}
	n, ok = parseInt(line) // parse before the next read reuses the buffer line points into
	if err := r.in.discard(1); err != nil {
		return 0, false, noEOF(err)
	}
	return n, ok, nil
}

// readLine returns the bytes before the next terminator and consumes the terminator. It fails
// with errLineTooLong as soon as more than limit bytes are buffered with no terminator among
// them, rather than waiting for a terminator that may never come. Like Redis, it checks the
// limit only while no terminator has arrived: a line whose end is already in the buffer is
// accepted, so where a long line fails depends on how it was read (in 16 KiB chunks, as Redis
// reads). The returned slice may point into the read buffer: it is valid until the next read.
func (r *Reader) readLine(terminator byte, limit int) ([]byte, error) {
	in := &r.in
	scanned := 0 // bytes after in.r known to hold no terminator
	for {
		if i := bytes.IndexByte(in.buf[in.r+scanned:in.w], terminator); i >= 0 {
			line := in.buf[in.r : in.r+scanned+i]
			in.r += scanned + i + 1
			return line, nil
		}
		scanned = in.w - in.r
		if scanned > limit {
			return nil, errLineTooLong
		}
		if err := in.fill(); err != nil {
			return nil, noEOF(err)
		}
	}
}

// readInline reads one inline command line and splits it into arguments.
func (r *Reader) readInline() ([][]byte, error) {
	line, err := r.readLine('\n', MaxInlineSize)
	if errors.Is(err, errLineTooLong) {
		return nil, ErrTooBigInline
	}
	if err != nil {
		return nil, err
	}
	line = bytes.TrimSuffix(line, []byte("\r"))
	args, ok := SplitArgs(line) // copies the arguments out of the read buffer
	if !ok {
		return nil, ErrUnbalancedQuotes
	}
	return args, nil
}

// noEOF turns an io.EOF in the middle of a command into io.ErrUnexpectedEOF, so that callers
// can tell "the client left between commands" from "the client left halfway through one".
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// parseInt parses a decimal int64 the way Redis's string2ll does: an optional '-', then either
// "0" alone or a digit 1-9 followed by digits. No '+', no spaces, no leading zeros, no overflow.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	negative := b[0] == '-'
	if negative {
		b = b[1:]
	}
	if len(b) == 0 || b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (1<<64-1-uint64(c-'0'))/10 { // n*10 + digit would overflow
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if negative {
		if n > 1<<63 {
			return 0, false
		}
		return -int64(n), true
	}
	if n > 1<<63-1 {
		return 0, false
	}
	return int64(n), true
}

// ParseInt parses a decimal integer with Redis's strict rules (see parseInt). Commands use it
// for numeric arguments, so "INCRBY k +1" and "INCRBY k 01" fail exactly as they do in Redis.
func ParseInt(b []byte) (int64, bool) { return parseInt(b) }
