package lessons

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machineBusy is the CPU time all processes on the machine have used so far
// (user, nice, system, irq, softirq and steal from /proc/stat), or false when
// it cannot be read or does not describe the CPUs this process may use (a
// container that sees the host's CPU list, an affinity mask).
func machineBusy() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	return parseProcStat(string(b), runtime.NumCPU())
}

// parseProcStat reads the total busy time from the contents of /proc/stat,
// provided it lists numCPU CPUs. Jiffies are taken as 10 ms (USER_HZ 100,
// which Linux reports to user space on every common architecture).
func parseProcStat(s string, numCPU int) (time.Duration, bool) {
	var total []string
	cpus := 0
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], "cpu") {
			continue
		}
		if f[0] == "cpu" {
			total = f[1:]
		} else {
			cpus++
		}
	}
	if cpus != numCPU || len(total) < 8 {
		return 0, false
	}
	var busy int64
	for _, i := range []int{0, 1, 2, 5, 6, 7} { // user nice system irq softirq steal
		v, err := strconv.ParseInt(total[i], 10, 64)
		if err != nil {
			return 0, false
		}
		busy += v
	}
	return time.Duration(busy) * 10 * time.Millisecond, true
}
