package lessons

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Check runs the self-check of an exercise and returns its verdict, which
// renders as a pass or a "not yet" with hints. name identifies the exercise
// as "lesson/exercise" (e.g. "01/sleepers"); a pass is remembered in the
// progress file (see Progress). f looks at the learner's code through the
// Checker: behaviour and measured times with tolerant bounds, never source
// text. Check never panics: a panic in f or in the learner's code is a
// failed check with the panic shown.
func Check(name string, f func(c *Checker)) *CheckResult {
	c := &Checker{}
	res := &CheckResult{Name: name}
	if f == nil {
		c.Fail("the check has no function to run")
	} else {
		func() {
			defer func() {
				if r := recover(); r != nil && !c.stopped {
					c.fatal(fmt.Sprintf("the code being checked panicked: %v", r))
				}
			}()
			f(c)
		}()
	}
	res.Failures, res.Notes = c.fails, c.notes
	res.Passed = len(c.fails) == 0
	if res.Passed {
		s, err := defaultStore()
		if err == nil {
			var warns []string
			warns, err = s.markPassed(name, time.Now())
			res.Warnings = append(res.Warnings, warns...)
			res.Saved = err == nil
		}
		if err != nil {
			res.Warnings = append(res.Warnings, "could not remember this pass: "+err.Error())
		}
	}
	return res
}

// Checker is what a check function uses to judge the learner's code. Every
// failing assertion adds its hint; a check passes when none failed. After a
// fatal failure (code that panicked or never finished) later assertions are
// skipped.
type Checker struct {
	// Timeout bounds each Time call; 0 means 30 s.
	Timeout time.Duration

	fails   []string
	notes   []string
	stopped bool
}

// Time runs f, the learner's code, and returns how long it took. A panic in f
// or f running past Timeout fails the check (and Time returns what it
// measured so far); f then keeps running in the background.
func (c *Checker) Time(f func()) time.Duration {
	if c.stopped {
		return 0
	}
	if f == nil {
		c.fatal("there is no function to run (nil)")
		return 0
	}
	limit := c.Timeout
	if limit <= 0 {
		limit = 30 * time.Second
	}
	done := make(chan any, 1)
	start := time.Now()
	go func() {
		defer func() { done <- recover() }()
		f()
	}()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case p := <-done:
		d := time.Since(start)
		if p != nil {
			c.fatal(fmt.Sprintf("your code panicked: %v", p))
		}
		return d
	case <-timer.C:
		c.fatal(fmt.Sprintf("your code did not finish within %s: is a goroutine waiting forever (a channel nobody closes or sends on, a WaitGroup that never reaches zero, a lock never released)?", fmtSeconds(limit)))
		return time.Since(start)
	}
}

// NoLeak runs f and fails if goroutines it started are still running a
// second after it returned: a leak, like a pipeline stage blocked on a
// channel nobody reads.
func (c *Checker) NoLeak(what string, f func()) {
	if c.stopped {
		return
	}
	before := liveGoroutines()
	c.Time(f)
	if c.stopped {
		return
	}
	if left := newGoroutines(before, time.Second); left > 0 {
		c.Fail(fmt.Sprintf("%s left %s running after it returned: every goroutine should end (close the channels, cancel the context, or drain what a stage still sends)", what, plural(left, "goroutine")))
	}
}

// True fails with hint unless ok.
func (c *Checker) True(ok bool, hint string) {
	if !c.stopped && !ok {
		c.Fail(hint)
	}
}

// Equal fails unless got equals want (reflect.DeepEqual). The message shows
// got, never want, and then the hint.
func (c *Checker) Equal(what string, got, want any, hint string) {
	if c.stopped || reflect.DeepEqual(got, want) {
		return
	}
	c.Fail(joinHint(fmt.Sprintf("%s is %v, which is not what the exercise asks for", what, got), hint))
}

// About fails unless got is within tolerance (a fraction: 0.3 is ±30%) of
// want, e.g. "your pipeline took 2.1 s; it should take about 1.0 s".
func (c *Checker) About(what string, got, want time.Duration, tolerance float64, hint string) {
	if c.stopped {
		return
	}
	lo := time.Duration(float64(want) * (1 - tolerance))
	hi := time.Duration(float64(want) * (1 + tolerance))
	if got >= lo && got <= hi {
		c.Note(fmt.Sprintf("%s took %s (expected about %s)", what, fmtSeconds(got), fmtSeconds(want)))
		return
	}
	c.Fail(joinHint(fmt.Sprintf("%s took %s; it should take about %s", what, fmtSeconds(got), fmtSeconds(want)), hint))
}

// Between fails unless lo <= got <= hi.
func (c *Checker) Between(what string, got, lo, hi time.Duration, hint string) {
	if c.stopped {
		return
	}
	if got >= lo && got <= hi {
		c.Note(fmt.Sprintf("%s took %s (expected %s to %s)", what, fmtSeconds(got), fmtSeconds(lo), fmtSeconds(hi)))
		return
	}
	c.Fail(joinHint(fmt.Sprintf("%s took %s; expected between %s and %s", what, fmtSeconds(got), fmtSeconds(lo), fmtSeconds(hi)), hint))
}

// AtMost fails unless got <= limit, e.g. the most goroutines a Gauge saw.
func (c *Checker) AtMost(what string, got, limit int, hint string) {
	if c.stopped {
		return
	}
	if got <= limit {
		c.Note(fmt.Sprintf("%s: %d (at most %d allowed)", what, got, limit))
		return
	}
	c.Fail(joinHint(fmt.Sprintf("%s was %d; it must be at most %d", what, got, limit), hint))
}

// Fail records a failure with its hint.
func (c *Checker) Fail(hint string) {
	if !c.stopped {
		c.fails = append(c.fails, hint)
	}
}

// Note records a measurement to show with the verdict, pass or fail.
func (c *Checker) Note(s string) { c.notes = append(c.notes, s) }

// Failed says whether anything failed so far.
func (c *Checker) Failed() bool { return len(c.fails) > 0 }

// fatal records a failure and skips the rest of the check.
func (c *Checker) fatal(hint string) {
	c.Fail(hint)
	c.stopped = true
}

func joinHint(msg, hint string) string {
	if hint == "" {
		return msg
	}
	return msg + ". Hint: " + hint
}

// fmtSeconds writes a duration for a sentence: "2.1 s" or "350 ms".
func fmtSeconds(d time.Duration) string {
	if d >= time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%.0f ms", float64(d)/1e6)
}

// CheckResult is the verdict of a self-check.
type CheckResult struct {
	// Name is the exercise, "lesson/exercise".
	Name string
	// Passed is true when no assertion failed.
	Passed bool
	// Failures are the hints of the failed assertions.
	Failures []string
	// Notes are what was measured.
	Notes []string
	// Warnings say what went wrong remembering progress, if anything.
	Warnings []string
	// Saved is true when a pass was written to the progress file.
	Saved bool
}

// String renders the verdict as text.
func (r *CheckResult) String() string {
	var b strings.Builder
	if r.Passed {
		fmt.Fprintf(&b, "PASSED %s\n", r.Name)
	} else {
		fmt.Fprintf(&b, "NOT YET %s\n", r.Name)
	}
	for _, f := range r.Failures {
		b.WriteString("  - " + f + "\n")
	}
	for _, n := range r.Notes {
		b.WriteString("  measured: " + n + "\n")
	}
	if r.Saved {
		b.WriteString("  (progress saved)\n")
	}
	for _, w := range r.Warnings {
		b.WriteString("  ! " + w + "\n")
	}
	return b.String()
}

// HTML renders the verdict as a green or amber box.
func (r *CheckResult) HTML() string {
	var b strings.Builder
	accent, title := "#d97706", "Not yet: "+r.Name
	if r.Passed {
		accent, title = "#16a34a", "Passed: "+r.Name
	}
	fmt.Fprintf(&b, `<div style="%s;border-left:4px solid %s;padding:0.3em 0.8em;background:rgba(128,128,128,0.08)">`, styleBox, accent)
	mark := "✘"
	if r.Passed {
		mark = "✔"
	}
	fmt.Fprintf(&b, `<div style="font-weight:600"><span style="color:%s">%s</span> %s</div>`, accent, mark, esc(title))
	if len(r.Failures) > 0 {
		b.WriteString(`<ul style="margin:0.3em 0;padding-left:1.4em">`)
		for _, f := range r.Failures {
			b.WriteString("<li>" + esc(f) + "</li>")
		}
		b.WriteString("</ul>")
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, `<div style="%s">measured: %s</div>`, styleMachine, esc(n))
	}
	if r.Saved {
		fmt.Fprintf(&b, `<div style="%s">progress saved</div>`, styleMachine)
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, `<div style="%s">⚠ %s</div>`, styleFlag, esc(w))
	}
	b.WriteString(`</div>`)
	return b.String()
}
