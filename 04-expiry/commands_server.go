package main

import (
	"byoredis/shared/fdlimit"
	"byoredis/shared/glob"
	"byoredis/shared/listen"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// COMMAND: the COMMAND INFO entry of every command.
func commandAll(c *client, args [][]byte) {
	names := sortedCommandNames()
	c.writer.Array(len(names))
	for _, name := range names {
		writeCommandInfo(c, commands[name])
	}
}

// COMMAND COUNT: how many commands the server has.
func commandCount(c *client, args [][]byte) {
	c.writer.Integer(int64(len(commands)))
}

// COMMAND INFO [name ...]: one entry per name, null for a name the server does not know; all
// commands when no name is given.
func commandInfoCommand(c *client, args [][]byte) {
	if len(args) == 2 {
		commandAll(c, args)
		return
	}
	c.writer.Array(len(args) - 2)
	for _, name := range args[2:] {
		if cmd, ok := commands[strings.ToLower(string(name))]; ok {
			writeCommandInfo(c, cmd)
		} else {
			c.writer.Null()
		}
	}
}

// writeCommandInfo writes the 10-element entry Redis 7.0 describes a command with: name,
// arity, flags, first key, last key, key step, ACL categories, tips, key specs, subcommands.
func writeCommandInfo(c *client, cmd *command) {
	w := c.writer
	info := cmd.info
	w.Array(10)
	w.BulkString(cmd.name)
	w.Integer(int64(cmd.arity))
	writeStatusSet(c, info.flags)
	w.Integer(int64(info.keys.first))
	w.Integer(int64(info.keys.last))
	w.Integer(int64(info.keys.step))
	writeStatusSet(c, info.acl)
	tips := strings.Fields(info.tips)
	w.Set(len(tips))
	for _, tip := range tips {
		w.BulkString(tip)
	}
	if info.keys.specFlags == "" {
		w.Set(0)
	} else {
		writeKeySpec(c, info.keys)
	}
	subcommands := sortedNames(cmd.subcommands)
	w.Set(len(subcommands))
	for _, name := range subcommands {
		writeCommandInfo(c, cmd.subcommands[name])
	}
}

// writeKeySpec writes the one key spec of keys: where the first key is ("index"), and how far
// the keys run from there ("range": a last key relative to the first, or -1 for "to the end").
func writeKeySpec(c *client, keys keyInfo) {
	w := c.writer
	lastKey := keys.last
	if lastKey >= 0 {
		lastKey -= keys.first
	}
	w.Set(1)
	if keys.note != "" {
		w.Map(4)
		w.BulkString("notes")
		w.BulkString(keys.note)
	} else {
		w.Map(3)
	}
	w.BulkString("flags")
	writeStatusSet(c, keys.specFlags)
	w.BulkString("begin_search")
	w.Map(2)
	w.BulkString("type")
	w.BulkString("index")
	w.BulkString("spec")
	w.Map(1)
	w.BulkString("index")
	w.Integer(int64(keys.first))
	w.BulkString("find_keys")
	w.Map(2)
	w.BulkString("type")
	w.BulkString("range")
	w.BulkString("spec")
	w.Map(3)
	w.BulkString("lastkey")
	w.Integer(int64(lastKey))
	w.BulkString("keystep")
	w.Integer(int64(keys.step))
	w.BulkString("limit")
	w.Integer(0)
}

// writeStatusSet writes space-separated words as a set of simple strings, the way COMMAND
// INFO sends flags and categories.
func writeStatusSet(c *client, words string) {
	list := strings.Fields(words)
	c.writer.Set(len(list))
	for _, word := range list {
		c.writer.SimpleString(word)
	}
}

// COMMAND DOCS [name ...]: a map from command name to its documentation; names the server
// does not know are left out. Real Redis also documents every argument, which redis-cli
// uses for hints as you type; this server sends the summary, version, group and complexity.
func commandDocs(c *client, args [][]byte) {
	var found []*command
	if len(args) == 2 {
		for _, name := range sortedCommandNames() {
			found = append(found, commands[name])
		}
	}
	for _, name := range args[min(2, len(args)):] {
		if cmd, ok := commands[strings.ToLower(string(name))]; ok {
			found = append(found, cmd)
		}
	}
	c.writer.Map(len(found))
	for _, cmd := range found {
		c.writer.BulkString(cmd.name)
		writeCommandDoc(c, cmd)
	}
}

func writeCommandDoc(c *client, cmd *command) {
	w := c.writer
	doc := cmd.info.doc
	if cmd.subcommands != nil {
		w.Map(5)
	} else {
		w.Map(4)
	}
	w.BulkString("summary")
	w.BulkString(doc.summary)
	w.BulkString("since")
	w.BulkString(doc.since)
	w.BulkString("group")
	w.BulkString(doc.group)
	w.BulkString("complexity")
	w.BulkString(doc.complexity)
	if cmd.subcommands != nil {
		w.BulkString("subcommands")
		names := sortedNames(cmd.subcommands)
		w.Map(len(names))
		for _, name := range names {
			w.BulkString(cmd.subcommands[name].name)
			writeCommandDoc(c, cmd.subcommands[name])
		}
	}
}

func sortedCommandNames() []string { return sortedNames(commands) }

func sortedNames(table map[string]*command) []string {
	names := make([]string, 0, len(table))
	for name := range table {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// CONFIG GET pattern [pattern ...]: the settings whose names match, as a map from name to
// value. Tools ask for a few: redis-benchmark reads "save" and "appendonly" before it starts.
// As in Redis 7.0, a name without glob characters is looked up directly and answered with
// the name as it was sent.
func configGet(c *client, args [][]byte) {
	settings := c.server.settings()
	var matched []string
	seen := map[string]bool{}
	for _, arg := range args[2:] {
		pattern := string(arg)
		for _, setting := range settings {
			name, value := setting[0], setting[1]
			if seen[name] {
				continue
			}
			if !strings.ContainsAny(pattern, "[*?") {
				if strings.EqualFold(pattern, name) {
					seen[name] = true
					matched = append(matched, pattern, value)
				}
			} else if glob.Match(pattern, name, true) {
				seen[name] = true
				matched = append(matched, name, value)
			}
		}
	}
	c.writer.Map(len(matched) / 2)
	for _, s := range matched {
		c.writer.BulkString(s)
	}
}

// CONFIG SET name value [name value ...], with Redis 7.0's rules (configSetCommand in
// config.c): the names are checked first, and the first that is unknown, fixed or given twice
// refuses the whole command; then every value is parsed before any is applied, so that a bad
// one changes nothing.
func configSet(c *client, args [][]byte) {
	if len(args)%2 != 0 {
		c.writer.Error(errSyntax)
		return
	}
	settable := c.server.settable()
	known := map[string]bool{}
	for _, setting := range c.server.settings() {
		known[setting[0]] = true
	}
	seen := map[string]bool{}
	for i := 2; i < len(args); i += 2 {
		name := strings.ToLower(string(args[i]))
		switch {
		case !known[name]:
			c.writer.Error("ERR Unknown option or number of arguments for CONFIG SET - '" + string(args[i]) + "'")
			return
		case settable[name] == nil:
			c.writer.Error("ERR CONFIG SET failed (possibly related to argument '" + string(args[i]) + "') - can't set immutable config")
			return
		case seen[name]:
			c.writer.Error("ERR CONFIG SET failed (possibly related to argument '" + string(args[i]) + "') - duplicate parameter")
			return
		}
		seen[name] = true
	}
	var changes []func()
	for i := 2; i < len(args); i += 2 {
		name := strings.ToLower(string(args[i]))
		change, err := settable[name](string(args[i+1]))
		if err != nil {
			c.writer.Error("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + err.Error())
			return
		}
		changes = append(changes, change)
	}
	// Where the server listens changes first: it is the one change that can fail (a port
	// taken), and then nothing changes, as Redis restores what it had.
	if setting, err := c.server.listeners.Apply(args); err != nil {
		c.writer.Error("ERR CONFIG SET failed (possibly related to argument '" + setting + "') - " + err.Error())
		return
	}
	for _, change := range changes {
		change()
	}
	c.writer.SimpleString("OK")
}

// settable lists what CONFIG SET may change on this server: for each name, a parser that
// returns how to apply a value. The other settings CONFIG GET shows are fixed at start here,
// and CONFIG SET refuses them as Redis refuses its immutable ones.
func (s *Server) settable() map[string]func(value string) (func(), error) {
	return map[string]func(string) (func(), error){
		// Where the server listens: checked here, applied by s.listeners.Apply (shared/listen).
		"port": func(value string) (func(), error) {
			_, err := parseIntSetting(value, 0, 65535)
			return func() {}, err
		},
		"bind": func(value string) (func(), error) {
			_, err := listen.Addresses(value)
			return func() {}, err
		},
		// More clients need more descriptors: Redis raises the limit or refuses the number
		// (updateMaxclients in config.c). Clients already connected stay.
		"maxclients": func(value string) (func(), error) {
			n, err := parseIntSetting(value, 1, math.MaxUint32)
			if err != nil {
				return nil, err
			}
			if allowed := fdlimit.Raise(int(n)); allowed < int(n) {
				return nil, fmt.Errorf("The operating system is not able to handle the specified number of clients, try with %d", allowed)
			}
			return func() { s.maxClients.Store(n) }, nil
		},
		// Redis keeps the rate between 1 and 500 (updateHZ); the expiry cycle takes it from its
		// next tick.
		"hz": func(value string) (func(), error) {
			n, err := parseIntSetting(value, 0, math.MaxInt32)
			return func() { s.hz.Store(min(max(n, 1), 500)) }, err
		},
		"client-output-buffer-limit": func(value string) (func(), error) {
			limits, err := parseOutputLimits(value, *s.outputLimits.Load())
			return func() { s.outputLimits.Store(&limits) }, err
		},
		"client-query-buffer-limit": func(value string) (func(), error) {
			n, err := parseMemoryAtLeast(value, 1<<20)
			return func() { s.queryBufferLimit.Store(n) }, err
		},
		// Clients already connected keep what they had: authenticated, or not.
		"requirepass": func(value string) (func(), error) {
			return func() { s.requirePass.Store(&value) }, nil
		},
		"protected-mode": func(value string) (func(), error) {
			if !strings.EqualFold(value, "yes") && !strings.EqualFold(value, "no") {
				return nil, errors.New("argument must be 'yes' or 'no'")
			}
			return func() { s.protectedMode.Store(yes(value)) }, nil
		},
	}
}

// parseIntSetting parses an integer directive from least to most, with Redis's errors.
func parseIntSetting(value string, least, most int64) (int64, error) {
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		return 0, errors.New("argument couldn't be parsed into an integer")
	}
	if n < least || n > most {
		return 0, fmt.Errorf("argument must be between %d and %d inclusive", least, most)
	}
	return n, nil
}

// settings lists the configuration CONFIG GET can report, as name/value pairs, with the
// values Redis would show for the same setup.
func (s *Server) settings() [][2]string {
	return [][2]string{
		{"port", strconv.FormatInt(s.listeners.Port(), 10)},
		{"bind", s.listeners.Bind()},
		{"maxclients", strconv.FormatInt(s.maxClients.Load(), 10)},
		{"client-output-buffer-limit", s.outputLimits.Load().String()},
		{"client-query-buffer-limit", strconv.FormatInt(s.queryBufferLimit.Load(), 10)},
		{"requirepass", *s.requirePass.Load()},
		{"protected-mode", yesNo(s.protectedMode.Load())},
		{"databases", "1"},
		{"hz", strconv.FormatInt(s.hz.Load(), 10)},
		{"save", ""},         // no snapshots yet (step 06)
		{"appendonly", "no"}, // no append-only file yet (step 05)
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// TIME: the Unix time as two bulk strings, seconds and microseconds.
func timeCommand(c *client, args [][]byte) {
	now := time.Now()
	c.writer.Array(2)
	c.writer.BulkString(strconv.FormatInt(now.Unix(), 10))
	c.writer.BulkString(strconv.Itoa(now.Nanosecond() / 1000))
}
