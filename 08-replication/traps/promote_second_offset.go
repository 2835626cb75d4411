//go:build ignore

// Exercise 3: recording the offset itself as where the second history ends, where it is offset + 1:
// a sibling that has every byte asks for offset + 1 and is refused

package main

func (r *replication) promote() {
	r.replID2, r.secondOffset = r.replID, r.offset
	r.replID = newReplID()
}
