# Build Your Own Redis in Go: `make` lists what you can do.

STEPS   := 01-tcp-echo 02-resp-parser 03-get-set 04-expiry 05-aof 06-rdb 07-pubsub 08-replication 09-shutdown 10-benchmark
# Every step runs its server with `make NN-name`, but the last, whose make target runs the benchmark.
SERVERS := $(filter-out 10-benchmark,$(STEPS))
MODULES := shared $(STEPS)
PORT    ?= 6380
ARGS    ?=
TAGS    ?=
TESTS   ?=
SERVER  ?=
STEP    ?=
BENCH   ?=
DIR     ?= ../my-redis
COURSE  := go build -o bin/course ./shared/cmd/course && bin/course

.DEFAULT_GOAL := help

# make reports a failing recipe as "make: *** [Makefile:NN: check] Error 1". An exercise or a
# stage that does not pass yet is no error of make's, so these recipes end make with SIGPIPE
# instead, which neither make nor the shell reports: the exit status (141) still says "not
# done", without the noise, and `make check; next-command` goes on to the next command.
NOT_YET = { kill -PIPE $$PPID; exit 1; }

.PHONY: help test check grade starter diff bench doctor docs run fmt-check vet vet-linux vet-darwin $(STEPS)

help:
	@echo "Build Your Own Redis in Go"
	@echo
	@echo "  make 01-tcp-echo        build and run that step's server on 127.0.0.1:$(PORT), in the folder"
	@echo "                          data/01-tcp-echo (where it writes its files)"
	@echo "                          (PORT=7000 make ... for another port, ARGS='--bind 0.0.0.0' for more flags,"
	@echo "                          TAGS=solution make ... to run it with the exercises' reference solutions)"
	@echo "  make run STEP=10        the same for any step, step 10's server included"
	@echo "  make check STEP=01      which of that step's exercises pass, and the first failure of each"
	@echo "  make grade STEP=04 SERVER=<command>"
	@echo "                          the stages of steps 01 to 04 against any server: SERVER=redis-server,"
	@echo "                          SERVER=./path/to/binary, or SERVER=<folder of your Go module>"
	@echo "  make starter DIR=../my-redis"
	@echo "                          start the build-your-own track: a Go module with the smallest server"
	@echo "  make diff STEP=02       what that step added to the one before it: its lesson, without the"
	@echo "                          exercises' answers (TESTS=1 adds the tests)"
	@echo "  make 10-benchmark       the capstone: step 10's server against real Redis, side by side, in"
	@echo "                          every scenario; a table, bin/bench.json and bin/bench.html (with charts)"
	@echo "  make bench STEP=05      the same benchmark for any step (ARGS='--appendonly yes' adds flags to"
	@echo "                          every server, Redis too; BENCH='--rounds 5 --scenarios set-get-p16' sets the"
	@echo "                          benchmark's own flags), or for your server: make bench SERVER=../my-redis"
	@echo "  make bench STEP=10 GOBENCH=RequestPath"
	@echo "                          that step's Go benchmarks of that name (go test -bench, allocations too)"
	@echo "  make test               every test of every step, and the exercise proofs"
	@echo "  make doctor             what the course needs on this machine (Go, real Redis and its version,"
	@echo "                          nc, taskset, free ports), with what to do for each missing piece"
	@echo "  make docs               run every command the READMEs and EXERCISES quote, in order"
	@echo
	@echo "Steps: $(STEPS)"

# Build the step's server and run it in the foreground; Ctrl-C stops it cleanly. It runs in
# its own data folder, data/<step>, so that the files one step writes (dump.rdb,
# appendonlydir) are not what the next step loads. If it cannot start (most often: its port
# is taken by another server), say how to pick another port.
define SERVE
	@mkdir -p bin data/$(1)
	cd $(1) && go build -tags '$(TAGS)' -o ../bin/$(1) .
	@echo "cd data/$(1) && ../../bin/$(1) --port $(PORT) $(ARGS)"
	@cd data/$(1) && ../../bin/$(1) --port $(PORT) $(ARGS) || { echo "The server did not start. If port $(PORT) is taken, pick another: PORT=$$(($(PORT)+1)) make $(2)"; exit 1; }
endef

$(SERVERS):
	$(call SERVE,$@,$@)

# Any step's server, step 10's included (whose own target is the benchmark).
run:
	@$(if $(STEP_DIR),,echo "name the step: make run STEP=10"; exit 2)
	$(call SERVE,$(STEP_DIR),run STEP=$(STEP))

# The benchmark: real Redis (when installed) and the servers named, in rounds that take turns,
# on one core. STEP= a step's server, SERVER= any server (a command, or the folder of a Go module).
# The tool is built with step 10's reference solutions (its exercises are parts of it):
# BENCH_TAGS= builds it with yours.
BENCH_TAGS ?= solution
# GOBENCH= runs the step's own Go benchmarks of that name instead (go test -bench), on one core
# where taskset is there: what a server allocates per request, which only a benchmark in the
# server's own process can count.
GOBENCH ?=
ONE_CORE := $(shell command -v taskset >/dev/null 2>&1 && echo taskset -c 0)
STEP_DIR = $(if $(STEP),$(firstword $(filter $(STEP)-% 0$(STEP)-%,$(STEPS))))
bench:
ifneq ($(GOBENCH),)
	@$(if $(STEP_DIR),,echo "name the step: make bench STEP=10 GOBENCH=RequestPath"; exit 2)
	cd $(STEP_DIR) && $(ONE_CORE) go test -run '^$$' -bench '$(GOBENCH)' -benchmem -count 3 .
else
	@mkdir -p bin
	@cd 10-benchmark && go build -tags '$(BENCH_TAGS)' -o ../bin/bench ./cmd/bench
	@$(if $(STEP_DIR),cd $(STEP_DIR) && go build -o ../bin/$(STEP_DIR) .)
	@$(if $(STEP),$(if $(STEP_DIR),,echo "there is no step $(STEP): $(STEPS)"; exit 2))
	@$(if $(or $(STEP_DIR),$(SERVER)),,echo "name what to measure: make bench STEP=05, or make bench SERVER=<command or Go module folder>"; exit 2)
	./bin/bench $(if $(STEP_DIR),--server $(STEP_DIR)=./bin/$(STEP_DIR)) $(if $(SERVER),--server '$(SERVER)') \
		--args '$(ARGS)' --json bin/bench.json --html bin/bench.html $(BENCH)
endif

10-benchmark:
	@$(MAKE) --no-print-directory bench STEP=10

# The exercise proofs spend much of their time waiting on servers: two steps are proved at once
# (each step's report printed whole when it ends), and the macOS vet, which compiles the standard
# library and every dependency for darwin (a minute with a cold cache), runs beside them. Any
# failure fails the run.
test: fmt-check vet-linux
	@mkdir -p bin; $(MAKE) --no-print-directory vet-darwin > bin/vet-darwin.log 2>&1 & darwin=$$!; \
		go build -o bin/course ./shared/cmd/course || exit 1; \
		printf '%s\n' $(STEPS) | xargs -P 2 -I{} sh -c 'bin/course prove {} > bin/prove-{}.log 2>&1; s=$$?; cat bin/prove-{}.log; exit $$s' \
			|| { echo "a step's exercises or traps are not proved (above)"; exit 1; }; \
		wait $$darwin || { cat bin/vet-darwin.log; echo "GOOS=darwin go vet failed"; exit 1; }
	@$(COURSE) test $(MODULES)

fmt-check:
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Each module is vetted on its own (GOWORK=off), as a learner who copies one step has it, and
# for macOS too.
vet: vet-linux vet-darwin

vet-linux:
	@for m in $(MODULES); do (cd $$m && export GOWORK=off && go vet ./... && go vet -tags solution ./...) || exit 1; done

vet-darwin:
	@for m in $(MODULES); do (cd $$m && GOWORK=off GOOS=darwin go vet ./...) || exit 1; done

check:
	@$(COURSE) check "$(STEP)" || $(NOT_YET)

grade:
	@$(COURSE) grade "$(STEP)" $(SERVER) || $(NOT_YET)

starter:
	@$(COURSE) starter "$(DIR)"

diff:
	@$(COURSE) diff "$(STEP)" $(if $(TESTS),tests)

doctor:
	@$(COURSE) doctor

# Every shell line the READMEs and EXERCISES quote, run in order as a learner types them, with
# the servers they start in the background, in a fresh copy of the working tree: ports 6380 and
# 6381 must be free. CI runs it after make test.
docs:
	@$(COURSE) docs
