package lessons

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
)

// Machine describes what this process may run on: the facts that bound any
// speedup an experiment can show.
type Machine struct {
	// NumCPU is the number of logical CPUs this process may use (its
	// affinity mask at start-up), as runtime.NumCPU reports.
	NumCPU int
	// GOMAXPROCS is the current setting.
	GOMAXPROCS int
	// DefaultGOMAXPROCS is the value Go chooses by itself: the value at
	// process start when the GOMAXPROCS environment variable was unset,
	// otherwise min(NumCPU, max(2, ceil(CPUQuota))) as Go 1.25+ computes it.
	DefaultGOMAXPROCS int
	// CPUQuota is the cgroup CPU limit in CPUs (1.5 means 150 ms of CPU time
	// per 100 ms); 0 means no limit was found.
	CPUQuota float64
	// QuotaSource says where CPUQuota came from, or why there is none.
	QuotaSource string
	// GoVersion is runtime.Version(), e.g. "go1.26.8".
	GoVersion string
	// OS and Arch are runtime.GOOS and runtime.GOARCH.
	OS, Arch string
}

// startProcs is GOMAXPROCS as the runtime chose it before any code ran, and
// whether that choice was Go's own default (no GOMAXPROCS in the environment).
// Read once at package initialisation and never written again.
var startProcs, startProcsIsDefault = runtime.GOMAXPROCS(0), os.Getenv("GOMAXPROCS") == ""

// ThisMachine reads the machine facts now: CPUs, GOMAXPROCS, the cgroup CPU
// quota and the Go version.
func ThisMachine() Machine {
	return machineFrom(os.DirFS("/"))
}

// machineFrom reads the machine facts with the cgroup files taken from root.
func machineFrom(root fs.FS) Machine {
	m := Machine{
		NumCPU:     runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion:  runtime.Version(),
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
	}
	q, src, err := cpuQuota(root)
	if err != nil {
		src = "unknown: " + err.Error()
	}
	m.CPUQuota, m.QuotaSource = q, src
	m.DefaultGOMAXPROCS = defaultProcs(m.NumCPU, q)
	if startProcsIsDefault {
		m.DefaultGOMAXPROCS = startProcs
	}
	return m
}

// defaultProcs is Go 1.25's default GOMAXPROCS for numCPU CPUs under a quota
// (0 for none): the quota rounded up, at least 2, at most numCPU.
func defaultProcs(numCPU int, quota float64) int {
	n := numCPU
	if quota > 0 {
		q := max(2, int(math.Ceil(quota)))
		n = min(n, q)
	}
	return max(1, n)
}

// QuotaCPUs is the CPU quota rounded up to whole CPUs, or 0 when there is none.
func (m Machine) QuotaCPUs() int {
	if m.CPUQuota <= 0 {
		return 0
	}
	return int(math.Ceil(m.CPUQuota - 1e-9))
}

// PossibleSpeedup is the most a run of tasks goroutines at GOMAXPROCS procs
// can gain over one core here: min(tasks, procs, NumCPU, ceil(CPUQuota)).
func (m Machine) PossibleSpeedup(tasks, procs int) float64 {
	n := min(tasks, procs, m.NumCPU)
	if q := m.QuotaCPUs(); q > 0 {
		n = min(n, q)
	}
	return float64(max(1, n))
}

// String is the machine line: "2 CPUs, default GOMAXPROCS 2, no CPU quota, go1.26.8 linux/amd64".
func (m Machine) String() string {
	return fmt.Sprintf("%s, default GOMAXPROCS %d (now %d), %s, %s %s/%s",
		plural(m.NumCPU, "CPU"), m.DefaultGOMAXPROCS, m.GOMAXPROCS, m.quotaText(), m.GoVersion, m.OS, m.Arch)
}

func (m Machine) quotaText() string {
	if m.CPUQuota <= 0 {
		return "no CPU quota"
	}
	return fmt.Sprintf("CPU quota %s CPUs", strconv.FormatFloat(m.CPUQuota, 'f', -1, 64))
}

// HTML renders the facts as a small table, each with what it means.
func (m Machine) HTML() string {
	var b strings.Builder
	b.WriteString(`<div style="` + styleBox + `"><table style="` + styleTable + `"><tbody>`)
	left := strings.Replace(styleTD, "text-align:right", "text-align:left", 1)
	row := func(k, v, note string) {
		fmt.Fprintf(&b, `<tr><td style="%s;font-weight:600">%s</td><td style="%s">%s</td><td style="%s;opacity:0.75">%s</td></tr>`,
			left, esc(k), left, esc(v), left, esc(note))
	}
	row("CPUs", strconv.Itoa(m.NumCPU), "logical CPUs this process may use (runtime.NumCPU)")
	row("GOMAXPROCS", strconv.Itoa(m.GOMAXPROCS), "Ps now: goroutines that can run Go code at the same time")
	row("default GOMAXPROCS", strconv.Itoa(m.DefaultGOMAXPROCS), "what Go picks by itself: CPUs, capped by the CPU quota")
	quota := "none"
	if m.CPUQuota > 0 {
		quota = strconv.FormatFloat(m.CPUQuota, 'f', -1, 64) + " CPUs"
	}
	row("CPU quota", quota, m.QuotaSource)
	row("Go", m.GoVersion+" "+m.OS+"/"+m.Arch, "")
	b.WriteString(`</tbody></table></div>`)
	return b.String()
}

// jsonValue is the machine object of an experiment's JSON:
// {"num_cpu", "gomaxprocs_default", "cpu_quota" (null for none), "go"}.
func (m Machine) jsonValue() any {
	var quota any
	if m.CPUQuota > 0 {
		quota = m.CPUQuota
	}
	return map[string]any{
		"num_cpu":            m.NumCPU,
		"gomaxprocs_default": m.DefaultGOMAXPROCS,
		"cpu_quota":          quota,
		"go":                 m.GoVersion,
	}
}

// cpuQuota reads the cgroup CPU limit of this process from the files under
// root (the real "/" or a fake tree in tests), the way the Go runtime does:
// find the process's cgroup in proc/self/cgroup, find where that hierarchy is
// mounted in proc/self/mountinfo, then take the smallest limit on the path
// from the process's cgroup up to the mount point. A cgroup v1 "cpu"
// controller wins over v2 on hybrid systems. No cgroup at all is no quota,
// not an error.
func cpuQuota(root fs.FS) (quota float64, source string, err error) {
	cg, err := fs.ReadFile(root, "proc/self/cgroup")
	if errors.Is(err, fs.ErrNotExist) {
		return 0, "no cgroup (no /proc/self/cgroup)", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("read cgroup: %w", err)
	}
	mounts, err := fs.ReadFile(root, "proc/self/mountinfo")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, "", fmt.Errorf("read mountinfo: %w", err)
	}
	v1Path, v2Path, hasV1, hasV2 := parseProcCgroup(cg)
	if hasV1 {
		if dir, mount, ok := cgroupDir(mounts, "cgroup", v1Path, "/sys/fs/cgroup/cpu"); ok {
			q, found, err := walkQuota(root, dir, mount, readV1Quota)
			if err != nil {
				return 0, "", err
			}
			if found {
				return q, "cgroup v1 " + dir + "/cpu.cfs_quota_us", nil
			}
			if !hasV2 {
				return 0, "no CPU quota (cgroup v1 cpu.cfs_quota_us is -1)", nil
			}
		}
	}
	if hasV2 {
		if dir, mount, ok := cgroupDir(mounts, "cgroup2", v2Path, "/sys/fs/cgroup"); ok {
			q, found, err := walkQuota(root, dir, mount, readV2Quota)
			if err != nil {
				return 0, "", err
			}
			if found {
				return q, "cgroup v2 " + dir + "/cpu.max", nil
			}
			return 0, "no CPU quota (cgroup v2 cpu.max is max)", nil
		}
	}
	return 0, "no CPU quota found in cgroup files", nil
}

// parseProcCgroup finds the v1 cpu controller's path and the v2 path in the
// contents of /proc/self/cgroup ("id:controllers:path" lines).
func parseProcCgroup(b []byte) (v1, v2 string, hasV1, hasV2 bool) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			v2, hasV2 = parts[2], true
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "cpu" {
				v1, hasV1 = parts[2], true
			}
		}
	}
	return v1, v2, hasV1, hasV2
}

// cgroupDir maps a cgroup path to the directory that holds its files, from
// the mount of the given type (and, for v1, with the "cpu" option) in
// mountinfo, and the mount point, where the walk up the hierarchy stops.
// Without mountinfo it assumes the usual mount point, fallback.
func cgroupDir(mountinfo []byte, fstype, cgPath, fallback string) (dir, mount string, ok bool) {
	sc := bufio.NewScanner(bytes.NewReader(mountinfo))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		sep := -1
		for i, s := range f {
			if s == "-" {
				sep = i
				break
			}
		}
		if sep < 5 || len(f) < sep+3 || f[sep+1] != fstype {
			continue
		}
		if fstype == "cgroup" && !hasOption(f[sep+3], "cpu") {
			continue
		}
		mroot, mpoint := unescapeMount(f[3]), unescapeMount(f[4])
		rel := cgPath
		if mroot != "/" {
			if cgPath != mroot && !strings.HasPrefix(cgPath, mroot+"/") {
				// The process's cgroup is outside what this mount shows
				// (common in containers): the mount's root is ours.
				rel = "/"
			} else {
				rel = strings.TrimPrefix(cgPath, mroot)
			}
		}
		return path.Join(mpoint, rel), path.Clean(mpoint), true
	}
	if len(mountinfo) == 0 && fallback != "" {
		return path.Join(fallback, cgPath), fallback, true
	}
	return "", "", false
}

func hasOption(opts, want string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// walkQuota reads the limit in every directory from dir up to the mount
// point and returns the smallest; found is false when no level has a limit.
func walkQuota(root fs.FS, dir, mount string, read func(fs.FS, string) (float64, bool, error)) (q float64, found bool, err error) {
	for {
		v, ok, err := read(root, strings.TrimPrefix(dir, "/"))
		if err != nil {
			return 0, false, err
		}
		if ok && (!found || v < q) {
			q, found = v, true
		}
		if dir == mount || dir == "/" || dir == "." {
			return q, found, nil
		}
		dir = path.Dir(dir)
	}
}

// readV2Quota parses dir/cpu.max: "max 100000" (no limit) or "150000 100000".
// A missing file is no limit at this level.
func readV2Quota(root fs.FS, dir string) (float64, bool, error) {
	b, err := fs.ReadFile(root, path.Join(dir, "cpu.max"))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read cpu.max: %w", err)
	}
	return parseCPUMax(string(b))
}

func parseCPUMax(s string) (float64, bool, error) {
	f := strings.Fields(s)
	if len(f) == 0 || len(f) > 2 {
		return 0, false, fmt.Errorf("parse cpu.max %q: want \"QUOTA PERIOD\"", strings.TrimSpace(s))
	}
	if f[0] == "max" {
		return 0, false, nil
	}
	quota, err := strconv.ParseFloat(f[0], 64)
	if err != nil || quota <= 0 {
		return 0, false, fmt.Errorf("parse cpu.max quota %q: not a positive number", f[0])
	}
	period := 100000.0
	if len(f) == 2 {
		period, err = strconv.ParseFloat(f[1], 64)
		if err != nil || period <= 0 {
			return 0, false, fmt.Errorf("parse cpu.max period %q: not a positive number", f[1])
		}
	}
	return quota / period, true, nil
}

// readV1Quota parses dir/cpu.cfs_quota_us (-1 for no limit) and
// dir/cpu.cfs_period_us.
func readV1Quota(root fs.FS, dir string) (float64, bool, error) {
	qb, err := fs.ReadFile(root, path.Join(dir, "cpu.cfs_quota_us"))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read cpu.cfs_quota_us: %w", err)
	}
	quota, err := strconv.ParseFloat(strings.TrimSpace(string(qb)), 64)
	if err != nil {
		return 0, false, fmt.Errorf("parse cpu.cfs_quota_us %q: %w", strings.TrimSpace(string(qb)), err)
	}
	if quota < 0 {
		return 0, false, nil
	}
	pb, err := fs.ReadFile(root, path.Join(dir, "cpu.cfs_period_us"))
	if err != nil {
		return 0, false, fmt.Errorf("read cpu.cfs_period_us: %w", err)
	}
	period, err := strconv.ParseFloat(strings.TrimSpace(string(pb)), 64)
	if err != nil || period <= 0 {
		return 0, false, fmt.Errorf("parse cpu.cfs_period_us %q: not a positive number", strings.TrimSpace(string(pb)))
	}
	if quota == 0 {
		return 0, false, nil
	}
	return quota / period, true, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
