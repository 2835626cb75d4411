// Command myredis is your own Redis-compatible server, built stage by stage. It starts as
// little as a server can be: it listens on the port it is given, and nothing more.
//
// Grade it from the course's folder with
//
//	make grade STEP=01 SERVER=<this folder>
//
// and make the first failing stage pass; then the next. Each failing stage names the part
// of the course's GUIDE.md that teaches it, and the reference server of that step is there
// to read when you are stuck.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
)

func main() {
	// The grader starts your server as it starts redis-server: with --port N (and, from
	// step 05 on, Redis's persistence directives such as --dir and --appendonly).
	port := flag.Int("port", 6380, "TCP port to listen on")
	flag.Parse()

	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(*port)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for {
		conn, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		// Your turn: serve the client. Stage 01/echo asks you to send every line it
		// writes straight back, and 01/clients to serve many clients at once.
		conn.Close()
	}
}
