"""golab against ipykernel, side by side in one run (`make bench`).

Starts both kernels through jupyter_client from the project's virtualenv,
repeats each measurement, prints one table with both kernels and the ratio
golab/ipykernel, and writes it with its date and machine to BENCHMARKS.md.

Environment: GOLAB_BIN (the golab binary; default bin/golab), BENCH_QUICK=1
for fewer repeats (a smoke run, not for the record), BENCH_NOTEBOOKS=0 to
skip the notebook runs, BENCH_OUT (default BENCHMARKS.md).
"""

import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from jupyter_client import KernelManager

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QUICK = os.environ.get("BENCH_QUICK") == "1"
N_START = 3 if QUICK else 10
N_TRIVIAL = 50 if QUICK else 300
N_LINES = 3 if QUICK else 10
N_INTERRUPT = 3 if QUICK else 7

CODE = {
    "golab": {
        "trivial": "1 + 1",
        "setup": 'import "fmt"',
        "lines": "for i := 0; i < 10000; i++ { fmt.Println(i) }",
        "busy": "for {}",
    },
    "python3": {
        "trivial": "1 + 1",
        "setup": "pass",
        "lines": "for i in range(10000): print(i)",
        "busy": "while True: pass",
    },
}


def median(xs):
    return statistics.median(xs)


def p99(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.99 * (len(xs) - 1))))]


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Kernel:
    """One kernel process and a blocking client."""

    def __init__(self, name):
        self.name = name
        self.km = KernelManager(kernel_name=name)
        t0 = time.perf_counter()
        self.km.start_kernel()
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.kernel_info()
        while True:
            m = self.kc.get_shell_msg(timeout=30)
            if m["msg_type"] == "kernel_info_reply":
                break
        self.startup = time.perf_counter() - t0
        # drain IOPub (starting/busy/idle of kernel_info)
        self.drain()

    def pid(self):
        return self.km.provisioner.pid if hasattr(self.km, "provisioner") else self.km.kernel.pid

    def drain(self, timeout=0.2):
        while True:
            try:
                self.kc.get_iopub_msg(timeout=timeout)
            except Exception:
                return

    def run(self, code, timeout=60):
        """Execute code; return (seconds until idle, iopub messages, reply)."""
        t0 = time.perf_counter()
        msg_id = self.kc.execute(code)
        msgs = []
        while True:
            m = self.kc.get_iopub_msg(timeout=timeout)
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            msgs.append(m)
            if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                break
        elapsed = time.perf_counter() - t0
        reply = self.kc.get_shell_msg(timeout=timeout)
        return elapsed, msgs, reply

    def interrupt_latency(self, code):
        msg_id = self.kc.execute(code)
        # let it start running
        while True:
            m = self.kc.get_iopub_msg(timeout=30)
            if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "execute_input":
                break
        time.sleep(0.3)
        t0 = time.perf_counter()
        self.km.interrupt_kernel()
        reply = self.kc.get_shell_msg(timeout=30)
        elapsed = time.perf_counter() - t0
        self.drain(0.3)
        return elapsed, reply["content"]["status"]

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def measure(name):
    r = {}
    starts = []
    for _ in range(N_START):
        k = Kernel(name)
        starts.append(k.startup)
        k.close()
    r["startup_ms"] = median(starts) * 1000

    k = Kernel(name)
    time.sleep(0.5)
    r["idle_rss_mb"] = rss_mb(k.pid())
    c = CODE[name]
    k.run(c["setup"])
    for _ in range(20):  # warm-up
        k.run(c["trivial"])
    rts = [k.run(c["trivial"])[0] for _ in range(N_TRIVIAL)]
    r["trivial_median_ms"] = median(rts) * 1000
    r["trivial_p99_ms"] = p99(rts) * 1000

    lines = []
    for _ in range(N_LINES):
        elapsed, msgs, _ = k.run(c["lines"])
        text = "".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream")
        if text.count("\n") != 10000:
            raise SystemExit(f"{name}: printed {text.count(chr(10))} of 10000 lines")
        lines.append((elapsed, sum(m["msg_type"] == "stream" for m in msgs)))
    r["lines_ms"] = median(e for e, _ in lines) * 1000
    r["lines_msgs"] = median(n for _, n in lines)

    ints = []
    for _ in range(N_INTERRUPT):
        elapsed, status = k.interrupt_latency(c["busy"])
        if status != "error":
            raise SystemExit(f"{name}: interrupted cell ended with {status}")
        ints.append(elapsed)
    r["interrupt_ms"] = median(ints) * 1000
    k.close()
    return r


def golab_only():
    """lessons.Run's overhead and accuracy, and the notebooks' run times."""
    r = {}
    k = Kernel("golab")
    k.run('import "github.com/golab/golab/lessons"')
    k.run('import "time"')
    tasks = 1000
    _, msgs, reply = k.run(
        "lessons.Run(lessons.Experiment{Name: \"overhead\", Tasks: %d, Procs: []int{1}, Repeat: 5,"
        " Task: func(i int) { lessons.Compute(0) }})" % tasks)
    res = result_json(msgs)
    r["run_overhead_us_per_task"] = res["rows"][0]["wall_ms"]["median"] * 1000 / tasks if res else None

    steps = 20_000_000 if QUICK else 60_000_000
    _, msgs, _ = k.run(
        "lessons.Run(lessons.Experiment{Name: \"accuracy\", Tasks: 4, Procs: []int{1, 2}, Repeat: 5,"
        " Task: func(i int) { lessons.ComputeSteps(%d) }})" % steps)
    res = result_json(msgs)
    r["idle_rss_after_lesson_mb"] = None
    compiled = json.loads(subprocess.check_output(
        ["go", "run", "./kernel/benchmark/compiled", "-tasks", "4", "-procs", "1,2",
         "-repeat", "5", "-steps", str(steps)], cwd=ROOT))
    if res:
        ratios = []
        for row in res["rows"]:
            ref = compiled["gomaxprocs"][str(row["gomaxprocs"])]
            ratios.append(row["wall_ms"]["median"] / ref)
        r["run_vs_compiled"] = ratios

    nb_dir = os.path.join(ROOT, "notebooks")
    first = sorted(f for f in os.listdir(nb_dir) if f.endswith(".ipynb")) if os.path.isdir(nb_dir) else []
    if os.environ.get("BENCH_NOTEBOOKS") == "0":
        first = []
    if first:
        # Idle memory after the code of the first lesson ran in the kernel.
        with open(os.path.join(nb_dir, first[0])) as f:
            nb = json.load(f)
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                k.run("".join(cell["source"]), timeout=300)
        time.sleep(0.5)
        r["idle_rss_after_lesson_mb"] = rss_mb(k.pid())
    k.close()

    if first:
        golab = os.environ.get("GOLAB_BIN", os.path.join(ROOT, "bin", "golab"))
        jupyter = os.path.join(os.path.dirname(sys.executable), "jupyter")
        out = tempfile.mkdtemp()
        t0 = time.perf_counter()
        for nb in first:
            subprocess.run([golab, "run", os.path.join(nb_dir, nb)], check=True,
                           stdout=subprocess.DEVNULL)
        r["golab_run_all_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for nb in first:
            subprocess.run([jupyter, "nbconvert", "--to", "notebook", "--execute",
                            "--ExecutePreprocessor.kernel_name=golab", "--output-dir", out,
                            os.path.join(nb_dir, nb)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        r["nbconvert_all_s"] = time.perf_counter() - t0
        r["notebooks"] = len(first)
        shutil.rmtree(out, ignore_errors=True)
    return r


def result_json(msgs):
    for m in msgs:
        if m["msg_type"] in ("execute_result", "display_data"):
            bundle = m["content"]["data"]
            # Beside HTML the table's JSON travels as application/vnd.golab+json.
            data = bundle.get("application/vnd.golab+json") or bundle.get("application/json")
            if data and "rows" in data:
                return data
    return None


def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.3g}{unit}" if v < 10 else f"{v:.0f}{unit}"
    return f"{v}{unit}"


def table(g, p, extra):
    rows = [
        ("process start -> kernel_info_reply", "startup_ms", " ms", "at most 0.3x"),
        ("trivial cell `1 + 1`, median", "trivial_median_ms", " ms", "at most 0.25x"),
        ("trivial cell `1 + 1`, p99", "trivial_p99_ms", " ms", ""),
        ("cell printing 10,000 lines", "lines_ms", " ms", ""),
        ("  stream messages for it", "lines_msgs", "", ""),
        ("interrupt a busy loop -> execute_reply", "interrupt_ms", " ms", "under 50 ms"),
        ("idle resident memory after start", "idle_rss_mb", " MB", "under 60 MB"),
    ]
    out = ["| measurement | golab | ipykernel | golab/ipykernel | target |",
           "|---|---:|---:|---:|---|"]
    for label, key, unit, target in rows:
        ratio = g[key] / p[key] if p.get(key) else None
        out.append(f"| {label} | {fmt(g[key], unit)} | {fmt(p[key], unit)} | "
                   f"{fmt(ratio, 'x') if ratio is not None else 'n/a'} | {target} |")
    out.append(f"| idle resident memory after the first lesson | "
               f"{fmt(extra.get('idle_rss_after_lesson_mb'), ' MB')} | n/a | | under 60 MB |")
    out.append(f"| lessons.Run overhead per task (Compute(0)) | "
               f"{fmt(extra.get('run_overhead_us_per_task'), ' µs')} | n/a | | |")
    rv = extra.get("run_vs_compiled")
    out.append("| lessons.Run / compiled Go, same work (GOMAXPROCS 1, 2) | "
               + (", ".join(f"{x:.3f}" for x in rv) if rv else "n/a") + " | n/a | | within 5% |")
    if "golab_run_all_s" in extra:
        out.append(f"| all {extra['notebooks']} lesson notebooks, `golab run` | "
                   f"{fmt(extra['golab_run_all_s'], ' s')} | n/a | | |")
        out.append(f"| all {extra['notebooks']} lesson notebooks, nbconvert | "
                   f"{fmt(extra['nbconvert_all_s'], ' s')} | n/a | | |")
    return "\n".join(out)


EXPLAIN = """
What each figure is:
- *process start -> kernel_info_reply*: from starting the kernel process to the first
  kernel_info_reply on shell, the moment a front end shows the kernel as ready (median).
- *trivial cell*: `1 + 1` sent as execute_request until the kernel's `idle` status on
  IOPub for it, the latency a user feels on every cell (median and 99th percentile).
- *10,000 lines*: a cell printing 10,000 lines until idle, all lines checked delivered;
  the stream message count shows the batching (front ends rate-limit IOPub).
- *interrupt*: interrupt_request (golab, message mode) or SIGINT (ipykernel) sent while a
  busy loop runs, until its execute_reply arrives.
- *idle resident memory*: VmRSS of the kernel process half a second after start, and after
  the code of the first lesson notebook ran in it.
- *lessons.Run overhead*: the median wall time of 1000 tasks of Compute(0) at GOMAXPROCS=1,
  divided by 1000: what the bench adds to each task.
- *lessons.Run / compiled Go*: the same fixed work (4 tasks of lessons.ComputeSteps) timed by
  lessons.Run in a cell and by a compiled Go program (kernel/benchmark/compiled); 1.0 means
  the kernel adds nothing to what the lessons measure.
- *notebooks*: every lesson notebook run headless with `golab run`, and through Jupyter with
  `jupyter nbconvert --execute`; most of either is the experiments themselves.
"""


def main():
    golab = measure("golab")
    py = measure("python3")
    extra = golab_only()
    ncpu = os.cpu_count()
    goversion = subprocess.check_output(["go", "env", "GOVERSION"], text=True).strip()
    import ipykernel
    t = table(golab, py, extra)
    print(t)
    head = (f"# Benchmarks\n\nLatest `make bench`: {datetime.date.today().isoformat()}, "
            f"{ncpu} CPUs, {goversion}, ipykernel {ipykernel.__version__}"
            f"{' (BENCH_QUICK: few repeats, not for the record)' if QUICK else ''}.\n"
            "Both kernels ran side by side in the same run; timings on a shared machine are noisy,\n"
            "so compare the ratios, not the absolute figures.\n\n")
    path = os.environ.get("BENCH_OUT", os.path.join(ROOT, "BENCHMARKS.md"))
    notes_path = os.path.join(ROOT, "kernel", "benchmark", "NOTES.md")
    notes = open(notes_path).read() if os.path.exists(notes_path) else ""
    with open(path, "w") as f:
        f.write(head + t + "\n" + EXPLAIN + ("\n" + notes if notes else ""))
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
