package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// diffStep is `make diff STEP=NN`: what the step adds to the one before it, as the lesson.
// Exercise stubs and solutions are left out of the step, and the previous step is compared
// with its reference solutions applied, each solved function moved into the file where this
// step keeps it: answers carried over never show, and this step's are not spoiled. Tests
// are left out unless withTests. A step whose lesson lives in the shared module (02: the
// RESP package) shows that code as added.
func diffStep(stepArg string, withTests bool) bool {
	dir, n, err := resolveStep(stepArg)
	if err != nil || n < 2 {
		if err == nil {
			err = fmt.Errorf("step %s is the first: there is nothing before it to compare with", dir)
		}
		fmt.Println(err)
		return false
	}
	prev, _, err := resolveStep(fmt.Sprint(n - 1))
	if err != nil {
		fmt.Println(err)
		return false
	}
	after, err := lessonFiles(dir, withTests)
	if err != nil {
		fmt.Println(err)
		return false
	}
	before, err := lessonFiles(prev, withTests)
	if err != nil {
		fmt.Println(err)
		return false
	}
	if err := applySolutions(prev, before, declaredIn(dir, after)); err != nil {
		fmt.Println(err)
		return false
	}
	if n == 2 { // the RESP package's server side is step 02's lesson
		resp, err := lessonFiles("shared/resp", withTests)
		if err != nil {
			fmt.Println(err)
			return false
		}
		for name, text := range resp {
			if respLesson[strings.TrimSuffix(strings.TrimSuffix(name, ".go"), "_test")] {
				after["../shared/resp/"+name] = text
			}
		}
	}

	tmp, err := os.MkdirTemp("", "course-diff")
	if err != nil {
		fmt.Println(err)
		return false
	}
	defer os.RemoveAll(tmp)
	names := map[string]bool{}
	for name := range before {
		names[name] = true
	}
	for name := range after {
		names[name] = true
	}
	sorted := make([]string, 0, len(names))
	for name := range names {
		sorted = append(sorted, name)
	}
	sort.Strings(sorted)
	for i, name := range sorted {
		a, b := filepath.Join(tmp, fmt.Sprintf("a%d", i)), filepath.Join(tmp, fmt.Sprintf("b%d", i))
		os.WriteFile(a, []byte(before[name]), 0o644)
		os.WriteFile(b, []byte(after[name]), 0o644)
		label := func(step string) string { return filepath.Clean(filepath.Join(step, name)) }
		out, _ := exec.Command("diff", "-u", "--label", label(prev), "--label", label(dir), a, b).Output()
		os.Stdout.Write(out)
	}
	return true
}

// respLesson are the files of shared/resp that step 02 teaches, as its README and GUIDE name
// them: what a server reads requests and writes replies with. The client side (reply.go, the
// reply parser, and command.go, which encodes a request), which the tests, the grader and the
// benchmark talk to servers with, is the package's but not the lesson.
var respLesson = map[string]bool{"reader": true, "splitargs": true, "writer": true, "buffer": true}

// lessonFiles reads a step's Go files, without its exercise stubs and solutions, and
// without tests unless withTests.
func lessonFiles(dir string, withTests bool) (map[string]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	files := map[string]string{}
	for _, p := range paths {
		name := filepath.Base(p)
		if name == "exercises.go" || name == "solution.go" || (!withTests && strings.HasSuffix(name, "_test.go")) {
			continue
		}
		text, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		files[name] = string(text)
	}
	return files, nil
}

// declaredIn maps each top-level name declared in a step's files to the file it is in.
func declaredIn(dir string, files map[string]string) map[string]string {
	where := map[string]string{}
	for name, text := range files {
		f, err := parser.ParseFile(token.NewFileSet(), name, text, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, decl := range f.Decls {
			for _, id := range declNames(decl) {
				where[id] = name
			}
		}
	}
	return where
}

// applySolutions moves each declaration of the previous step's solution.go to the end of
// the file where the next step declares the same name (or keeps it in solution.go if the
// next step has no such name).
func applySolutions(prev string, before map[string]string, where map[string]string) error {
	path := filepath.Join(prev, "solution.go")
	src, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	for _, decl := range f.Decls {
		if g, ok := decl.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			continue
		}
		start := decl.Pos()
		if doc := declDoc(decl); doc != nil {
			start = doc.Pos()
		}
		text := string(src[fset.Position(start).Offset:fset.Position(decl.End()).Offset])
		target := "solution.go"
		for _, id := range declNames(decl) {
			if file, ok := where[id]; ok {
				target = file
				break
			}
		}
		if before[target] == "" {
			before[target] = text + "\n"
		} else {
			before[target] = strings.TrimRight(before[target], "\n") + "\n\n" + text + "\n"
		}
	}
	return nil
}

func declNames(decl ast.Decl) []string {
	switch d := decl.(type) {
	case *ast.FuncDecl:
		if d.Recv != nil && len(d.Recv.List) > 0 {
			return []string{recvName(d.Recv.List[0].Type) + "." + d.Name.Name}
		}
		return []string{d.Name.Name}
	case *ast.GenDecl:
		var names []string
		for _, spec := range d.Specs {
			switch s := spec.(type) {
			case *ast.TypeSpec:
				names = append(names, s.Name.Name)
			case *ast.ValueSpec:
				for _, n := range s.Names {
					names = append(names, n.Name)
				}
			}
		}
		return names
	}
	return nil
}

func recvName(expr ast.Expr) string {
	if star, ok := expr.(*ast.StarExpr); ok {
		expr = star.X
	}
	if id, ok := expr.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

func declDoc(decl ast.Decl) *ast.CommentGroup {
	switch d := decl.(type) {
	case *ast.FuncDecl:
		return d.Doc
	case *ast.GenDecl:
		return d.Doc
	}
	return nil
}
