//go:build !solution

// This file holds the exercises of EXERCISES.md, each a stub for you to replace. Run
// `make check STEP=03` to see which pass.

package main

import "strconv"

// Exercise 1: INCR key, DECR key, INCRBY key increment, DECRBY key decrement.

func incr(c *client, args [][]byte)   { notImplemented(c, "INCR", 1) }
func decr(c *client, args [][]byte)   { notImplemented(c, "DECR", 1) }
func incrby(c *client, args [][]byte) { notImplemented(c, "INCRBY", 1) }
func decrby(c *client, args [][]byte) { notImplemented(c, "DECRBY", 1) }

// Exercise 2: APPEND key value, STRLEN key.

func appendCommand(c *client, args [][]byte) { notImplemented(c, "APPEND", 2) }
func strlen(c *client, args [][]byte)        { notImplemented(c, "STRLEN", 2) }

// Exercise 3: MGET key [key ...], MSET key value [key value ...].

func mget(c *client, args [][]byte) { notImplemented(c, "MGET", 3) }
func mset(c *client, args [][]byte) { notImplemented(c, "MSET", 3) }

// Exercise 4: GETDEL key.

func getdel(c *client, args [][]byte) { notImplemented(c, "GETDEL", 4) }

func notImplemented(c *client, name string, exercise int) {
	c.writer.Error("ERR not implemented yet: " + name + " (exercise " + strconv.Itoa(exercise) + ")")
}
