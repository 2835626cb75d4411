// Package stages defines the course's acceptance stages: every behaviour a step teaches,
// checked black-box against a server started from a command line, over TCP and on disk.
// A server written from scratch, in any language, can pass them: they need nothing but
// Redis's wire behaviour and file formats.
//
// `make grade STEP=04 SERVER=<command>` runs the stages of steps 01 to 04 against any
// server (see the course tool); each step's own tests run its stages against the step's
// server and against a real redis-server (Prove), so every expected reply is Redis's own.
package stages

import (
	"fmt"
	"os"
	"runtime/debug"
)

// Stage is one behaviour a step teaches.
type Stage struct {
	Step  int    // the step that teaches it
	Name  string // short and stable, unique within its step: "ping", "pipelining"
	Title string // what a server must do to pass, in a line
	Guide string // where the course teaches it: "02-resp-parser/GUIDE.md: Errors that close the connection"
	// Until is the last step the stage holds for; 0 means every step from Step on. Step 01's
	// echo gives way to step 02's protocol.
	Until int
	// Args are the directives the server is started with, after --port N; "{dir}" stands
	// for the stage's directory.
	Args []string
	// NotRedis, when set, says why real Redis cannot pass this stage; Prove then runs it
	// against the step's server only.
	NotRedis string
	// Hint, when set, is the first thing to try when the stage fails.
	Hint string
	// Waits, when set, says what the stage waits for and why, for a stage that may take
	// seconds: the grader prints it before the stage runs.
	Waits string
	// Check exercises the server; it ends with a *Failure at the first difference.
	Check func(s *Session)
}

// ID names a stage in output and test names: "02/ping".
func (st *Stage) ID() string { return fmt.Sprintf("%02d/%s", st.Step, st.Name) }

// all is every stage, in the order the steps teach them.
var all = concat(step01, step02, step03, step04, step05, step06, step07, step08, step09, step10)

func concat(lists ...[]*Stage) []*Stage {
	var out []*Stage
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// LastStep is the highest step that has stages.
func LastStep() int { return all[len(all)-1].Step }

// For returns the stages a server of the given step must pass, in order: those of every
// step up to it that still hold at that step.
func For(step int) []*Stage {
	var out []*Stage
	for _, st := range all {
		if st.Step <= step && (st.Until == 0 || st.Until >= step) {
			out = append(out, st)
		}
	}
	return out
}

// Run runs one stage against target: a fresh server, in a fresh directory, stopped
// afterwards. It returns nil when the stage passes.
func Run(target Target, st *Stage) (err error) {
	dir, err := os.MkdirTemp("", "stage-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	s := &Session{target: target, dir: dir, args: expand(st.Args, dir)}
	defer func() {
		if r := recover(); r != nil {
			failure, ok := r.(*Failure)
			if !ok { // a bug in the stage itself: say so rather than blame the server
				err = fmt.Errorf("the stage itself crashed: %v\n%s", r, debug.Stack())
			} else {
				if s.proc != nil {
					failure.Note += s.proc.exitNote()
				}
				err = failure
			}
		}
		if s.proc != nil {
			s.closeConns()
			s.proc.stop()
		}
	}()
	s.launch(nil)
	st.Check(s)
	return nil
}

func expand(args []string, dir string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "{dir}" {
			a = dir
		}
		out[i] = a
	}
	return out
}
