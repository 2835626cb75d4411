package stages

import (
	"fmt"
)

const echoOnly = "Redis answers commands; it does not echo lines back"

var step01 = []*Stage{
	{
		Step: 1, Name: "listen", Title: "accepts TCP connections on the port given by --port",
		Guide: "01-tcp-echo/GUIDE.md: main.go: listen, serve, stop",
		Check: func(s *Session) { s.Dial() },
	},
	{
		Step: 1, Name: "echo", Title: "sends every line a client writes straight back",
		Guide: "01-tcp-echo/GUIDE.md: server.go: one goroutine per client",
		Until: 1, NotRedis: echoOnly,
		Hint: "keep the connection open, read from it up to each \"\\n\" (a bufio.Reader's ReadString) and write the line back",
		Check: func(s *Session) {
			c := s.Dial()
			for _, line := range []string{"hello\n", "two words\r\n", "\n"} {
				c.Send(line)
				c.ExpectLine(line)
			}
		},
	},
	{
		Step: 1, Name: "lines", Title: "a line split over many writes, or many lines in one write, echo line by line",
		Guide: "01-tcp-echo/GUIDE.md: Why a line is not a message",
		Until: 1, NotRedis: echoOnly,
		Check: func(s *Session) {
			c := s.Dial()
			for _, part := range []string{"he", "l", "lo\n"} {
				c.Send(part)
			}
			c.ExpectLine("hello\n")
			c.Send("one\ntwo\nthree\n")
			for _, line := range []string{"one\n", "two\n", "three\n"} {
				c.ExpectLine(line)
			}
		},
	},
	{
		Step: 1, Name: "clients", Title: "serves many clients at once: an idle client does not hold up the others",
		Guide: "01-tcp-echo/GUIDE.md: server.go: one goroutine per client",
		Until: 1, NotRedis: echoOnly,
		Hint: "serve each connection in a goroutine of its own, so that the accept loop goes straight back to Accept",
		Check: func(s *Session) {
			var conns []*Conn
			for range 20 {
				conns = append(conns, s.Dial())
			}
			// The first connection stays silent the whole time: a server that serves one
			// client at a time never gets past it.
			for i := len(conns) - 1; i >= 1; i-- {
				line := fmt.Sprintf("client %d\n", i)
				conns[i].Send(line)
				conns[i].ExpectLine(line)
			}
			conns[0].Send("last\n")
			conns[0].ExpectLine("last\n")
		},
	},
}
