package main

import (
	"testing"

	"byoredis/shared/redistest"
)

// Exercise 1: a "PING" line gets Redis's "+PONG" (checked against real Redis too).
func TestExercise1Ping(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: "PING\r\n", Want: []string{"+PONG\r\n"}},
		{Send: "ping\n", Want: []string{"+PONG\r\n"}},
	})
}

// Exercise 2: "QUIT" gets "+OK" and the connection closes.
func TestExercise2Quit(t *testing.T) {
	redistest.Differential(t, startServer(t), []redistest.Exchange{
		{Send: "QUIT\r\n", Want: []string{"+OK\r\n"}, Closed: true},
	})
}

// Exercise 3: with maxclients 1, a second client gets Redis's error and is disconnected.
func TestExercise3MaxClients(t *testing.T) {
	redistest.Both(t, redistest.Start(t, NewServer(1)), func(t *testing.T, addr string) {
		first := redistest.Dial(t, addr)
		second := redistest.Dial(t, addr)
		// A server that wrongly serves the second client answers this PING at once, so the
		// test fails straight away instead of waiting for an error that never comes. Redis
		// has already written its error and closed, and that error is read first.
		second.Send("PING\r\n")
		second.Expect("-ERR max number of clients reached\r\n")
		second.ExpectClosed()
		first.Send("PING\r\n") // the first client is still served
		first.Expect("+PONG\r\n")
	}, "--maxclients", "1")
}
