package stages

import (
	"fmt"
	"strings"

	"byoredis/shared/resp"
)

var cmd = resp.Command

// Redis's replies that many stages expect.
const (
	pong            = "+PONG\r\n"
	ok              = "+OK\r\n"
	nullBulk        = "$-1\r\n"
	syntaxError     = "-ERR syntax error\r\n"
	notAnInteger    = "-ERR value is not an integer or out of range\r\n"
	multibulkLength = "-ERR Protocol error: invalid multibulk length\r\n"
	bulkLength      = "-ERR Protocol error: invalid bulk length\r\n"
)

func arity(name string) string {
	return fmt.Sprintf("-ERR wrong number of arguments for '%s' command\r\n", name)
}

func bulk(s string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(s), s) }

func integer(n int) string { return fmt.Sprintf(":%d\r\n", n) }

func repeat(s string, n int) string { return strings.Repeat(s, n) }

// exchanges is a check made of requests and their replies on one connection.
func exchanges(list ...exchange) func(s *Session) {
	return func(s *Session) {
		c := s.Dial()
		for _, x := range list {
			c.Exchange(x.send, x.want...)
		}
	}
}

type exchange struct {
	send string
	want []string
}

func x(send string, want ...string) exchange { return exchange{send, want} }

// closes checks that each request gets its error and then a closed connection, each on a
// fresh connection.
func closes(list ...exchange) func(s *Session) {
	return func(s *Session) {
		for _, x := range list {
			c := s.Dial()
			c.Exchange(x.send, x.want...)
			c.ExpectClosed()
		}
	}
}

var step02 = []*Stage{
	{
		Step: 2, Name: "echo", Title: "ECHO answers its argument as a bulk string, any bytes at all",
		Guide: "02-resp-parser/GUIDE.md: What a request looks like",
		Hint:  `read "*<count>\r\n", then "$<length>\r\n<bytes>\r\n" per argument; answer "$<length>\r\n<bytes>\r\n"`,
		Check: exchanges(
			x(cmd("ECHO", "hi"), bulk("hi")),
			x(cmd("echo", "a\r\nb\x00c"), bulk("a\r\nb\x00c")),
			x(cmd("ECHO", ""), "$0\r\n\r\n"),
			x(cmd("ECHO"), arity("echo")),
			x(cmd("ECHO", "a", "b"), arity("echo")),
		),
	},
	{
		Step: 2, Name: "ping", Title: "PING answers +PONG, PING with a message answers the message",
		Guide: "02-resp-parser/GUIDE.md: What a request looks like",
		Check: exchanges(
			x(cmd("PING"), pong),
			x(cmd("ping"), pong),
			x(cmd("PING", "hello world"), bulk("hello world")),
			x(cmd("PING", "a", "b"), arity("ping")),
		),
	},
	{
		Step: 2, Name: "unknown-command", Title: "an unknown command gets Redis's error, naming it and its first arguments",
		Guide: "02-resp-parser/GUIDE.md: commands.go: the command table",
		Check: exchanges(
			x(cmd("FOO"), "-ERR unknown command 'FOO', with args beginning with: \r\n"),
			x(cmd("foo", "bar", "baz qux"), "-ERR unknown command 'foo', with args beginning with: 'bar' 'baz qux' \r\n"),
			x(cmd("PING"), pong), // and the connection goes on
		),
	},
	{
		Step: 2, Name: "inline", Title: "inline commands, as typed into nc, with Redis's quoting rules",
		Guide: "02-resp-parser/GUIDE.md: splitargs.go: inline commands",
		Check: exchanges(
			x("PING\r\n", pong),
			x("ECHO x\n", bulk("x")),
			x("\r\n\r\nPING\r\n", pong), // empty lines get no reply at all
			x(`ECHO "a\x41\n\t\"b"`+"\r\n", bulk("aA\n\t\"b")),
			x(`ECHO 'it\'s "raw" \n'`+"\r\n", bulk(`it's "raw" \n`)),
			x("ECHO   spaced     out\r\n", arity("echo")),
		),
	},
	{
		Step: 2, Name: "pipelining", Title: "many commands in one write get their replies in order",
		Guide: "02-resp-parser/GUIDE.md: server.go: one write per batch",
		Check: func(s *Session) {
			var batch string
			var want []string
			for i := range 100 {
				batch += cmd("ECHO", fmt.Sprint(i))
				want = append(want, bulk(fmt.Sprint(i)))
			}
			c := s.Dial()
			c.Exchange(batch+"PING\r\n", append(want, pong)...)
		},
	},
	{
		Step: 2, Name: "big-batch", Title: "a 20 MB batch sent before reading any reply gets every reply",
		Guide: "02-resp-parser/GUIDE.md: output.go: the server never waits for a client to read",
		Check: func(s *Session) {
			value := repeat("v", 4096)
			c := s.Dial()
			c.SendBeforeReading(repeat(cmd("ECHO", value), 5000))
			for range 5000 {
				c.Expect(bulk(value))
			}
		},
	},
	{
		Step: 2, Name: "fragments", Title: "a command that arrives a few bytes at a time is one command",
		Guide: "02-resp-parser/GUIDE.md: reader.go: reading a command",
		Check: func(s *Session) {
			c := s.Dial()
			c.SendInPieces(cmd("ECHO", "split")+"PI", 1)
			c.Expect(bulk("split"))
			c.Exchange("NG\r\n", pong)
		},
	},
	{
		Step: 2, Name: "big-argument", Title: "a 1 MiB argument comes back whole",
		Guide: "02-resp-parser/GUIDE.md: Lengths are claims, not allocations",
		Check: func(s *Session) {
			big := repeat("0123456789abcdef", 1<<16)
			c := s.Dial()
			c.Exchange(cmd("ECHO", big), bulk(big))
		},
	},
	{
		Step: 2, Name: "protocol-errors", Title: "broken framing gets Redis's protocol error, then the connection is closed",
		Guide: "02-resp-parser/GUIDE.md: Errors that close the connection",
		Check: closes(
			x("*abc\r\n", multibulkLength),
			x("*2147483648\r\n", multibulkLength),
			x("*1\r\n$-1\r\n", bulkLength),
			x("*1\r\n$536870913\r\n", bulkLength),
			x("*1\r\n:1\r\n", "-ERR Protocol error: expected '$', got ':'\r\n"),
			x(`ECHO "abc`+"\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"),
			x(repeat("a", 65537), "-ERR Protocol error: too big inline request\r\n"),
			// The commands before the broken one are answered first.
			x("PING\r\n"+cmd("ECHO", "ok")+"*x\r\n", pong, bulk("ok"), multibulkLength),
		),
	},
	{
		Step: 2, Name: "quit", Title: "QUIT answers +OK and closes the connection",
		Guide: "02-resp-parser/GUIDE.md: commands.go: the command table",
		Check: closes(x(cmd("QUIT"), ok)),
	},
	{
		Step: 2, Name: "clients", Title: "many clients at once, each getting its own replies",
		Guide: "01-tcp-echo/GUIDE.md: server.go: one goroutine per client",
		Check: func(s *Session) {
			var conns []*Conn
			for range 50 {
				conns = append(conns, s.Dial())
			}
			for i, c := range conns {
				c.Send(cmd("ECHO", fmt.Sprintf("client %d", i)))
			}
			for i := len(conns) - 1; i >= 0; i-- { // read in the other order
				conns[i].Expect(bulk(fmt.Sprintf("client %d", i)))
			}
		},
	},
}
