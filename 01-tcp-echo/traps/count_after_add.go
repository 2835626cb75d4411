//go:build ignore

// Exercise 3: counting the new client as if it were already connected, so one client too
// many gets in.

package main

import "net"

func (s *Server) refuse(conn net.Conn) bool {
	if len(s.clients) <= s.maxClients {
		return false
	}
	conn.Write([]byte("-ERR max number of clients reached\r\n"))
	return true
}
