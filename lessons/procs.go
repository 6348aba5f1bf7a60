package lessons

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
)

// experimentLock lets one experiment at a time own GOMAXPROCS, which is
// process-wide: two experiments changing it at once would measure nonsense.
var experimentLock sync.Mutex

// errBusy is the error of an experiment started while another one runs.
var errBusy = errors.New("another experiment is running in this process; experiments change GOMAXPROCS for the whole process, so they run one at a time")

// maxProcs is the largest GOMAXPROCS an experiment may ask for.
const maxProcs = 1024

// procsSaved is the GOMAXPROCS setting found before an experiment changed it.
type procsSaved struct {
	prev       int
	wasDefault bool
}

// saveProcs records the current GOMAXPROCS and whether it is Go's default.
//
// The runtime does not say whether GOMAXPROCS was set explicitly, so the rule
// is: it counts as the default when the GOMAXPROCS environment variable is
// unset and the current value equals the default (m.DefaultGOMAXPROCS, or
// the default computed from the CPU count and quota now, in case the runtime
// has followed a quota change since start-up). A
// default is restored with runtime.SetDefaultGOMAXPROCS, which also turns Go's
// periodic re-check of the CPU limit back on; any other value is restored as
// it was. A cell that explicitly set the default value is thus restored to
// "default" too: the same value, now following CPU limit changes again.
func saveProcs(m Machine) procsSaved {
	prev := runtime.GOMAXPROCS(0)
	isDefault := prev == m.DefaultGOMAXPROCS || prev == defaultProcs(m.NumCPU, m.CPUQuota)
	return procsSaved{prev: prev, wasDefault: os.Getenv("GOMAXPROCS") == "" && isDefault}
}

// restore puts GOMAXPROCS back.
func (s procsSaved) restore() {
	if s.wasDefault {
		runtime.SetDefaultGOMAXPROCS()
		return
	}
	runtime.GOMAXPROCS(s.prev)
}

// ResetGOMAXPROCS returns GOMAXPROCS to Go's default with
// runtime.SetDefaultGOMAXPROCS (Go 1.25+), which also restarts the runtime's
// periodic check of the CPU limit that an explicit setting stops. It returns
// the new value.
func ResetGOMAXPROCS() int {
	runtime.SetDefaultGOMAXPROCS()
	return runtime.GOMAXPROCS(0)
}

func checkProcs(p int) error {
	if p < 1 || p > maxProcs {
		return fmt.Errorf("GOMAXPROCS %d is out of range: use a value from 1 to %d", p, maxProcs)
	}
	return nil
}
