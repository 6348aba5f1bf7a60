//go:build !linux

package lessons

import (
	"runtime"
	"time"
)

// BlockingSyscall stands in for a blocking system call lasting d. On this
// system it sleeps with the goroutine locked to its thread, which holds a
// thread like a blocking call but, unlike one, releases the P.
func BlockingSyscall(d time.Duration) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	time.Sleep(d)
}
