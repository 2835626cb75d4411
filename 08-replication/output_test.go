package main

import (
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"byoredis/shared/redistest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A client may send a whole batch before it reads a single reply, as go-redis pipelines
// and bulk loaders do. 5,000 ECHOs of 4 KiB are 20 MB each way, more than the socket buffers
// hold: the server has to keep reading while its replies wait for the client.
func TestBatchSentBeforeReadingAnyReply(t *testing.T) {
	value := strings.Repeat("v", 4096)
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		redistest.SendAllBeforeReading(t, addr, cmd("ECHO", value), 5000, "$4096\r\n"+value+"\r\n")
	})
}

// With client-output-buffer-limit normal 1mb, a client that asks for 100 MiB of replies
// without reading them is disconnected, and the server does not hold the 100 MiB.
func TestOutputBufferLimitClosesAClientThatDoesNotRead(t *testing.T) {
	limits, err := parseOutputLimits("normal 1mb 0 0", defaultOutputLimits)
	require.NoError(t, err)
	ours := redistest.Start(t, newServer(t, Config{Bind: "127.0.0.1", MaxClients: 100, OutputLimits: limits}))
	redistest.Both(t, ours, func(t *testing.T, addr string) {
		big := strings.Repeat("x", 1<<20)
		redistest.Dial(t, addr).Do("SET", "big", big)
		conn := redistest.Dial(t, addr)
		conn.Send(strings.Repeat(cmd("GET", "big"), 100))
		assert.Less(t, conn.RepliesBeforeClose(100), 100, "every reply arrived: the client was not disconnected")
		assert.Equal(t, "+PONG", "+"+redistest.Dial(t, addr).Do("PING").Str, "other clients are served")
	}, "--client-output-buffer-limit", "normal 1mb 0 0")
}

// The soft limit disconnects a client only once its buffer has stayed over it for longer
// than the seconds given.
func TestOutputBufferSoftLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		limit := outputLimit{soft: 100, softSeconds: 2}
		var since time.Time
		assert.False(t, limit.reached(150, &since), "first seen over the soft limit")
		time.Sleep(2 * time.Second)
		assert.False(t, limit.reached(150, &since), "over it for 2 s, not more")
		time.Sleep(time.Second)
		assert.True(t, limit.reached(150, &since), "over it for 3 s")
		assert.False(t, limit.reached(50, &since), "back under it")
		assert.False(t, limit.reached(150, &since), "over it again: the clock starts again")
	})
}

// client-query-buffer-limit: an argument that grows past it gets the client disconnected,
// without a reply, before the server holds all of it.
func TestQueryBufferLimit(t *testing.T) {
	ours := redistest.Start(t, newServer(t, Config{Bind: "127.0.0.1", MaxClients: 100, QueryBufferLimit: 1 << 20}))
	redistest.Both(t, ours, func(t *testing.T, addr string) {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer conn.Close()
		go conn.Write([]byte(cmd("ECHO", strings.Repeat("x", 2<<20)))) // fails once the server closes
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		n, err := conn.Read(make([]byte, 1))
		assert.Zero(t, n, "the server replied")
		assert.True(t, redistest.IsClosed(err), "the connection is closed: %v", err)
	}, "--client-query-buffer-limit", "1mb")
}

// Both limits are Redis's directives, with Redis's defaults.
func TestBufferLimitsConfig(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("CONFIG", "GET", "client-output-buffer-limit"), Want: []string{"*2\r\n$26\r\nclient-output-buffer-limit\r\n$67\r\nnormal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60\r\n"}},
		{Send: cmd("CONFIG", "GET", "client-query-buffer-limit"), Want: []string{"*2\r\n$25\r\nclient-query-buffer-limit\r\n$10\r\n1073741824\r\n"}},
	})
	for _, c := range []struct{ value, err string }{
		{"normal 1mb 0", "Wrong number of arguments in buffer limit configuration."},
		{"master 1mb 0 0", "Invalid client class specified in buffer limit configuration."},
		{"normal x 0 0", "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
		{"normal 1mb 0 -1", "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
	} {
		_, err := parseOutputLimits(c.value, defaultOutputLimits)
		assert.EqualError(t, err, c.err, c.value)
	}
	limits, err := parseOutputLimits("replica 1gb 2MB 3 NORMAL 1k 1kb 0", defaultOutputLimits)
	require.NoError(t, err)
	assert.Equal(t, "normal 1000 1024 0 slave 1073741824 2097152 3 pubsub 33554432 8388608 60", limits.String())
}

// CONFIG SET changes both limits while clients are connected, all or nothing, with Redis's
// errors; a client connected before the change is held to the new limit.
func TestConfigSetBufferLimits(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("CONFIG", "SET", "client-query-buffer-limit", "2mb"), Want: []string{"+OK\r\n"}},
		{Send: cmd("CONFIG", "GET", "client-query-buffer-limit"), Want: []string{"*2\r\n$25\r\nclient-query-buffer-limit\r\n$7\r\n2097152\r\n"}},
		{Send: cmd("CONFIG", "SET", "CLIENT-OUTPUT-BUFFER-LIMIT", "pubsub 1mb 512kb 10"), Want: []string{"+OK\r\n"}},
		{Send: cmd("CONFIG", "GET", "client-output-buffer-limit"), Want: []string{"*2\r\n$26\r\nclient-output-buffer-limit\r\n$65\r\nnormal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 524288 10\r\n"}},
		{Send: cmd("CONFIG", "SET", "client-query-buffer-limit", "4mb", "client-output-buffer-limit", "normal x 0 0"),
			Want: []string{"-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error in hard, soft or soft_seconds setting in buffer limit configuration.\r\n"}},
		{Send: cmd("CONFIG", "GET", "client-query-buffer-limit"), Want: []string{"*2\r\n$25\r\nclient-query-buffer-limit\r\n$7\r\n2097152\r\n"}}, // nothing changed
		{Send: cmd("CONFIG", "SET", "client-query-buffer-limit", "1000"),
			Want: []string{"-ERR CONFIG SET failed (possibly related to argument 'client-query-buffer-limit') - argument must be between 1048576 and 9223372036854775807 inclusive\r\n"}},
		{Send: cmd("CONFIG", "SET", "client-query-buffer-limit", "lots"),
			Want: []string{"-ERR CONFIG SET failed (possibly related to argument 'client-query-buffer-limit') - argument must be a memory value\r\n"}},
		{Send: cmd("CONFIG", "SET", "client-query-buffer-limit", "2mb", "Client-Query-Buffer-Limit", "3mb"),
			Want: []string{"-ERR CONFIG SET failed (possibly related to argument 'Client-Query-Buffer-Limit') - duplicate parameter\r\n"}},
		{Send: cmd("CONFIG", "SET", "nosuch", "1", "client-query-buffer-limit", "2mb"), Want: []string{"-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n"}},
		{Send: cmd("CONFIG", "SET", "databases", "2"), Want: []string{"-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n"}},
		{Send: cmd("CONFIG", "SET", "a", "b", "c"), Want: []string{"-ERR syntax error\r\n"}},
		{Send: cmd("CONFIG", "SET", "a"), Want: []string{"-ERR wrong number of arguments for 'config|set' command\r\n"}},
	}, oneDatabase...)

	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		big := strings.Repeat("x", 1<<20)
		conn := redistest.Dial(t, addr) // connected before the limit is set
		conn.Do("SET", "big", big)
		require.Equal(t, "+OK\r\n", redistest.Dial(t, addr).RawReplyTo("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0"))
		conn.Send(strings.Repeat(cmd("GET", "big"), 100))
		assert.Less(t, conn.RepliesBeforeClose(100), 100, "the client was not held to the new limit")
	}, oneDatabase...)
}
