//go:build unix

package main

import (
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lender lends one buffer at a time and says when it is given back.
type lender struct {
	buf       []byte
	taken     int
	givenBack chan struct{}
}

func (l *lender) Take() []byte {
	l.taken++
	l.buf = make([]byte, 64)
	return l.buf
}

func (l *lender) GiveBack() {
	l.buf = nil
	l.givenBack <- struct{}{}
}

// A client waiting for its next command holds no read buffer: the read gives its buffer back
// when the socket has nothing, waits with none, and takes one again when bytes arrive.
func TestReadWhenReadyWaitsWithNoBuffer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer client.Close()
	server, err := ln.Accept()
	require.NoError(t, err)
	defer server.Close()

	read := readWhenReady(server)
	require.NotNil(t, read)
	buffers := &lender{givenBack: make(chan struct{})}
	type result struct {
		n   int
		err error
	}
	done := make(chan result)
	go func() {
		n, err := read(buffers)
		done <- result{n, err}
	}()
	<-buffers.givenBack // nothing to read: the buffer went back before the wait
	_, err = client.Write([]byte("PING\r\n"))
	require.NoError(t, err)
	got := <-done
	require.NoError(t, got.err)
	assert.Equal(t, "PING\r\n", string(buffers.buf[:got.n]))
	assert.Equal(t, 2, buffers.taken)

	go func() {
		n, err := read(buffers)
		done <- result{n, err}
	}()
	<-buffers.givenBack
	client.Close()
	got = <-done
	assert.Zero(t, got.n)
	assert.ErrorIs(t, got.err, io.EOF)
}
