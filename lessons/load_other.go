//go:build !linux

package lessons

import "time"

// machineBusy is unknown on this system.
func machineBusy() (time.Duration, bool) { return 0, false }
