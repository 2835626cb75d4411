package resp

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzReadCommand feeds arbitrary bytes to the request reader. Whatever arrives, the reader
// must not panic, must stop (the input is finite), and must never hand back more argument
// bytes than it was given: a declared length is not a licence to allocate.
//
//	go test -run '^$' -fuzz FuzzReadCommand ./resp
func FuzzReadCommand(f *testing.F) {
	for _, seed := range []string{
		pipeline, "*2147483647\r\n", "*1\r\n$536870912\r\n", "*1\r\n$4\r\nPINGXX", `ECHO "a\x41"`,
		"ECHO 'it\\'s'\n", "*1\r\n:1\r\n", "*-1\r\n*0\r\n", "\r\n\n", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		r := NewReader(bytes.NewReader(input))
		received := 0
		for {
			args, err := r.ReadCommand()
			if err != nil {
				var protoErr *ProtocolError
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.As(err, &protoErr) {
					t.Fatalf("unexpected error kind %T: %v", err, err)
				}
				return
			}
			require.NotEmpty(t, args, "ReadCommand returned an empty command")
			for _, a := range args {
				received += len(a)
			}
			require.LessOrEqual(t, received, len(input))
		}
	})
}

// FuzzRoundTrip checks that any arguments a client encodes are read back unchanged, whether
// they arrive in one read or one byte at a time.
func FuzzRoundTrip(f *testing.F) {
	f.Add("SET", "key", "value")
	f.Add("", "\r\n", "$-1")
	f.Add("ECHO", "*1\r\n", "\x00")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		wire := Command(a, b, c) + Command(c)
		for _, src := range []io.Reader{bytes.NewReader([]byte(wire)), &oneByteReader{[]byte(wire)}} {
			r := NewReader(src)
			first, err := r.ReadCommand()
			require.NoError(t, err)
			require.Equal(t, [][]byte{[]byte(a), []byte(b), []byte(c)}, first)
			second, err := r.ReadCommand()
			require.NoError(t, err)
			require.Equal(t, [][]byte{[]byte(c)}, second)
			_, err = r.ReadCommand()
			require.ErrorIs(t, err, io.EOF)
		}
	})
}

type oneByteReader struct{ data []byte }

func (o *oneByteReader) Read(p []byte) (int, error) {
	if len(o.data) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = o.data[0]
	o.data = o.data[1:]
	return 1, nil
}

// FuzzWriterReplyRoundTrip writes replies with the server's Writer and reads them back with
// the client's ReplyReader, in both protocols.
func FuzzWriterReplyRoundTrip(f *testing.F) {
	f.Add("hello", int64(42), 1.5)
	f.Add("a\r\nb", int64(-1), -0.0)
	f.Fuzz(func(t *testing.T, s string, n int64, d float64) {
		for _, protocol := range []int{2, 3} {
			var buf bytes.Buffer
			w := NewWriter(&buf)
			w.SetProtocol(protocol)
			w.Map(2)
			w.BulkString(s)
			w.Integer(n)
			w.BulkString("d")
			w.Double(d)
			w.Null()
			require.NoError(t, w.Flush())

			r := NewReplyReader(&buf)
			m, err := r.ReadReply()
			require.NoError(t, err)
			require.Len(t, m.Elems, 4)
			require.Equal(t, s, m.Elems[0].Str)
			require.Equal(t, n, m.Elems[1].Int)
			null, err := r.ReadReply()
			require.NoError(t, err)
			require.True(t, null.IsNull)
		}
	})
}
