// Package serverinfo is the frame of INFO, which every step from 03 on reports and none
// teaches: the report of the sections Redis 7.0's INFO has (genRedisInfoString in server.c),
// each section's fields in Redis's order with the values of a Redis that has nothing of the
// kind (Fields), the counters every server keeps (Stats, CommandStats), and the fields that
// come from the Go runtime and the operating system rather than from what a step built
// (memory, CPU, the machine). Each step gives the values it has.
package serverinfo

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
)

// Section is one of INFO's sections: its name, whether the default report has it, and what
// writes its fields.
type Section struct {
	Name      string
	ByDefault bool
	Write     func(b *strings.Builder)
}

// Report is INFO [section ...]'s text: one "# Section" heading then "field:value" lines per
// section, the sections separated by a blank line, always in the order of sections whatever
// order they were asked in. args are INFO's arguments after its name.
func Report(args [][]byte, sections []Section) string {
	asked := map[string]bool{}
	for _, arg := range args {
		asked[strings.ToLower(string(arg))] = true
	}
	everything := asked["all"] || asked["everything"]
	byDefault := len(asked) == 0 || asked["default"]
	var report []string
	for _, section := range sections {
		if everything || byDefault && section.ByDefault || asked[section.Name] {
			var b strings.Builder
			heading := strings.ToUpper(section.Name[:1]) + section.Name[1:]
			if section.Name == "cpu" {
				heading = "CPU"
			}
			b.WriteString("# " + heading + "\r\n")
			section.Write(&b)
			report = append(report, b.String())
		}
	}
	return strings.Join(report, "\r\n")
}

// Field writes one "name:value" line.
func Field(b *strings.Builder, name string, value any) {
	fmt.Fprintf(b, "%s:%v\r\n", name, value)
}

// Memory writes the memory section: the Go runtime's view of memory where Redis reports its
// allocator's. used_memory is the live heap, used_memory_rss what the process holds from the
// OS. startup is the heap in use at start, peak the highest used_memory reported so far (it
// is raised here), and backlog and replicationBuffers the replication backlog's bytes and
// those of every replica's output (0 before replication, step 08).
func Memory(b *strings.Builder, startup int64, peak *atomic.Int64, backlog, replicationBuffers int64) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	used := int64(m.HeapAlloc)
	rss := ResidentSetSize(int64(m.Sys))
	most := peak.Load()
	for used > most && !peak.CompareAndSwap(most, used) {
		most = peak.Load()
	}
	most = max(most, used)
	ratio := func(a, b int64) string { return fmt.Sprintf("%.2f", float64(a)/float64(max(b, 1))) }
	for _, f := range []struct {
		name  string
		value any
	}{
		{"used_memory", used}, {"used_memory_human", HumanBytes(used)},
		{"used_memory_rss", rss}, {"used_memory_rss_human", HumanBytes(rss)},
		{"used_memory_peak", most}, {"used_memory_peak_human", HumanBytes(most)},
		{"used_memory_peak_perc", fmt.Sprintf("%.2f%%", 100*float64(used)/float64(max(most, 1)))},
		{"used_memory_overhead", int64(m.HeapSys - m.HeapInuse + m.StackSys)},
		{"used_memory_startup", startup}, {"used_memory_dataset", max(used-startup, 0)},
		{"used_memory_dataset_perc", fmt.Sprintf("%.2f%%", 100*float64(max(used-startup, 0))/float64(max(used, 1)))},
		{"allocator_allocated", int64(m.HeapAlloc)}, {"allocator_active", int64(m.HeapInuse)},
		{"allocator_resident", int64(m.HeapSys)}, {"total_system_memory", TotalSystemMemory()},
		{"total_system_memory_human", HumanBytes(TotalSystemMemory())},
		{"used_memory_lua", 0}, {"used_memory_vm_eval", 0}, {"used_memory_lua_human", "0B"},
		{"used_memory_scripts_eval", 0}, {"number_of_cached_scripts", 0}, {"number_of_functions", 0},
		{"number_of_libraries", 0}, {"used_memory_vm_functions", 0}, {"used_memory_vm_total", 0},
		{"used_memory_vm_total_human", "0B"}, {"used_memory_functions", 0}, {"used_memory_scripts", 0},
		{"used_memory_scripts_human", "0B"}, {"maxmemory", 0}, {"maxmemory_human", "0B"},
		{"maxmemory_policy", "noeviction"},
		{"allocator_frag_ratio", ratio(int64(m.HeapInuse), int64(m.HeapAlloc))},
		{"allocator_frag_bytes", int64(m.HeapInuse - m.HeapAlloc)},
		{"allocator_rss_ratio", ratio(int64(m.HeapSys), int64(m.HeapInuse))},
		{"allocator_rss_bytes", int64(m.HeapSys - m.HeapInuse)},
		{"rss_overhead_ratio", ratio(rss, int64(m.HeapSys))}, {"rss_overhead_bytes", rss - int64(m.HeapSys)},
		{"mem_fragmentation_ratio", ratio(rss, used)}, {"mem_fragmentation_bytes", rss - used},
		{"mem_not_counted_for_evict", 0}, {"mem_replication_backlog", backlog}, {"mem_total_replication_buffers", replicationBuffers},
		{"mem_clients_slaves", 0}, {"mem_clients_normal", 0}, {"mem_cluster_links", 0}, {"mem_aof_buffer", 0},
		{"mem_allocator", "go-" + runtime.Version()}, {"active_defrag_running", 0},
		{"lazyfree_pending_objects", 0}, {"lazyfreed_objects", 0},
	} {
		Field(b, f.name, f.value)
	}
}

// CPU writes the cpu section: the process's CPU time, from getrusage as Redis reads it.
// Redis runs commands on one main thread and reports it apart; every goroutine here runs
// commands, so the process's time is the main thread's too.
func CPU(b *strings.Builder) {
	var self, children syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	seconds := func(t syscall.Timeval) string { return fmt.Sprintf("%d.%06d", t.Sec, t.Usec) }
	Field(b, "used_cpu_sys", seconds(self.Stime))
	Field(b, "used_cpu_user", seconds(self.Utime))
	Field(b, "used_cpu_sys_children", seconds(children.Stime))
	Field(b, "used_cpu_user_children", seconds(children.Utime))
	Field(b, "used_cpu_sys_main_thread", seconds(self.Stime))
	Field(b, "used_cpu_user_main_thread", seconds(self.Utime))
}

// HeapInUse is INFO's used_memory: the bytes of live Go objects.
func HeapInUse() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// ResidentSetSize is the process's resident memory from /proc on Linux; elsewhere, what the
// Go runtime holds from the OS.
func ResidentSetSize(fallback int64) int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return fallback
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return fallback
	}
	pages, _ := strconv.ParseInt(fields[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

func TotalSystemMemory() int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	var kb int64
	fmt.Sscanf(string(data), "MemTotal: %d kB", &kb)
	return kb * 1024
}

// HumanBytes formats a size as Redis's bytesToHuman does: "967.20K", "11.84M", "0B".
func HumanBytes(n int64) string {
	f := float64(n)
	for _, unit := range []struct {
		suffix string
		size   float64
	}{{"P", 1 << 50}, {"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}} {
		if f >= unit.size {
			return fmt.Sprintf("%.2f%s", f/unit.size, unit.suffix)
		}
	}
	return fmt.Sprintf("%dB", n)
}

// NewRunID is a run_id, as INFO reports it: 40 random hex characters, new at every start.
func NewRunID() string {
	b := make([]byte, 20)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// OSName is uname's system, release and machine, as Redis prints them ("Linux 6.1.0 x86_64").
func OSName() string {
	machine := map[string]string{"amd64": "x86_64", "arm64": "aarch64", "386": "i686"}[runtime.GOARCH]
	if machine == "" {
		machine = runtime.GOARCH
	}
	release := ""
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		release = " " + strings.TrimSpace(string(data))
	}
	return strings.ToUpper(runtime.GOOS[:1]) + runtime.GOOS[1:] + release + " " + machine
}
