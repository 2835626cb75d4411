package commandtable

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"byoredis/shared/redistest"
	"byoredis/shared/resp"
)

// every is a table of every command commands/ has, each with a function that does nothing.
func every() Table[func()] {
	handlers := map[string]func(){}
	for name := range specs {
		handlers[name] = func() {}
	}
	return New(handlers)
}

// reply is what t writes for COMMAND <sub> names... in a protocol.
func reply(protocol int, write func(w *resp.Writer)) string {
	var buf bytes.Buffer
	w := resp.NewWriter(&buf)
	w.SetProtocol(protocol)
	write(w)
	w.Flush()
	return buf.String()
}

func TestNewBuildsContainersAndChecksNames(t *testing.T) {
	table := New(map[string]string{"client": "", "client|id": "id", "get": "get"})
	assert.Equal(t, []string{"client", "get"}, table.Names())
	assert.Equal(t, "id", table["client"].Subcommands["id"].Handler)
	assert.Equal(t, "client|id", table["client"].Subcommands["id"].Name)
	assert.Equal(t, 2, table["get"].Arity)
	assert.True(t, table["get"].Is(ReadOnly|Fast))
	assert.False(t, table["get"].Is(Write))
	assert.True(t, table["client"].Subcommands["id"].ArityAllows(2))
	assert.Panics(t, func() { New(map[string]string{"nosuch": ""}) })
}

// Each command's COMMAND INFO entry is Redis 7.0's, byte for byte, in both protocols. A
// container lists only the subcommands a table has, so its entry is compared without them,
// and each subcommand is compared on its own ("client|id"). Later versions changed three
// entries, and the real server is held to its own version's (laterInfo).
func TestInfoIsRedisOwn(t *testing.T) {
	table := every()
	var exchanges []redistest.Exchange
	for _, protocol := range []int{2, 3} {
		exchanges = append(exchanges, redistest.Exchange{Send: resp.Command("HELLO", strconv.Itoa(protocol)), Want: []string{"HELLO"},
			Normalize: func(string) string { return "HELLO" }})
		for name := range specs {
			ours := reply(protocol, func(w *resp.Writer) { table.Info(w, [][]byte{[]byte(name)}) })
			ex := redistest.Exchange{Send: resp.Command("COMMAND", "INFO", name), Want: []string{ours}, Since: laterInfo(name, ours)}
			if table.find(name).Subcommands != nil {
				ex.Want = []string{withoutSubcommands(t, ours)}
				ex.Normalize = func(raw string) string { return withoutSubcommands(t, raw) }
			}
			exchanges = append(exchanges, ex)
		}
	}
	redistest.RunExchanges(t, redistest.StartRedis(t), exchanges)
}

// laterInfo is what Redis 7.2 and later (and Valkey) answer where their entry is not 7.0's:
// MSETNX lost its tips, CLIENT SETNAME gained some, and WAIT lost noscript, then became
// blocking in 7.4.
func laterInfo(name, info string) map[string][]string {
	set := "*"
	if strings.Contains(info, "~") {
		set = "~" // RESP3
	}
	switch name {
	case "msetnx":
		tips := set + "2\r\n$26\r\nrequest_policy:multi_shard\r\n$23\r\nresponse_policy:agg_min\r\n"
		return map[string][]string{"7.2": {strings.Replace(info, tips, set+"0\r\n", 1)}}
	case "client|setname":
		tips := set + "2\r\n$24\r\nrequest_policy:all_nodes\r\n$29\r\nresponse_policy:all_succeeded\r\n"
		return map[string][]string{"7.2": {strings.Replace(info, set+"0\r\n", tips, 1)}}
	case "wait":
		noscript, categories := set+"1\r\n+noscript\r\n", set+"2\r\n+@slow\r\n+@connection\r\n"
		blocking := strings.Replace(strings.Replace(info, noscript, set+"1\r\n+blocking\r\n", 1), categories, set+"3\r\n+@slow\r\n+@blocking\r\n+@connection\r\n", 1)
		return map[string][]string{"7.2": {strings.Replace(info, noscript, set+"0\r\n", 1)}, "7.4": {blocking}, "valkey": {blocking}}
	}
	return nil
}

// withoutSubcommands is a raw COMMAND INFO reply of one container, up to its subcommands.
func withoutSubcommands(t *testing.T, raw string) string {
	// The subcommands are the entry's last element: cut where it starts, after the first nine.
	header := "*1\r\n*10\r\n"
	require.True(t, strings.HasPrefix(raw, header), raw)
	r := resp.NewReplyReader(strings.NewReader(raw[len(header):]))
	size := len(header)
	for range 9 {
		_, err := r.ReadReply()
		require.NoError(t, err)
		size += len(r.Raw())
	}
	return raw[:size]
}

// Each command's COMMAND DOCS is Redis 7.0's, byte for byte, arguments and history included:
// what redis-cli shows as hints while you type.
func TestDocsAreRedisOwn(t *testing.T) {
	addr := redistest.StartRedis(t)
	if redistest.RedisAtLeast(addr, 7, 2) {
		t.Skip("the files in commands/ are Redis 7.0's; Redis 7.2 rewrote the summaries and added display_text, so COMMAND DOCS is compared with Redis 7.0 only")
	}
	conn := redistest.Dial(t, addr)
	table := every()
	for _, protocol := range []int{2, 3} {
		conn.Do("HELLO", string(rune('0'+protocol)))
		for name := range table {
			if table[name].Subcommands != nil {
				continue // Redis documents every subcommand; a table, those it has
			}
			ours := reply(protocol, func(w *resp.Writer) { table.Docs(w, [][]byte{[]byte(name)}) })
			assert.Equal(t, conn.RawReplyTo("COMMAND", "DOCS", name), ours, "COMMAND DOCS %s, RESP%d", name, protocol)
		}
		for name := range specs {
			if strings.Contains(name, "|") {
				ours := reply(protocol, func(w *resp.Writer) { table.Docs(w, [][]byte{[]byte(name)}) })
				assert.Equal(t, conn.RawReplyTo("COMMAND", "DOCS", name), ours, "COMMAND DOCS %s, RESP%d", name, protocol)
			}
		}
	}
}

func TestInfoAndDocsOfNamesNotThere(t *testing.T) {
	table := New(map[string]func(){"get": nil})
	assert.Equal(t, "*2\r\n$-1\r\n$-1\r\n", reply(2, func(w *resp.Writer) { table.Info(w, [][]byte{[]byte("nosuch"), []byte("client|id")}) }))
	assert.Equal(t, "*0\r\n", reply(2, func(w *resp.Writer) { table.Docs(w, [][]byte{[]byte("nosuch")}) }))
	assert.True(t, strings.HasPrefix(reply(2, func(w *resp.Writer) { table.Info(w, [][]byte{[]byte("GET")}) }), "*1\r\n*10\r\n$3\r\nget\r\n"))
}

// KeyRange finds the keys real Redis finds in the same calls (COMMAND GETKEYS), and none in a
// command that has none.
func TestKeyRangeFindsRedisKeys(t *testing.T) {
	calls := [][]string{{"GET", "k"}, {"SET", "k", "v", "EX", "10"}, {"MSET", "a", "1", "b", "2"}, {"DEL", "a", "b", "c"},
		{"RENAME", "a", "b"}, {"COPY", "a", "b", "REPLACE"}, {"MGET", "a", "b", "c"}, {"GETEX", "k", "PERSIST"},
		{"EXPIRE", "k", "10"}, {"MSETNX", "a", "1", "b", "2"}, {"APPEND", "k", "v"}, {"EXISTS", "a", "b"}}
	var exchanges []redistest.Exchange
	for _, call := range calls {
		first, last, step, ok := Lookup(call[0]).KeyRange(len(call))
		require.True(t, ok, call[0])
		var keys []string
		for i := first; i <= last; i += step {
			keys = append(keys, call[i])
		}
		exchanges = append(exchanges, redistest.Exchange{Send: resp.Command(append([]string{"COMMAND", "GETKEYS"}, call...)...),
			Want: []string{resp.Command(keys...)}})
	}
	for _, name := range []string{"ping", "flushall", "dbsize", "keys"} {
		_, _, _, ok := Lookup(name).KeyRange(2)
		assert.False(t, ok, name)
	}
	redistest.RunExchanges(t, redistest.StartRedis(t), exchanges)
}
