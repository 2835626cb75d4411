package resp

import (
	"bytes"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Every case is the bytes real Redis 7.0 sends for that reply, to a RESP3 and to a RESP2 client
// (the RESP specification, https://redis.io/docs/reference/protocol-spec/).
func TestWriterSpeaksBothProtocols(t *testing.T) {
	tests := []struct {
		name         string
		write        func(w *Writer)
		resp3, resp2 string
	}{
		{"simple string", func(w *Writer) { w.SimpleString("OK") }, "+OK\r\n", "+OK\r\n"},
		{"error", func(w *Writer) { w.Error("ERR syntax error") }, "-ERR syntax error\r\n", "-ERR syntax error\r\n"},
		{"error with newlines", func(w *Writer) { w.Error("ERR a\r\nb") }, "-ERR a  b\r\n", "-ERR a  b\r\n"},
		{"integer", func(w *Writer) { w.Integer(12345) }, ":12345\r\n", ":12345\r\n"},
		{"negative integer", func(w *Writer) { w.Integer(-2) }, ":-2\r\n", ":-2\r\n"},
		{"bulk", func(w *Writer) { w.BulkString("Hello World") }, "$11\r\nHello World\r\n", "$11\r\nHello World\r\n"},
		{"empty bulk", func(w *Writer) { w.Bulk([]byte{}) }, "$0\r\n\r\n", "$0\r\n\r\n"},
		{"array", func(w *Writer) { w.Array(3); w.Integer(0); w.Integer(1); w.Integer(2) }, "*3\r\n:0\r\n:1\r\n:2\r\n", "*3\r\n:0\r\n:1\r\n:2\r\n"},
		{"null", func(w *Writer) { w.Null() }, "_\r\n", "$-1\r\n"},
		{"null array", func(w *Writer) { w.NullArray() }, "_\r\n", "*-1\r\n"},
		{"double", func(w *Writer) { w.Double(3.141) }, ",3.141\r\n", "$5\r\n3.141\r\n"},
		{"double, 17 digits", func(w *Writer) { w.Double(1.1) }, ",1.1000000000000001\r\n", "$18\r\n1.1000000000000001\r\n"},
		{"double inf", func(w *Writer) { w.Double(math.Inf(1)) }, ",inf\r\n", "$3\r\ninf\r\n"},
		{"double -inf", func(w *Writer) { w.Double(math.Inf(-1)) }, ",-inf\r\n", "$4\r\n-inf\r\n"},
		{"boolean true", func(w *Writer) { w.Boolean(true) }, "#t\r\n", ":1\r\n"},
		{"boolean false", func(w *Writer) { w.Boolean(false) }, "#f\r\n", ":0\r\n"},
		{"big number", func(w *Writer) { w.BigNumber("1234567999999999999999999999999999999") },
			"(1234567999999999999999999999999999999\r\n", "$37\r\n1234567999999999999999999999999999999\r\n"},
		{"verbatim", func(w *Writer) { w.Verbatim("txt", "This is a verbatim\nstring") },
			"=29\r\ntxt:This is a verbatim\nstring\r\n", "$25\r\nThis is a verbatim\nstring\r\n"},
		{"map", func(w *Writer) {
			w.Map(3)
			for i := range 3 {
				w.Integer(int64(i))
				w.Boolean(i == 1)
			}
		}, "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n", "*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n"},
		{"set", func(w *Writer) { w.Set(3); w.Integer(0); w.Integer(1); w.Integer(2) }, "~3\r\n:0\r\n:1\r\n:2\r\n", "*3\r\n:0\r\n:1\r\n:2\r\n"},
		{"push", func(w *Writer) { w.Push(2); w.BulkString("server-cpu-usage"); w.Integer(42) },
			">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n", "*2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for protocol, want := range map[int]string{3: tt.resp3, 2: tt.resp2} {
				var out bytes.Buffer
				w := NewWriter(&out)
				w.SetProtocol(protocol)
				tt.write(w)
				assert.NoError(t, w.Flush())
				assert.Equal(t, want, out.String(), "RESP%d", protocol)
			}
		})
	}
}

func TestWriterBuffersUntilFlush(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	w.SimpleString("PONG")
	assert.Zero(t, out.Len())
	assert.Equal(t, 7, w.Buffered())
	assert.NoError(t, w.Flush())
	assert.Equal(t, "+PONG\r\n", out.String())
}
