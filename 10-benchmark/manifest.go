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

// manifestMaxLine is the longest manifest line Redis reads (MANIFEST_MAX_LINE), newline
// included.
const manifestMaxLine = 1024

// parseManifest reads a manifest the way Redis 7.0 does (aofLoadManifestFromFile), with its
// error messages: each line is split like an inline command into key/value pairs (file, seq,
// type, in any order; unknown keys are ignored); lines starting with '#' are comments; an
// empty manifest, an empty line, or a line that does not end within 1024 bytes is an error.
func parseManifest(text []byte) (manifest, error) {
	var m manifest
	if len(text) == 0 {
		return m, errors.New("Found an empty AOF manifest")
	}
	for number := 1; len(text) > 0; number++ {
		// Redis reads a line with fgets into a 1024-byte buffer: a longer line arrives in
		// pieces, and a piece without its newline is "too long" (the last line too).
		end := min(len(text), manifestMaxLine)
		if i := bytes.IndexByte(text[:end], '\n'); i >= 0 {
			end = i + 1
		}
		raw := text[:end]
		text = text[end:]
		if raw[0] == '#' {
			continue
		}
		line := bytes.Trim(raw, " \t\r\n")
		fail := func(message string) (manifest, error) {
			return m, fmt.Errorf("%s (the manifest's line %d: '%s')", message, number, line)
		}
		if raw[len(raw)-1] != '\n' {
			return fail("The AOF manifest file contains too long line")
		}
		args, ok := resp.SplitArgs(line)
		if len(line) == 0 || !ok || len(args) < 6 || len(args)%2 != 0 {
			return fail("Invalid AOF manifest file format")
		}
		var f aofFile
		var kind byte
		for j := 0; j < len(args); j += 2 {
			switch strings.ToLower(string(args[j])) {
			case "file":
				f.name = string(args[j+1])
				if !isBaseName(f.name) {
					return fail("File can't be a path, just a filename")
				}
			case "seq":
				f.seq, _ = strconv.ParseInt(string(args[j+1]), 10, 64)
			case "type":
				if len(args[j+1]) > 0 {
					kind = args[j+1][0]
				}
			}
		}
		if f.name == "" || f.seq == 0 || kind == 0 {
			return fail("Invalid AOF manifest file format")
		}
		switch kind {
		case 'b':
			if m.base.name != "" {
				return fail("Found duplicate base file information")
			}
			m.base = f
		case 'i':
			if n := len(m.incrs); f.seq <= 0 || n > 0 && f.seq <= m.incrs[n-1].seq {
				return fail("Found a non-monotonic sequence number")
			}
			m.incrs = append(m.incrs, f)
		case 'h':
			// a history file, waiting to be deleted: not loaded
		default:
			return fail("Unknown AOF file type")
		}
	}
	return m, nil
}

// isBaseName is Redis's pathIsBaseName: a name with no '/' and no '\\' in it.
func isBaseName(name string) bool { return !strings.ContainsAny(name, `/\`) }

func (m manifest) String() string {
	var b strings.Builder
	if m.base.name != "" {
		fmt.Fprintf(&b, "file %s seq %d type b\n", quoteFileName(m.base.name), m.base.seq)
	}
	for _, f := range m.incrs {
		fmt.Fprintf(&b, "file %s seq %d type i\n", quoteFileName(f.name), f.seq)
	}
	return b.String()
}

// quoteFileName writes a file name the way Redis writes it into the manifest (sdscatrepr,
// when sdsneedsrepr says so): in double quotes with C escapes if it holds a space, a quote,
// a backslash or a byte that is not printable, so that parseManifest reads it back whole.
func quoteFileName(name string) string {
	if !strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r >= 0x7f || r == '"' || r == '\\' }) {
		return name
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(name); i++ {
		switch c := name[i]; c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if c < ' ' || c >= 0x7f {
				fmt.Fprintf(&b, `\x%02x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
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
