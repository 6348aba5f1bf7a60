//go:build !unix

package lessons

import "time"

// processCPU is unknown on this system; CPU columns show 0.
func processCPU() time.Duration { return 0 }
