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

.PHONY: help test check grade starter diff bench fmt-check vet $(STEPS)

help:
	@echo "Build Your Own Redis in Go"
	@echo
	@echo "  make 01-tcp-echo        build and run that step's server on 127.0.0.1:$(PORT)"
	@echo "                          (PORT=7000 make ... for another port, ARGS='--bind 0.0.0.0' for more flags,"
	@echo "                          TAGS=solution make ... to run it with the exercises' reference solutions)"
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
	@echo "  make test               every test of every step, and the exercise proofs"
	@echo
	@echo "Steps: $(STEPS)"

# Build the step's server and run it in the foreground; Ctrl-C stops it cleanly. If it cannot
# start (most often: its port is taken by another server), say how to pick another port.
$(SERVERS):
	@mkdir -p bin
	cd $@ && go build -tags '$(TAGS)' -o ../bin/$@ .
	@echo ./bin/$@ --port $(PORT) $(ARGS)
	@./bin/$@ --port $(PORT) $(ARGS) || { echo "The server did not start. If port $(PORT) is taken, pick another: PORT=$$(($(PORT)+1)) make $@"; exit 1; }

# The benchmark: real Redis (when installed) and the servers named, in rounds that take turns,
# on one core. STEP= a step's server, SERVER= any server (a command, or the folder of a Go module).
# The tool is built with step 10's reference solutions (its exercises are parts of it):
# BENCH_TAGS= builds it with yours.
BENCH_TAGS ?= solution
BENCH_STEP = $(if $(STEP),$(firstword $(filter $(STEP)-% 0$(STEP)-%,$(STEPS))))
bench:
	@mkdir -p bin
	@cd 10-benchmark && go build -tags '$(BENCH_TAGS)' -o ../bin/bench .
	@$(if $(BENCH_STEP),cd $(BENCH_STEP) && go build -o ../bin/$(BENCH_STEP) .)
	@$(if $(STEP),$(if $(BENCH_STEP),,echo "there is no step $(STEP): $(STEPS)"; exit 2))
	@$(if $(or $(BENCH_STEP),$(SERVER)),,echo "name what to measure: make bench STEP=05, or make bench SERVER=<command or Go module folder>"; exit 2)
	./bin/bench bench $(if $(BENCH_STEP),--server $(BENCH_STEP)=./bin/$(BENCH_STEP)) $(if $(SERVER),--server '$(SERVER)') \
		--args '$(ARGS)' --json bin/bench.json --html bin/bench.html $(BENCH)

10-benchmark:
	@$(MAKE) --no-print-directory bench STEP=10

test: fmt-check vet
	@for s in $(STEPS); do $(COURSE) prove $$s || exit 1; done
	@$(COURSE) test $(MODULES)

fmt-check:
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	@for m in $(MODULES); do (cd $$m && go vet ./... && go vet -tags solution ./...) || exit 1; done

check:
	@$(COURSE) check "$(STEP)" || $(NOT_YET)

grade:
	@$(COURSE) grade "$(STEP)" $(SERVER) || $(NOT_YET)

starter:
	@$(COURSE) starter "$(DIR)"

diff:
	@$(COURSE) diff "$(STEP)" $(if $(TESTS),tests)
