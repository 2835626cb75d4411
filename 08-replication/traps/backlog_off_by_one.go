//go:build ignore

// Exercise 2: serving from the backlog only up to the offset, so that a replica that missed nothing
// (it asks for offset + 1) gets a full resync

package main

func (r *replication) backlogHas(from int64) bool {
	return from >= r.backlogFirst && from <= r.offset
}
