//go:build ignore

// Exercise 3: keeping the old history's ID after a promotion, where Redis starts a new one and keeps
// the old as its second

package main

func (r *replication) promote() {
	r.replID2, r.secondOffset = r.replID, r.offset+1
}
