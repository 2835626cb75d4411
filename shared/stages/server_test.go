package stages

import (
	"bufio"
	"net"
	"strings"
	"testing"

	"byoredis/shared/redistest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// When another process holds the port given to the server under test, the server that answers
// is not the one started: start notices by its process ID, instead of running a stage against
// another stage's server.
func TestStartNoticesAnotherServerOnItsPort(t *testing.T) {
	ln := redistest.Listen(t)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { // answers PING, and INFO as process 1
				defer conn.Close()
				lines := bufio.NewReader(conn)
				for {
					line, err := lines.ReadString('\n')
					if err != nil {
						return
					}
					if strings.HasPrefix(line, "INFO") {
						conn.Write([]byte("$14\r\nprocess_id:1\r\n\r\n"))
					} else {
						conn.Write([]byte("+PONG\r\n"))
					}
				}
			}()
		}
	}()
	// The server under test does not listen at all: it sleeps, and ignores its arguments.
	_, err := startOn(Target{Command: "sleep 30 #"}, t.TempDir(), nil, ln.Addr().(*net.TCPAddr).Port)
	require.Error(t, err)
	assert.ErrorIs(t, err, errAnotherServer)
}
