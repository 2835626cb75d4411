package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The course's docs quote shell lines to type and name files to read. This test reads every
// Markdown file of the course and checks that each `make` line names targets the Makefile
// has and a STEP that exists, that each link goes to a file that exists, and that each Go
// file a step's docs name is in that step (or in the shared module).

var (
	codeSpan   = regexp.MustCompile("`([^`\n]+)`")
	mdLink     = regexp.MustCompile(`\]\(([^)#]+)(#[^)]*)?\)`)
	goFileName = regexp.MustCompile(`^[a-zA-Z][\w/.-]*\.go$`)
	target     = regexp.MustCompile(`(?m)^([\w.-]+):`)
)

func courseRoot(t *testing.T) string {
	dir, err := os.Getwd()
	require.NoError(t, err)
	for !exists(filepath.Join(dir, "go.work")) {
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "no go.work above the test")
		dir = parent
	}
	return dir
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestDocsNameWhatExists(t *testing.T) {
	root := courseRoot(t)
	t.Chdir(root)
	makefile, err := os.ReadFile("Makefile")
	require.NoError(t, err)
	targets := map[string]bool{}
	for _, m := range target.FindAllStringSubmatch(string(makefile), -1) {
		targets[m[1]] = true
	}
	for _, d := range stepDirs() {
		targets[d] = true // $(STEPS)
	}

	docs, _ := filepath.Glob("*.md")
	more, _ := filepath.Glob("*/*.md")
	docs = append(docs, more...)
	more, _ = filepath.Glob("*/testdata/*.md")
	docs = append(docs, more...)
	require.NotEmpty(t, docs)
	checked := 0
	for _, doc := range docs {
		text, err := os.ReadFile(doc)
		require.NoError(t, err)
		dir := filepath.Dir(doc)

		var lines []string
		for _, block := range fence.FindAllStringSubmatch(string(text), -1) {
			lines = append(lines, strings.Split(block[1], "\n")...)
		}
		for _, span := range codeSpan.FindAllStringSubmatch(string(text), -1) {
			lines = append(lines, span[1])
		}
		for _, line := range lines {
			line, _, _ = strings.Cut(line, "#") // a comment after the command
			for _, command := range strings.Split(line, ";") {
				words := shellWords(command)
				for len(words) > 0 && strings.Contains(words[0], "=") { // PORT=7000 make ...
					words = words[1:]
				}
				if len(words) == 0 || words[0] != "make" {
					continue
				}
				checked++
				for _, w := range words[1:] {
					name, value, isVar := strings.Cut(w, "=")
					switch {
					case isVar && name == "STEP":
						_, _, err := resolveStep(strings.Trim(value, `"'`))
						assert.NoError(t, err, "%s: %q", doc, line)
					case isVar || strings.HasPrefix(w, "-"):
					default:
						assert.True(t, targets[w], "%s: %q: the Makefile has no target %q", doc, line, w)
					}
				}
			}
		}

		for _, m := range mdLink.FindAllStringSubmatch(string(text), -1) {
			if strings.Contains(m[1], "://") {
				continue
			}
			checked++
			assert.True(t, exists(filepath.Join(dir, m[1])), "%s links to %s, which does not exist", doc, m[1])
		}
		if dir == "." {
			continue
		}
		for _, span := range codeSpan.FindAllStringSubmatch(string(text), -1) {
			name := span[1]
			if !goFileName.MatchString(name) {
				continue
			}
			checked++
			places, _ := filepath.Glob(filepath.Join("*", name)) // this step, a later one, or shared
			more, _ := filepath.Glob(filepath.Join("shared", "*", name))
			found := exists(filepath.Join(dir, name)) || exists(filepath.Join(filepath.Dir(dir), name)) || len(places)+len(more) > 0
			assert.True(t, found, "%s names %s, which is in no step and not in shared", doc, name)
		}
	}
	assert.Greater(t, checked, 50, "the docs quote make lines, links and files")
}

// What `make docs` reads from a comment as the output a line must print, and how it compares
// it with redis-cli's output to a pipe.
func TestDocsExpectedOutput(t *testing.T) {
	for comment, want := range map[string]string{
		"(integer) 1":                                    "(integer) 1",
		`"hello": the real replica has it`:               `"hello"`,
		"REDIS0010, then the aux fields...":              "REDIS0010",
		"[info] 2 keys read ... RDB looks OK!":           "[info] 2 keys read",
		"slave0:ip=127.0.0.1,port=6381,state=online,...": "slave0:ip=127.0.0.1,port=6381,state=online,",
		"10, then 9, 8...":                               "",
		"interactive: SET k v, GET k":                    "",
	} {
		assert.Equal(t, want, expectedOutput(comment), comment)
	}
	assert.True(t, matches("1\n", "(integer) 1"), "redis-cli prints integers bare to a pipe")
	assert.True(t, matches("hello\n", `"hello"`))
	assert.False(t, matches("0\n", "(integer) 1"))
	assert.NotEmpty(t, notRun("redis-cli -p 6380"))
	assert.NotEmpty(t, notRun("make bench STEP=05"))
	assert.Empty(t, notRun("redis-cli -p 6380 PING"))
	assert.Empty(t, notRun("PORT=7000 make 03-get-set"))
}
