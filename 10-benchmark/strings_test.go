package main

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"byoredis/shared/redistest"

	"github.com/stretchr/testify/assert"
)

const notInt = "-ERR value is not an integer or out of range\r\n"

// INCR, DECR, INCRBY, DECRBY.
func TestCounters(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("INCR", "n"), Want: []string{":1\r\n"}},
		{Send: cmd("incr", "n"), Want: []string{":2\r\n"}},
		{Send: cmd("DECR", "n"), Want: []string{":1\r\n"}},
		{Send: cmd("INCRBY", "n", "41"), Want: []string{":42\r\n"}},
		{Send: cmd("DECRBY", "n", "-8"), Want: []string{":50\r\n"}},
		{Send: cmd("GET", "n"), Want: []string{"$2\r\n50\r\n"}},
		{Send: cmd("DECR", "fresh"), Want: []string{":-1\r\n"}},
		{Send: cmd("SET", "s", "abc") + cmd("INCR", "s"), Want: []string{"+OK\r\n", notInt}},
		{Send: cmd("SET", "s", " 1") + cmd("INCR", "s"), Want: []string{"+OK\r\n", notInt}},
		{Send: cmd("SET", "s", "01") + cmd("INCR", "s"), Want: []string{"+OK\r\n", notInt}},
		{Send: cmd("INCRBY", "n", "x"), Want: []string{notInt}},
		{Send: cmd("INCRBY", "n", "1.5"), Want: []string{notInt}},
		{Send: cmd("SET", "max", "9223372036854775807") + cmd("INCR", "max"), Want: []string{"+OK\r\n", "-ERR increment or decrement would overflow\r\n"}},
		{Send: cmd("SET", "min", "-9223372036854775808") + cmd("DECR", "min"), Want: []string{"+OK\r\n", "-ERR increment or decrement would overflow\r\n"}},
		{Send: cmd("DECRBY", "n", "-9223372036854775808"), Want: []string{"-ERR decrement would overflow\r\n"}},
		{Send: cmd("GET", "max"), Want: []string{"$19\r\n9223372036854775807\r\n"}}, // unchanged
		{Send: cmd("INCR"), Want: []string{"-ERR wrong number of arguments for 'incr' command\r\n"}},
		{Send: cmd("INCRBY", "n"), Want: []string{"-ERR wrong number of arguments for 'incrby' command\r\n"}},
	}, oneDatabase...)
}

// INCR is atomic: 20 clients incrementing 50 times each lose no increment.
func TestCountersAreAtomic(t *testing.T) {
	addr := startServer(t)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			conn := redistest.Dial(t, addr)
			for range 50 {
				conn.Do("INCR", "hits")
			}
		})
	}
	wg.Wait()
	assert.Equal(t, "1000", redistest.Dial(t, addr).Do("GET", "hits").Str)
}

// APPEND and STRLEN.
func TestAppendStrlen(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("STRLEN", "s"), Want: []string{":0\r\n"}},
		{Send: cmd("APPEND", "s", "Hello"), Want: []string{":5\r\n"}},
		{Send: cmd("append", "s", " World"), Want: []string{":11\r\n"}},
		{Send: cmd("GET", "s"), Want: []string{"$11\r\nHello World\r\n"}},
		{Send: cmd("STRLEN", "s"), Want: []string{":11\r\n"}},
		{Send: cmd("APPEND", "s", ""), Want: []string{":11\r\n"}},
		{Send: cmd("SET", "n", "12") + cmd("APPEND", "n", "3") + cmd("INCR", "n"), Want: []string{"+OK\r\n", ":3\r\n", ":124\r\n"}},
		{Send: cmd("APPEND", "s"), Want: []string{"-ERR wrong number of arguments for 'append' command\r\n"}},
		{Send: cmd("STRLEN", "a", "b"), Want: []string{"-ERR wrong number of arguments for 'strlen' command\r\n"}},
	}, oneDatabase...)
}

// MGET and MSET.
func TestMgetMset(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("MSET", "a", "1", "b", "2", "a", "3"), Want: []string{"+OK\r\n"}}, // the last value wins
		{Send: cmd("MGET", "a", "missing", "b"), Want: []string{"*3\r\n$1\r\n3\r\n$-1\r\n$1\r\n2\r\n"}},
		{Send: cmd("mget", "missing"), Want: []string{"*1\r\n$-1\r\n"}},
		{Send: cmd("MSET", "a", "1", "b"), Want: []string{"-ERR wrong number of arguments for 'mset' command\r\n"}},
		{Send: cmd("MSET", "a"), Want: []string{"-ERR wrong number of arguments for 'mset' command\r\n"}},
		{Send: cmd("MGET"), Want: []string{"-ERR wrong number of arguments for 'mget' command\r\n"}},
	}, oneDatabase...)
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		ctx := context.Background()
		client := redistest.Client(t, addr)
		assert.NoError(t, client.MSet(ctx, "x", "1", "y", "2").Err())
		assert.Equal(t, []any{"1", nil, "2"}, client.MGet(ctx, "x", "nope", "y").Val())
	}, oneDatabase...)
}

// GETDEL.
func TestGetdel(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("SET", "k", "v") + cmd("GETDEL", "k"), Want: []string{"+OK\r\n", "$1\r\nv\r\n"}},
		{Send: cmd("EXISTS", "k"), Want: []string{":0\r\n"}},
		{Send: cmd("getdel", "k"), Want: []string{"$-1\r\n"}},
		{Send: cmd("GETDEL"), Want: []string{"-ERR wrong number of arguments for 'getdel' command\r\n"}},
	}, oneDatabase...)
	// Two clients racing to take the same value: exactly one gets it.
	addr := startServer(t)
	redistest.Dial(t, addr).Do("SET", "job", "payload")
	var wg sync.WaitGroup
	got := make(chan string, 10)
	for range 10 {
		wg.Go(func() { got <- redistest.Dial(t, addr).Do("GETDEL", "job").Str })
	}
	wg.Wait()
	close(got)
	var taken []string
	for v := range got {
		if v != "" {
			taken = append(taken, v)
		}
	}
	assert.Equal(t, []string{"payload"}, taken, fmt.Sprint("one client takes the job"))
}
