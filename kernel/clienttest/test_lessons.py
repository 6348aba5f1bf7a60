"""The lessons package through the real kernel (issue 4's cell test).

Two tasks of fixed CPU work at GOMAXPROCS 1 and 2, and the same with sleeps,
read back from the timing table's JSON. Bounds are wide on purpose: this
checks that the bench measures what it claims, not how fast the machine is.
"""

import os

from golabclient import Kernel

SETUP = 'import (\n\t"time"\n\t"github.com/golab/golab/lessons"\n)'

CPU = """lessons.Run(lessons.Experiment{
	Name:   "cpu",
	Tasks:  2,
	Procs:  []int{1, 2},
	Repeat: 3,
	Task:   func(i int) { lessons.Compute(100 * time.Millisecond) },
})"""

SLEEP = CPU.replace('"cpu"', '"sleep"').replace("lessons.Compute(", "lessons.Sleep(")


def table(ex):
    """The timing table's JSON from a cell's outputs."""
    for m in ex.of_type("execute_result", "display_data"):
        data = m["content"]["data"]
        for key in ("application/json", "application/vnd.golab+json"):
            if key in data and "rows" in data[key]:
                assert "text/html" in data and "<table" in data["text/html"]
                assert "GOMAXPROCS" in data["text/plain"]
                return data[key]
    raise AssertionError("no timing table in:\n" + ex.describe())


def row(t, procs):
    return next(r for r in t["rows"] if r["gomaxprocs"] == procs)


def test_cpu_bound_speeds_up_with_two_ps(kernel: Kernel):
    kernel.execute(SETUP, ok=True)
    t = table(kernel.execute(CPU, ok=True, timeout=120))
    assert set(t["machine"]) >= {"num_cpu", "gomaxprocs_default", "cpu_quota", "go"}
    one, two = row(t, 1), row(t, 2)
    assert one["tasks"] == 2 and one["repeat"] == 3
    # Two tasks of 100 ms each take turns on one P: about 200 ms.
    assert 150 <= one["wall_ms"]["median"] <= 600, one
    assert one["possible_speedup"] == 1
    ncpu, quota = t["machine"]["num_cpu"], t["machine"]["cpu_quota"]
    if ncpu >= 2 and (quota is None or quota >= 2):
        assert two["possible_speedup"] == 2
        busy = any("busy machine" in f for f in two["flags"])
        # A neighbour's load can take the second core; the table says so.
        assert two["speedup"] >= 1.6 or busy, two
    else:
        assert two["possible_speedup"] == 1


def test_sleeping_needs_no_second_p(kernel: Kernel):
    kernel.execute(SETUP, ok=True)
    t = table(kernel.execute(SLEEP, ok=True, timeout=120))
    one, two = row(t, 1), row(t, 2)
    # Two sleeps of 100 ms overlap even on one P: about 100 ms, not 200.
    assert 90 <= one["wall_ms"]["median"] <= 300, one
    assert 0.7 <= two["speedup"] <= 1.4, two


def test_bad_experiment_is_a_clear_error(kernel: Kernel):
    kernel.execute(SETUP, ok=True)
    ex = kernel.execute('lessons.Run(lessons.Experiment{Name: "bad", Tasks: 0, Procs: []int{1}})')
    text = ex.stream("stdout") + ex.stream("stderr") + str(ex.result or "") + ex.error_text()
    assert "Tasks" in text, ex.describe()
    assert kernel.execute("1 + 1", ok=True).result["text/plain"] == "2"
