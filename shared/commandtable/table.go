package commandtable

import (
	"encoding/json"
	"slices"
	"strings"

	"byoredis/shared/resp"
)

// Command is one entry of a server's command table: Redis's spec of the command and the
// function H that runs it on this server.
type Command[H any] struct {
	*Spec
	Handler H
	// Subcommands of a container command such as CLIENT, by the name after "|" ("id" for
	// CLIENT ID): the ones this server has. A container with a Handler also runs alone
	// (COMMAND with no subcommand).
	Subcommands map[string]*Command[H]
}

// Table maps a lower-case command name to its entry.
type Table[H any] map[string]*Command[H]

// New makes the table of a server's commands from the function that runs each, by full
// name: "client|id" adds CLIENT ID to the container "client", which must be there too (with
// no function, if it does not run alone). A name Redis 7.0 does not have (or that commands/
// has no file for) stops the server at start.
func New[H any](handlers map[string]H) Table[H] {
	names := make([]string, 0, len(handlers))
	for name := range handlers {
		names = append(names, name)
	}
	slices.Sort(names) // a container before its subcommands: "client" < "client|id"
	t := Table[H]{}
	for _, name := range names {
		spec := Lookup(name)
		if spec == nil {
			panic("commandtable: no spec for " + name + " in commands/")
		}
		cmd := &Command[H]{Spec: spec, Handler: handlers[name]}
		container, sub, isSub := strings.Cut(spec.Name, "|")
		if !isSub {
			t[spec.Name] = cmd
			continue
		}
		parent := t[container]
		if parent.Subcommands == nil {
			parent.Subcommands = map[string]*Command[H]{}
		}
		parent.Subcommands[sub] = cmd
	}
	return t
}

// Names returns the table's command names, sorted.
func (t Table[H]) Names() []string { return sortedNames(t) }

func sortedNames[H any](m map[string]*Command[H]) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// find looks a command up as COMMAND INFO and COMMAND DOCS do (lookupCommandBySds in
// server.c): by name in any case, or a subcommand as "container|name".
func (t Table[H]) find(name string) *Command[H] {
	container, sub, isSub := strings.Cut(strings.ToLower(name), "|")
	cmd := t[container]
	if isSub && cmd != nil {
		return cmd.Subcommands[sub]
	}
	return cmd
}

// Info answers COMMAND (no names) and COMMAND INFO [name ...]: the entry of each command
// named, null for a name the server does not have; every command when none is named. Redis
// lists them in its hash table's order; this is sorted.
func (t Table[H]) Info(w *resp.Writer, names [][]byte) {
	if len(names) == 0 {
		all := t.Names()
		w.Array(len(all))
		for _, name := range all {
			writeInfo(w, t[name])
		}
		return
	}
	w.Array(len(names))
	for _, name := range names {
		if cmd := t.find(string(name)); cmd != nil {
			writeInfo(w, cmd)
		} else {
			w.Null()
		}
	}
}

// Docs answers COMMAND DOCS [name ...]: a map from each command's full name to its
// documentation; names the server does not have are left out.
func (t Table[H]) Docs(w *resp.Writer, names [][]byte) {
	var found []*Command[H]
	if len(names) == 0 {
		for _, name := range t.Names() {
			found = append(found, t[name])
		}
	}
	for _, name := range names {
		if cmd := t.find(string(name)); cmd != nil {
			found = append(found, cmd)
		}
	}
	w.Map(len(found))
	for _, cmd := range found {
		w.BulkString(cmd.Name)
		writeDocs(w, cmd)
	}
}

// writeInfo writes the 10-element entry Redis 7.0 describes a command with: name, arity,
// flags, first key, last key, key step, ACL categories, tips, key specs, subcommands
// (addReplyCommandInfo in server.c).
func writeInfo[H any](w *resp.Writer, cmd *Command[H]) {
	s := cmd.Spec
	w.Array(10)
	w.BulkString(s.Name)
	w.Integer(int64(s.Arity))
	writeFlags(w, uint64(s.Flags)&(1<<shownFlags-1), flagNames, strings.ToLower)
	w.Integer(int64(s.firstKey))
	w.Integer(int64(s.lastKey))
	w.Integer(int64(s.keyStep))
	writeFlags(w, s.acl, aclCategoryNames, func(name string) string { return "@" + name })
	w.Set(len(s.tips))
	for _, tip := range s.tips {
		w.BulkString(tip)
	}
	w.Set(len(s.keySpecs))
	for _, spec := range s.keySpecs {
		writeKeySpec(w, spec)
	}
	if cmd.Subcommands == nil {
		w.Set(0)
		return
	}
	w.Array(len(cmd.Subcommands))
	for _, name := range sortedNames(cmd.Subcommands) {
		writeInfo(w, cmd.Subcommands[name])
	}
}

// writeFlags writes the names of the bits set in bits, in the names' order, as a set of
// simple strings (addReplyCommandFlags).
func writeFlags(w *resp.Writer, bits uint64, names []string, spell func(string) string) {
	var set []string
	for i, name := range names {
		if bits&(1<<i) != 0 {
			set = append(set, spell(name))
		}
	}
	w.Set(len(set))
	for _, name := range set {
		w.SimpleString(name)
	}
}

// writeKeySpec writes one key spec (addReplyCommandKeySpecs).
func writeKeySpec(w *resp.Writer, spec keySpec) {
	if spec.Notes != "" {
		w.Map(4)
		w.BulkString("notes")
		w.BulkString(spec.Notes)
	} else {
		w.Map(3)
	}
	w.BulkString("flags")
	var bits uint64
	for _, flag := range spec.Flags {
		bits |= 1 << index(keySpecFlagNames, flag)
	}
	writeFlags(w, bits, keySpecFlagNames, func(name string) string { return name })
	w.BulkString("begin_search")
	writeSearch(w, spec.BeginSearch, map[string][]string{"index": {"pos:index"}, "keyword": {"keyword", "startfrom"}})
	w.BulkString("find_keys")
	writeSearch(w, spec.FindKeys, map[string][]string{"range": {"lastkey", "step:keystep", "limit"}, "keynum": {"keynumidx", "firstkey", "step:keystep"}})
}

// writeSearch writes a begin_search or find_keys part: its type, and its spec's fields in
// Redis's order. A field "json:reply" is named json in the file and reply in the reply.
func writeSearch(w *resp.Writer, search map[string]json.RawMessage, fields map[string][]string) {
	for kind, raw := range search { // one entry: the kind of search
		w.Map(2)
		w.BulkString("type")
		w.BulkString(kind)
		w.BulkString("spec")
		var values map[string]any
		json.Unmarshal(raw, &values)
		w.Map(len(fields[kind]))
		for _, field := range fields[kind] {
			name, reply, renamed := strings.Cut(field, ":")
			if !renamed {
				reply = name
			}
			w.BulkString(reply)
			switch v := values[name].(type) {
			case string:
				w.BulkString(v)
			case float64:
				w.Integer(int64(v))
			}
		}
	}
}

// groupNames are the groups as COMMAND DOCS spells them, where the files spell them
// otherwise (COMMAND_GROUP_STR in server.c).
var groupNames = map[string]string{"sorted_set": "sorted-set"}

// writeDocs writes a command's documentation (addReplyCommandDocs in server.c).
func writeDocs[H any](w *resp.Writer, cmd *Command[H]) {
	d := cmd.doc
	group := d.Group
	if spelled, ok := groupNames[group]; ok {
		group = spelled
	}
	fields := []struct {
		name    string
		present bool
		write   func()
	}{
		{"summary", d.Summary != "", func() { w.BulkString(d.Summary) }},
		{"since", d.Since != "", func() { w.BulkString(d.Since) }},
		{"group", true, func() { w.BulkString(group) }},
		{"complexity", d.Complexity != "", func() { w.BulkString(d.Complexity) }},
		{"doc_flags", len(d.DocFlags) > 0, func() {
			w.Set(len(d.DocFlags))
			for _, flag := range d.DocFlags {
				w.SimpleString(strings.ToLower(flag))
			}
		}},
		{"deprecated_since", d.DeprecatedSince != "", func() { w.BulkString(d.DeprecatedSince) }},
		{"replaced_by", d.ReplacedBy != "", func() { w.BulkString(d.ReplacedBy) }},
		{"history", len(d.History) > 0, func() {
			w.Set(len(d.History))
			for _, change := range d.History {
				w.Array(2)
				w.BulkString(change[0])
				w.BulkString(change[1])
			}
		}},
		{"arguments", len(d.Arguments) > 0, func() { writeArguments(w, d.Arguments) }},
		{"subcommands", cmd.Subcommands != nil, func() {
			w.Map(len(cmd.Subcommands))
			for _, name := range sortedNames(cmd.Subcommands) {
				w.BulkString(cmd.Subcommands[name].Name)
				writeDocs(w, cmd.Subcommands[name])
			}
		}},
	}
	present := 0
	for _, f := range fields {
		if f.present {
			present++
		}
	}
	w.Map(present)
	for _, f := range fields {
		if f.present {
			w.BulkString(f.name)
			f.write()
		}
	}
}

// writeArguments writes the arguments of a command, or of a oneof or block argument
// (addReplyCommandArgList in server.c): names in lower case, tokens in upper case, as
// Redis's generator writes them.
func writeArguments(w *resp.Writer, args []argument) {
	w.Array(len(args))
	for _, a := range args {
		var flags []string
		for _, f := range []struct {
			name string
			set  bool
		}{{"optional", a.Optional}, {"multiple", a.Multiple}, {"multiple_token", a.MultipleToken}} {
			if f.set {
				flags = append(flags, f.name)
			}
		}
		nested := a.Type == "oneof" || a.Type == "block"
		size := 2
		for _, present := range []bool{a.KeySpecIndex != nil, a.Token != "", a.Summary != "", a.Since != "", a.DeprecatedSince != "", len(flags) > 0, nested} {
			if present {
				size++
			}
		}
		w.Map(size)
		w.BulkString("name")
		w.BulkString(strings.ToLower(a.Name))
		w.BulkString("type")
		w.BulkString(a.Type)
		if a.KeySpecIndex != nil {
			w.BulkString("key_spec_index")
			w.Integer(int64(*a.KeySpecIndex))
		}
		for _, f := range [][2]string{{"token", strings.ToUpper(a.Token)}, {"summary", a.Summary}, {"since", a.Since}, {"deprecated_since", a.DeprecatedSince}} {
			if f[1] != "" {
				w.BulkString(f[0])
				w.BulkString(f[1])
			}
		}
		if len(flags) > 0 {
			w.BulkString("flags")
			w.Set(len(flags))
			for _, flag := range flags {
				w.SimpleString(flag)
			}
		}
		if nested {
			w.BulkString("arguments")
			writeArguments(w, a.Arguments)
		}
	}
}
