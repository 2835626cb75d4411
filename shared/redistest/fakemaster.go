package redistest

import (
	"net"
	"strings"
	"sync"
	"testing"

	"byoredis/shared/resp"
)

// FakeMaster is a master that answers every replica that connects with a fixed script of
// bytes instead of a real handshake and stream: how a replica takes a master's faults (a
// length that is not one, a stream that is not RESP, silence) is tested with it.
type FakeMaster struct {
	Addr string
	// Commands has every command a replica sent, from every connection in turn, as strings;
	// a connection's end is an empty command.
	Commands chan []string
}

// StartFakeMaster listens on 127.0.0.1 and writes script to each connection as it is
// accepted (one that starts with Handshake, as the replica's commands come), then reads what the replica sends and keeps the connection open until the
// replica closes it or the test ends. An empty script is a master that never answers.
func StartFakeMaster(t testing.TB, script string) *FakeMaster {
	t.Helper()
	ln := Listen(t)
	m := &FakeMaster{Addr: ln.Addr().String(), Commands: make(chan []string, 10_000)}
	bytes := []byte(script) // once: a test may measure what the replica allocates
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			go func() {
				defer func() { m.send(nil) }()
				script, interactive := bytes, strings.HasPrefix(script, Handshake)
				if !interactive {
					if _, err := conn.Write(script); err != nil {
						return
					}
				}
				requests := resp.NewReader(conn)
				for {
					args, err := requests.ReadCommand()
					if err != nil {
						return
					}
					command := make([]string, len(args))
					for i, arg := range args {
						command[i] = string(arg)
					}
					m.send(command)
					if interactive { // answer each command of the handshake in turn
						reply := []byte("+OK\r\n") // REPLCONF, whatever a replica tells (Valkey its version)
						switch strings.ToUpper(command[0]) {
						case "PING":
							reply = []byte("+PONG\r\n")
						case "PSYNC", "SYNC":
							reply, interactive = script[len(Handshake)-len(fullResync):], false
						}
						if _, err := conn.Write(reply); err != nil {
							return
						}
					}
				}
			}()
		}
	}()
	return m
}

func (m *FakeMaster) send(command []string) {
	select {
	case m.Commands <- command:
	default: // nobody is reading that many: the test has what it needs
	}
}

// Handshake is what a master answers to a replica's PING, REPLCONF listening-port, REPLCONF
// capa and PSYNC: a full resync from offset 0 of a replication ID of 40 a's. A script that
// starts with it is played command by command (a REPLCONF more, as Valkey sends, gets +OK).
var Handshake = "+PONG\r\n+OK\r\n+OK\r\n" + fullResync

var fullResync = "+FULLRESYNC " + strings.Repeat("a", 40) + " 0\r\n"

// EmptyRDB is the snapshot of an empty keyspace in Redis 7.0's format (RDB version 10),
// without a checksum (eight zero bytes, which a loader does not check), framed as a master
// sends it.
var EmptyRDB = "$18\r\nREDIS0010\xff\x00\x00\x00\x00\x00\x00\x00\x00"
