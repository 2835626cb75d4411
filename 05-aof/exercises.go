//go:build !solution

// This file holds the exercises of EXERCISES.md, each a stub for you to replace. Run
// `make check STEP=05` to see which pass.

package main

import "strconv"

// Exercise 1: SETNX key value, MSETNX key value [key value ...].

func setnx(c *client, args [][]byte)  { notImplemented(c, "SETNX", 1) }
func msetnx(c *client, args [][]byte) { notImplemented(c, "MSETNX", 1) }

// Exercise 2: RENAME key newkey, RENAMENX key newkey.

func rename(c *client, args [][]byte)   { notImplemented(c, "RENAME", 2) }
func renamenx(c *client, args [][]byte) { notImplemented(c, "RENAMENX", 2) }

// Exercise 3: COPY source destination [DB destination-db] [REPLACE].

func copyCommand(c *client, args [][]byte) { notImplemented(c, "COPY", 3) }

func notImplemented(c *client, name string, exercise int) {
	c.writer.Error("ERR not implemented yet: " + name + " (exercise " + strconv.Itoa(exercise) + ")")
}
