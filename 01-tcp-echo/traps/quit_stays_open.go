//go:build ignore

// Exercise 2: answering QUIT with +OK but keeping the connection open.

package main

import "net"

func quit(conn net.Conn) bool {
	conn.Write([]byte("+OK\r\n"))
	return false
}
