package stages

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"byoredis/shared/redistest"
	"byoredis/shared/resp"
)

// Target is the server under test: a command line, started with `--port N` added (and, for
// the persistence stages, Redis's directives such as `--appendonly yes`).
type Target struct {
	// Command is run by /bin/sh, so it may carry flags of its own:
	// "redis-server --bind 127.0.0.1" or "/path/to/myserver --verbose".
	Command string
	// Env is added to the environment of the server process.
	Env []string
	// Reference is set when the server is a real Redis or Valkey: a stage whose behaviour
	// changed after Redis 7.0 (which the steps follow) then expects its version's.
	Reference *redistest.Reference
}

// Words is a message of Redis's as this server words it: Valkey names itself where Redis
// does ("-MISCONF Valkey is configured ...").
func (t Target) Words(text string) string {
	if t.Reference == nil {
		return text
	}
	return t.Reference.Words(text)
}

// How long the grader waits for a server: not a speed requirement (a server answers in
// microseconds) but a bound, so that a server that never answers fails the stage instead of
// hanging the grader.
const (
	startTimeout = 10 * time.Second
	replyTimeout = 5 * time.Second
	stopTimeout  = 5 * time.Second
)

// process is one run of the target, in its own working directory, so that whatever it
// writes there (a dump.rdb, an appendonlydir) is the stage's to read and never lands in
// the learner's tree.
type process struct {
	cmd    *exec.Cmd
	addr   string
	output *tail
	exited chan struct{}
}

// start runs target with --port and args in dir, and waits until it accepts connections.
// Another process may take the port between the check that it is free and the server's bind:
// then the server that answers is not this one, and start tries again on another port.
func start(target Target, dir string, args []string) (*process, error) {
	for attempt := 1; ; attempt++ {
		port, err := redistest.FreePort()
		if err != nil {
			return nil, err
		}
		p, err := startOn(target, dir, args, port)
		if errors.Is(err, errAnotherServer) && attempt < 3 {
			continue
		}
		return p, err
	}
}

var errAnotherServer = errors.New("another server answered on the port given")

func startOn(target Target, dir string, args []string, port int) (*process, error) {
	argv := append([]string{"--port", strconv.Itoa(port)}, args...)
	cmd := exec.Command("/bin/sh", append([]string{"-c", "exec " + target.Command + ` "$@"`, "server"}, argv...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), target.Env...)
	out := &tail{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start %q: %v", target.Command, err)
	}
	p := &process{cmd: cmd, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), output: out, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(p.exited) }()

	// A server of unknown make is ready when it answers. Accepting a connection is not
	// enough: Redis listens before it has loaded (or created) its files, and the kernel
	// accepts on its behalf. So try to connect until it works, then send an inline PING and
	// wait for an answer (+PONG, an echo, or a close) before the stage begins; Redis's
	// "-LOADING" means it is still reading its files, so ask again.
	deadline := time.Now().Add(startTimeout)
	for {
		conn, err := net.DialTimeout("tcp", p.addr, time.Second)
		if err == nil {
			conn.SetDeadline(deadline)
			conn.Write([]byte("PING\r\n"))
			answer, _ := bufio.NewReader(conn).ReadString('\n')
			conn.Close()
			if !strings.HasPrefix(answer, "-LOADING") {
				if !p.answersAsItself() {
					p.kill()
					return nil, fmt.Errorf("%w: %s", errAnotherServer, p.addr)
				}
				return p, nil
			}
		}
		select {
		case <-p.exited:
			return nil, fmt.Errorf("the server exited before it accepted a connection on %s (%s)%s",
				p.addr, cmd.ProcessState, p.output.show())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.kill()
			return nil, fmt.Errorf("the server did not accept a connection on %s within %v: does it listen on the port given by --port?%s",
				p.addr, startTimeout, p.output.show())
		}
	}
}

// answersAsItself reports whether the server on p's address is p's process: still running,
// and, if it tells its process ID (INFO server's process_id, as Redis and this course's
// servers from step 03 do), that one.
func (p *process) answersAsItself() bool {
	select {
	case <-p.exited:
		return false
	default:
	}
	conn, err := net.DialTimeout("tcp", p.addr, time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	conn.Write([]byte("INFO server\r\n"))
	reply, err := resp.NewReplyReader(conn).ReadReply()
	if err != nil || reply.Kind != resp.BulkString {
		return true // a server that does not say: the check above is all there is
	}
	for _, line := range strings.Split(reply.Str, "\r\n") {
		if pid, ok := strings.CutPrefix(line, "process_id:"); ok {
			return pid == strconv.Itoa(p.cmd.Process.Pid)
		}
	}
	return true
}

// Running is a server started outside a test, by a tool (the benchmark): its address, its
// process, and how to stop it.
type Running struct{ p *process }

// Start starts target in dir with --port N and args, and waits until it answers.
func Start(target Target, dir string, args ...string) (*Running, error) {
	p, err := start(target, dir, args)
	if err != nil {
		return nil, err
	}
	return &Running{p}, nil
}

// Addr is the server's address, host:port.
func (r *Running) Addr() string { return r.p.addr }

// PID is the server's process ID (the shell that starts it execs it).
func (r *Running) PID() int { return r.p.cmd.Process.Pid }

// Stop shuts the server down with SIGTERM, and kills it if it has not exited in 5 s.
func (r *Running) Stop() error { return r.p.stop() }

// Printed is the end of what the server printed.
func (r *Running) Printed() string { return r.p.output.show() }

// stop asks the server to shut down (SIGTERM, as an operator would), and kills it if it is
// still running after stopTimeout.
func (p *process) stop() error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return nil
	case <-time.After(stopTimeout):
		p.kill()
		return fmt.Errorf("the server was still running %v after SIGTERM, so it was killed", stopTimeout)
	}
}

// kill ends the server at once, as a crash or a power cut would: SIGKILL cannot be caught.
func (p *process) kill() {
	p.cmd.Process.Kill()
	<-p.exited
}

// exitNote says, for a failure message, whether the server has exited (a crash closes the
// connection a moment before the process is gone, hence the short wait), and what it printed.
func (p *process) exitNote() string {
	select {
	case <-p.exited:
		return fmt.Sprintf("\nthe server exited (%s)%s", p.cmd.ProcessState, p.output.show())
	case <-time.After(200 * time.Millisecond):
		return ""
	}
}

// tail keeps the last few KiB a server printed, to show beside a failure.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 2048

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailSize {
		t.buf = t.buf[len(t.buf)-tailSize:]
	}
	return len(p), nil
}

func (t *tail) show() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	text := bytes.TrimSpace(t.buf)
	if len(text) == 0 {
		return ""
	}
	return "\nthe server printed:\n" + indent(string(text))
}
