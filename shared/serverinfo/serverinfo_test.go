package serverinfo

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
)

func sections() []Section {
	write := func(name string) func(b *strings.Builder) {
		return func(b *strings.Builder) { Field(b, name+"_field", 1) }
	}
	return []Section{
		{Name: "server", ByDefault: true, Write: write("server")},
		{Name: "cpu", ByDefault: true, Write: write("cpu")},
		{Name: "commandstats", Write: write("commandstats")},
	}
}

// Sections come in their own order whatever order they were asked in; the default report
// leaves out those not in it by default, which "all" and "everything" add.
func TestReportPicksAndOrdersSections(t *testing.T) {
	asked := func(args ...string) string {
		var bs [][]byte
		for _, a := range args {
			bs = append(bs, []byte(a))
		}
		return Report(bs, sections())
	}
	assert.Equal(t, "# Server\r\nserver_field:1\r\n\r\n# CPU\r\ncpu_field:1\r\n", asked())
	assert.Equal(t, asked(), asked("default"))
	assert.Equal(t, "# CPU\r\ncpu_field:1\r\n\r\n# Commandstats\r\ncommandstats_field:1\r\n", asked("COMMANDSTATS", "cpu"))
	assert.Contains(t, asked("all"), "# Commandstats")
	assert.Contains(t, asked("everything"), "# Commandstats")
	assert.Empty(t, asked("nosuchsection"))
}

// Sizes read as Redis's bytesToHuman writes them.
func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0B", 1023: "1023B", 1024: "1.00K", 990413: "967.20K", 12416 << 10: "12.12M", 3 << 30: "3.00G"} {
		assert.Equal(t, want, HumanBytes(n), "%d", n)
	}
}

// The peak only rises.
func TestMemoryRaisesThePeak(t *testing.T) {
	var peak atomic.Int64
	var b strings.Builder
	Memory(&b, 0, &peak, 0, 0)
	assert.Positive(t, peak.Load())
	peak.Store(1 << 50)
	Memory(&b, 0, &peak, 0, 0)
	assert.Equal(t, int64(1<<50), peak.Load())
	assert.Contains(t, b.String(), "used_memory_peak:1125899906842624\r\n")
}
