package resp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Kind is a reply's type byte, as it appears on the wire.
type Kind byte

// The RESP2 and RESP3 reply types.
const (
	SimpleString Kind = '+'
	Error        Kind = '-'
	Integer      Kind = ':'
	BulkString   Kind = '$'
	Array        Kind = '*'
	Null         Kind = '_'
	Double       Kind = ','
	Boolean      Kind = '#'
	BigNumber    Kind = '('
	BlobError    Kind = '!'
	Verbatim     Kind = '='
	Map          Kind = '%'
	Set          Kind = '~'
	Attribute    Kind = '|'
	Push         Kind = '>'
)

// Value is one reply as a client sees it.
type Value struct {
	Kind Kind
	// Str holds the text of a simple string, error, bulk string, double, big number or
	// verbatim string (without its "txt:" prefix), and "t"/"f" for a boolean.
	Str string
	// Int holds an integer, and a boolean as 1/0.
	Int int64
	// Elems holds the elements of an array, set or push, and the keys and values of a map
	// in turn (k1, v1, k2, v2, ...).
	Elems []Value
	// IsNull is set for RESP3 null and for RESP2's null bulk string ($-1) and null array (*-1).
	IsNull bool
	// Attrs holds the attribute map (RESP3 "|") sent before this reply, if any.
	Attrs []Value
}

// String renders v the way redis-cli does, on one line, for test failure messages.
func (v Value) String() string {
	switch {
	case v.IsNull:
		return "(nil)"
	case v.Kind == Integer:
		return "(integer) " + strconv.FormatInt(v.Int, 10)
	case v.Kind == Error:
		return "(error) " + v.Str
	case v.Kind == Array || v.Kind == Set || v.Kind == Push || v.Kind == Map:
		parts := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			parts[i] = e.String()
		}
		return "[" + strings.Join(parts, ", ") + "]"
	default:
		return strconv.Quote(v.Str)
	}
}

// ReplyReader reads replies from a server. Besides the parsed Value it keeps the exact bytes
// of the last reply, so that tests can compare two servers byte for byte.
type ReplyReader struct {
	br  *bufio.Reader
	raw []byte
}

// NewReplyReader returns a ReplyReader reading from rd.
func NewReplyReader(rd io.Reader) *ReplyReader {
	return &ReplyReader{br: bufio.NewReader(rd)}
}

// Raw returns the exact bytes of the reply ReadReply returned last, attributes included.
func (r *ReplyReader) Raw() []byte { return r.raw }

// ReadReply reads one complete reply. An error reply is a Value of Kind Error, not a Go error:
// the Go error is for I/O failures and malformed replies.
func (r *ReplyReader) ReadReply() (Value, error) {
	r.raw = r.raw[:0]
	return r.read()
}

func (r *ReplyReader) read() (Value, error) {
	line, err := r.line()
	if err != nil {
		return Value{}, err
	}
	if len(line) == 0 {
		return Value{}, errors.New("resp: empty reply line")
	}
	v := Value{Kind: Kind(line[0])}
	text := string(line[1:])
	switch v.Kind {
	case SimpleString, Error, Double, BigNumber:
		v.Str = text
	case Integer:
		v.Int, err = strconv.ParseInt(text, 10, 64)
	case Null:
		v.IsNull = true
	case Boolean:
		if text != "t" && text != "f" {
			return v, fmt.Errorf("resp: bad boolean %q", text)
		}
		v.Str = text
		if text == "t" {
			v.Int = 1
		}
	case BulkString, BlobError, Verbatim:
		err = r.readBlob(&v, text)
	case Array, Set, Push, Map, Attribute:
		err = r.readAggregate(&v, text)
	default:
		return v, fmt.Errorf("resp: unknown reply type %q", line[0])
	}
	if err != nil || v.Kind != Attribute {
		return v, err
	}
	// An attribute describes the reply that follows it; return that reply carrying it.
	next, err := r.read()
	next.Attrs = v.Elems
	return next, err
}

// Skip reads one complete reply and returns its kind, without building it or keeping its
// bytes: a load generator counts replies and errors, and keeps nothing. An attribute is
// skipped with the reply it describes.
func (r *ReplyReader) Skip() (Kind, error) {
	r.raw = r.raw[:0]
	line, err := r.line()
	if err != nil {
		return 0, err
	}
	if len(line) == 0 {
		return 0, errors.New("resp: empty reply line")
	}
	kind := Kind(line[0])
	n, _ := ParseInt(line[1:])
	switch kind {
	case BulkString, BlobError, Verbatim:
		if n >= 0 {
			if _, err := r.br.Discard(int(n) + 2); err != nil {
				return kind, noEOF(err)
			}
		}
	case Array, Set, Push, Map, Attribute:
		if kind == Map || kind == Attribute {
			n *= 2
		}
		for range max(n, 0) {
			if _, err := r.Skip(); err != nil {
				return kind, noEOF(err)
			}
		}
		if kind == Attribute {
			return r.Skip()
		}
	}
	if kind == BlobError {
		kind = Error
	}
	return kind, nil
}

// readBlob reads the body of "$<len>", "!<len>" or "=<len>"; len -1 is RESP2's null bulk.
func (r *ReplyReader) readBlob(v *Value, length string) error {
	n, err := strconv.Atoi(length)
	if err != nil || n < -1 {
		return fmt.Errorf("resp: bad length %q", length)
	}
	if n == -1 {
		v.IsNull = true
		return nil
	}
	body := make([]byte, n+2)
	if _, err := io.ReadFull(r.br, body); err != nil {
		return noEOF(err)
	}
	r.raw = append(r.raw, body...)
	if string(body[n:]) != "\r\n" {
		return errors.New("resp: blob not followed by CRLF")
	}
	v.Str = string(body[:n])
	if v.Kind == Verbatim {
		if n < 4 || v.Str[3] != ':' {
			return fmt.Errorf("resp: bad verbatim string %q", v.Str)
		}
		v.Str = v.Str[4:]
	}
	if v.Kind == BlobError {
		v.Kind = Error
	}
	return nil
}

// readAggregate reads the elements of an array, set, push, map or attribute; -1 is RESP2's
// null array.
func (r *ReplyReader) readAggregate(v *Value, count string) error {
	n, err := strconv.Atoi(count)
	if err != nil || n < -1 {
		return fmt.Errorf("resp: bad count %q", count)
	}
	if n == -1 {
		v.IsNull = true
		return nil
	}
	if v.Kind == Map || v.Kind == Attribute {
		n *= 2
	}
	v.Elems = make([]Value, 0, min(n, 1024))
	for range n {
		e, err := r.read()
		if err != nil {
			return noEOF(err)
		}
		v.Elems = append(v.Elems, e)
	}
	return nil
}

// line reads up to CRLF and returns the line without it.
func (r *ReplyReader) line() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, errors.New("resp: reply line too long")
	}
	if err != nil {
		if len(r.raw) > 0 || len(line) > 0 {
			return nil, noEOF(err)
		}
		return nil, err
	}
	r.raw = append(r.raw, line...)
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, errors.New("resp: reply line not ended by CRLF")
	}
	return line[:len(line)-2], nil
}
