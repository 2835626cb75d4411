package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// A trap is a committed wrong answer to an exercise: one pitfall its hint warns about, as
// code. It lives in the step's traps/ folder as declarations that replace the reference
// solution's declarations of the same name, and its doc says which exercise it belongs to:
//
//	//go:build ignore
//
//	// Exercise 1: the counter is read under one lock and written under another.
//
//	package main
//
//	func incrBy(...) { ... }
//
// `make test` requires the exercise's tests to fail against every trap: a test that passes
// with the very mistake its hint names would tell a learner a wrong answer is right.
type trap struct {
	path     string
	exercise int
	pitfall  string
}

var trapHeading = regexp.MustCompile(`(?m)^// Exercise (\d+): (.+(?:\n// .+)*)`)

func readTraps(stepDir string) ([]trap, error) {
	paths, _ := filepath.Glob(filepath.Join(stepDir, exercisePackage(stepDir), "traps", "*.go"))
	var traps []trap
	for _, p := range paths {
		text, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		m := trapHeading.FindSubmatch(text)
		if m == nil {
			return nil, fmt.Errorf("%s: no \"// Exercise N: pitfall\" line says what this trap is", p)
		}
		n, _ := strconv.Atoi(string(m[1]))
		pitfall := strings.ReplaceAll(string(m[2]), "\n// ", " ")
		traps = append(traps, trap{path: p, exercise: n, pitfall: strings.TrimSuffix(pitfall, ".")})
	}
	return traps, nil
}

// proveTraps runs each trap's exercise tests runs times with the trap in place of the
// solution, and requires every run to fail (and the trap to compile: a trap that does not
// build proves nothing).
func proveTraps(stepDir string, runs int) bool {
	traps, err := readTraps(stepDir)
	if err != nil {
		fmt.Println(err)
		return false
	}
	ok := true
	for _, tr := range traps {
		name := strings.TrimSuffix(filepath.Base(tr.path), ".go")
		overlay, cleanup, err := trapOverlay(stepDir, tr.path)
		if err != nil {
			fmt.Printf("  ✗  %s trap %s: %v\n", stepDir, name, err)
			ok = false
			continue
		}
		r := runGoTest(stepDir, nil, "-count="+strconv.Itoa(runs), "-tags", "solution", "-overlay", overlay,
			"-run", fmt.Sprintf("^TestExercise%d($|[^0-9])", tr.exercise), exercisePackage(stepDir))
		cleanup()
		caught := map[string]int{} // test -> runs it failed
		for _, f := range r.failed {
			if !isSubtest(f) {
				caught[f[strings.Index(f, ".")+1:]]++
			}
		}
		failedRuns := 0
		for _, n := range caught {
			failedRuns = max(failedRuns, n)
		}
		ended := map[string]int{} // test -> runs it finished, passed or failed
		for _, name := range append(append([]string{}, r.passed...), r.failed...) {
			if !isSubtest(name) {
				ended[name]++
			}
		}
		mostEnded := 0
		for _, n := range ended {
			mostEnded = max(mostEnded, n)
		}
		// A trap that crashes the test binary (a panic in the server) ends the runs at once:
		// the run it crashed in failed, and the later runs never started. Every run that
		// happened failed, so it is caught.
		crashed := !r.exitOK && failedRuns > 0 && failedRuns == mostEnded && mostEnded < runs
		ranBeforeCrash := failedRuns
		if crashed {
			failedRuns = runs
		}
		switch {
		case len(r.passed)+len(r.failed) == 0:
			ok = false
			fmt.Printf("  ✗  %s trap %s does not build:\n%s", stepDir, name, r.buildErrors)
		case failedRuns < runs:
			ok = false
			fmt.Printf("  ✗  %s trap %s (exercise %d: %s): the tests let it pass in %d of %d runs\n",
				stepDir, name, tr.exercise, tr.pitfall, runs-failedRuns, runs)
		default:
			var tests []string
			for t := range caught {
				tests = append(tests, t)
			}
			sort.Strings(tests)
			how := fmt.Sprintf("%d of %d runs", runs, runs)
			if crashed {
				how = fmt.Sprintf("in each of the %d runs before the test binary crashed", ranBeforeCrash)
			}
			fmt.Printf("  ✓  %s trap %s (exercise %d: %s): caught by %s, %s\n",
				stepDir, name, tr.exercise, tr.pitfall, strings.Join(tests, ", "), how)
		}
	}
	return ok
}

// trapOverlay writes the step's solution.go with the trap's declarations in place of the
// solution's, and returns a `go build -overlay` file that swaps it in.
func trapOverlay(stepDir, trapPath string) (string, func(), error) {
	solution := filepath.Join(stepDir, exercisePackage(stepDir), "solution.go")
	merged, err := mergeDecls(solution, trapPath)
	if err != nil {
		return "", func() {}, err
	}
	return overlayFile(solution, merged)
}

// mergeDecls returns the solution file with each declaration the trap also declares taken
// from the trap, and the imports both need.
func mergeDecls(solutionPath, trapPath string) ([]byte, error) {
	type source struct {
		fset *token.FileSet
		file *ast.File
		text []byte
	}
	parse := func(path string) (source, error) {
		text, err := os.ReadFile(path)
		if err != nil {
			return source{}, err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, text, parser.ParseComments|parser.SkipObjectResolution)
		return source{fset, f, text}, err
	}
	sol, err := parse(solutionPath)
	if err != nil {
		return nil, err
	}
	tr, err := parse(trapPath)
	if err != nil {
		return nil, err
	}
	declText := func(s source, d ast.Decl) string {
		start := d.Pos()
		if doc := declDoc(d); doc != nil {
			start = doc.Pos()
		}
		return string(s.text[s.fset.Position(start).Offset:s.fset.Position(d.End()).Offset])
	}
	replacement := map[string]string{}
	var order []string
	imports := map[string]string{} // path -> spec text
	for _, s := range []source{sol, tr} {
		for _, imp := range s.file.Imports {
			imports[imp.Path.Value] = string(s.text[s.fset.Position(imp.Pos()).Offset:s.fset.Position(imp.End()).Offset])
		}
	}
	for _, d := range tr.file.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			continue
		}
		key := strings.Join(declNames(d), ",")
		replacement[key] = declText(tr, d)
		order = append(order, key)
	}
	var body bytes.Buffer
	for _, d := range sol.file.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			continue
		}
		key := strings.Join(declNames(d), ",")
		text, replaced := replacement[key]
		if !replaced {
			text = declText(sol, d)
		}
		delete(replacement, key)
		body.WriteString(text + "\n\n")
	}
	for _, key := range order { // the trap's own helpers
		if text, left := replacement[key]; left {
			body.WriteString(text + "\n\n")
		}
	}

	// Keep the imports the merged code uses.
	used := map[string]bool{}
	pkg := sol.file.Name.Name
	if f, err := parser.ParseFile(token.NewFileSet(), "", "package "+pkg+"\n"+body.String(), parser.SkipObjectResolution); err == nil {
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok {
					used[id.Name] = true
				}
			}
			return true
		})
	} else {
		return nil, fmt.Errorf("the trap does not merge with solution.go: %v", err)
	}
	var out bytes.Buffer
	out.WriteString("//go:build solution\n\npackage " + pkg + "\n\nimport (\n")
	var paths []string
	for p := range imports {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		spec := imports[p]
		name := strings.Trim(p, `"`)
		name = name[strings.LastIndex(name, "/")+1:]
		if fields := strings.Fields(spec); len(fields) == 2 {
			name = fields[0]
		}
		if used[name] {
			out.WriteString("\t" + spec + "\n")
		}
	}
	out.WriteString(")\n\n")
	out.Write(body.Bytes())
	return out.Bytes(), nil
}
