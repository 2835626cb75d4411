package redistest

import (
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Reference is the real server the tests, the grader and the benchmark compare with: the
// redis-server on the PATH (or valkey-server, where only Valkey is installed).
type Reference struct {
	Path    string // the program
	Name    string // "Redis" or "Valkey"
	Version string // as it reports it: "7.0.15"
	Major   int
	Minor   int
}

// SupportedReferences says, for a person, which servers the course is checked against.
const SupportedReferences = "Redis 7.0 to 8.x, or Valkey 7.2 to 8.x"

// InstallHint says how to get a supported reference.
const InstallHint = "Debian or Ubuntu: sudo apt-get install redis-server redis-tools; macOS: brew install redis; " +
	"or build one from https://github.com/redis/redis"

// Supported reports whether the tests know this server's behaviour.
func (r Reference) Supported() bool {
	switch r.Name {
	case "Redis":
		return r.Major == 7 || r.Major == 8
	case "Valkey":
		return r.Major == 8 || r.Major == 7 && r.Minor == 2
	}
	return false
}

// AtLeast reports whether the reference is Redis major.minor or later. Valkey forked from
// Redis 7.2.4, so Valkey 7.2 and 8 count as Redis 7.2 here.
func (r Reference) AtLeast(major, minor int) bool {
	if r.Name == "Valkey" {
		return major < 7 || major == 7 && minor <= 2
	}
	return r.Major > major || r.Major == major && r.Minor >= minor
}

// Words is a message of Redis's as this server words it: Valkey names itself, and its
// tools, where Redis does ("-MISCONF Valkey is configured ...", "./valkey-check-aof").
func (r Reference) Words(text string) string {
	if r.Name != "Valkey" {
		return text
	}
	return strings.NewReplacer("Redis", "Valkey", "redis-check-", "valkey-check-").Replace(text)
}

// ReferenceWords is Words of the reference server, for what it logs.
func ReferenceWords(text string) string {
	ref, _ := FindReference()
	return ref.Words(text)
}

func (r Reference) String() string { return r.Name + " " + r.Version + " (" + r.Path + ")" }

var (
	referenceOnce sync.Once
	reference     Reference
	referenceErr  error
)

// FindReference finds the reference server and asks its version (`redis-server --version`).
func FindReference() (Reference, error) {
	referenceOnce.Do(func() { reference, referenceErr = findReference() })
	return reference, referenceErr
}

var versionLine = regexp.MustCompile(`^(Redis|Valkey) server v=(\d+)\.(\d+)\S*`)

func findReference() (Reference, error) {
	path, err := LookTool("redis-server")
	if err != nil {
		return Reference{}, err
	}
	return ReferenceOf(path)
}

// ReferenceOf asks a Redis or Valkey server program its version (`redis-server --version`).
func ReferenceOf(path string) (Reference, error) {
	out, err := exec.Command(path, "--version").Output()
	if err != nil {
		return Reference{}, fmt.Errorf("%s --version: %w", path, err)
	}
	m := versionLine.FindStringSubmatch(string(out))
	if m == nil {
		return Reference{}, fmt.Errorf("%s --version printed %q, which is neither Redis's nor Valkey's", path, strings.TrimSpace(string(out)))
	}
	major, _ := strconv.Atoi(m[2])
	minor, _ := strconv.Atoi(m[3])
	return Reference{Path: path, Name: m[1], Version: strings.TrimPrefix(m[0], m[1]+" server v="), Major: major, Minor: minor}, nil
}

// LookTool finds a Redis program on the PATH, or Valkey's of the same name (valkey-cli for
// redis-cli) where only Valkey is installed.
func LookTool(name string) (string, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		if valkey, verr := exec.LookPath(strings.Replace(name, "redis-", "valkey-", 1)); verr == nil {
			return valkey, nil
		}
	}
	return path, err
}

// AssertSameFields requires ours, the lines of a report (INFO's field names, in order), to be
// those the real server at redisAddr gave. A later Redis adds fields (7.2 added listener0 and
// the eventloop_* fields): from a real server of 7.2 or later, every line of ours must be
// there in the same order, and what it has beyond them is logged.
func AssertSameFields(t testing.TB, redisAddr string, redis, ours []string) bool {
	t.Helper()
	if !RedisAtLeast(redisAddr, 7, 2) {
		return assert.Equal(t, redis, ours)
	}
	if IsValkey(redisAddr) { // Valkey renamed redis_mode and dropped atomicvar_api
		var renamed []string
		for _, line := range ours {
			switch line {
			case "atomicvar_api":
			case "redis_mode":
				renamed = append(renamed, "server_mode")
			default:
				renamed = append(renamed, line)
			}
		}
		ours = renamed
	}
	var added []string
	i := 0
	for _, line := range redis {
		if i < len(ours) && (line == ours[i] || strings.HasPrefix(line, ours[i]+",")) { // 7.4: db0:...,subexpiry=0
			i++
		} else {
			added = append(added, line)
		}
	}
	if i < len(ours) {
		return assert.Fail(t, "a line Redis 7.0 has is not in the real server's report", "%q (line %d of ours) is missing from %s's, or out of order", ours[i], i+1, reference)
	}
	t.Logf("the real server, %s, reports these lines beyond Redis 7.0's: %v", reference, added)
	return true
}
