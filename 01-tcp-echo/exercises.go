//go:build !solution

// This file holds the exercises of EXERCISES.md, each a stub for you to replace. Run
// `make check STEP=01` to see which pass.

package main

import "net"

// ping answers a "PING" line. Exercise 1: reply "+PONG\r\n", as Redis does.
func ping(conn net.Conn) {
	conn.Write([]byte("-ERR not implemented yet: PING (exercise 1)\r\n"))
}

// quit answers a "QUIT" line and reports whether to close the connection.
// Exercise 2: reply "+OK\r\n", then close.
func quit(conn net.Conn) bool {
	conn.Write([]byte("-ERR not implemented yet: QUIT (exercise 2)\r\n"))
	return false
}

// refuse decides whether a new client must be turned away because s.maxClients clients are
// already connected; it is called with s.mu held. Exercise 3: when the server is full, send
// Redis's error "-ERR max number of clients reached\r\n" and return true.
func (s *Server) refuse(conn net.Conn) bool {
	return false // not implemented yet: exercise 3
}
