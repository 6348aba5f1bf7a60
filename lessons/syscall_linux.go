package lessons

import (
	"errors"
	"syscall"
	"time"
)

// BlockingSyscall makes a real blocking system call, nanosleep(2), lasting
// d. Unlike Sleep, the goroutine holds its OS thread for the whole call:
// the runtime hands the P to another thread so other goroutines keep
// running, and Threads grows with the number of goroutines blocked at once.
// It is Go's answer to what tokio::task::spawn_blocking is for.
func BlockingSyscall(d time.Duration) {
	if d <= 0 {
		return
	}
	ts := syscall.NsecToTimespec(int64(d))
	for {
		var rem syscall.Timespec
		err := syscall.Nanosleep(&ts, &rem)
		if !errors.Is(err, syscall.EINTR) {
			return
		}
		ts = rem // a signal (the runtime's preemption, SIGINT) cut it short
	}
}
