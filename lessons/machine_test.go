package lessons

import (
	"strings"
	"testing"
	"testing/fstest"
)

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

const (
	v2Mountinfo     = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n"
	hybridMountinfo = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n" +
		"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n" +
		"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n" +
		"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
)

func TestCPUQuota(t *testing.T) {
	tests := []struct {
		name    string
		fs      fstest.MapFS
		want    float64
		source  string // a substring of the source
		wantErr bool
	}{
		{
			name: "v2 limit",
			fs: fstest.MapFS{
				"proc/self/cgroup":      file("0::/\n"),
				"proc/self/mountinfo":   file(v2Mountinfo),
				"sys/fs/cgroup/cpu.max": file("150000 100000\n"),
			},
			want: 1.5, source: "cgroup v2",
		},
		{
			name: "v2 max",
			fs: fstest.MapFS{
				"proc/self/cgroup":      file("0::/\n"),
				"proc/self/mountinfo":   file(v2Mountinfo),
				"sys/fs/cgroup/cpu.max": file("max 100000\n"),
			},
			want: 0, source: "no CPU quota",
		},
		{
			name: "v2 nested: the smallest limit on the way up wins",
			fs: fstest.MapFS{
				"proc/self/cgroup":                      file("0::/user.slice/app\n"),
				"proc/self/mountinfo":                   file(v2Mountinfo),
				"sys/fs/cgroup/user.slice/app/cpu.max":  file("max 100000\n"),
				"sys/fs/cgroup/user.slice/cpu.max":      file("50000 100000\n"),
				"sys/fs/cgroup/cpu.max":                 file("400000 100000\n"),
				"sys/fs/cgroup/user.slice/app/cpu.stat": file(""),
			},
			want: 0.5, source: "cgroup v2",
		},
		{
			name: "v2 in a container: mount root is the container's cgroup",
			fs: fstest.MapFS{
				"proc/self/cgroup":      file("0::/docker/abc\n"),
				"proc/self/mountinfo":   file("30 23 0:26 /docker/abc /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n"),
				"sys/fs/cgroup/cpu.max": file("200000 100000\n"),
			},
			want: 2, source: "cgroup v2",
		},
		{
			name: "v1 limit",
			fs: fstest.MapFS{
				"proc/self/cgroup":                            file("4:cpu,cpuacct:/\n"),
				"proc/self/mountinfo":                         file("32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"),
				"sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us":  file("50000\n"),
				"sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": file("100000\n"),
			},
			want: 0.5, source: "cgroup v1",
		},
		{
			name: "v1 unlimited on a hybrid host (this machine's shape)",
			fs: fstest.MapFS{
				"proc/self/cgroup":                    file("4:memory:/x\n2:cpuacct:/\n1:cpu:/\n0::/\n"),
				"proc/self/mountinfo":                 file(hybridMountinfo),
				"sys/fs/cgroup/cpu/cpu.cfs_quota_us":  file("-1\n"),
				"sys/fs/cgroup/cpu/cpu.cfs_period_us": file("100000\n"),
				"sys/fs/cgroup/unified/cgroup.procs":  file(""),
			},
			want: 0, source: "no CPU quota",
		},
		{
			name: "v1 limit wins on a hybrid host",
			fs: fstest.MapFS{
				"proc/self/cgroup":                    file("1:cpu:/\n0::/\n"),
				"proc/self/mountinfo":                 file(hybridMountinfo),
				"sys/fs/cgroup/cpu/cpu.cfs_quota_us":  file("250000\n"),
				"sys/fs/cgroup/cpu/cpu.cfs_period_us": file("100000\n"),
			},
			want: 2.5, source: "cgroup v1",
		},
		{
			name: "no mountinfo: the usual mount point",
			fs: fstest.MapFS{
				"proc/self/cgroup":      file("0::/\n"),
				"sys/fs/cgroup/cpu.max": file("100000 100000\n"),
			},
			want: 1, source: "cgroup v2",
		},
		{
			name:   "no cgroup at all",
			fs:     fstest.MapFS{},
			want:   0,
			source: "no cgroup",
		},
		{
			name: "malformed cpu.max",
			fs: fstest.MapFS{
				"proc/self/cgroup":      file("0::/\n"),
				"proc/self/mountinfo":   file(v2Mountinfo),
				"sys/fs/cgroup/cpu.max": file("lots 100000\n"),
			},
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, src, err := cpuQuota(tt.fs)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("cpuQuota = %v, %q, nil; want an error", got, src)
				}
				return
			}
			if err != nil {
				t.Fatalf("cpuQuota: %v", err)
			}
			if got != tt.want || !strings.Contains(src, tt.source) {
				t.Errorf("cpuQuota = %v, %q; want %v from %q", got, src, tt.want, tt.source)
			}
		})
	}
}

func TestMachineFromFakeCgroup(t *testing.T) {
	m := machineFrom(fstest.MapFS{
		"proc/self/cgroup":      file("0::/\n"),
		"proc/self/mountinfo":   file(v2Mountinfo),
		"sys/fs/cgroup/cpu.max": file("150000 100000\n"),
	})
	if m.CPUQuota != 1.5 || m.QuotaCPUs() != 2 {
		t.Errorf("quota = %v (%d CPUs), want 1.5 (2)", m.CPUQuota, m.QuotaCPUs())
	}
	if !strings.Contains(m.String(), "CPU quota 1.5 CPUs") {
		t.Errorf("machine line %q does not state the quota", m.String())
	}
	j := m.jsonValue().(map[string]any)
	if j["cpu_quota"] != 1.5 {
		t.Errorf("JSON cpu_quota = %v, want 1.5", j["cpu_quota"])
	}
	m.CPUQuota = 0
	if j := m.jsonValue().(map[string]any); j["cpu_quota"] != nil {
		t.Errorf("JSON cpu_quota without a quota = %v, want null", j["cpu_quota"])
	}
}

func TestDefaultProcsAndPossibleSpeedup(t *testing.T) {
	for _, tt := range []struct {
		cpus  int
		quota float64
		want  int
	}{
		{8, 0, 8}, {8, 1.5, 2}, {8, 0.5, 2}, {8, 3.2, 4}, {1, 0.5, 1}, {2, 16, 2},
	} {
		if got := defaultProcs(tt.cpus, tt.quota); got != tt.want {
			t.Errorf("defaultProcs(%d, %v) = %d, want %d", tt.cpus, tt.quota, got, tt.want)
		}
	}
	m := Machine{NumCPU: 8, CPUQuota: 2.5}
	for _, tt := range []struct {
		tasks, procs int
		want         float64
	}{
		{4, 1, 1}, {4, 2, 2}, {4, 4, 3}, {2, 8, 2}, {16, 16, 3},
	} {
		if got := m.PossibleSpeedup(tt.tasks, tt.procs); got != tt.want {
			t.Errorf("PossibleSpeedup(%d, %d) with 8 CPUs, quota 2.5 = %v, want %v", tt.tasks, tt.procs, got, tt.want)
		}
	}
}
