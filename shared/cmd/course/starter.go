package main

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
)

//go:embed starter/main.go
var starterMain string

// createStarter is `make starter DIR=...`: a new Go module holding the smallest server the
// grader can start, for the build-your-own track.
func createStarter(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
		fmt.Printf("%s already holds a Go module; it is left as it is.\n", dir)
		return false
	}
	name := filepath.Base(dir)
	goMod := fmt.Sprintf("module %s\n\ngo 1.26\n", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Println(err)
		return false
	}
	for file, text := range map[string]string{"go.mod": goMod, "main.go": starterMain} {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644); err != nil {
			fmt.Println(err)
			return false
		}
	}
	fmt.Printf("Created %s (go.mod, main.go). Grade it with:\n\n    make grade STEP=01 SERVER=%s\n", dir, dir)
	return true
}
