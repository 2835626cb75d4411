package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"byoredis/shared/resp"
)

// manifest is Redis 7's list of the files that make up the append-only file, kept in
// <dir>/<appenddirname>/<appendfilename>.manifest, one line per file:
//
//	file appendonly.aof.1.base.aof seq 1 type b
//	file appendonly.aof.1.incr.aof seq 1 type i
//
// The base file (type b) holds the dataset as it was at the last rewrite; the incremental
// files (type i) hold every change since, in order. Loading means replaying the base, then
// each incr file.
type manifest struct {
	base  aofFile   // the base file; an empty name when there is none
	incrs []aofFile // incremental files, oldest first
}

type aofFile struct {
	name string
	seq  int64
}

// parseManifest reads a manifest the way Redis 7.0 does: each line is split like an inline
// command into key/value pairs (file, seq, type, in any order; unknown keys are ignored);
// lines starting with '#' are comments; an empty line is an error.
func parseManifest(text []byte) (manifest, error) {
	var m manifest
	lines := bytes.Split(text, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1] // the newline that ends the last line
	}
	for i, line := range lines {
		if bytes.HasPrefix(line, []byte("#")) {
			continue
		}
		args, ok := resp.SplitArgs(line)
		if !ok || len(args) < 6 || len(args)%2 != 0 {
			return m, fmt.Errorf("invalid AOF manifest file format (line %d)", i+1)
		}
		var f aofFile
		var kind string
		for j := 0; j < len(args); j += 2 {
			switch strings.ToLower(string(args[j])) {
			case "file":
				f.name = string(args[j+1])
			case "seq":
				f.seq, _ = strconv.ParseInt(string(args[j+1]), 10, 64)
			case "type":
				kind = string(args[j+1])
			}
		}
		if f.name == "" || f.name != filepath.Base(f.name) || f.seq <= 0 {
			return m, fmt.Errorf("invalid AOF manifest file format (line %d)", i+1)
		}
		switch kind {
		case "b":
			if m.base.name != "" {
				return m, errors.New("found duplicate base file information in the AOF manifest")
			}
			m.base = f
		case "i":
			if n := len(m.incrs); n > 0 && f.seq <= m.incrs[n-1].seq {
				return m, errors.New("found a non-monotonic sequence number in the AOF manifest")
			}
			m.incrs = append(m.incrs, f)
		case "h":
			// a history file, waiting to be deleted: not loaded
		default:
			return m, fmt.Errorf("unknown AOF file type %q in the AOF manifest", kind)
		}
	}
	return m, nil
}

func (m manifest) String() string {
	var b strings.Builder
	if m.base.name != "" {
		fmt.Fprintf(&b, "file %s seq %d type b\n", m.base.name, m.base.seq)
	}
	for _, f := range m.incrs {
		fmt.Fprintf(&b, "file %s seq %d type i\n", f.name, f.seq)
	}
	return b.String()
}

// writeFileAtomically replaces path with data so that, whatever happens, path holds either
// the old contents or the new: write a temporary file, fsync it, rename it over path (a
// rename within a directory is atomic), and fsync the directory so the rename itself is on
// disk.
func writeFileAtomically(path string, data []byte) error {
	temp := filepath.Join(filepath.Dir(path), "temp-"+filepath.Base(path))
	err := writeFileSynced(temp, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
	if err != nil {
		return err
	}
	if err := os.Rename(temp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// syncDir fsyncs a directory, making the creation, renaming or removal of its files durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
