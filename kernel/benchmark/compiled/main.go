// Command compiled times the lessons package's fixed CPU work in a plain
// compiled Go program, with no kernel and no interpreter: the reference that
// `make bench` holds lessons.Run's figures against.
//
//	go run ./kernel/benchmark/compiled -tasks 4 -procs 1,2 -repeat 5 -steps 50000000
//
// It prints one JSON object: {"gomaxprocs": {"1": median_ms, ...}}.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golab/golab/lessons"
)

func main() {
	tasks := flag.Int("tasks", 4, "goroutines per run")
	procs := flag.String("procs", "1,2", "comma-separated GOMAXPROCS values")
	repeat := flag.Int("repeat", 5, "measured runs per setting, after one warm-up")
	steps := flag.Int("steps", 50_000_000, "lessons.ComputeSteps per task")
	flag.Parse()
	out := map[string]float64{}
	for _, f := range strings.Split(*procs, ",") {
		p, err := strconv.Atoi(f)
		if err != nil || p < 1 {
			fmt.Fprintf(os.Stderr, "compiled: bad -procs value %q\n", f)
			os.Exit(2)
		}
		runtime.GOMAXPROCS(p)
		var walls []float64
		for r := 0; r <= *repeat; r++ {
			runtime.GC()
			start := time.Now()
			var wg sync.WaitGroup
			for range *tasks {
				wg.Go(func() { lessons.ComputeSteps(*steps) })
			}
			wg.Wait()
			if r > 0 { // the first run is the warm-up
				walls = append(walls, float64(time.Since(start))/1e6)
			}
		}
		slices.Sort(walls)
		out[f] = walls[len(walls)/2]
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{"gomaxprocs": out})
}
