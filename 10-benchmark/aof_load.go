package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"byoredis/shared/config"
	"byoredis/shared/resp"
)

// openAppendOnlyFile loads the append-only file into srv's keyspace, or creates an empty one
// on first start, and attaches it to the store so that every change is logged from now on.
func openAppendOnlyFile(config AOFConfig, srv *Server) (*appendOnlyFile, error) {
	a, err := newAppendOnlyFile(config, srv)
	if err != nil {
		return nil, err
	}
	if a.upgradeNeeded() {
		if err := a.upgrade(); err != nil {
			return nil, err
		}
	}
	if a.manifest.base.name == "" && len(a.manifest.incrs) == 0 {
		if err := a.create(); err != nil {
			return nil, err
		}
	} else if err := a.load(srv); err != nil {
		return nil, err
	}
	if len(a.manifest.incrs) == 0 { // a manifest with only a base: start an incr file
		a.manifest.incrs = []aofFile{{a.fileName(1, "incr"), 1}}
		if err := writeFileAtomically(a.manifestPath(), []byte(a.manifest.String())); err != nil {
			return nil, err
		}
	}
	if a.incr, err = a.openIncr(a.manifest.incrs[len(a.manifest.incrs)-1].name); err != nil {
		return nil, err
	}
	a.incrSize = a.sizeOf(a.manifest.incrs[len(a.manifest.incrs)-1].name)
	a.baseSize = a.sizeOf(a.manifest.base.name)
	a.currentSize = a.baseSize
	for _, f := range a.manifest.incrs {
		a.currentSize += a.sizeOf(f.name)
	}
	srv.store.log = a.append
	return a, nil
}

// newAppendOnlyFile is the append-only file in config's directory, with the manifest there if
// there is one: no directory or no manifest is an empty manifest.
func newAppendOnlyFile(config AOFConfig, srv *Server) (*appendOnlyFile, error) {
	a := &appendOnlyFile{config: config, live: srv.aofSettings, dir: filepath.Join(config.Dir, config.DirName), lastRewriteStatus: "ok",
		exit: func(message string) { slog.Error(message); os.Exit(1) }, done: make(chan struct{})}
	a.idle = sync.NewCond(&a.mu)
	text, err := os.ReadFile(a.manifestPath())
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if a.manifest, err = parseManifest(text); err != nil {
			return nil, fmt.Errorf("%s: %w", a.manifestPath(), err)
		}
	}
	return a, nil
}

// upgradeNeeded reports whether the directory holds an append-only file from before Redis 7
// (one file, <dir>/<appendfilename>) that the manifest does not replace, in the three cases
// Redis 7.0 upgrades (loadAppendOnlyFiles in aof.c): no AOF directory; a directory with no
// manifest, or one naming no files; or a manifest left by an upgrade that stopped before the
// old file was moved.
func (a *appendOnlyFile) upgradeNeeded() bool {
	if !fileExists(filepath.Join(a.config.Dir, a.config.FileName)) {
		return false
	}
	m := a.manifest
	return !fileExists(a.dir) || m.base.name == "" && len(m.incrs) == 0 ||
		len(m.incrs) == 0 && m.base.name == a.config.FileName && !fileExists(filepath.Join(a.dir, a.config.FileName))
}

// upgrade moves a pre-7 append-only file into the AOF directory as the base, as Redis 7.0 does
// (aofUpgradePrepare): the manifest naming it is written first, then the file is moved, so a
// crash between the two leaves a state the next start upgrades again.
func (a *appendOnlyFile) upgrade() error {
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		return fmt.Errorf("Can't open or create append-only dir %s: %s", a.config.DirName, config.Strerror(err))
	}
	a.manifest.base = aofFile{a.config.FileName, 1}
	if err := writeFileAtomically(a.manifestPath(), []byte(a.manifest.String())); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(a.config.Dir, a.config.FileName), filepath.Join(a.dir, a.config.FileName)); err != nil {
		return fmt.Errorf("Error trying to move the old AOF file %s into dir %s: %s", a.config.FileName, a.config.DirName, config.Strerror(err))
	}
	slog.Info(fmt.Sprintf("Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).", a.config.FileName, a.config.DirName))
	return nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// create makes the directory, an empty base file, an empty incr file and their manifest, as
// Redis 7.0 does on its first start with appendonly yes (and aof-use-rdb-preamble no).
func (a *appendOnlyFile) create() error {
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		return err
	}
	a.manifest = manifest{base: aofFile{a.fileName(1, "base"), 1}, incrs: []aofFile{{a.fileName(1, "incr"), 1}}}
	for _, name := range []string{a.manifest.base.name, a.manifest.incrs[0].name} {
		slog.Info("creating AOF file on server start", "file", name)
		err := writeFileSynced(filepath.Join(a.dir, name), func(f *os.File) error {
			if name == a.manifest.base.name && a.live.rdbPreamble.Load() { // an empty snapshot
				return writeRDB(f, entryMap(nil), time.Now().UnixMilli(), rdbOptions{compression: true, checksum: true, aofBase: true})
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return writeFileAtomically(a.manifestPath(), []byte(a.manifest.String()))
}

func (a *appendOnlyFile) sizeOf(name string) int64 {
	if name == "" {
		return 0
	}
	info, err := os.Stat(filepath.Join(a.dir, name))
	if err != nil {
		return 0
	}
	return info.Size()
}

// load replays the base file, then each incr file, into the keyspace. Every file the
// manifest names must be there: a missing one stops the start, as in Redis.
func (a *appendOnlyFile) load(srv *Server) error {
	files := a.manifest.incrs
	if a.manifest.base.name != "" {
		files = append([]aofFile{a.manifest.base}, files...)
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(a.dir, f.name)); err != nil {
			return fmt.Errorf("Unable to obtain the AOF file %s length. stat: %s", f.name, config.Strerror(err))
		}
	}
	srv.store.loading = true
	defer func() { srv.store.loading = false }()
	loader := &client{server: srv, store: clientStore{Store: srv.store}, writer: resp.NewWriter(io.Discard), authenticated: true}
	for i, f := range files {
		if err := a.replay(loader, f.name, i == len(files)-1); err != nil {
			return err
		}
	}
	slog.Info("DB loaded from append only file", "keys", srv.store.Len())
	return nil
}

// replay runs every command of one file. A file cut short in the middle of its last command
// (the server died while writing it) is handled as Redis does with aof-load-truncated yes:
// the partial command is cut off and the server starts. Anything else malformed, or a cut
// anywhere but at the end of the last file, stops the start, and nothing is changed on disk.
// The errors are Redis's log lines (loadSingleAppendOnlyFile in aof.c), which operators and
// Redis's own tests look for, followed by where in the file it went wrong.
func (a *appendOnlyFile) replay(loader *client, name string, last bool) error {
	path := filepath.Join(a.dir, name)
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("Fatal error: can't open the append log file %s for reading: %s", name, config.Strerror(err))
	}
	defer file.Close()
	var start int64 // where the commands start: after the RDB, if the file begins with one
	if rdb, err := isRDB(file); err != nil || rdb {
		if err != nil {
			return err
		}
		// A base file may be an RDB snapshot (Redis's default aof-use-rdb-preamble yes), and
		// a pre-7 appendonly.aof an RDB preamble followed by commands. An AOF base keeps its
		// expired keys, as Redis keeps them: the commands after it may still refer to them,
		// and they expire normally once the server runs.
		what := "base file " + name
		if name == a.config.FileName {
			what = "preamble of the AOF file " + name
		}
		slog.Info("Reading the RDB " + what)
		in := bufio.NewReaderSize(file, 1<<16) // readRDB reads through this reader, not one of its own
		err := loader.store.replaceWith(func(keys keyspaceLoader) error { return readRDBInto(in, math.MinInt64, keys) })
		if err != nil {
			return fmt.Errorf("Error reading the RDB %s, AOF loading aborted (%w)", what, err)
		}
		read, err := file.Seek(0, io.SeekCurrent)
		if err != nil {
			return err
		}
		if start, err = file.Seek(read-int64(in.Buffered()), io.SeekStart); err != nil {
			return err
		}
	}
	counter := &countingReader{r: file, n: start}
	requests := resp.NewReader(counter)
	good := start // the offset just after the last complete command
	badFormat := func(detail string) error {
		return fmt.Errorf("Bad file format reading the append only file %s: "+
			"make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest> (at offset %d: %s)", name, good, detail)
	}
	for {
		first, err := requests.Peek()
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err == nil && first == '#': // an annotation, such as Redis's "#TS:<unix time>"
			err = requests.SkipLine()
		case err == nil && first != '*': // an AOF holds RESP arrays only
			return badFormat("not a RESP array")
		}
		var args [][]byte
		if err == nil && first == '*' {
			args, err = requests.ReadCommand()
		}
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF) && first == '#':
			return nil // an annotation cut short at the very end: Redis skips it too
		case errors.Is(err, io.ErrUnexpectedEOF) && !a.config.LoadTruncated:
			return fmt.Errorf("Unexpected end of file reading the append only file %s. You can: "+
				"1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "+
				"2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server. (at offset %d)", name, good)
		case errors.Is(err, io.ErrUnexpectedEOF) && !last:
			// Redis cuts this file too before it gives up; the file is left as it is here.
			return fmt.Errorf("Fatal error: the truncated file is not the last file (%s, cut short after offset %d)", name, good)
		case errors.Is(err, io.ErrUnexpectedEOF):
			slog.Warn(fmt.Sprintf("!!! Warning: short read while loading the AOF file %s!!!", name))
			slog.Warn(fmt.Sprintf("!!! Truncating the AOF %s at offset %d !!!", name, good))
			if err := os.Truncate(path, good); err != nil {
				return fmt.Errorf("Error truncating the AOF file %s: %s", name, config.Strerror(err))
			}
			slog.Warn(fmt.Sprintf("AOF %s loaded anyway because aof-load-truncated is enabled", name))
			return nil
		case err != nil:
			var pathErr *fs.PathError
			if errors.As(err, &pathErr) {
				return fmt.Errorf("Unrecoverable error reading the append only file %s: %s", name, config.Strerror(err))
			}
			return badFormat(err.Error())
		}
		if args == nil { // an annotation
			good = counter.n - int64(requests.Buffered())
			continue
		}
		if _, known := lookupCommand(commands, args[0]); !known {
			return fmt.Errorf("Unknown command '%s' reading the append only file %s (at offset %d)", args[0], name, good)
		}
		if strings.EqualFold(string(args[0]), "select") && (len(args) != 2 || string(args[1]) != "0") {
			return fmt.Errorf("the append only file %s selects database %s at offset %d; this server has one database", name, args[1], good)
		}
		loader.execute(args)
		good = counter.n - int64(requests.Buffered())
	}
}

// isRDB reports whether a file starts with "REDIS", the way Redis tells an RDB base from a
// RESP one, and rewinds it.
func isRDB(f *os.File) (bool, error) {
	magic := make([]byte, 5)
	n, err := io.ReadFull(f, magic)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return false, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return false, err
	}
	return n == 5 && string(magic) == "REDIS", nil
}

// countingReader counts the bytes read through it, to know the offset of each command.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
