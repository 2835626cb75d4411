package main

import (
	"bytes"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"byoredis/shared/redistest"
)

// FuzzReplicaOfAMaster plays a master that sends whatever the fuzzer makes of a real exchange
// (the handshake's replies, the snapshot and its framing, the stream) and then closes: the
// replica must end the link with an error, never panic, hang or allocate what the master only
// claims. `go test -fuzz FuzzReplicaOfAMaster` explores; go test runs the seeds.
func FuzzReplicaOfAMaster(f *testing.F) {
	rdb := redistest.EmptyRDB
	for _, seed := range []string{
		redistest.Handshake + rdb + cmd("SET", "k", "v") + cmd("REPLCONF", "GETACK", "*"),
		redistest.Handshake + "$EOF:" + strings.Repeat("m", 40) + "\r\n" + rdb[len("$18\r\n"):] + strings.Repeat("m", 40) + cmd("PING"),
		redistest.Handshake + "\n\n" + rdb + "\n" + cmd("SELECT", "0") + cmd("DEL", "k"),
		"+PONG\r\n+OK\r\n+OK\r\n+CONTINUE " + strings.Repeat("b", 40) + "\r\n" + cmd("INCR", "n"),
		redistest.Handshake + "$-5\r\n",
		redistest.Handshake + "$99999999999\r\n",
		redistest.Handshake + rdb + "SET k v\r\n",
		redistest.Handshake + rdb + "*2\r\n$3\r\nSET\r\n$600000000\r\n",
		"-NOAUTH Authentication required.\r\n+OK\r\n+OK\r\n+FULLRESYNC x 5\r\n",
	} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	srv := newServer(f, Config{Bind: "127.0.0.1", MaxClients: 100, RDB: RDBConfig{Dir: dir}})
	srv.store.setReplica(true)
	f.Fuzz(func(t *testing.T, script []byte) {
		if bytes.Contains(bytes.ToLower(script), []byte("shutdown")) {
			t.Skip("a master may shut its replica down, as Redis's may: not a fault")
		}
		ln := redistest.Listen(t)
		defer ln.Close()
		go func() {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
			conn.Write(script)
			conn.(*net.TCPConn).CloseWrite() // the script is all the master says
			buf := make([]byte, 4096)
			for { // and it reads whatever the replica sends, until the replica hangs up
				if _, err := conn.Read(buf); err != nil {
					return
				}
			}
		}()
		host, port, _ := net.SplitHostPort(ln.Addr().String())
		m := &masterLink{s: srv, host: host, stop: make(chan struct{})}
		m.port, _ = strconv.Atoi(port)
		srv.masterMu.Lock() // the server is this master's replica, as REPLICAOF makes it
		srv.master = m
		srv.masterMu.Unlock()
		hung := time.AfterFunc(hangGuard, func() { // a hang shows where it waits
			stacks := make([]byte, 1<<20)
			panic("the link did not end after the master closed it:\n" + string(stacks[:runtime.Stack(stacks, true)]))
		})
		defer hung.Stop()
		if err := m.session(); err == nil {
			t.Fatal("a link that ended returned no error")
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) > 0 {
			t.Fatalf("a temporary file was left behind: %s", entries[0].Name())
		}
	})
}
