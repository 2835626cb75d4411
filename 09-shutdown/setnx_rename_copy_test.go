package main

import (
	"testing"

	"byoredis/shared/redistest"
	"byoredis/shared/resp"

	"github.com/stretchr/testify/assert"
)

// SETNX and MSETNX, logged only when they set something.
func TestSetnxMsetnx(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("SETNX", "k", "v1") + cmd("SETNX", "k", "v2") + cmd("GET", "k"), Want: []string{":1\r\n", ":0\r\n", "$2\r\nv1\r\n"}},
		{Send: cmd("MSETNX", "a", "1", "b", "2") + cmd("MSETNX", "b", "3", "c", "4") + cmd("EXISTS", "c"), Want: []string{":1\r\n", ":0\r\n", ":0\r\n"}},
		{Send: cmd("MSETNX", "d", "5", "a", "6") + cmd("EXISTS", "d"), Want: []string{":0\r\n", ":0\r\n"}}, // all or nothing
		{Send: cmd("SET", "t", "v", "EX", "100") + cmd("SETNX", "t", "w") + cmd("TTL", "t"), Want: []string{"+OK\r\n", ":0\r\n", ":100\r\n"}},
		{Send: cmd("MSETNX", "a", "1", "b"), Want: []string{"-ERR wrong number of arguments for 'msetnx' command\r\n"}},
		{Send: cmd("SETNX", "a"), Want: []string{"-ERR wrong number of arguments for 'setnx' command\r\n"}},
	}, oneDatabase...)
	logged := loggedLikeRedis(t, [][]string{{"SETNX", "k", "v"}, {"SETNX", "k", "w"}, {"MSETNX", "a", "1", "k", "2"}, {"MSETNX", "a", "1", "b", "2"}})
	assert.NotContains(t, logged, "w\r\n", "a SETNX that set nothing is not logged")
}

// RENAME and RENAMENX move the value and its TTL; the log says what Redis logs.
func TestRename(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("RENAME", "missing", "x"), Want: []string{"-ERR no such key\r\n"}},
		{Send: cmd("SET", "r", "v", "EX", "100") + cmd("RENAME", "r", "r2") + cmd("GET", "r2") + cmd("TTL", "r2") + cmd("EXISTS", "r"),
			Want: []string{"+OK\r\n", "+OK\r\n", "$1\r\nv\r\n", ":100\r\n", ":0\r\n"}},
		{Send: cmd("SET", "other", "o") + cmd("RENAME", "r2", "other") + cmd("GET", "other"), Want: []string{"+OK\r\n", "+OK\r\n", "$1\r\nv\r\n"}},
		{Send: cmd("RENAME", "other", "other"), Want: []string{"+OK\r\n"}},
		{Send: cmd("RENAME", "other"), Want: []string{"-ERR wrong number of arguments for 'rename' command\r\n"}},
		// RENAMENX: 1 when it renamed, 0 when newkey is taken (or is key itself)
		{Send: cmd("SET", "n", "v", "EX", "100") + cmd("SET", "taken", "t") + cmd("RENAMENX", "n", "taken") + cmd("GET", "taken"),
			Want: []string{"+OK\r\n", "+OK\r\n", ":0\r\n", "$1\r\nt\r\n"}},
		{Send: cmd("RENAMENX", "n", "n2") + cmd("GET", "n2") + cmd("TTL", "n2") + cmd("EXISTS", "n"), Want: []string{":1\r\n", "$1\r\nv\r\n", ":100\r\n", ":0\r\n"}},
		{Send: cmd("RENAMENX", "n2", "n2") + cmd("GET", "n2"), Want: []string{":0\r\n", "$1\r\nv\r\n"}},
		{Send: cmd("RENAMENX", "missing", "taken") + cmd("RENAMENX", "missing", "free"), Want: []string{"-ERR no such key\r\n", "-ERR no such key\r\n"}},
		{Send: cmd("RENAMENX", "n2"), Want: []string{"-ERR wrong number of arguments for 'renamenx' command\r\n"}},
	}, oneDatabase...)
	logged := loggedLikeRedis(t, [][]string{{"SET", "a", "1"}, {"RENAME", "a", "b"}, {"RENAME", "nope", "c"}, {"RENAME", "b", "b"},
		{"SET", "c", "1"}, {"RENAMENX", "b", "c"}, {"RENAMENX", "b", "d"}, {"RENAMENX", "d", "d"}})
	assert.Contains(t, logged, resp.Command("RENAME", "a", "b"))
	assert.NotContains(t, logged, resp.Command("RENAME", "b", "b"), "RENAME to the same name changes nothing, so Redis logs nothing")
	assert.Contains(t, logged, resp.Command("RENAMENX", "b", "d"))
	assert.NotContains(t, logged, resp.Command("RENAMENX", "b", "c"), "a RENAMENX that answers 0 changed nothing")
}

// COPY, with REPLACE and DB 0; the copy keeps the TTL.
func TestCopy(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: cmd("COPY", "missing", "x"), Want: []string{":0\r\n"}},
		{Send: cmd("SET", "a", "1", "EX", "100") + cmd("COPY", "a", "b") + cmd("TTL", "b") + cmd("GET", "b"), Want: []string{"+OK\r\n", ":1\r\n", ":100\r\n", "$1\r\n1\r\n"}},
		{Send: cmd("SET", "a", "2") + cmd("COPY", "a", "b") + cmd("COPY", "a", "b", "REPLACE") + cmd("GET", "b") + cmd("TTL", "b"),
			Want: []string{"+OK\r\n", ":0\r\n", ":1\r\n", "$1\r\n2\r\n", ":-1\r\n"}},
		{Send: cmd("COPY", "a", "c", "DB", "0"), Want: []string{":1\r\n"}},
		{Send: cmd("COPY", "a", "a"), Want: []string{"-ERR source and destination objects are the same\r\n"}},
		{Send: cmd("COPY", "a", "d", "DB", "1"), Want: []string{"-ERR DB index is out of range\r\n"}},
		{Send: cmd("COPY", "a", "d", "DB", "x"), Want: []string{"-ERR value is not an integer or out of range\r\n"}},
		{Send: cmd("COPY", "a", "d", "FOO"), Want: []string{"-ERR syntax error\r\n"}},
		{Send: cmd("EXISTS", "d"), Want: []string{":0\r\n"}}, // a refused COPY copied nothing
		{Send: cmd("COPY", "a"), Want: []string{"-ERR wrong number of arguments for 'copy' command\r\n"}},
	}, oneDatabase...)
	loggedLikeRedis(t, [][]string{{"SET", "a", "1"}, {"COPY", "a", "b"}, {"COPY", "a", "b"}, {"COPY", "a", "b", "REPLACE"}})
}
