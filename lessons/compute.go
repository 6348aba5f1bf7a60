package lessons

import (
	"sync"
	"sync/atomic"
	"time"
)

// Compute does a fixed amount of CPU work: the number of loop steps that took
// about d on one otherwise idle core when this process calibrated itself (once,
// lazily, in about 10 ms, taking the fastest of several short trials so that a
// neighbour's load does not inflate the rate).
//
// The amount of work is fixed, never "spin until d has passed": two calls at
// GOMAXPROCS=1 take about 2d, which is what shows the absence of parallelism.
// Compute(0) returns at once. The result of the loop is kept observable so the
// compiler cannot remove it.
func Compute(d time.Duration) {
	if d <= 0 {
		return
	}
	n := uint64(float64(d) * stepsPerNanosecond())
	if n == 0 {
		n = 1
	}
	work(n)
}

// ComputeSteps does n steps of the loop Compute uses, for code that wants to
// state work as a count rather than as a calibrated duration.
func ComputeSteps(n int) {
	if n > 0 {
		work(uint64(n))
	}
}

// workSink keeps work's result observable so the loop is not dead code.
var workSink atomic.Uint64

// work runs n steps of a xorshift generator. Each step depends on the last,
// so the loop can neither be vectorised nor reduced to a closed form.
func work(n uint64) {
	x := n | 1
	for i := uint64(0); i < n; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	// x is never 0 for a non-zero seed: this store never happens, but the
	// compiler cannot know that, so it must compute x.
	if x == 0 {
		workSink.Add(1)
	}
}

var calibration struct {
	once sync.Once
	rate float64 // loop steps per nanosecond on one core
}

// stepsPerNanosecond calibrates work once per process.
func stepsPerNanosecond() float64 {
	calibration.once.Do(func() { calibration.rate = calibrate() })
	return calibration.rate
}

// calibrate finds a chunk that takes at least 200µs, then times it several
// times and keeps the fastest trial: interference only ever slows a trial.
func calibrate() float64 {
	n := uint64(1 << 12)
	for {
		t := timeWork(n)
		if t >= 200*time.Microsecond || n >= 1<<34 {
			break
		}
		n *= 2
	}
	best := time.Duration(1<<63 - 1)
	for range 8 {
		if t := timeWork(n); t < best {
			best = t
		}
	}
	if best <= 0 {
		best = 1
	}
	return float64(n) / float64(best)
}

func timeWork(n uint64) time.Duration {
	start := time.Now()
	work(n)
	return time.Since(start)
}

// ComputeRate reports the calibrated speed of Compute's loop in steps per
// millisecond (calibrating first if needed).
func ComputeRate() float64 { return stepsPerNanosecond() * 1e6 }
