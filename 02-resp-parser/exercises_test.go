package main

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"byoredis/shared/redistest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Exercise 1: SELECT on a server with one database, like redis-server --databases 1.
func TestExercise1Select(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("SELECT", "0"), Want: []string{"+OK\r\n"}},
		{Send: cmd("select", "1"), Want: []string{"-ERR DB index is out of range\r\n"}},
		{Send: cmd("SELECT", "-1"), Want: []string{"-ERR DB index is out of range\r\n"}},
		{Send: cmd("SELECT", "x"), Want: []string{"-ERR value is not an integer or out of range\r\n"}},
		{Send: cmd("SELECT", "01"), Want: []string{"-ERR value is not an integer or out of range\r\n"}},
		{Send: cmd("SELECT", "4294967296"), Want: []string{"-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"}},
		{Send: cmd("SELECT"), Want: []string{"-ERR wrong number of arguments for 'select' command\r\n"}},
	}, "--databases", "1")
}

// Exercise 2: TIME returns the server's clock as seconds and microseconds.
func TestExercise2Time(t *testing.T) {
	// The two servers' clocks are not ours to compare, so the digits are masked; what is
	// compared is the reply's shape, and the wrong-arity error.
	digits := regexp.MustCompile(`\$\d+\r\n\d+\r\n`)
	mask := func(reply string) string { return digits.ReplaceAllLiteralString(reply, "$N\r\nDIGITS\r\n") }
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("TIME"), Want: []string{"*2\r\n$N\r\nDIGITS\r\n$N\r\nDIGITS\r\n"}, Normalize: mask},
		{Send: cmd("TIME", "x"), Want: []string{"-ERR wrong number of arguments for 'time' command\r\n"}},
	})

	conn := redistest.Dial(t, startServer(t))
	before := time.Now().Truncate(time.Microsecond)
	reply := conn.Do("TIME")
	after := time.Now()
	require.Len(t, reply.Elems, 2, "TIME replies with two elements, got %v", reply)
	seconds, err1 := strconv.ParseInt(reply.Elems[0].Str, 10, 64)
	micros, err2 := strconv.ParseInt(reply.Elems[1].Str, 10, 64)
	require.NoError(t, err1)
	require.NoError(t, err2)
	assert.Less(t, micros, int64(1_000_000))
	serverTime := time.Unix(seconds, micros*1000)
	assert.False(t, serverTime.Before(before) || serverTime.After(after),
		"server time %v is not between %v and %v", serverTime, before, after)
}

// Exercise 3: COMMAND COUNT, and Redis's error for a subcommand COMMAND does not have.
func TestExercise3CommandCount(t *testing.T) {
	conn := redistest.Dial(t, startServer(t))
	assert.Equal(t, int64(len(commands)), conn.Do("COMMAND", "COUNT").Int)

	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("COMMAND", "NOPE"), Want: []string{"-ERR unknown subcommand 'NOPE'. Try COMMAND HELP.\r\n"}},
		{Send: cmd("command", "count", "x"), Want: []string{"-ERR wrong number of arguments for 'command|count' command\r\n"}},
	})
}
