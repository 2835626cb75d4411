package redistest

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Proxy passes TCP connections through to a server, and can cut them all at once: a network
// that fails between a replica and its master.
type Proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn // both ends of every connection passed through
	cuts   int
}

// StartProxy starts a proxy to target, stopped when the test ends. Addr is where to connect.
func StartProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target}
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.Cut()
	})
	return p
}

// Addr is the proxy's address, host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

func (p *Proxy) accept() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		go pass(client, server)
		go pass(server, client)
	}
}

// pass copies from one end to the other until either fails, then closes both.
func pass(from, to net.Conn) {
	io.Copy(to, from)
	from.Close()
	to.Close()
}

// Cut breaks every connection through the proxy, with a reset, as a network that fails: each
// end learns of it only when it next reads or writes. Whatever was in flight is lost.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		if tcp, ok := c.(*net.TCPConn); ok {
			tcp.SetLinger(0)
		}
		c.Close()
	}
	p.conns = nil
	p.cuts++
}

// Cuts is how many times Cut has run.
func (p *Proxy) Cuts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cuts
}
