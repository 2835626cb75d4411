package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The previous step's solved functions are compared where the next step keeps them, so a
// solved exercise carried into the next step is no change at all.
func TestSolutionsMoveToWhereTheNextStepKeepsThem(t *testing.T) {
	prev, next := t.TempDir(), t.TempDir()
	write := func(dir, name, text string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	write(prev, "commands.go", "package main\n\nfunc get() {}\n")
	write(prev, "exercises.go", "//go:build !solution\n\npackage main\n\nfunc incr() { panic(\"stub\") }\n")
	write(prev, "solution.go", "//go:build solution\n\npackage main\n\nimport \"strconv\"\n\n// incr adds one.\nfunc incr() { strconv.Itoa(1) }\n")
	write(next, "commands.go", "package main\n\nfunc get() {}\n")
	write(next, "strings.go", "package main\n\n// incr adds one.\nfunc incr() { strconv.Itoa(1) }\n")

	before, err := lessonFiles(prev, false)
	require.NoError(t, err)
	after, err := lessonFiles(next, false)
	require.NoError(t, err)
	require.NoError(t, applySolutions(prev, before, declaredIn(next, after)))

	assert.NotContains(t, before, "exercises.go")
	assert.Equal(t, "// incr adds one.\nfunc incr() { strconv.Itoa(1) }\n", before["strings.go"])
	assert.Equal(t, after["commands.go"], before["commands.go"])
}

// make diff STEP=02 shows the server side of the RESP package: the files step 02's README
// names as its lesson, each of which exists.
func TestStep02DiffIsTheServerSideOfRESP(t *testing.T) {
	readme, err := os.ReadFile("../../../02-resp-parser/README.md")
	require.NoError(t, err)
	for name := range respLesson {
		assert.FileExists(t, filepath.Join("../../resp", name+".go"))
		assert.Contains(t, string(readme), "`"+name+".go`", "README 02 names it as the lesson")
	}
}
