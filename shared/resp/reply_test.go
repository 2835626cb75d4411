package resp

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReplyReaderParsesEveryType(t *testing.T) {
	tests := []struct {
		wire string
		want Value
	}{
		{"+OK\r\n", Value{Kind: SimpleString, Str: "OK"}},
		{"-ERR syntax error\r\n", Value{Kind: Error, Str: "ERR syntax error"}},
		{":-42\r\n", Value{Kind: Integer, Int: -42}},
		{"$5\r\nhe\r\no\r\n", Value{Kind: BulkString, Str: "he\r\no"}},
		{"$-1\r\n", Value{Kind: BulkString, IsNull: true}},
		{"*-1\r\n", Value{Kind: Array, IsNull: true}},
		{"_\r\n", Value{Kind: Null, IsNull: true}},
		{",1.5\r\n", Value{Kind: Double, Str: "1.5"}},
		{"#t\r\n", Value{Kind: Boolean, Str: "t", Int: 1}},
		{"(12345678901234567890\r\n", Value{Kind: BigNumber, Str: "12345678901234567890"}},
		{"!9\r\nERR oops!\r\n", Value{Kind: Error, Str: "ERR oops!"}},
		{"=9\r\ntxt:hello\r\n", Value{Kind: Verbatim, Str: "hello"}},
		{"*2\r\n:1\r\n$1\r\na\r\n", Value{Kind: Array, Elems: []Value{{Kind: Integer, Int: 1}, {Kind: BulkString, Str: "a"}}}},
		{"%1\r\n+k\r\n:1\r\n", Value{Kind: Map, Elems: []Value{{Kind: SimpleString, Str: "k"}, {Kind: Integer, Int: 1}}}},
		{"~1\r\n:1\r\n", Value{Kind: Set, Elems: []Value{{Kind: Integer, Int: 1}}}},
		{">2\r\n+message\r\n:1\r\n", Value{Kind: Push, Elems: []Value{{Kind: SimpleString, Str: "message"}, {Kind: Integer, Int: 1}}}},
		{"|1\r\n+ttl\r\n:3\r\n+OK\r\n", Value{Kind: SimpleString, Str: "OK", Attrs: []Value{{Kind: SimpleString, Str: "ttl"}, {Kind: Integer, Int: 3}}}},
	}
	for _, tt := range tests {
		r := NewReplyReader(strings.NewReader(tt.wire + "+NEXT\r\n"))
		got, err := r.ReadReply()
		require.NoError(t, err, tt.wire)
		assert.Equal(t, tt.want, got, tt.wire)
		assert.Equal(t, tt.wire, string(r.Raw()), "raw bytes of %q", tt.wire)
		next, err := r.ReadReply()
		require.NoError(t, err)
		assert.Equal(t, "NEXT", next.Str, "reader stopped at the end of %q", tt.wire)
	}
}

func TestReplyReaderRejectsMalformed(t *testing.T) {
	for _, wire := range []string{"?\r\n", "+OK\n", ":x\r\n", "$3\r\nabcd\r\n", "#x\r\n", "=3\r\nabc\r\n"} {
		_, err := NewReplyReader(strings.NewReader(wire)).ReadReply()
		assert.Error(t, err, wire)
	}
}

func TestReplyReaderEOF(t *testing.T) {
	_, err := NewReplyReader(strings.NewReader("")).ReadReply()
	assert.ErrorIs(t, err, io.EOF)
	_, err = NewReplyReader(strings.NewReader("*2\r\n:1\r\n")).ReadReply()
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
}

func TestValueString(t *testing.T) {
	v := Value{Kind: Array, Elems: []Value{{Kind: BulkString, Str: "a"}, {Kind: Integer, Int: 2}, {IsNull: true}, {Kind: Error, Str: "ERR x"}}}
	assert.Equal(t, `["a", (integer) 2, (nil), (error) ERR x]`, v.String())
}

// Skip reads past each reply whole, of every type, nested and with attributes, and reports
// its kind: the next ReadReply starts on the next reply.
func TestReplyReaderSkip(t *testing.T) {
	replies := "+OK\r\n-ERR no\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*2\r\n$1\r\na\r\n*1\r\n:1\r\n*-1\r\n" +
		"%1\r\n+k\r\n$1\r\nv\r\n|1\r\n+key-popularity\r\n:1\r\n$2\r\nhi\r\n>2\r\n+message\r\n$1\r\nm\r\n!3\r\nbad\r\n_\r\n+next\r\n"
	r := NewReplyReader(strings.NewReader(replies))
	for _, want := range []Kind{SimpleString, Error, Integer, BulkString, BulkString, Array, Array, Map, BulkString, Push, Error, Null} {
		kind, err := r.Skip()
		require.NoError(t, err)
		assert.Equal(t, want, kind)
	}
	v, err := r.ReadReply()
	require.NoError(t, err)
	assert.Equal(t, "next", v.Str)
	_, err = NewReplyReader(strings.NewReader("$5\r\nhel")).Skip()
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
}
