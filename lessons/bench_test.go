package lessons

import (
	"context"
	"testing"
	"time"
)

// BenchmarkRunOnce is the cost of one run of 100 empty tasks: starting,
// waiting for and timing the goroutines.
func BenchmarkRunOnce(b *testing.B) {
	ctx := context.Background()
	task := func(int) { Compute(0) }
	for b.Loop() {
		if _, _, err := runOnce(ctx, 100, task); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/task")
}

// BenchmarkRun is the fixed cost of a whole Run (machine facts, goroutine
// scan, GC before each run, warm-up) with 100 empty tasks, one setting, one
// measured run.
func BenchmarkRun(b *testing.B) {
	exp := Experiment{Tasks: 100, Procs: []int{2}, Repeat: 1, Task: func(int) { Compute(0) }}
	for b.Loop() {
		if r := Run(exp); r.Err() != nil {
			b.Fatal(r.Err())
		}
	}
}

// BenchmarkTraceRun is one traced run of 100 empty tasks, trace parsing
// included: compare with BenchmarkRunOnce for the cost of tracing.
func BenchmarkTraceRun(b *testing.B) {
	ctx := context.Background()
	task := func(int) { Compute(0) }
	for b.Loop() {
		if _, err := traceRun(ctx, 100, task); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/task")
}

// BenchmarkTracingSlowdown runs 2 tasks of 20 ms of Compute with and without
// tracing: the work is the same, so the difference is tracing's overhead on
// the measured code.
func BenchmarkTracingSlowdown(b *testing.B) {
	ctx := context.Background()
	task := func(int) { Compute(20 * time.Millisecond) }
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			runOnce(ctx, 2, task)
		}
	})
	b.Run("traced", func(b *testing.B) {
		for b.Loop() {
			traceRun(ctx, 2, task)
		}
	})
}

// BenchmarkCompute checks the calibration: ns/op should be about 1 ms.
func BenchmarkCompute(b *testing.B) {
	Compute(0)
	for b.Loop() {
		Compute(time.Millisecond)
	}
}
