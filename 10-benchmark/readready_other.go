//go:build !unix

package main

import (
	"net"

	"byoredis/shared/resp"
)

// readWhenReady has no system call to make here: a read waits with its buffer (conn.Read).
func readWhenReady(net.Conn) func(resp.Buffers) (int, error) { return nil }
