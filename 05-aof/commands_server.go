package main

import (
	"byoredis/shared/fdlimit"
	"byoredis/shared/glob"
	"byoredis/shared/listen"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// COMMAND, COMMAND INFO [name ...], COMMAND DOCS [name ...] and COMMAND COUNT: what Redis
// says of the commands this server has, in Redis's own words (shared/commandtable). Clients
// and tools read it: redis-cli's hints as you type come from COMMAND DOCS.
func commandAll(c *client, args [][]byte)         { commands.Info(c.writer, nil) }
func commandInfoCommand(c *client, args [][]byte) { commands.Info(c.writer, args[2:]) }
func commandDocs(c *client, args [][]byte)        { commands.Docs(c.writer, args[2:]) }
func commandCount(c *client, args [][]byte)       { c.writer.Integer(int64(len(commands))) }

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
		case protectedConfigs[name]:
			c.writer.Error("ERR CONFIG SET failed (possibly related to argument '" + string(args[i]) + "') - can't set protected config")
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
			on, err := parseYesNo(value)
			return func() { s.protectedMode.Store(on) }, err
		},
		// Persistence: each applies from the next write or fsync, as in Redis.
		"appendonly": func(value string) (func(), error) {
			on, err := parseYesNo(value)
			if err != nil {
				return nil, err
			}
			if on && s.aof.Load() == nil { // what could stop it, checked before anything changes
				if err := os.MkdirAll(filepath.Join(s.config.AOF.Dir, s.config.AOF.DirName), 0o755); err != nil {
					slog.Warn("Can't open or create append-only dir " + s.config.AOF.DirName + ": " + strerror(err))
					return nil, errors.New("Unable to turn on AOF. Check server logs.")
				}
			}
			return func() {
				if on {
					if err := s.startAppendOnly(); err != nil {
						slog.Warn("Unable to turn on AOF", "err", err)
					}
				} else {
					s.stopAppendOnly(s.aof.Load())
				}
			}, nil
		},
		"appendfsync": func(value string) (func(), error) {
			policy := strings.ToLower(value)
			if policy != "always" && policy != "everysec" && policy != "no" {
				return nil, errors.New("argument(s) must be one of the following: everysec, always, no")
			}
			return func() { s.aofSettings.fsync.Store(&policy) }, nil
		},
		"aof-load-truncated": func(value string) (func(), error) {
			on, err := parseYesNo(value)
			return func() { s.aofSettings.loadTruncated.Store(on) }, err
		},
		"auto-aof-rewrite-percentage": func(value string) (func(), error) {
			n, err := parseIntSetting(value, 0, math.MaxInt32)
			return func() { s.aofSettings.rewritePercent.Store(n) }, err
		},
		"auto-aof-rewrite-min-size": func(value string) (func(), error) {
			n, err := parseMemoryAtLeast(value, 0)
			return func() { s.aofSettings.rewriteMinSize.Store(n) }, err
		},
	}
}

// protectedConfigs are the directives Redis 7.0 marks PROTECTED_CONFIG: CONFIG SET refuses
// them unless enable-protected-configs allows it, which is off by default (and not here).
var protectedConfigs = map[string]bool{"dir": true}

// parseYesNo parses a yes/no directive, with Redis's error.
func parseYesNo(value string) (bool, error) {
	if !strings.EqualFold(value, "yes") && !strings.EqualFold(value, "no") {
		return false, errors.New("argument must be 'yes' or 'no'")
	}
	return yes(value), nil
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
		{"save", ""}, // no snapshots yet (step 06)
		{"appendonly", yesNo(s.aof.Load() != nil)},
		{"appendfsync", *s.aofSettings.fsync.Load()},
		{"dir", s.config.AOF.Dir},
		{"appenddirname", s.config.AOF.DirName},
		{"appendfilename", s.config.AOF.FileName},
		{"aof-load-truncated", yesNo(s.aofSettings.loadTruncated.Load())},
		{"auto-aof-rewrite-percentage", strconv.FormatInt(s.aofSettings.rewritePercent.Load(), 10)},
		{"auto-aof-rewrite-min-size", strconv.FormatInt(s.aofSettings.rewriteMinSize.Load(), 10)},
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
