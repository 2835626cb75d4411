package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"byoredis/shared/redistest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func startServer(t *testing.T) string {
	return redistest.Start(t, NewServer(10000))
}

// Every line comes back as it was sent, line ending included.
func TestEchoesLines(t *testing.T) {
	conn := redistest.Dial(t, startServer(t))
	conn.Send("hello\r\n")
	assert.Equal(t, "hello\r\n", conn.ReadLine())
	conn.Send("no carriage return\n")
	assert.Equal(t, "no carriage return\n", conn.ReadLine())
}

// A line is not a message: the server answers whole lines, however the bytes arrive.
func TestALineMayArriveInPiecesOrSeveralAtOnce(t *testing.T) {
	conn := redistest.Dial(t, startServer(t))
	conn.Send("hel")
	conn.Send("lo\r\nsecond\r\nthi")
	conn.Send("rd\r\n")
	assert.Equal(t, "hello\r\n", conn.ReadLine())
	assert.Equal(t, "second\r\n", conn.ReadLine())
	assert.Equal(t, "third\r\n", conn.ReadLine())
}

// The same, with the server reading one byte at a time.
func TestOneByteAtATime(t *testing.T) {
	addr := redistest.StartOn(t, NewServer(10000), redistest.OneByteAtATime(redistest.Listen(t)))
	conn := redistest.Dial(t, addr)
	conn.Send("one\r\ntwo\r\n")
	assert.Equal(t, "one\r\n", conn.ReadLine())
	assert.Equal(t, "two\r\n", conn.ReadLine())
}

// Each client has its own goroutine: many clients at once each get their own lines back.
func TestManyConcurrentClients(t *testing.T) {
	addr := startServer(t)
	var wg sync.WaitGroup
	for c := range 50 {
		wg.Go(func() {
			conn := redistest.Dial(t, addr)
			for i := range 100 {
				line := fmt.Sprintf("client %d line %d\r\n", c, i)
				conn.Send(line)
				assert.Equal(t, line, conn.ReadLine())
			}
		})
	}
	wg.Wait()
}

// A line of 64 KiB is held while its newline is awaited; one byte more and the server, like
// Redis, answers with an error and closes the connection instead of buffering without end.
func TestLineLengthIsBoundedLikeRedis(t *testing.T) {
	addr := startServer(t)
	conn := redistest.Dial(t, addr)
	long := strings.Repeat("a", maxLineLength) + "\n"
	conn.Send(long)
	assert.Equal(t, long, conn.ReadLine())

	redistest.Differential(t, addr, []redistest.Exchange{{
		Send:   strings.Repeat("a", maxLineLength+1),
		Want:   []string{"-ERR Protocol error: too big inline request\r\n"},
		Closed: true,
	}})
}

// Close ends every client connection and makes Serve return.
func TestCloseDisconnectsClients(t *testing.T) {
	srv := NewServer(10000)
	ln := redistest.Listen(t)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	conn := redistest.Dial(t, ln.Addr().String())
	conn.Send("still here?\n")
	require.Equal(t, "still here?\n", conn.ReadLine())

	require.NoError(t, srv.Close())
	require.NoError(t, <-served)
	conn.ExpectClosed()
}

// redis-cli sends a command as a RESP array of bulk strings, line by line. Echoed back, those
// lines are a valid RESP reply: an array holding the command's own words, which redis-cli
// prints one per line (it numbers them "1) ..." only when printing to a terminal).
func TestRedisCLISeesItsCommandComeBack(t *testing.T) {
	out := redistest.RedisCLI(t, startServer(t), "ECHO", "hi")
	assert.Equal(t, "ECHO\nhi\n", out)
}

// A real client library cannot use an echo server: go-redis opens with HELLO 3 and gets its
// own request back instead of the map it expects. Step 02 teaches the server RESP.
func TestGoRedisCannotUseAnEchoServer(t *testing.T) {
	client := redistest.Client(t, startServer(t))
	err := client.Ping(context.Background()).Err()
	require.Error(t, err)
}

// When the process runs out of file descriptors, Accept fails; the server logs it and goes
// on, as Redis does, and the client waiting in the backlog is served once it can be.
func TestServerOutlivesFailedAccepts(t *testing.T) {
	addr := redistest.StartOn(t, NewServer(10000), redistest.OutOfDescriptors(redistest.Listen(t), 3))
	conn := redistest.Dial(t, addr)
	conn.Send("hello\r\n")
	assert.Equal(t, "hello\r\n", conn.ReadLine())
}
