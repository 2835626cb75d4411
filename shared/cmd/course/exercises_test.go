package main

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What go test printed for a failed exchange (redistest puts the request in the message).
const failedExchange = `=== RUN   TestExercise1Counters/ours
        differential.go:33: 
            	Error Trace:	/work/shared/redistest/differential.go:49
            	            				/work/03-get-set/exercises_test.go:23
            	Error:      	Not equal: 
            	            	expected: ":1\r\n"
            	            	actual  : "-ERR not implemented yet: INCR (exercise 1)\r\n"
            	            	
            	            	Diff:
            	            	--- Expected
            	            	+++ Actual
            	            	@@ -1,2 +1,2 @@
            	            	-:1
            	            	+-ERR not implemented yet: INCR (exercise 1)
            	Test:       	TestExercise1Counters/ours
            	Messages:   	sent "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n" (exchange 1), reply 1
--- FAIL: TestExercise1Counters/ours (0.00s)
`

func TestFailedExchangeShowsSentExpectedReceived(t *testing.T) {
	assert.Equal(t, `sent:     "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n" (exchange 1), reply 1`+"\n"+
		`expected: ":1\r\n"`+"\n"+
		`received: "-ERR not implemented yet: INCR (exercise 1)\r\n"`+"\n"+
		"checked at exercises_test.go:23", firstFailure(failedExchange))
}

// Two failures in one test: the first is shown, its message with its own values.
const twoFailures = `=== RUN   TestExercise3PromotedReplicaTakesWrites
        exercises_test.go:61: 
            	Error Trace:	/work/08-replication/exercises_test.go:61
            	Error:      	Should not be: "8e1c0aa1"
            	Test:       	TestExercise3PromotedReplicaTakesWrites
            	Messages:   	a promoted replica starts a new replication ID
        exercises_test.go:70: 
            	Error Trace:	/work/08-replication/exercises_test.go:70
            	Error:      	Not equal: 
            	            	expected: "95"
            	            	actual  : "-1"
            	Test:       	TestExercise3PromotedReplicaTakesWrites
--- FAIL: TestExercise3PromotedReplicaTakesWrites (0.40s)
`

func TestTwoFailuresShowTheFirstWhole(t *testing.T) {
	assert.Equal(t, "a promoted replica starts a new replication ID\n"+
		`Should not be: "8e1c0aa1"`+"\n"+
		"checked at exercises_test.go:61", firstFailure(twoFailures))
}

// What go test printed when a command handler panicked in the server's goroutine.
const panicked = `=== RUN   TestExercise4Getdel/ours
panic: assignment to entry in nil map

goroutine 18 [running]:
byoredis/03-get-set.getdel(0x827720?, {0x2a6d551e00f0?, 0x2a6d550e77d0?, 0x6?})
	/work/03-get-set/exercises.go:29 +0x1a
byoredis/03-get-set.(*client).execute(0x2a6d55226000, {0x2a6d551e07e0, 0x2, 0x2})
	/work/03-get-set/commands.go:60 +0x2b
`

func TestPanicShowsTheStepsLine(t *testing.T) {
	assert.Equal(t, "panic: assignment to entry in nil map\n  at exercises.go:29 (03-get-set.getdel)", firstFailure(panicked))
}

const timedOut = `panic: test timed out after 1m0s
	running tests:
		TestExercise3MaxClients (1m0s)

goroutine 7 [running]:
testing.(*M).startAlarm.func1()
	/usr/local/go/src/testing/testing.go:2484 +0x345
goroutine 9 [sync.Mutex.Lock]:
byoredis/01-tcp-echo.(*Server).add(0xc000124000, {0x6f1e38, 0xc000128000})
	/work/01-tcp-echo/server.go:70 +0x4d
`

func TestTimeoutSaysWhereTheCodeWaited(t *testing.T) {
	got := firstFailure(timedOut)
	assert.Contains(t, got, "test timed out after 1m0s: the code never returned")
	assert.Contains(t, got, "one goroutine was at server.go:70")
}

func TestResolveStepAcceptsEveryForm(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"01-tcp-echo", "03-get-set", "shared"} {
		require.NoError(t, os.Mkdir(dir+"/"+d, 0o755))
	}
	t.Chdir(dir)
	for _, arg := range []string{"3", "03", "03-get-set", "03-get-set/"} {
		got, n, err := resolveStep(arg)
		require.NoError(t, err, arg)
		assert.Equal(t, "03-get-set", got)
		assert.Equal(t, 3, n)
	}
	_, _, err := resolveStep("nope")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "01-tcp-echo\n  03-get-set")
}

// A failure is placed where the learner finds it from the step's folder.
func TestCheckedAtNamesTheSubPackage(t *testing.T) {
	assert.Equal(t, "exercises_test.go:70", checkedAt("/home/me/course/03-get-set/exercises_test.go:70"))
	assert.Equal(t, "bench/exercises_test.go:70", checkedAt("/home/me/course/10-benchmark/bench/exercises_test.go:70"))
	assert.Equal(t, "exercises_test.go:23", checkedAt("exercises_test.go:23"))
}
