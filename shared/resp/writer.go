package resp

import (
	"io"
	"math"
	"strconv"
	"strings"
)

// Writer writes replies for one connection. It speaks the protocol version the client chose
// with HELLO: RESP2 (the default on a new connection) or RESP3. A command writes the RESP3
// shape it means (a map, a null, a double) and the Writer sends the RESP2 form of it to a RESP2
// client, exactly as Redis's addReply* functions do: a map becomes a flat array, a double a
// bulk string, a boolean an integer, and so on.
//
// Replies are buffered; nothing reaches the client until Flush.
type Writer struct {
	out      writeBuffer
	protocol int
	scratch  []byte // for formatting numbers without allocating

	// OnError, when set, is called with every error reply's message, so that a server can
	// count its errors (INFO's errorstats) without looking at the bytes.
	OnError func(message string)
}

// NewWriter returns a RESP2 Writer buffering writes to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{out: writeBuffer{w: w}, protocol: 2}
}

// Protocol returns 2 or 3.
func (w *Writer) Protocol() int { return w.protocol }

// SetProtocol switches the connection to RESP2 or RESP3 (HELLO 2, HELLO 3).
func (w *Writer) SetProtocol(version int) { w.protocol = version }

// Flush sends everything buffered to the client.
func (w *Writer) Flush() error { return w.out.flush() }

// Buffered returns how many bytes are waiting for Flush.
func (w *Writer) Buffered() int { return w.out.buffered() }

// SimpleString writes "+OK\r\n". s must not contain CR or LF.
func (w *Writer) SimpleString(s string) {
	w.out.writeByte('+')
	w.out.writeString(s)
	w.out.writeString("\r\n")
}

// Error writes an error reply. msg starts with its code, as in "ERR syntax error" or
// "WRONGTYPE Operation against ..."; CR and LF in it become spaces, as Redis makes them,
// because an error reply is a single line.
func (w *Writer) Error(msg string) {
	if w.OnError != nil {
		w.OnError(msg)
	}
	w.out.writeByte('-')
	if strings.ContainsAny(msg, "\r\n") {
		msg = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, msg)
	}
	w.out.writeString(msg)
	w.out.writeString("\r\n")
}

// Integer writes ":42\r\n".
func (w *Writer) Integer(n int64) {
	w.header(':', n)
}

// Bulk writes a bulk string: "$5\r\nhello\r\n".
func (w *Writer) Bulk(b []byte) {
	w.header('$', int64(len(b)))
	w.out.write(b)
	w.out.writeString("\r\n")
}

// BulkString is Bulk for a string.
func (w *Writer) BulkString(s string) {
	w.header('$', int64(len(s)))
	w.out.writeString(s)
	w.out.writeString("\r\n")
}

// Null writes the absence of a value: "_\r\n" in RESP3, the null bulk string "$-1\r\n" in
// RESP2 (GET on a missing key).
func (w *Writer) Null() {
	if w.protocol == 3 {
		w.out.writeString("_\r\n")
	} else {
		w.out.writeString("$-1\r\n")
	}
}

// NullArray writes the absence of an aggregate: "_\r\n" in RESP3, the null array "*-1\r\n" in
// RESP2 (a BLPOP that timed out).
func (w *Writer) NullArray() {
	if w.protocol == 3 {
		w.out.writeString("_\r\n")
	} else {
		w.out.writeString("*-1\r\n")
	}
}

// Array starts an array of n elements; the caller then writes the n elements.
func (w *Writer) Array(n int) { w.header('*', int64(n)) }

// Map starts a map of n key/value pairs; the caller then writes 2n elements. RESP2 has no
// map, so a RESP2 client gets a flat array of 2n elements.
func (w *Writer) Map(n int) {
	if w.protocol == 3 {
		w.header('%', int64(n))
	} else {
		w.header('*', 2*int64(n))
	}
}

// Set starts a set of n elements (an array in RESP2).
func (w *Writer) Set(n int) {
	if w.protocol == 3 {
		w.header('~', int64(n))
	} else {
		w.header('*', int64(n))
	}
}

// Push starts an out-of-band push message of n elements, such as a pub/sub message (an
// array in RESP2).
func (w *Writer) Push(n int) {
	if w.protocol == 3 {
		w.header('>', int64(n))
	} else {
		w.header('*', int64(n))
	}
}

// Double writes a floating point number: ",1.5\r\n" in RESP3, the bulk string "1.5" in RESP2.
// Digits as Redis prints them ("%.17g"), with "inf", "-inf" and "nan".
func (w *Writer) Double(f float64) {
	var s string
	switch {
	case math.IsInf(f, 1):
		s = "inf"
	case math.IsInf(f, -1):
		s = "-inf"
	case math.IsNaN(f):
		s = "nan"
	default:
		s = strconv.FormatFloat(f, 'g', 17, 64)
	}
	if w.protocol == 3 {
		w.out.writeByte(',')
		w.out.writeString(s)
		w.out.writeString("\r\n")
	} else {
		w.BulkString(s)
	}
}

// Boolean writes "#t\r\n" or "#f\r\n" in RESP3, ":1\r\n" or ":0\r\n" in RESP2.
func (w *Writer) Boolean(b bool) {
	switch {
	case w.protocol == 3 && b:
		w.out.writeString("#t\r\n")
	case w.protocol == 3:
		w.out.writeString("#f\r\n")
	case b:
		w.out.writeString(":1\r\n")
	default:
		w.out.writeString(":0\r\n")
	}
}

// BigNumber writes an integer too large for int64, given as decimal digits: "(123...\r\n" in
// RESP3, a bulk string in RESP2.
func (w *Writer) BigNumber(digits string) {
	if w.protocol == 3 {
		w.out.writeByte('(')
		w.out.writeString(digits)
		w.out.writeString("\r\n")
	} else {
		w.BulkString(digits)
	}
}

// Verbatim writes text with a three-letter format ("txt" or "mkd"): "=9\r\ntxt:hello\r\n" in
// RESP3 (the length counts the "txt:" prefix), a plain bulk string in RESP2. INFO uses it.
func (w *Writer) Verbatim(format, text string) {
	if w.protocol != 3 {
		w.BulkString(text)
		return
	}
	w.header('=', int64(len(format)+1+len(text)))
	w.out.writeString(format)
	w.out.writeByte(':')
	w.out.writeString(text)
	w.out.writeString("\r\n")
}

// header writes a type byte, a decimal number and CRLF: "*3\r\n", "$5\r\n", ":42\r\n".
func (w *Writer) header(prefix byte, n int64) {
	w.scratch = append(w.scratch[:0], prefix)
	w.scratch = strconv.AppendInt(w.scratch, n, 10)
	w.scratch = append(w.scratch, '\r', '\n')
	w.out.write(w.scratch)
}
