package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// runDocs is `make docs`: it runs the shell lines the course's docs quote, in the order each
// doc gives them, as a learner on a fresh clone would type them, and says of each whether it
// worked. A server a doc starts (`make 05-aof ...`, `redis-server ...`) runs in the
// background until the doc's lines are done, as it would in another terminal; a subscriber
// too. Lines that only a person can run (an interactive redis-cli) and the long ones (the
// whole test suite, the benchmark) are listed, not run.
func runDocs() bool {
	root, err := freshCopy()
	if err != nil {
		fmt.Println(err)
		return false
	}
	defer os.RemoveAll(filepath.Dir(root))
	if err := os.Chdir(root); err != nil {
		fmt.Println(err)
		return false
	}
	fmt.Println("The docs run in a fresh copy of this working tree: " + root)
	docs := []string{"README.md"}
	for _, step := range stepDirs() {
		for _, name := range []string{"README.md", "EXERCISES.md"} {
			if _, err := os.Stat(filepath.Join(step, name)); err == nil {
				docs = append(docs, filepath.Join(step, name))
			}
		}
	}
	for _, port := range []string{"6380", "6381"} {
		if ln, err := net.Listen("tcp", "127.0.0.1:"+port); err != nil {
			fmt.Printf("port %s is taken: the docs use it. Stop what listens there first.\n", port)
			return false
		} else {
			ln.Close()
		}
	}
	ok, ran := true, 0
	var d *docRun
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM, syscall.SIGPIPE)
	go func() { // stopped halfway: stop the servers the doc started too
		<-signals
		if d != nil {
			d.stop()
		}
		os.Exit(1)
	}()
	for _, doc := range docs {
		text, err := os.ReadFile(doc)
		if err != nil {
			fmt.Println(err)
			return false
		}
		var lines []string
		for _, block := range fence.FindAllStringSubmatch(string(text), -1) {
			lines = append(lines, strings.Split(strings.TrimRight(block[1], "\n"), "\n")...)
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Println("== " + doc)
		d = &docRun{text: string(text)}
		for i := 0; i < len(lines); i++ {
			line, comment, _ := strings.Cut(lines[i], "#")
			line, comment = strings.TrimSpace(line), strings.TrimSpace(comment)
			if line == "" {
				continue
			}
			// nc, then the lines a person types into it: typed over TCP, each read back.
			if words := strings.Fields(line); words[0] == "nc" && len(words) == 3 {
				var typed []string
				for i+1 < len(lines) && !isCommand(lines[i+1]) {
					i++
					typed = append(typed, strings.TrimSpace(strings.SplitN(lines[i], "#", 2)[0]))
				}
				ok = d.typeInto(net.JoinHostPort(words[1], words[2]), line, typed) && ok
				ran++
				continue
			}
			if why := notRun(line); why != "" {
				fmt.Printf("  -  %s: not run (%s)\n", line, why)
				continue
			}
			ran++
			ok = d.run(line, comment) && ok
		}
		d.stop()
	}
	fmt.Printf("%d quoted commands run\n", ran)
	return ok
}

// freshCopy copies the course as git sees it, tracked files and new ones not ignored (no
// build outputs, no data), into a new temporary folder and returns the copy's root. The docs
// then run as on a fresh clone whatever this working tree holds, and a line such as
// `make starter DIR=../my-redis` writes beside the copy, not beside the course.
func freshCopy() (string, error) {
	listed, err := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		return "", fmt.Errorf("listing the course's files (git ls-files): %w", err)
	}
	parent, err := os.MkdirTemp("", "course-docs-")
	if err != nil {
		return "", err
	}
	root := filepath.Join(parent, "course")
	for _, name := range strings.Split(strings.TrimRight(string(listed), "\x00"), "\x00") {
		info, err := os.Lstat(name)
		if errors.Is(err, fs.ErrNotExist) { // deleted here, not yet in git
			continue
		}
		if err != nil {
			return "", err
		}
		data, err := os.ReadFile(name)
		if err != nil {
			return "", err
		}
		to := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(to, data, info.Mode().Perm()); err != nil {
			return "", err
		}
	}
	return root, nil
}

// isCommand tells a shell line from text a person types into nc.
func isCommand(line string) bool {
	word := strings.Fields(strings.SplitN(line, "#", 2)[0])
	if len(word) == 0 {
		return true
	}
	_, err := exec.LookPath(word[0])
	return err == nil || strings.Contains(word[0], "=") || strings.HasPrefix(word[0], "./")
}

// notRun says why a line is not run, or "" to run it.
func notRun(line string) string {
	words := shellWords(line)
	for len(words) > 0 && strings.Contains(words[0], "=") {
		words = words[1:]
	}
	switch {
	case len(words) == 3 && words[0] == "redis-cli" && words[1] == "-p":
		return "interactive: a person types commands into it"
	case len(words) >= 2 && words[0] == "make" && (words[1] == "test" || words[1] == "10-benchmark" || words[1] == "bench" || words[1] == "docs"):
		return "minutes long: make test runs the suite, make bench the benchmark"
	}
	return ""
}

// docRun is one doc's lines: the servers and subscribers they started, in the background.
type docRun struct {
	text       string // the doc
	background []*backgroundCmd
}

type backgroundCmd struct {
	line   string
	cmd    *exec.Cmd
	output *bytes.Buffer
	done   chan struct{}
}

// fence is a ```sh block of a doc: the lines a learner types.
var fence = regexp.MustCompile("(?s)```sh\n(.*?)```")

var portFlag = regexp.MustCompile(`(?:--port |PORT=)(\d+)`)

// run runs one line: a server or a subscriber in the background, anything else to its end,
// with its output checked against what the doc's comment says it prints, where it does.
func (d *docRun) run(line, comment string) bool {
	words := shellWords(line)
	for len(words) > 0 && strings.Contains(words[0], "=") {
		words = words[1:]
	}
	server := words[0] == "redis-server" || words[0] == "make" && len(words) > 1 && isStep(words[1])
	if server {
		port := "6380"
		if m := portFlag.FindStringSubmatch(line); m != nil {
			port = m[1]
		}
		b := d.start(line)
		if err := waitForPort(port, b); err != nil {
			fmt.Printf("  ✗  %s: %v\n%s", line, err, indentBy(b.output.String(), 8))
			return false
		}
		fmt.Printf("  ✓  %s (listening on %s, in the background)\n", line, port)
		return true
	}
	if strings.Contains(strings.ToUpper(line), "SUBSCRIBE ") {
		b := d.start(line)
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && b.output.Len() == 0; {
			time.Sleep(50 * time.Millisecond) // a person reads that it listens before typing on
		}
		fmt.Printf("  ✓  %s (listening, in the background)\n", line)
		return true
	}
	if strings.HasPrefix(line, "go mod init") {
		return d.goProgram(line)
	}
	want := expectedOutput(comment)
	var out []byte
	var err error
	for try := 0; try < 5; try++ { // a person types slower than this: a replica may still be syncing
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, err = exec.CommandContext(ctx, "sh", "-c", line).CombinedOutput()
		cancel()
		if want == "" || matches(string(out), want) || strings.Contains(strings.ToUpper(line), "SHUTDOWN") {
			break
		}
		time.Sleep(time.Second)
	}
	var exit *exec.ExitError
	notYet := errors.As(err, &exit) && exit.ExitCode() == 141 && (strings.HasPrefix(line, "make check") || strings.HasPrefix(line, "make grade"))
	switch {
	case notYet: // the Makefile's "not done yet": what a fresh clone's stubs, or a new server, get
		fmt.Printf("  ✓  %s (ran; it reports what is not done yet, as it should here)\n", line)
		return true
	case err != nil:
		fmt.Printf("  ✗  %s: %v\n%s", line, err, indentBy(string(out), 8))
		return false
	case want != "" && !matches(string(out), want):
		fmt.Printf("  ✗  %s: the doc says it prints %q; it printed:\n%s", line, want, indentBy(string(out), 8))
		return false
	}
	fmt.Printf("  ✓  %s\n", line)
	return true
}

// expectedOutput is what a comment says a line prints, where it quotes it: "(integer) 1",
// "\"hello\"", "PONG", "REDIS0010, then ..." and the like, up to where it goes on in words.
func expectedOutput(comment string) string {
	for _, start := range []string{"(integer)", `"`, "PONG", "ERR", "REDIS00", "[info]", "db0:", "slave0:"} {
		if strings.HasPrefix(comment, start) {
			for _, end := range []string{"...", ": ", ", then"} {
				if i := strings.Index(comment, end); i > 0 {
					comment = comment[:i]
				}
			}
			return strings.TrimSpace(comment)
		}
	}
	return ""
}

// matches reports whether output holds want, as redis-cli prints it to a terminal or, as
// here, to a pipe ("(integer) 1" is "1" there, "\"hello\"" is "hello").
func matches(output, want string) bool {
	plain := strings.Trim(strings.TrimPrefix(want, "(integer) "), `"`)
	return strings.Contains(output, want) || strings.Contains(output, plain)
}

func isStep(name string) bool {
	for _, step := range stepDirs() {
		if step == name {
			return true
		}
	}
	return false
}

// start runs a line in the background, in a process group of its own so that stop ends the
// server that make started too.
func (d *docRun) start(line string) *backgroundCmd {
	b := &backgroundCmd{line: line, cmd: exec.Command("sh", "-c", line), output: &bytes.Buffer{}, done: make(chan struct{})}
	b.cmd.Stdout, b.cmd.Stderr = b.output, b.output
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := b.cmd.Start(); err != nil {
		b.output.WriteString(err.Error())
		close(b.done)
	} else {
		go func() { b.cmd.Wait(); close(b.done) }()
	}
	d.background = append(d.background, b)
	return b
}

// waitForPort waits until something accepts on 127.0.0.1:port, or the command that should
// listen there ends.
func waitForPort(port string, b *backgroundCmd) error {
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if conn, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-b.done:
			return fmt.Errorf("it ended before it listened on %s", port)
		default:
		}
	}
	return fmt.Errorf("nothing listened on %s within 2 minutes", port)
}

// stop ends what the doc started, as Ctrl-C in its terminal would, the last first.
func (d *docRun) stop() {
	for i := len(d.background) - 1; i >= 0; i-- {
		b := d.background[i]
		if b.cmd.Process != nil {
			syscall.Kill(-b.cmd.Process.Pid, syscall.SIGINT)
		}
		select {
		case <-b.done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
			<-b.done
		}
	}
	d.background = nil
}

var goFence = regexp.MustCompile("(?s)```go\n(.*?)```")

// goProgram runs `go mod init ... && go get ...` in an empty folder outside the course, as the
// doc says, then saves the doc's Go program there as main.go and runs it: it must print
// what its last comment says.
func (d *docRun) goProgram(line string) bool {
	dir, err := os.MkdirTemp("", "try-redis-")
	if err != nil {
		fmt.Println(err)
		return false
	}
	defer os.RemoveAll(dir)
	program := goFence.FindStringSubmatch(d.text)
	steps := [][]string{{"sh", "-c", line}, {"go", "run", "."}}
	for i, argv := range steps {
		if i == 1 {
			if program == nil {
				fmt.Printf("  ✗  %s: the doc has no Go program to run\n", line)
				return false
			}
			if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(program[1]), 0o644); err != nil {
				fmt.Println(err)
				return false
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Dir, cmd.Env = dir, append(os.Environ(), "GOWORK=off")
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			fmt.Printf("  ✗  %s: %v\n%s", strings.Join(argv, " "), err, indentBy(string(out), 8))
			return false
		}
		if i == 1 {
			want := strings.TrimSpace(program[1][strings.LastIndex(program[1], "// ")+3:])
			want = strings.TrimSpace(strings.SplitN(want, "\n", 2)[0])
			if !strings.Contains(string(out), want) {
				fmt.Printf("  ✗  go run . (the doc's program): it should print %q; it printed:\n%s", want, indentBy(string(out), 8))
				return false
			}
		}
	}
	fmt.Printf("  ✓  %s, then the doc's program saved as main.go and `go run .` (in an empty folder)\n", line)
	return true
}

// typeInto connects as nc does and types each line, requiring it back: step 01's echo.
func (d *docRun) typeInto(addr, line string, typed []string) bool {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		fmt.Printf("  ✗  %s: %v\n", line, err)
		return false
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	for i := 0; i+1 < len(typed); i += 2 { // what is typed, then what comes back
		fmt.Fprintf(conn, "%s\n", typed[i])
		got := make([]byte, len(typed[i+1])+1)
		if _, err := io.ReadFull(conn, got); err != nil || string(got) != typed[i+1]+"\n" {
			fmt.Printf("  ✗  %s, typing %q: got %q (%v)\n", line, typed[i], got, err)
			return false
		}
	}
	fmt.Printf("  ✓  %s, typing %q (over TCP, as nc would)\n", line, strings.Join(typed, `", "`))
	return true
}

// shellWords splits a command line as sh does for the simple lines the docs quote: on
// blanks, with '...' and "..." keeping a word together.
func shellWords(line string) []string {
	var words []string
	var word strings.Builder
	inWord := false
	var quote rune
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			word.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, word.String())
	}
	return words
}
