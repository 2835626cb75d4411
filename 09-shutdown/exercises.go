//go:build !solution

// This file holds the exercises of EXERCISES.md, each a stub for you to replace. Run
// `make check STEP=09` to see which pass.

package main

// parseShutdownFlags reads shutdown-on-sigterm and shutdown-on-sigint into SHUTDOWN's flags
// (shutdownSave, shutdownNoSave, shutdownNow, shutdownForce). Exercise 1: until then every
// value is taken as "default".
func parseShutdownFlags(value string) (int, error) {
	return 0, nil
}

// replicasInSync reports whether the replicas have every write, so that a shutdown need
// not wait for them. Exercise 2: until then a shutdown never waits.
func (s *Server) replicasInSync() bool {
	return true
}

// finalSave reports whether a shutdown with these flags saves the RDB snapshot before the
// server exits. Exercise 3: until then it never does.
func (s *Server) finalSave(flags int) bool {
	return false
}
