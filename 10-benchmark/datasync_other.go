//go:build !linux

package main

// datasync is Sync elsewhere, as Redis's redis_fsync (src/config.h): on macOS, Go's Sync is
// fcntl(F_FULLFSYNC), as Redis's; fsync on the rest.
func datasync(f incrFile) error { return f.Sync() }
