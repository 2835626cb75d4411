// Command bench measures Redis servers side by side with real Redis: make 10-benchmark,
// make bench, or bench --help.
package main

import (
	"os"

	"byoredis/10-benchmark/bench"
)

func main() { os.Exit(bench.Main(os.Args[1:])) }
