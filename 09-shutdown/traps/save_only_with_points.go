//go:build ignore

// Exercise 3: saving only when save points are set, so that SHUTDOWN SAVE without them saves nothing

package main

func (s *Server) finalSave(flags int) bool {
	return s.hasSavePoints() && flags&shutdownNoSave == 0
}
