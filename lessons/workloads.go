package lessons

import (
	"bufio"
	"fmt"
	"html"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Sleep waits for d without using a CPU: the goroutine is parked and its P
// runs other goroutines meanwhile. It stands for waiting on I/O.
func Sleep(d time.Duration) { time.Sleep(d) }

// Counter is a shared counter for contention experiments: many goroutines
// adding to one counter, through a mutex or an atomic add. The zero value is
// ready to use.
type Counter struct {
	mu     sync.Mutex
	locked int64        // guarded by mu
	atomic atomic.Int64 // added to without the lock
}

// AddLocked adds 1, times times, taking and releasing the mutex around every
// add: the contended pattern, where goroutines on different Ps queue for the
// lock and parallelism buys nothing.
func (c *Counter) AddLocked(times int) {
	for i := 0; i < times; i++ {
		c.mu.Lock()
		c.locked++
		c.mu.Unlock()
	}
}

// AddAtomic adds 1, times times, with an atomic add each time: no lock, but
// every add still moves the counter's cache line between cores.
func (c *Counter) AddAtomic(times int) {
	for i := 0; i < times; i++ {
		c.atomic.Add(1)
	}
}

// Value returns the count: all adds, locked and atomic.
func (c *Counter) Value() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.locked + c.atomic.Load()
}

// Reset sets the count to 0.
func (c *Counter) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.locked = 0
	c.atomic.Store(0)
}

// cacheLine is the distance between padded counters: 128 bytes, two 64-byte
// lines, because x86 prefetches lines in adjacent pairs.
const cacheLine = 128

// Counters is one counter per goroutine for the false-sharing experiment:
// packed, the counters sit next to each other and share a cache line, so
// goroutines that never touch each other's counter still slow each other
// down; padded, each counter has its own cache line.
type Counters struct {
	vals   []int64
	stride int
	n      int
}

// NewCounters makes n counters, packed (adjacent 8-byte words) or padded
// (128 bytes apart). n is kept within 1 to 4096.
func NewCounters(n int, padded bool) *Counters {
	n = min(max(n, 1), 4096)
	stride := 1
	if padded {
		stride = cacheLine / 8
	}
	return &Counters{vals: make([]int64, n*stride+cacheLine/8), stride: stride, n: n}
}

// Add adds 1 to counter slot, times times, each add an atomic memory
// operation so it really reaches the cache. The slot is taken modulo the
// number of counters, so a task can pass its own index i.
func (c *Counters) Add(slot, times int) {
	slot %= c.n
	if slot < 0 {
		slot += c.n
	}
	p := &c.vals[slot*c.stride]
	for i := 0; i < times; i++ {
		atomic.AddInt64(p, 1)
	}
}

// Sum is the total of all counters.
func (c *Counters) Sum() int64 {
	var s int64
	for i := 0; i < c.n; i++ {
		s += atomic.LoadInt64(&c.vals[i*c.stride])
	}
	return s
}

// Len is the number of counters.
func (c *Counters) Len() int { return c.n }

// Padded says whether the counters are on separate cache lines.
func (c *Counters) Padded() bool { return c.stride > 1 }

// Gauge tracks how many goroutines are inside a section at once, to check
// that a worker pool or semaphore really bounds concurrency. Call Enter when
// work starts and Leave when it ends. The zero value is ready to use.
type Gauge struct {
	now, most atomic.Int64
}

// Enter counts one more goroutine in.
func (g *Gauge) Enter() {
	n := g.now.Add(1)
	for {
		m := g.most.Load()
		if n <= m || g.most.CompareAndSwap(m, n) {
			return
		}
	}
}

// Leave counts one goroutine out.
func (g *Gauge) Leave() { g.now.Add(-1) }

// Now is how many are in now.
func (g *Gauge) Now() int { return int(g.now.Load()) }

// Max is the most that were ever in at once.
func (g *Gauge) Max() int { return int(g.most.Load()) }

// Reset clears the gauge.
func (g *Gauge) Reset() {
	g.now.Store(0)
	g.most.Store(0)
}

// Amdahl is the speedup Amdahl's law predicts on n cores for work whose
// parallel part is fraction p (0 to 1) of the time on one core:
// 1 / ((1-p) + p/n).
func Amdahl(p float64, n int) float64 {
	p = min(max(p, 0), 1)
	if n < 1 {
		n = 1
	}
	return 1 / ((1 - p) + p/float64(n))
}

// Measurement is the wall and CPU time of one piece of code.
type Measurement struct {
	// Name labels it.
	Name string
	// Wall is the elapsed time.
	Wall time.Duration
	// CPU is the CPU time the whole process used meanwhile (getrusage).
	CPU time.Duration
	// Panic is what the code panicked with, or nil.
	Panic any
}

// Measure runs f once and measures it. A panic in f is caught and reported
// in the Measurement instead of ending the cell.
func Measure(name string, f func()) (m Measurement) {
	m.Name = name
	runtime.GC()
	cpu0 := processCPU()
	start := time.Now()
	defer func() {
		m.Wall = time.Since(start)
		m.CPU = processCPU() - cpu0
		if r := recover(); r != nil {
			m.Panic = r
		}
	}()
	f()
	return m
}

// CPUPerWall is CPU time over wall time: about 1 per busy core.
func (m Measurement) CPUPerWall() float64 {
	if m.Wall <= 0 {
		return 0
	}
	return float64(m.CPU) / float64(m.Wall)
}

// String is e.g. "pool of 4: 1021.3 ms wall, 2012.0 ms CPU (CPU/wall 1.97)".
func (m Measurement) String() string {
	s := fmt.Sprintf("%s: %s wall, %s CPU (CPU/wall %.2f)", m.Name, fmtDuration(m.Wall), fmtDuration(m.CPU), m.CPUPerWall())
	if m.Panic != nil {
		s += fmt.Sprintf("; PANICKED: %v", m.Panic)
	}
	return s
}

// HTML renders String for a notebook.
func (m Measurement) HTML() string {
	return `<div style="font-variant-numeric:tabular-nums;color:inherit">` + html.EscapeString(m.String()) + `</div>`
}

// Measurements is a list of measurements that renders as a table, to
// compare variants side by side: lessons.Measurements{a, b, c}.
type Measurements []Measurement

// String renders the list as an aligned text table.
func (ms Measurements) String() string {
	return alignTable([]string{"what", "wall", "CPU", "CPU/wall", "vs first"}, ms.cells(), 2)
}

func (ms Measurements) cells() [][]string {
	var rows [][]string
	for _, m := range ms {
		vs := "1.00×"
		if len(rows) > 0 && m.Wall > 0 {
			vs = fmt.Sprintf("%.2f×", float64(ms[0].Wall)/float64(m.Wall))
		}
		if m.Panic != nil {
			vs = fmt.Sprintf("panicked: %v", m.Panic)
		}
		rows = append(rows, []string{m.Name, fmtDuration(m.Wall), fmtDuration(m.CPU), fmt.Sprintf("%.2f", m.CPUPerWall()), vs})
	}
	return rows
}

// HTML renders the list as a table; "vs first" is the first wall time over
// each one (above 1 is faster).
func (ms Measurements) HTML() string {
	var b strings.Builder
	b.WriteString(`<div style="` + styleBox + `"><table style="` + styleTable + `"><thead><tr>`)
	for _, h := range []string{"what", "wall", "CPU", "CPU/wall", "vs first"} {
		fmt.Fprintf(&b, `<th style="%s">%s</th>`, styleTH, h)
	}
	b.WriteString(`</tr></thead><tbody>`)
	for _, row := range ms.cells() {
		b.WriteString("<tr>")
		for _, c := range row {
			fmt.Fprintf(&b, `<td style="%s">%s</td>`, styleTD, esc(c))
		}
		b.WriteString("</tr>")
	}
	b.WriteString(`</tbody></table></div>`)
	return b.String()
}

// Threads is the number of OS threads the Go runtime has created and that
// still exist (runtime/metrics /sched/threads/total:threads; on older Go,
// the Threads line of /proc/self/status). Goroutines blocked in system calls
// each hold a thread, so this grows with them; GOMAXPROCS does not cap it.
func Threads() int {
	s := []metrics.Sample{{Name: "/sched/threads/total:threads"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		return int(s[0].Value.Uint64())
	}
	return procThreads()
}

// procThreads reads the thread count from /proc/self/status, or -1.
func procThreads() int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Threads:"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				return n
			}
		}
	}
	return -1
}

// Sched is a snapshot of the scheduler from runtime/metrics.
type Sched struct {
	GOMAXPROCS int // Ps
	Threads    int // OS threads that exist
	Goroutines int // all live goroutines
	Running    int // goroutines running on a P
	Runnable   int // goroutines ready to run, waiting for a P
	Waiting    int // goroutines blocked (channel, lock, sleep, network)
	NotInGo    int // goroutines in a system call or cgo: each holds a thread but no P
}

// ReadSched takes the snapshot. Values the runtime does not report are -1.
func ReadSched() Sched {
	names := []string{
		"/sched/gomaxprocs:threads",
		"/sched/threads/total:threads",
		"/sched/goroutines:goroutines",
		"/sched/goroutines/running:goroutines",
		"/sched/goroutines/runnable:goroutines",
		"/sched/goroutines/waiting:goroutines",
		"/sched/goroutines/not-in-go:goroutines",
	}
	s := make([]metrics.Sample, len(names))
	for i, n := range names {
		s[i].Name = n
	}
	metrics.Read(s)
	v := make([]int, len(s))
	for i := range s {
		v[i] = -1
		if s[i].Value.Kind() == metrics.KindUint64 {
			v[i] = int(s[i].Value.Uint64())
		}
	}
	out := Sched{GOMAXPROCS: v[0], Threads: v[1], Goroutines: v[2], Running: v[3], Runnable: v[4], Waiting: v[5], NotInGo: v[6]}
	if out.Threads < 0 {
		out.Threads = procThreads()
	}
	return out
}

// String is the snapshot in one line.
func (s Sched) String() string {
	return fmt.Sprintf("GOMAXPROCS %d, %s; goroutines: %d (running %d, runnable %d, waiting %d, in syscalls %d)",
		s.GOMAXPROCS, plural(s.Threads, "OS thread"), s.Goroutines, s.Running, s.Runnable, s.Waiting, s.NotInGo)
}

// HTML renders String for a notebook.
func (s Sched) HTML() string { return "<div>" + html.EscapeString(s.String()) + "</div>" }
