//go:build solution

// Reference solutions to EXERCISES.md, built only with `-tags solution`. Try the exercises
// before you read them.

package main

import (
	"errors"
	"strings"
)

// shutdown-on-sigterm and shutdown-on-sigint take several words ("nosave now"), each one of
// Redis's; "default" adds nothing. SAVE and NOSAVE contradict each other, with Redis's own
// error.
func parseShutdownFlags(value string) (int, error) {
	flags := 0
	for _, word := range strings.Fields(strings.ToLower(value)) {
		switch word {
		case "default":
		case "save":
			flags |= shutdownSave
		case "nosave":
			flags |= shutdownNoSave
		case "now":
			flags |= shutdownNow
		case "force":
			flags |= shutdownForce
		default:
			return 0, errors.New("argument(s) must be one of the following: default, save, nosave, now, force")
		}
	}
	if flags&shutdownSave != 0 && flags&shutdownNoSave != 0 {
		return 0, errors.New("shutdown options SAVE and NOSAVE can't be used simultaneously")
	}
	return flags, nil
}

// Every replica must have acknowledged the whole stream: its ACK offset is the master's
// offset. One replica behind is enough to wait (isReadyToShutdown in server.c).
func (s *Server) replicasInSync() bool {
	r := s.repl
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, link := range r.replicas {
		if link.ackOffset != r.offset {
			return false
		}
	}
	return true
}

// The final snapshot is saved when save points are set, unless NOSAVE, and always with SAVE
// (finishShutdown in server.c).
func (s *Server) finalSave(flags int) bool {
	return s.hasSavePoints() && flags&shutdownNoSave == 0 || flags&shutdownSave != 0
}
