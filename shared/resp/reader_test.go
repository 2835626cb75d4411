package resp

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readAll reads every command from input until the reader stops, and returns the commands
// (each joined with spaces) and the error that stopped it.
func readAll(input io.Reader) ([]string, error) {
	r := NewReader(input)
	var got []string
	for {
		args, err := r.ReadCommand()
		if err != nil {
			return got, err
		}
		got = append(got, string(bytes.Join(args, []byte(" "))))
	}
}

func TestReadCommandWellFormed(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"multibulk", "*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n", []string{"ECHO hi"}},
		{"empty bulk", "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", []string{"ECHO "}},
		{"binary bulk", "*2\r\n$4\r\nECHO\r\n$4\r\na\r\nb\r\n", []string{"ECHO a\r\nb"}},
		{"bytes after bulk are not checked", "*1\r\n$4\r\nPINGXX", []string{"PING"}},
		{"zero and negative counts are skipped", "*0\r\n*-1\r\n*-5\r\n*1\r\n$4\r\nPING\r\n", []string{"PING"}},
		{"inline", "PING\r\n", []string{"PING"}},
		{"inline with bare LF", "ECHO x\n", []string{"ECHO x"}},
		{"empty inline lines are skipped", "\r\n\n   \r\nPING\r\n", []string{"PING"}},
		{"inline runs of blanks separate", "ECHO   spaced \t out\r\n", []string{"ECHO spaced out"}},
		{"pipelined mix", "PING\r\n*2\r\n$4\r\nECHO\r\n$1\r\na\r\nECHO b\r\n", []string{"PING", "ECHO a", "ECHO b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(strings.NewReader(tt.input))
			assert.ErrorIs(t, err, io.EOF)
			assert.Equal(t, tt.want, got)
		})
	}
}

// ReadCommandInto puts a command's arguments in the slice it is given, while it has room, and
// the arguments themselves, kept by whoever ran the last command, stay as they were.
func TestReadCommandIntoReusesTheSlice(t *testing.T) {
	r := NewReader(strings.NewReader("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"))
	set, err := r.ReadCommandInto(make([][]byte, 0, 4))
	require.NoError(t, err)
	value := set[2]
	get, err := r.ReadCommandInto(set)
	require.NoError(t, err)
	assert.Equal(t, [][]byte{[]byte("GET"), []byte("k")}, get)
	assert.Same(t, &set[0], &get[0], "the same slice")
	assert.Equal(t, "v", string(value))
}

// TestReadCommandProtocolErrors covers every malformed request that Redis's processMultibulkBuffer and
// processInlineBuffer (src/networking.c) refuse, with the error text Redis sends before closing the connection.
func TestReadCommandProtocolErrors(t *testing.T) {
	tests := []struct {
		input string
		want  string
	}{
		{"*2147483648\r\n", "invalid multibulk length"},
		{"*abc\r\n", "invalid multibulk length"},
		{"*01\r\n", "invalid multibulk length"},
		{"*+1\r\n", "invalid multibulk length"},
		{"*1 \r\n", "invalid multibulk length"},
		{"*-0\r\n", "invalid multibulk length"},
		{"*\r\n", "invalid multibulk length"},
		{"*1\r\n$04\r\nPING\r\n", "invalid bulk length"},
		{"*1\r\n$-1\r\n", "invalid bulk length"},
		{"*1\r\n$x\r\n", "invalid bulk length"},
		{"*1\r\n$536870913\r\n", "invalid bulk length"},
		{"*1\r\n:1\r\n", "expected '$', got ':'"},
		{"*2\r\n$4\r\nECHO\r\n+hi\r\n", "expected '$', got '+'"},
		{`ECHO "abc"def` + "\r\n", "unbalanced quotes in request"},
		{`ECHO 'abc'def` + "\r\n", "unbalanced quotes in request"},
		{`SET a "foo` + "\r\n", "unbalanced quotes in request"},
		{strings.Repeat("a", MaxInlineSize+1), "too big inline request"},
		{strings.Repeat("a", 100_000) + "\r\n", "too big inline request"},
		{"*" + strings.Repeat("1", MaxInlineSize), "too big mbulk count string"},
		{"*1\r\n$" + strings.Repeat("1", MaxInlineSize), "too big bulk count string"},
	}
	for _, tt := range tests {
		name := tt.input
		if len(name) > 40 {
			name = name[:40] + "..."
		}
		t.Run(name, func(t *testing.T) {
			_, err := readAll(strings.NewReader(tt.input))
			var protoErr *ProtocolError
			require.ErrorAs(t, err, &protoErr)
			assert.Equal(t, "ERR Protocol error: "+tt.want, protoErr.Reply())
		})
	}
}

// The limits are "more than N bytes buffered": exactly N bytes is still a request in progress.
func TestReadCommandAtTheLimitsWaitsForMore(t *testing.T) {
	for _, input := range []string{
		strings.Repeat("a", MaxInlineSize),
		"*" + strings.Repeat("1", MaxInlineSize-1),
		"*1\r\n$536870912\r\n",
		"*1048577\r\n", // Redis 6's limit; 7.0 accepts it and waits for the arguments
	} {
		_, err := readAll(strings.NewReader(input))
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "input starting %q", input[:min(len(input), 20)])
	}
}

func TestReadCommandInlineQuoting(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{`ECHO "a\x41\n\t\"b"`, []string{"ECHO", "aA\n\t\"b"}},
		{`ECHO "\q"`, []string{"ECHO", "q"}},
		{`ECHO "\xZZ"`, []string{"ECHO", "xZZ"}},
		{`ECHO 'it\'s "raw" \n'`, []string{"ECHO", `it's "raw" \n`}},
		{`ECHO a"b"`, []string{"ECHO", "ab"}},
		{`ECHO ""`, []string{"ECHO", ""}},
		{"ECHO a\x00b c", []string{"ECHO", "a"}}, // stops at NUL, as the C original does
	}
	for _, tt := range tests {
		args, ok := SplitArgs([]byte(tt.line))
		require.True(t, ok, tt.line)
		got := make([]string, len(args))
		for i, a := range args {
			got[i] = string(a)
		}
		assert.Equal(t, tt.want, got, tt.line)
	}
}

// pipeline is a batch with every form of request, to deliver in pieces.
const pipeline = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n" +
	"PING\r\n" +
	"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n" +
	"ECHO \"quoted arg\"\n" +
	"*1\r\n$4\r\nPING\r\n"

// A command split at any byte boundary reads the same as the whole batch in one read.
func TestReadCommandSplitAtEveryByte(t *testing.T) {
	whole, err := readAll(strings.NewReader(pipeline))
	require.ErrorIs(t, err, io.EOF)
	require.Len(t, whole, 5)

	oneByteAtATime, err := readAll(iotest.OneByteReader(strings.NewReader(pipeline)))
	require.ErrorIs(t, err, io.EOF)
	assert.Equal(t, whole, oneByteAtATime)

	for cut := 1; cut < len(pipeline); cut++ {
		two := io.MultiReader(strings.NewReader(pipeline[:cut]), strings.NewReader(pipeline[cut:]))
		got, err := readAll(two)
		require.ErrorIs(t, err, io.EOF)
		require.Equal(t, whole, got, "split at byte %d", cut)
	}
}

// A client that stops halfway through a command is not a clean EOF.
func TestReadCommandTruncated(t *testing.T) {
	for cut := 1; cut < len(pipeline); cut++ {
		got, err := readAll(strings.NewReader(pipeline[:cut]))
		if errors.Is(err, io.EOF) {
			continue // the cut fell between two commands
		}
		require.ErrorIs(t, err, io.ErrUnexpectedEOF, "cut at %d after %v", cut, got)
	}
}

// Declared sizes are claims, not allocations: a header announcing 2^31 arguments or a 512 MB
// argument, with nothing behind it, must not make the reader allocate what it announces.
func TestReadCommandDeclaredSizesDoNotAllocate(t *testing.T) {
	for _, input := range []string{"*2147483647\r\n", "*1\r\n$536870911\r\n", "*2\r\n$536870912\r\n" + strings.Repeat("x", 100_000)} {
		allocated := bytesAllocated(func() {
			_, err := readAll(strings.NewReader(input))
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
		})
		assert.Less(t, allocated, uint64(1<<20), "reading %q allocated %d bytes", input[:min(20, len(input))], allocated)
	}
}

// A whole argument is read into one buffer of its final size: it costs its size and the
// eighth read before the length was believed, not the copies of a buffer grown step by step.
func TestReadCommandBigArgumentCostsItsSize(t *testing.T) {
	const size = 8 << 20
	input := "*2\r\n$4\r\nECHO\r\n$" + strconv.Itoa(size) + "\r\n" + strings.Repeat("x", size) + "\r\n"
	var args [][]byte
	allocated := bytesAllocated(func() {
		var err error
		args, err = NewReader(strings.NewReader(input)).ReadCommand()
		require.NoError(t, err)
	})
	require.Len(t, args[1], size)
	assert.Less(t, allocated, uint64(size+size/8+64<<10), "allocated %d bytes for a %d-byte argument", allocated, size)
}

// A command of many arguments ends in one array of exactly its count, grown by doubling as
// Redis grows argv: the arrays it outgrew add up to less than twice the last one. (append alone
// grows a quarter at a time past 256 elements and allocates more than five arrays' worth: a
// million arguments of 16 bytes took the server 1.5 times Redis's memory.)
func TestReadCommandManyArgumentsGrowLikeRedisArgv(t *testing.T) {
	const count = 100_000
	input := "*" + strconv.Itoa(count) + "\r\n" + strings.Repeat("$0\r\n\r\n", count)
	for _, reuse := range []bool{false, true} {
		r := NewReader(strings.NewReader(input))
		var given [][]byte
		if reuse {
			given = make([][]byte, 0, 1024)
		}
		var args [][]byte
		allocated := bytesAllocated(func() {
			var err error
			args, err = r.ReadCommandInto(given)
			require.NoError(t, err)
		})
		require.Len(t, args, count)
		assert.Equal(t, count, cap(args), "a slice given %v: the array is the count's size", reuse)
		array := uint64(count * 24) // a slice header is three words
		assert.Less(t, allocated, 3*array+64<<10, "a slice given %v: allocated %d bytes for an array of %d", reuse, allocated, array)
	}
}

func bytesAllocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestParseIntIsRedisStrict(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "-1": -1, "42": 42, "9223372036854775807": 1<<63 - 1, "-9223372036854775808": -1 << 63} {
		got, ok := ParseInt([]byte(in))
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "-", "+1", "01", "-0", " 1", "1 ", "1a", "9223372036854775808", "-9223372036854775809", "18446744073709551616", "99999999999999999999"} {
		_, ok := ParseInt([]byte(in))
		assert.False(t, ok, in)
	}
}

// Redis checks the inline limit only while no newline has arrived: a 64 KiB line whose "\r\n"
// comes in a later read is a command, not an error.
func TestReadCommandLineAtTheLimitThenNewline(t *testing.T) {
	line := strings.Repeat("a", MaxInlineSize)
	got, err := readAll(io.MultiReader(strings.NewReader(line), strings.NewReader("\r\n")))
	assert.ErrorIs(t, err, io.EOF)
	assert.Equal(t, []string{line}, got)
}

func TestPeekDoesNotConsume(t *testing.T) {
	r := NewReader(strings.NewReader("*1\r\n$4\r\nPING\r\n"))
	b, err := r.Peek()
	require.NoError(t, err)
	assert.Equal(t, byte('*'), b)
	args, err := r.ReadCommand()
	require.NoError(t, err)
	assert.Equal(t, [][]byte{[]byte("PING")}, args)
	_, err = r.Peek()
	assert.ErrorIs(t, err, io.EOF)
}

// blockingReader returns its data, then blocks, telling waiting that it does.
type blockingReader struct {
	data    string
	waiting chan struct{}
}

func (b *blockingReader) Read(p []byte) (int, error) {
	if b.data == "" {
		close(b.waiting)
		select {}
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}

// A connection waiting for its next command holds no pooled buffer, only its idle one, even
// after a batch too large for the idle buffer; a writer holds none between flushes.
func TestWaitingConnectionsHoldNoBuffer(t *testing.T) {
	batch := strings.Repeat(Command("ECHO", "x"), 1000)
	source := &blockingReader{data: batch, waiting: make(chan struct{})}
	r := NewReader(source)
	for range 1000 {
		_, err := r.ReadCommand()
		require.NoError(t, err)
	}
	go r.ReadCommand()
	<-source.waiting
	assert.Nil(t, r.in.pooled)
	assert.Len(t, r.in.buf, idleBufferSize)

	w := NewWriter(io.Discard)
	w.Bulk([]byte("hello"))
	require.NotNil(t, w.out.pooled)
	require.NoError(t, w.Flush())
	assert.Nil(t, w.out.pooled)
}

// readyReader is a ReadyReader that has nothing at its first try, then data, then waits.
type readyReader struct {
	blockingReader
	tries, givenBack int
}

func (r *readyReader) ReadWhenReady(buffers Buffers) (int, error) {
	for {
		p := buffers.Take()
		if r.tries++; r.tries > 1 && len(r.data) > 0 {
			return r.Read(p)
		}
		buffers.GiveBack()
		r.givenBack++
		if r.tries > 1 {
			return r.Read(nil) // waits for ever, holding nothing
		}
	}
}

// A connection that reads from a ReadyReader holds no buffer at all while it waits, where a
// plain reader waits in the 1 KiB idle buffer: ten thousand idle clients, 10 MB.
func TestReadyReaderWaitsWithNoBuffer(t *testing.T) {
	source := &readyReader{blockingReader: blockingReader{data: Command("PING") + Command("ECHO", "x"), waiting: make(chan struct{})}}
	r := NewReader(source)
	args, err := r.ReadCommand()
	require.NoError(t, err)
	assert.Equal(t, [][]byte{[]byte("PING")}, args)
	assert.Equal(t, readBufferSize, r.Held(), "reading, it holds a pooled buffer")
	args, err = r.ReadCommand()
	require.NoError(t, err)
	assert.Equal(t, [][]byte{[]byte("ECHO"), []byte("x")}, args)
	go r.ReadCommand()
	<-source.waiting
	assert.Zero(t, r.Held())
	assert.Nil(t, r.in.pooled)
	assert.Nil(t, r.in.idle)
	assert.Equal(t, 2, source.givenBack, "the buffer goes back each time a try finds nothing")
}

// packets is a connection that delivers its bytes in packets, a Read returning at most the
// rest of the current one, and counts the Reads.
type packets struct {
	queue [][]byte
	reads int
}

func (p *packets) Read(b []byte) (int, error) {
	p.reads++
	if len(p.queue) == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.queue[0])
	if p.queue[0] = p.queue[0][n:]; len(p.queue[0]) == 0 {
		p.queue = p.queue[1:]
	}
	return n, nil
}

// A long argument that arrives after its header goes straight into the argument, in one
// read, not through the 1 KiB buffer a connection waits with (sixteen reads for 16 KiB).
func TestLongArgumentIsReadStraightIntoItsBuffer(t *testing.T) {
	value := strings.Repeat("v", 16384)
	header := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$16384\r\n"
	conn := &packets{queue: [][]byte{[]byte(header + value[:500]), []byte(value[500:] + "\r\n")}}
	args, err := NewReader(conn).ReadCommand()
	require.NoError(t, err)
	require.Len(t, args, 3)
	assert.Equal(t, value, string(args[2]))
	assert.LessOrEqual(t, conn.reads, 3, "the header with the value's start, the rest of it, its CRLF")
}
