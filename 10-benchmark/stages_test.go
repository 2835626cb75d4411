package main

import (
	"testing"

	"byoredis/shared/stages"
)

// The test binary doubles as this step's server, so the stages below start it as a process.
func TestMain(m *testing.M) {
	stages.ServeIfAsked(main)
	m.Run()
}

// Every grader stage of this step passes against this step's server (and, where Redis can,
// against real Redis): `make grade STEP=10` asks a learner's server for the same.
func TestStages(t *testing.T) {
	stages.Prove(t, 10, stages.ThisServer(t))
}
