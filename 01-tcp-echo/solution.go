//go:build solution

// Reference solutions to EXERCISES.md, built only with `-tags solution`. Try the exercises
// before you read them.

package main

import "net"

func ping(conn net.Conn) {
	conn.Write([]byte("+PONG\r\n"))
}

func quit(conn net.Conn) bool {
	conn.Write([]byte("+OK\r\n"))
	return true
}

func (s *Server) refuse(conn net.Conn) bool {
	if len(s.clients) < s.maxClients {
		return false
	}
	conn.Write([]byte("-ERR max number of clients reached\r\n"))
	return true
}
