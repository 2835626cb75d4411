package main

import (
	"os"
	"syscall"
)

// datasync makes the log's new bytes durable, with only the metadata needed to read them back
// (the file's size): Redis's redis_fsync is fdatasync on Linux (src/config.h). An fsync also
// waits for the modification time to reach the disk.
func datasync(f incrFile) error {
	if file, ok := f.(*os.File); ok {
		return syscall.Fdatasync(int(file.Fd()))
	}
	return f.Sync()
}
