package glob

import (
	"sort"
	"strings"
	"testing"

	"byoredis/shared/redistest"

	"github.com/stretchr/testify/assert"
)

// The glob rules of stringmatchlen (Redis's src/util.c), as real Redis's KEYS applies them.
func TestGlobMatch(t *testing.T) {
	words := []string{"hello", "hallo", "hxllo", "h*llo", "hllo", "heeeello", "[x]", `a\b`}
	tests := map[string][]string{
		"h?llo":     {"h*llo", "hallo", "hello", "hxllo"},
		"h*llo":     {"h*llo", "hallo", "heeeello", "hello", "hllo", "hxllo"},
		"h[ae]llo":  {"hallo", "hello"},
		"h[^e]llo":  {"h*llo", "hallo", "hxllo"},
		"h[a-b]llo": {"hallo"},
		"h[!e]llo":  {"hello"},
		`h\*llo`:    {"h*llo"},
		`\[x\]`:     {"[x]"},
		`a\\b`:      {`a\b`},
		"*":         words,
		"[":         nil,
	}
	for pattern, want := range tests {
		var got []string
		for _, w := range words {
			if Match(pattern, w, false) {
				got = append(got, w)
			}
		}
		sort.Strings(got)
		sorted := append([]string(nil), want...)
		sort.Strings(sorted)
		assert.Equal(t, sorted, got, "pattern %q", pattern)
	}
	assert.True(t, Match("SAVE", "save", true))
	assert.False(t, Match(strings.Repeat("a*", 30)+"b", strings.Repeat("a", 60), false)) // and quickly
}

// The matcher against real Redis's (stringmatchlen in util.c) on a table of awkward patterns:
// Redis's KEYS says which of the words each pattern matches.
func TestGlobMatchesRedis(t *testing.T) {
	words := []string{"hello", "hallo", "hxllo", "h*llo", "hllo", "heeeello", "[x]", `a\b`, "a-b", "a]b",
		"a^b", "a[b", "aXb", "ab", "b", "*", "?", "a", "zb", "a!b"}
	patterns := []string{"h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h[!e]llo", `h\*llo`, `\[x\]`,
		`a\\b`, "*", "[", "a[", "a[b", "a[]b", "a[]]b", "a[-]b", "a[b-a]b", "a[Z-A]b", `a[\]]b`, "a[^]b",
		"a[a-]b", `a\`, "a*b*", "*b", "**", "?", "??", "[^a]*", "[a-z]?b", "a[^-]b", "a[]-]b", `\`, "h*l*o",
		"a[!-]b", `[\^]*`, "[*]", "a[X-]b", "*[", "?[", "[?]"}
	conn := redistest.Dial(t, redistest.StartRedis(t))
	for _, w := range words {
		conn.Do("SET", w, "1")
	}
	for _, pattern := range patterns {
		var want, got []string
		for _, key := range conn.Do("KEYS", pattern).Elems {
			want = append(want, key.Str)
		}
		for _, w := range words {
			if Match(pattern, w, false) {
				got = append(got, w)
			}
		}
		sort.Strings(want)
		sort.Strings(got)
		assert.Equal(t, want, got, "pattern %q", pattern)
	}
}
