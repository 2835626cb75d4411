package main

import (
	"sort"
	"testing"

	"byoredis/shared/redistest"

	"github.com/stretchr/testify/assert"
)

// SETEX and PSETEX, SET with an expiry under older names and their own errors.
func TestSetex(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("SETEX", "s", "100", "v") + cmd("TTL", "s") + cmd("GET", "s"), Want: []string{"+OK\r\n", ":100\r\n", "$1\r\nv\r\n"}},
		{Send: cmd("PSETEX", "p", "100000", "v") + cmd("TTL", "p"), Want: []string{"+OK\r\n", ":100\r\n"}},
		{Send: cmd("SETEX", "s", "0", "v"), Want: []string{"-ERR invalid expire time in 'setex' command\r\n"}},
		{Send: cmd("PSETEX", "s", "-1", "v"), Want: []string{"-ERR invalid expire time in 'psetex' command\r\n"}},
		{Send: cmd("SETEX", "s", "9223372036854775807", "v"), Want: []string{"-ERR invalid expire time in 'setex' command\r\n"}},
		{Send: cmd("SETEX", "s", "abc", "v"), Want: []string{"-ERR value is not an integer or out of range\r\n"}},
		{Send: cmd("SETEX", "s", "10"), Want: []string{"-ERR wrong number of arguments for 'setex' command\r\n"}},
		{Send: cmd("TTL", "s"), Want: []string{":100\r\n"}}, // the failed calls changed nothing
	}, oneDatabase...)
}

// KEYS pattern, which must not list keys that have expired, even ones nobody has
// touched since. Redis lists keys in its hash table's order, so the replies are compared as
// sorted lists.
func TestKeys(t *testing.T) {
	redistest.Both(t, startServer(t), func(t *testing.T, addr string) {
		conn := redistest.Dial(t, addr)
		for _, key := range []string{"hello", "hallo", "hxllo", "world", "h*llo"} {
			conn.Do("SET", key, "v")
		}
		conn.Do("SET", "hillo", "v", "PXAT", "1") // expired the moment it was set, never read
		keys := func(pattern string) []string {
			var got []string
			for _, e := range conn.Do("KEYS", pattern).Elems {
				got = append(got, e.Str)
			}
			sort.Strings(got)
			return got
		}
		assert.Equal(t, []string{"h*llo", "hallo", "hello", "hxllo", "world"}, keys("*"))
		assert.Equal(t, []string{"h*llo", "hallo", "hello", "hxllo"}, keys("h?llo"))
		assert.Equal(t, []string{"hallo", "hello"}, keys("h[ae]llo"))
		assert.Equal(t, []string{"h*llo"}, keys(`h\*llo`))
		assert.Empty(t, keys("nothing*"))
		assert.Equal(t, "ERR wrong number of arguments for 'keys' command", conn.Do("KEYS").Str)
	}, oneDatabase...)
}

// GETSET, the old name of SET key value GET, which also clears the TTL.
func TestGetset(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("GETSET", "k", "v1"), Want: []string{"$-1\r\n"}},
		{Send: cmd("SET", "k", "v2", "EX", "100") + cmd("GETSET", "k", "v3") + cmd("TTL", "k"), Want: []string{"+OK\r\n", "$2\r\nv2\r\n", ":-1\r\n"}},
		{Send: cmd("GET", "k"), Want: []string{"$2\r\nv3\r\n"}},
		{Send: cmd("SET", "gone", "v", "PXAT", "1") + cmd("GETSET", "gone", "new"), Want: []string{"+OK\r\n", "$-1\r\n"}},
		{Send: cmd("GETSET", "k"), Want: []string{"-ERR wrong number of arguments for 'getset' command\r\n"}},
	}, oneDatabase...)
}
