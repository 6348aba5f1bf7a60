package lessons

import (
	"strings"
	"testing"
	"time"
)

func TestCheckPassAndFail(t *testing.T) {
	t.Setenv(ConfigDirEnv, t.TempDir())
	pass := Check("01/sleepers", func(c *Checker) {
		d := c.Time(func() { time.Sleep(20 * time.Millisecond) })
		c.Between("your code", d, 10*time.Millisecond, 5*time.Second, "")
		c.Equal("the sum", 6, 6, "")
	})
	if !pass.Passed || !pass.Saved || len(pass.Notes) == 0 {
		t.Errorf("pass = %+v", pass)
	}
	if !strings.Contains(pass.HTML(), "Passed") || !strings.HasPrefix(pass.String(), "PASSED") {
		t.Errorf("pass renders as %q", pass.String())
	}

	fail := Check("01/compute", func(c *Checker) {
		d := c.Time(func() { time.Sleep(30 * time.Millisecond) })
		c.About("your pipeline", d, time.Second, 0.3, "run the stages as goroutines")
		c.Equal("the sum", 5, 42, "add every item once")
		c.AtMost("goroutines at once", 9, 4, "bound the pool")
	})
	if fail.Passed || len(fail.Failures) != 3 {
		t.Fatalf("fail = %+v", fail)
	}
	msg := strings.Join(fail.Failures, "\n")
	for _, want := range []string{"your pipeline took", "should take about 1.0 s", "Hint: run the stages", "the sum is 5", "was 9; it must be at most 4"} {
		if !strings.Contains(msg, want) {
			t.Errorf("failures lack %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "42") {
		t.Errorf("a failure gives the answer away:\n%s", msg)
	}
	if rep := Progress("01/compute"); rep.Done() != 0 {
		t.Error("a failed check was recorded as done")
	}
}

func TestCheckPanicsAndHangs(t *testing.T) {
	t.Setenv(ConfigDirEnv, t.TempDir())
	r := Check("x/panic", func(c *Checker) {
		c.Time(func() { panic("oops") })
		c.Fail("not reached: the check stops after a fatal failure")
	})
	if r.Passed || len(r.Failures) != 1 || !strings.Contains(r.Failures[0], "panicked: oops") {
		t.Errorf("panic check = %+v", r)
	}
	r = Check("x/bodypanic", func(c *Checker) {
		var s []int
		_ = s[3]
	})
	if r.Passed || !strings.Contains(strings.Join(r.Failures, ""), "index out of range") {
		t.Errorf("panicking check body = %+v", r)
	}
	block := make(chan struct{})
	defer close(block)
	start := time.Now()
	r = Check("x/hang", func(c *Checker) {
		c.Timeout = 50 * time.Millisecond
		c.Time(func() { <-block })
	})
	if r.Passed || !strings.Contains(strings.Join(r.Failures, ""), "did not finish within") {
		t.Errorf("hanging check = %+v", r)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("hanging check took %v", time.Since(start))
	}
	if r := Check("x/nil", nil); r.Passed {
		t.Error("a nil check passed")
	}
}

func TestCheckNoLeak(t *testing.T) {
	t.Setenv(ConfigDirEnv, t.TempDir())
	stop := make(chan struct{})
	defer close(stop)
	r := Check("x/leak", func(c *Checker) {
		c.NoLeak("your pipeline", func() {
			go func() { <-stop }()
		})
	})
	if r.Passed || !strings.Contains(strings.Join(r.Failures, ""), "left 1 goroutine running") {
		t.Errorf("leak check = %+v", r)
	}
	r = Check("x/noleak", func(c *Checker) {
		c.NoLeak("your pipeline", func() {
			done := make(chan struct{})
			go func() { close(done) }()
			<-done
		})
	})
	if !r.Passed {
		t.Errorf("clean code failed the leak check: %+v", r)
	}
}
