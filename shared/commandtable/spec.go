// Package commandtable is Redis 7.0's command table: what Redis says of each command (its
// arity, flags, ACL categories, where its keys are, its documentation), read from the JSON
// files Redis generates its own table from (src/commands/*.json, copied unchanged into
// commands/ for every command the course's servers have), and the COMMAND command that
// reports it.
//
// A server pairs each name with the function that runs it (New). The table gives the arity
// and flags the server checks before it runs a command, and COMMAND, COMMAND INFO and
// COMMAND DOCS answer byte for byte as Redis 7.0 does, listing the subcommands the server
// has. Redis's own generator is utils/generate-command-code.py; the replies follow
// addReplyCommandInfo and addReplyCommandDocs in server.c.
package commandtable

import (
	"embed"
	"encoding/json"
	"path"
	"strings"
)

// Spec is what Redis 7.0 says of one command.
type Spec struct {
	Name  string // lower case, as Redis spells it in errors; "client|id" for a subcommand
	Arity int    // N > 0: exactly N arguments, the name included; N < 0: at least -N
	Flags Flag

	acl      uint64 // ACL categories, the implicit ones included (aclCategories)
	tips     []string
	keySpecs []keySpec
	// firstKey, lastKey and keyStep are the legacy key range COMMAND INFO still reports,
	// worked out from the key specs (populateCommandLegacyRangeSpec in server.c).
	firstKey, lastKey, keyStep int
	doc                        jsonCommand
}

// Is reports whether the command has every flag of f.
func (s *Spec) Is(f Flag) bool { return s.Flags&f == f }

// KeyRange says where a call's keys are, from the legacy key range, as Redis's
// getKeysUsingLegacyRangeSpec reads it: args[first], args[first+step], ... up to args[last],
// for a call of argc arguments (the name included). ok is false when the command has no key,
// or keys the range does not tell (movable keys).
func (s *Spec) KeyRange(argc int) (first, last, step int, ok bool) {
	if s.firstKey == 0 || s.Is(MovableKeys) {
		return 0, 0, 0, false
	}
	last = s.lastKey
	if last < 0 {
		last += argc
	}
	return s.firstKey, min(last, argc-1), s.keyStep, true
}

// ArityAllows reports whether a call with n arguments, the name included, has the number of
// arguments the command takes.
func (s *Spec) ArityAllows(n int) bool {
	if s.Arity > 0 {
		return n == s.Arity
	}
	return n >= -s.Arity
}

// Flag is a command flag (CMD_* in server.h).
type Flag uint64

// The command flags, in the order COMMAND INFO lists them (addReplyFlagsForCommand).
const (
	Write Flag = 1 << iota // changes the keyspace: logged, replicated, refused on a read-only replica
	ReadOnly
	DenyOOM
	Module
	Admin
	PubSub
	NoScript
	Blocking
	Loading
	Stale
	SkipMonitor
	SkipSlowlog
	Asking
	Fast
	NoAuth // runs before the client has authenticated: AUTH, HELLO, QUIT
	NoMandatoryKeys
	NoAsyncLoading
	NoMulti
	MovableKeys
	AllowBusy
	// Redis never lists these.
	MayReplicate
	Sentinel
	OnlySentinel
	Protected
)

// flagNames are the flags as the JSON files spell them, by bit; COMMAND INFO shows the
// first len(shownFlags) in lower case.
var flagNames = []string{"WRITE", "READONLY", "DENYOOM", "MODULE", "ADMIN", "PUBSUB", "NOSCRIPT",
	"BLOCKING", "LOADING", "STALE", "SKIP_MONITOR", "SKIP_SLOWLOG", "ASKING", "FAST", "NO_AUTH",
	"NO_MANDATORY_KEYS", "NO_ASYNC_LOADING", "NO_MULTI", "MOVABLE_KEYS", "ALLOW_BUSY",
	"MAY_REPLICATE", "SENTINEL", "ONLY_SENTINEL", "PROTECTED"}

const shownFlags = 20

// aclCategoryNames are the ACL categories in the order COMMAND INFO lists them
// (ACLCommandCategories in acl.c).
var aclCategoryNames = []string{"keyspace", "read", "write", "set", "sortedset", "list", "hash",
	"string", "bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
	"blocking", "dangerous", "connection", "transaction", "scripting"}

// keySpecFlagNames are the key spec flags in the order COMMAND INFO lists them
// (addReplyFlagsForKeyArgs).
var keySpecFlagNames = []string{"RO", "RW", "OW", "RM", "access", "update", "insert", "delete",
	"not_key", "incomplete", "variable_flags"}

// jsonCommand is one command's file, as Redis's generator reads it.
type jsonCommand struct {
	Summary         string      `json:"summary"`
	Complexity      string      `json:"complexity"`
	Group           string      `json:"group"`
	Since           string      `json:"since"`
	Arity           int         `json:"arity"`
	Container       string      `json:"container"`
	History         [][2]string `json:"history"`
	DeprecatedSince string      `json:"deprecated_since"`
	ReplacedBy      string      `json:"replaced_by"`
	DocFlags        []string    `json:"doc_flags"`
	CommandFlags    []string    `json:"command_flags"`
	ACLCategories   []string    `json:"acl_categories"`
	CommandTips     []string    `json:"command_tips"`
	KeySpecs        []keySpec   `json:"key_specs"`
	Arguments       []argument  `json:"arguments"`
}

// keySpec says where some of a command's keys are: where to start looking (begin_search: an
// argument index, or after a keyword) and how many keys follow (find_keys: a range, or a count
// given as an argument). Each is a one-entry object naming its kind; "unknown" has no spec.
type keySpec struct {
	Notes       string                     `json:"notes"`
	Flags       []string                   `json:"flags"`
	BeginSearch map[string]json.RawMessage `json:"begin_search"`
	FindKeys    map[string]json.RawMessage `json:"find_keys"`
}

type argument struct {
	Name            string     `json:"name"`
	Type            string     `json:"type"`
	KeySpecIndex    *int       `json:"key_spec_index"`
	Token           string     `json:"token"`
	Summary         string     `json:"summary"`
	Since           string     `json:"since"`
	DeprecatedSince string     `json:"deprecated_since"`
	Optional        bool       `json:"optional"`
	Multiple        bool       `json:"multiple"`
	MultipleToken   bool       `json:"multiple_token"`
	Arguments       []argument `json:"arguments"`
}

//go:embed commands/*.json
var files embed.FS

// specs are every command of commands/, by full name.
var specs = map[string]*Spec{}

func init() {
	entries, err := files.ReadDir("commands")
	if err != nil {
		panic(err)
	}
	for _, entry := range entries {
		data, err := files.ReadFile(path.Join("commands", entry.Name()))
		if err != nil {
			panic(err)
		}
		var file map[string]jsonCommand // {"GET": {...}}: one command per file
		if err := json.Unmarshal(data, &file); err != nil {
			panic(entry.Name() + ": " + err.Error())
		}
		for name, doc := range file {
			spec := newSpec(strings.ToLower(name), doc)
			specs[spec.Name] = spec
		}
	}
}

func newSpec(name string, doc jsonCommand) *Spec {
	if doc.Container != "" {
		name = strings.ToLower(doc.Container) + "|" + name
	}
	s := &Spec{Name: name, Arity: doc.Arity, tips: doc.CommandTips, keySpecs: doc.KeySpecs, doc: doc}
	for i := range s.tips {
		s.tips[i] = strings.ToLower(s.tips[i])
	}
	for _, flag := range doc.CommandFlags {
		s.Flags |= Flag(1) << index(flagNames, flag)
	}
	for _, category := range doc.ACLCategories {
		s.acl |= 1 << index(aclCategoryNames, strings.ToLower(category))
	}
	s.setImplicitACLCategories()
	s.populateLegacyRange()
	return s
}

// index is where name is in names; a name Redis 7.0 does not have stops the server at start.
func index(names []string, name string) int {
	for i, n := range names {
		if strings.EqualFold(n, name) {
			return i
		}
	}
	panic("commandtable: unknown name " + name)
}

func (s *Spec) category(name string) uint64 { return 1 << index(aclCategoryNames, name) }

// setImplicitACLCategories adds the categories a command's flags imply, as Redis does at
// start (setImplicitACLCategories in server.c).
func (s *Spec) setImplicitACLCategories() {
	if s.Is(Write) {
		s.acl |= s.category("write")
	}
	if s.Is(ReadOnly) && s.acl&s.category("scripting") == 0 {
		s.acl |= s.category("read")
	}
	if s.Is(Admin) {
		s.acl |= s.category("admin") | s.category("dangerous")
	}
	if s.Is(PubSub) {
		s.acl |= s.category("pubsub")
	}
	if s.Is(Fast) {
		s.acl |= s.category("fast")
	}
	if s.Is(Blocking) {
		s.acl |= s.category("blocking")
	}
	if s.acl&s.category("fast") == 0 {
		s.acl |= s.category("slow")
	}
}

// populateLegacyRange works out the first key, last key and step that COMMAND INFO reports
// from the key specs, and sets MovableKeys where no fixed range describes them
// (populateCommandLegacyRangeSpec in server.c).
func (s *Spec) populateLegacyRange() {
	if len(s.keySpecs) == 0 {
		return
	}
	firstKey, lastKey, prevLastKey, found := 0, 0, 0, false
	for i, spec := range s.keySpecs {
		index, isIndex := spec.index()
		rangeSpec, isRange := spec.keyRange()
		if !isIndex || !isRange {
			s.Flags |= MovableKeys
			continue
		}
		if len(s.keySpecs) == 1 && i == 0 {
			if spec.has("INCOMPLETE") {
				s.Flags |= MovableKeys
			}
			s.firstKey, s.lastKey, s.keyStep = index, rangeSpec.LastKey, rangeSpec.Step
			if s.lastKey >= 0 {
				s.lastKey += index
			}
			return
		}
		if rangeSpec.Step != 1 || (prevLastKey != 0 && prevLastKey != index-1) {
			s.Flags |= MovableKeys
			continue
		}
		if spec.has("INCOMPLETE") {
			s.Flags |= MovableKeys
		}
		absolute := rangeSpec.LastKey
		if absolute >= 0 {
			absolute += index
		}
		if !found || index < firstKey {
			firstKey = index
		}
		if uint32(absolute) > uint32(lastKey) { // Redis compares unsigned: -1 is the largest
			lastKey = absolute
		}
		prevLastKey, found = lastKey, true
	}
	if !found {
		s.Flags |= MovableKeys
		return
	}
	s.firstKey, s.lastKey, s.keyStep = firstKey, lastKey, 1
}

type rangeSpec struct {
	LastKey int `json:"lastkey"`
	Step    int `json:"step"`
	Limit   int `json:"limit"`
}

func (k keySpec) index() (int, bool) {
	var index struct{ Pos int }
	raw, ok := k.BeginSearch["index"]
	return index.Pos, ok && json.Unmarshal(raw, &index) == nil
}

func (k keySpec) keyRange() (rangeSpec, bool) {
	var r rangeSpec
	raw, ok := k.FindKeys["range"]
	return r, ok && json.Unmarshal(raw, &r) == nil
}

func (k keySpec) has(flag string) bool {
	for _, f := range k.Flags {
		if f == flag {
			return true
		}
	}
	return false
}

// Lookup returns Redis's spec of a command by its full name in any case ("get",
// "client|id"), or nil if Redis 7.0 has no such command or commands/ lacks its file.
func Lookup(name string) *Spec { return specs[strings.ToLower(name)] }
