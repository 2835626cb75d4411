package listen

import (
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAddresses(t *testing.T) {
	addresses, err := Addresses(" 127.0.0.1  -::1 ")
	require.NoError(t, err)
	assert.Equal(t, []string{"127.0.0.1", "-::1"}, addresses)
	addresses, err = Addresses("")
	require.NoError(t, err)
	assert.Empty(t, addresses)
	_, err = Addresses(strings.Repeat("127.0.0.1 ", MaxAddresses+1))
	assert.EqualError(t, err, "Too many bind addresses specified.")
}

func TestTCP(t *testing.T) {
	// An optional address this machine does not have (192.0.2.1 is for documentation) is
	// skipped; the others listen.
	listeners, err := TCP([]string{"127.0.0.1", "-192.0.2.1"}, 0)
	require.NoError(t, err)
	require.Len(t, listeners, 1)
	defer listeners[0].Close()
	port := listeners[0].Addr().(*net.TCPAddr).Port

	// The same address without "-" fails, and closes what it opened before it.
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	free := probe.Addr().String()
	probe.Close()
	_, err = TCP([]string{"127.0.0.1", "192.0.2.1"}, probe.Addr().(*net.TCPAddr).Port)
	require.ErrorIs(t, err, syscall.EADDRNOTAVAIL)
	again, err := net.Listen("tcp", free)
	require.NoError(t, err, "127.0.0.1 was closed when 192.0.2.1 failed")
	again.Close()

	_, err = TCP([]string{"127.0.0.1"}, port)
	assert.ErrorIs(t, err, syscall.EADDRINUSE)
	assert.Equal(t, "bind: Address already in use", reason(err))
	_, err = TCP([]string{"999.999.999.999"}, port)
	assert.Equal(t, "Name or service not known", reason(err))

	// "*" is every IPv4 address.
	wildcard, err := TCP([]string{"*"}, 0)
	require.NoError(t, err)
	defer wildcard[0].Close()
	assert.Equal(t, "0.0.0.0", wildcard[0].Addr().(*net.TCPAddr).IP.String())
}
