package main

import (
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

	"byoredis/shared/resp"
)

// openAppendOnlyFile loads the append-only file into srv's keyspace, or creates an empty one
// on first start, and attaches it to the store so that every change is logged from now on.
func openAppendOnlyFile(config AOFConfig, srv *Server) (*appendOnlyFile, error) {
	a := &appendOnlyFile{config: config, dir: filepath.Join(config.Dir, config.DirName), lastRewriteStatus: "ok",
		exit: func(message string) { slog.Error(message); os.Exit(1) }}
	a.idle = sync.NewCond(&a.mu)
	text, err := os.ReadFile(a.manifestPath())
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := a.create(); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		if a.manifest, err = parseManifest(text); err != nil {
			return nil, fmt.Errorf("%s: %w", a.manifestPath(), err)
		}
		if err := a.load(srv); err != nil {
			return nil, err
		}
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
			if name == a.manifest.base.name && a.config.RDBPreamble { // an empty snapshot
				return writeRDB(f, nil, time.Now().UnixMilli(), rdbOptions{compression: true, checksum: true, aofBase: true})
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

// load replays the base file, then each incr file, into the keyspace.
func (a *appendOnlyFile) load(srv *Server) error {
	files := a.manifest.incrs
	if a.manifest.base.name != "" {
		files = append([]aofFile{a.manifest.base}, files...)
	}
	srv.store.loading = true
	defer func() { srv.store.loading = false }()
	loader := &client{server: srv, store: srv.store, writer: resp.NewWriter(io.Discard), authenticated: true}
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
func (a *appendOnlyFile) replay(loader *client, name string, last bool) error {
	path := filepath.Join(a.dir, name)
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	if rdb, err := isRDB(file); err != nil || rdb {
		if err != nil {
			return err
		}
		// A base file may be an RDB snapshot (Redis's default aof-use-rdb-preamble yes). An
		// AOF base keeps its expired keys, as Redis keeps them: the incr files may still
		// refer to them, and they expire normally once the server runs.
		keys, err := readRDB(file, math.MinInt64)
		if err != nil {
			return fmt.Errorf("loading the RDB base %s: %w", name, err)
		}
		loader.store.replaceAll(keys)
		return nil
	}
	counter := &countingReader{r: file}
	requests := resp.NewReader(counter)
	var good int64 // the offset just after the last complete command
	for {
		first, err := requests.Peek()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err == nil && first != '*' { // an AOF holds RESP arrays only
			return fmt.Errorf("bad file format reading the append only file %s at offset %d: not a RESP array", name, good)
		}
		var args [][]byte
		if err == nil {
			args, err = requests.ReadCommand()
		}
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF) && last && a.config.LoadTruncated:
			slog.Warn(fmt.Sprintf("!!! Truncating the AOF %s at offset %d !!!", name, good))
			if err := os.Truncate(path, good); err != nil {
				return err
			}
			slog.Warn(fmt.Sprintf("AOF %s loaded anyway because aof-load-truncated is enabled", name))
			return nil
		case errors.Is(err, io.ErrUnexpectedEOF):
			return fmt.Errorf("unexpected end of file reading the append only file %s at offset %d. "+
				"You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "+
				"2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server", name, good)
		case err != nil:
			return fmt.Errorf("bad file format reading the append only file %s at offset %d: %v", name, good, err)
		}
		if _, known := commands[strings.ToLower(string(args[0]))]; !known {
			return fmt.Errorf("unknown command '%s' reading the append only file %s at offset %d", args[0], name, good)
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
