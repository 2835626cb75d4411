// Package config is a server's configuration as one table, as Redis's config.c has one
// (standardConfig): each directive is a row with its name, an old name it still answers to,
// its default, how to parse a value, and what a value does at start and on the running
// server. The command-line flags, CONFIG GET and CONFIG SET all come from the table, with
// Redis 7.0's rules and error texts, so a new directive is one row.
package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"byoredis/shared/glob"
	"byoredis/shared/resp"
)

// Setting is one directive whose values are of type T.
type Setting[T any] struct {
	Name    string
	Alias   string // an old name Redis 7.0 still answers to: "slaveof" for "replicaof"
	Default string // the flag's default, in the directive's own syntax
	Usage   string // the flag's help
	// Parse reads a value, with Redis's error for a bad one. Nil for a directive that is
	// neither a flag nor settable (databases: this server has one).
	Parse func(value string) (T, error)
	// Start puts a value given at start into what the server is made with. A directive
	// without it, but with Set, is set on the server once it is made.
	Start func(T) error
	// Check is what could stop a change, checked before anything changes (appendonly: its
	// directory); Set makes the change on the running server. Set is nil for a directive
	// fixed at start, which CONFIG SET refuses, as Redis refuses its IMMUTABLE_CONFIG ones.
	Check func(T) error
	Set   func(T)
	// Get is the value CONFIG GET shows.
	Get func() string
	// Protected: CONFIG SET refuses it, as Redis does its PROTECTED_CONFIG directives unless
	// enable-protected-configs allows it (off by default, and not here).
	Protected bool
}

// Row is a Setting of any type, as a table holds it.
type Row interface{ row() row }

type row struct {
	name, alias, def, usage string
	protected               bool
	start                   func(value string) error // nil: nothing to put into the server's Config
	set                     func(value string) (apply func(), err error)
	get                     func() string
	flag                    bool
}

func (s Setting[T]) row() row {
	r := row{name: s.Name, alias: s.Alias, def: s.Default, usage: s.Usage, protected: s.Protected, get: s.Get, flag: s.Parse != nil}
	if s.Parse != nil && s.Start != nil {
		r.start = func(value string) error {
			v, err := s.Parse(value)
			if err != nil {
				return err
			}
			return s.Start(v)
		}
	}
	if s.Parse != nil && s.Set != nil {
		r.set = func(value string) (func(), error) {
			v, err := s.Parse(value)
			if err == nil && s.Check != nil {
				err = s.Check(v)
			}
			return func() { s.Set(v) }, err
		}
	}
	return r
}

// Table is a server's directives, in the order CONFIG GET lists them.
type Table struct{ rows []row }

// NewTable makes a table of rows.
func NewTable(rows ...Row) *Table {
	t := &Table{}
	for _, r := range rows {
		t.rows = append(t.rows, r.row())
	}
	return t
}

// find returns the directive named name (in any case), or that has it as its old name.
func (t *Table) find(name string) *row {
	for i := range t.rows {
		if strings.EqualFold(t.rows[i].name, name) || t.rows[i].alias != "" && strings.EqualFold(t.rows[i].alias, name) {
			return &t.rows[i]
		}
	}
	return nil
}

// Flags parses the command line (flag.Parse) with a flag named after each directive, so that
// `--port 6380 --save ""` starts a server as it starts a redis-server, and puts each value,
// given or default, into what the server is made with (Start), in the table's order. A bad
// value stops the start as Redis does, with its FATAL CONFIG FILE ERROR (version is the Redis
// version the server answers as). It returns every directive's value, for Late.
func (t *Table) Flags(version string) map[string]string {
	given := map[string]*string{}
	for _, r := range t.rows {
		if r.flag {
			given[r.name] = flag.String(r.name, r.def, r.usage)
		}
	}
	flag.Parse()
	values := map[string]string{}
	for _, r := range t.rows {
		if !r.flag {
			continue
		}
		values[r.name] = *given[r.name]
		if r.start == nil {
			continue
		}
		if err := r.start(values[r.name]); err != nil {
			Fatal(version, r.name, values[r.name], err)
		}
	}
	return values
}

// line is where Redis says a directive given on the command line is: redis-server turns its
// options into the lines of a configuration, one per "--name", after an empty first line;
// 0 for a directive not given.
func line(name string) int {
	n := 1
	for _, arg := range os.Args[1:] {
		if option, ok := strings.CutPrefix(arg, "--"); ok {
			n++
			if option, _, _ = strings.Cut(option, "="); option == name {
				return n
			}
		}
	}
	return 0
}

// Late sets, on the server just made, the directives that have no place in what it is made
// with (their Start is nil), from the values Flags returned.
func (t *Table) Late(values map[string]string, version string) {
	for _, r := range t.rows {
		value, ok := values[r.name]
		if !ok || r.start != nil || r.set == nil {
			continue
		}
		apply, err := r.set(value)
		if err != nil {
			Fatal(version, r.name, value, err)
		}
		apply()
	}
}

// Get answers CONFIG GET pattern [pattern ...]: the directives whose names match, as a map
// from name to value. Tools ask for a few: redis-benchmark reads "save" and "appendonly"
// before it starts. As in Redis 7.0, a name without glob characters is looked up directly
// and answered with the name as it was sent; old names are listed too, after the others.
func (t *Table) Get(w *resp.Writer, patterns [][]byte) {
	var names, values []string
	for _, r := range t.rows {
		names, values = append(names, r.name), append(values, r.get())
	}
	for _, r := range t.rows {
		if r.alias != "" {
			names, values = append(names, r.alias), append(values, r.get())
		}
	}
	var matched []string
	seen := map[string]bool{}
	for _, arg := range patterns {
		pattern := string(arg)
		for i, name := range names {
			if seen[name] {
				continue
			}
			if !strings.ContainsAny(pattern, "[*?") {
				if strings.EqualFold(pattern, name) {
					seen[name] = true
					matched = append(matched, pattern, values[i])
				}
			} else if glob.Match(pattern, name, true) {
				seen[name] = true
				matched = append(matched, name, values[i])
			}
		}
	}
	w.Map(len(matched) / 2)
	for _, s := range matched {
		w.BulkString(s)
	}
}

// Set answers CONFIG SET name value [name value ...] (args is the whole command), with Redis
// 7.0's rules (configSetCommand in config.c): the names are checked first, and the first that
// is unknown, protected, fixed or given twice refuses the whole command; then every value is
// parsed and checked before any is applied, so that a bad one changes nothing. first makes
// the one change that can still fail (where the server listens: a port taken), before the
// others, and returns the directive it failed on; then nothing changes, as Redis restores
// what it had.
func (t *Table) Set(w *resp.Writer, args [][]byte, first func(args [][]byte) (string, error)) {
	if len(args)%2 != 0 {
		w.Error("ERR syntax error")
		return
	}
	failed := func(arg, why string) {
		w.Error("ERR CONFIG SET failed (possibly related to argument '" + arg + "') - " + why)
	}
	seen := map[string]bool{}
	for i := 2; i < len(args); i += 2 {
		r, sent := t.find(string(args[i])), string(args[i])
		switch {
		case r == nil:
			w.Error("ERR Unknown option or number of arguments for CONFIG SET - '" + sent + "'")
			return
		case r.protected:
			failed(sent, "can't set protected config")
			return
		case r.set == nil:
			failed(sent, "can't set immutable config")
			return
		case seen[strings.ToLower(sent)]: // an old name and its directive are two names, as in Redis
			failed(sent, "duplicate parameter")
			return
		}
		seen[strings.ToLower(sent)] = true
	}
	var changes []func()
	for i := 2; i < len(args); i += 2 {
		change, err := t.find(string(args[i])).set(string(args[i+1]))
		if err != nil {
			failed(strings.ToLower(string(args[i])), err.Error())
			return
		}
		changes = append(changes, change)
	}
	if name, err := first(args); err != nil {
		failed(name, err.Error())
		return
	}
	for _, change := range changes {
		change()
	}
	w.SimpleString("OK")
}

// Fatal stops the start as Redis does for a directive it cannot apply (loadServerConfigFromString
// in config.c), in its words, with the C library's for a system error ("No such file or
// directory").
func Fatal(version, name, value string, err error) {
	fmt.Fprintf(os.Stderr, "\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\n", version)
	if n := line(name); n > 0 {
		fmt.Fprintf(os.Stderr, "Reading the configuration file, at line %d\n", n)
	}
	fmt.Fprintf(os.Stderr, ">>> '%s %q'\n%s\n", name, value, Strerror(err))
	os.Exit(1)
}

// Strerror is the C library's text for a system error, as Redis prints it: "No such file or
// directory" where Go says "no such file or directory".
func Strerror(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	text := errno.Error()
	return strings.ToUpper(text[:1]) + text[1:]
}

// Int parses integers from least to most, with Redis's errors.
func Int(least, most int64) func(string) (int64, error) {
	return func(value string) (int64, error) {
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return 0, errors.New("argument couldn't be parsed into an integer")
		}
		if n < least || n > most {
			return 0, fmt.Errorf("argument must be between %d and %d inclusive", least, most)
		}
		return n, nil
	}
}

// Memory parses sizes of at least least bytes, with Redis's errors.
func Memory(least int64) func(string) (int64, error) {
	return func(value string) (int64, error) {
		n, ok := ParseMemory(value)
		if !ok {
			return 0, errors.New("argument must be a memory value")
		}
		if n < least {
			return 0, fmt.Errorf("argument must be between %d and 9223372036854775807 inclusive", least)
		}
		return n, nil
	}
}

// ParseMemory parses a size the way Redis's config does (memtoull in util.c): digits, then
// an optional unit: 1k = 1000 bytes, 1kb = 1024 bytes, and so on for m, mb, g, gb.
func ParseMemory(s string) (int64, bool) {
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	units := map[string]int64{"": 1, "b": 1, "k": 1e3, "kb": 1 << 10, "m": 1e6, "mb": 1 << 20, "g": 1e9, "gb": 1 << 30}
	unit, known := units[strings.ToLower(s[digits:])]
	n, err := strconv.ParseInt(s[:digits], 10, 64)
	if !known || err != nil || n > (1<<63-1)/unit {
		return 0, false
	}
	return n * unit, true
}

// YesNo parses Redis's yes/no booleans, with its error.
func YesNo(value string) (bool, error) {
	if !strings.EqualFold(value, "yes") && !strings.EqualFold(value, "no") {
		return false, errors.New("argument must be 'yes' or 'no'")
	}
	return strings.EqualFold(value, "yes"), nil
}

// FormatYesNo is a boolean as CONFIG GET shows it.
func FormatYesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// OneOf parses a value that must be one of choices, in any case, with Redis's error; the
// value comes back in lower case.
func OneOf(choices ...string) func(string) (string, error) {
	return func(value string) (string, error) {
		for _, choice := range choices {
			if strings.EqualFold(value, choice) {
				return choice, nil
			}
		}
		return "", errors.New("argument(s) must be one of the following: " + strings.Join(choices, ", "))
	}
}

// String takes any value as it is.
func String(value string) (string, error) { return value, nil }

// Fixed is the Get of a directive whose value never changes.
func Fixed(value string) func() string { return func() string { return value } }
