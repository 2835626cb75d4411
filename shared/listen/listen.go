// Package listen opens a server's TCP listeners as Redis does for its bind and port
// directives (listenToPort in server.c), at start and for CONFIG SET bind and port.
package listen

import (
	"errors"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// MaxAddresses is Redis's CONFIG_BINDADDR_MAX: the most addresses bind may list.
const MaxAddresses = 16

// Addresses splits a bind directive into its addresses, refusing more than MaxAddresses with
// Redis's message. An empty directive is no address: the server listens on no TCP port.
func Addresses(bind string) ([]string, error) {
	addresses := strings.Fields(bind)
	if len(addresses) > MaxAddresses {
		return nil, errors.New("Too many bind addresses specified.")
	}
	return addresses, nil
}

// TCP listens on port at each address, read as Redis reads bind: "*" is every IPv4 address,
// "::*" every IPv6 one, and an address after "-" is optional, skipped where this machine does
// not have it. An address of a family the system does not support is skipped too. Each
// address that fails is logged in Redis's words; the first that is not skipped closes what
// was opened and is returned.
func TCP(addresses []string, port int) ([]net.Listener, error) {
	var listeners []net.Listener
	for _, address := range addresses {
		host, optional := strings.CutPrefix(address, "-")
		network := "tcp4"
		if strings.Contains(host, ":") {
			network = "tcp6"
		}
		switch host {
		case "*":
			host = "0.0.0.0"
		case "::*":
			host = "::"
		}
		ln, err := net.Listen(network, net.JoinHostPort(host, strconv.Itoa(port)))
		if err == nil {
			listeners = append(listeners, ln)
			continue
		}
		slog.Warn("Warning: Could not create server TCP listening socket " + strings.TrimPrefix(address, "-") + ":" + strconv.Itoa(port) + ": " + reason(err))
		if optional && errors.Is(err, syscall.EADDRNOTAVAIL) || unsupported(err) {
			continue
		}
		for _, ln := range listeners {
			ln.Close()
		}
		return nil, err
	}
	return listeners, nil
}

// unsupported reports the errors of a family or protocol this system lacks, which Redis skips.
func unsupported(err error) bool {
	for _, errno := range []syscall.Errno{syscall.ENOPROTOOPT, syscall.EPROTONOSUPPORT, syscall.ESOCKTNOSUPPORT, syscall.EPFNOSUPPORT, syscall.EAFNOSUPPORT} {
		if errors.Is(err, errno) {
			return true
		}
	}
	return false
}

// reason is the C library's words for a failed listen: "bind: Address already in use".
func reason(err error) string {
	var syscallErr *os.SyscallError
	var errno syscall.Errno
	if !errors.As(err, &syscallErr) || !errors.As(err, &errno) {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return "Name or service not known" // getaddrinfo's words
		}
		return err.Error()
	}
	text := errno.Error()
	return syscallErr.Syscall + ": " + strings.ToUpper(text[:1]) + text[1:]
}
