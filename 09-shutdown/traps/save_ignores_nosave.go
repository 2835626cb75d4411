//go:build ignore

// Exercise 3: saving whenever save points are set, so that SHUTDOWN NOSAVE saves all the same

package main

func (s *Server) finalSave(flags int) bool {
	return s.hasSavePoints() || flags&shutdownSave != 0
}
