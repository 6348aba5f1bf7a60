"""torture.ipynb, cell by cell, through jupyter_client: the cases of issue 3.

Each cell of the notebook carries one tag naming its case; each test starts a
fresh kernel and runs the cells it needs in order, asserting what a learner
would see. The notebook is driven through jupyter_client rather than nbconvert
because some cases need interrupts, message counts or output that arrives
after a cell has finished.
"""

from __future__ import annotations

import json
import pathlib
import re
import time

import pytest

from golabclient import TIMEOUT, Exchange, Kernel, parent_id

HERE = pathlib.Path(__file__).resolve().parent

# Wide bounds: these catch hangs, not slowness (issue 3 asks for 1 s).
INTERRUPT_WITHIN = 5.0


def _load_cells() -> dict[str, str]:
    nb = json.loads((HERE / "torture.ipynb").read_text())
    cells = {}
    for c in nb["cells"]:
        if c["cell_type"] != "code":
            continue
        (tag,) = c["metadata"]["tags"]
        assert tag not in cells, f"duplicate tag {tag}"
        src = c["source"]
        cells[tag] = "".join(src) if isinstance(src, list) else src
    return cells


CELLS = _load_cells()


def run(kernel: Kernel, tag: str, ok: bool | None = True, **kw) -> Exchange:
    """Execute the notebook cell tagged tag."""
    return kernel.execute(CELLS[tag], ok=ok, **kw)


def plain(ex: Exchange) -> str | None:
    r = ex.result
    return None if r is None else r.get("text/plain")


def test_notebook_is_clean():
    nb = json.loads((HERE / "torture.ipynb").read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "golab"
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            assert c["outputs"] == [] and c["execution_count"] is None, "torture.ipynb is stored with outputs"


# --- 1. mixed cells -------------------------------------------------------------


def test_mixed_cell(kernel):
    ex = run(kernel, "mixed")
    assert ex.stream("stdout") == "hello, gopher\n"
    assert plain(ex) == "42"


def test_generics(kernel):
    ex = run(kernel, "generics")
    assert ex.stream("stdout") == "[1 2 3] 2\n"


def test_generic_type_inference(kernel):
    """U inferred from a func argument: runs, or one error that says how to get round it."""
    ex = run(kernel, "generic_inference", ok=None)
    if ex.status == "ok":
        assert ex.stream("stdout") == "[1 2 3] [4]\n"
    else:
        assert len(ex.of_type("error")) == 1, ex.describe()
        text = ex.error_text().lower()
        assert any(w in text for w in ("explicit", "instantiat", "type argument")), f"no workaround named: {text}"
    assert kernel.is_ok()


def test_discarded_results_show_nothing(kernel):
    ex = run(kernel, "discarded")
    assert ex.stream("stdout") == "printed\n"
    assert ex.result is None, f"fmt.Println's results shown: {ex.result}"


def test_last_expression_is_the_value(kernel):
    ex = run(kernel, "value_last")
    assert plain(ex) == '"ababab"'


def test_import_only_cell_shows_nothing(kernel):
    ex = run(kernel, "import_strings")
    assert ex.outputs == [], ex.describe()


# --- 2. edit and rerun ------------------------------------------------------------


def test_rerun_identical_cells(kernel):
    for _ in range(2):
        ex = run(kernel, "mixed")
        assert ex.stream("stdout") == "hello, gopher\n"
        assert plain(ex) == "42"
    for _ in range(2):
        assert run(kernel, "imports_again").stream("stdout") == "AGAIN\n"


def test_imports_merge_across_cells(kernel):
    run(kernel, "import_strings")
    ex = run(kernel, "imports_merge")
    assert ex.stream("stdout") == "merged\n"


def test_redefine_struct(kernel):
    ex = run(kernel, "struct_v1")
    assert plain(ex) == "{1}"
    run(kernel, "struct_user")
    ex = run(kernel, "struct_v2")
    assert plain(ex) == "3"
    # describe, declared against the old Point, takes the new one.
    ex = run(kernel, "struct_use_new")
    assert plain(ex) == '"x=7"'


def test_redefine_func_late_binding(kernel):
    assert plain(run(kernel, "late_v1")) == "2"
    assert plain(run(kernel, "late_v2")) == "20"


def test_redefine_var_new_type(kernel):
    assert plain(run(kernel, "var_v1")) == "1"
    assert plain(run(kernel, "var_v2")) == '"now a string"'


def test_redefine_const(kernel):
    run(kernel, "const_v1")
    assert plain(run(kernel, "const_v2")) == "20"


# --- 3. Go 1.22+ ------------------------------------------------------------------


def test_loop_var_per_iteration_goroutines(kernel):
    assert run(kernel, "loopvar_goroutines").stream("stdout") == "[0 1 2 3 4]\n"


def test_loop_var_per_iteration_closures(kernel):
    assert run(kernel, "loopvar_closures").stream("stdout") == "0 1 2\n"


def test_range_over_int(kernel):
    assert run(kernel, "range_int").stream("stdout") == "10 3\n"


def test_min_max_clear(kernel):
    assert run(kernel, "min_max_clear").stream("stdout") == "1 3 1.5 b 0 [0 0 0]\n"


def test_go126_symbols(kernel):
    assert run(kernel, "go126_symbols").stream("stdout") == "3 true true 32\n"


def test_errgroup_semaphore(kernel):
    assert run(kernel, "errgroup").stream("stdout") == "[0 1 4 9] <nil> true true false\n"


def test_unsupported_construct_clear_error(kernel):
    """Range over func: runs, or fails with one error naming the construct."""
    ex = run(kernel, "unsupported", ok=None)
    if ex.status == "ok":
        assert ex.stream("stdout") == "0\n1\n2\n"
    else:
        assert len(ex.of_type("error")) == 1, ex.describe()
        text = ex.error_text().lower()
        assert "range" in text and "func" in text, f"error does not name the construct: {text}"
    assert kernel.is_ok()


# --- 4. nothing kills the kernel ---------------------------------------------------


def test_panic_in_cell(kernel):
    ex = run(kernel, "panic_cell", ok=False)
    assert "boom 42" in ex.error["evalue"]
    tb = "\n".join(ex.error["traceback"])
    assert re.search(r"(:|line )3\b", tb), f"traceback names no cell line 3: {tb}"
    assert kernel.is_ok()


def test_panic_in_goroutine(kernel):
    ex = run(kernel, "panic_goroutine", ok=None)
    assert "boom in goroutine" in ex.error_text(), ex.describe()
    assert ex.error is not None, "the goroutine's panic is not an error output"
    assert kernel.process_alive()
    assert kernel.is_ok()


def test_os_exit(kernel):
    ex = run(kernel, "os_exit", ok=False)
    assert "exit" in ex.error_text().lower()
    assert kernel.process_alive()
    assert kernel.is_ok()


def test_log_fatal(kernel):
    ex = run(kernel, "log_fatal", ok=False)
    assert "fatal words" in ex.error_text() + ex.stream("stderr")
    assert kernel.process_alive()
    assert kernel.is_ok()


def test_hundred_thousand_lines(kernel):
    ex = run(kernel, "hundred_k", timeout=120, max_messages=2100)
    lines = ex.stream("stdout").splitlines()
    assert len(lines) == 100000 and lines == [str(i) for i in range(100000)]
    n = len(ex.stream_messages("stdout"))
    assert n <= 2000, f"{n} stream messages"


# --- 5. interrupt ----------------------------------------------------------------


def interrupt(kernel: Kernel, tag: str) -> Exchange:
    msg = kernel.start_execute(CELLS[tag])
    kernel.wait_started(msg)
    time.sleep(0.3)
    t0 = time.monotonic()
    kernel.km.interrupt_kernel()
    ex = kernel.finish(msg, timeout=INTERRUPT_WITHIN + 5)
    took = time.monotonic() - t0
    assert ex.status == "error", ex.describe()
    assert ex.error is not None, "no error output for the interrupted cell"
    assert took < INTERRUPT_WITHIN, f"interrupt took {took:.1f}s"
    return ex


@pytest.mark.parametrize("tag", ["int_busy", "int_select", "int_chan", "int_sleep"])
def test_interrupt(kernel, tag):
    interrupt(kernel, tag)
    assert kernel.is_ok()


def test_interrupt_native_blocking_call(kernel):
    """WaitGroup.Wait can't be cancelled: the cell still ends, and the stuck goroutine is reported."""
    ex = interrupt(kernel, "int_waitgroup")
    said = ex.error_text() + ex.stream("stderr")
    assert "goroutine" in said.lower(), f"the stuck goroutine is not reported: {said}"
    assert kernel.is_ok()


def test_interrupt_stops_started_goroutines(kernel):
    run(kernel, "spin_setup")
    interrupt(kernel, "int_spinners")
    ex = run(kernel, "spin_check")
    assert plain(ex) == "0", "goroutines the interrupted cell started still run"


# --- 6. late output -----------------------------------------------------------------


def test_late_output_kept(kernel):
    first = run(kernel, "late_start")
    count = first.content["execution_count"]
    time.sleep(1.0)
    between = kernel.drain(0.1)
    nxt = run(kernel, "late_next")
    assert plain(nxt) == "2"
    seen = first.iopub + between + nxt.iopub + nxt.others
    late = [m for m in seen if m["msg_type"] == "stream" and "late hello" in m["content"]["text"]]
    assert len(late) == 1, f"late output seen {len(late)} times"
    m = late[0]
    labelled = parent_id(m) == first.msg_id or str(count) in m["content"]["text"]
    assert labelled, f"late output not labelled with its cell ({count}): {m['content']}"


# --- 7. rich values -------------------------------------------------------------------


def test_rich_value_of_cell_type(kernel):
    data = run(kernel, "rich_type").result
    assert data is not None
    assert data["text/html"] == "<b>go</b>"
    assert data["text/markdown"] == "**go**"
    assert "<text>go</text>" in data["image/svg+xml"]
    # Beside HTML, the JSON goes under golab's own type, so JupyterLab does
    # not rank its JSON tree above the HTML (kernel/display's doc).
    assert data["application/vnd.golab+json"] == {"title": "go"}
    assert "application/json" not in data
    assert data["text/plain"] == "Card(go)"


def test_rich_json_only(kernel):
    data = run(kernel, "rich_json").result
    assert data["application/json"] == {"n": 3}
    assert "text/plain" in data


def test_rich_png(kernel):
    data = run(kernel, "rich_png").result
    assert data["image/png"] == "iVBORw=="
    assert "text/plain" in data


def test_display_show_several(kernel):
    run(kernel, "rich_type")
    ex = run(kernel, "rich_show")
    shows = ex.of_type("display_data")
    assert len(shows) == 2, ex.describe()
    assert shows[0]["content"]["data"]["text/html"] == "<b>shown</b>"
    assert shows[1]["content"]["data"]["text/markdown"] == "second *output*"
    for s in shows:
        assert "text/plain" in s["content"]["data"]
    assert ex.result is None


def test_rich_native_value(kernel):
    data = run(kernel, "rich_native").result
    assert data["text/html"] == "<i>native</i>"
    assert "text/plain" in data


def test_display_update_in_place(kernel):
    ex = run(kernel, "rich_update")
    shows = ex.of_type("display_data")
    updates = ex.of_type("update_display_data")
    assert len(shows) == 1 and len(updates) == 3, ex.describe()
    did = shows[0]["content"]["transient"]["display_id"]
    assert did
    assert all(u["content"]["transient"]["display_id"] == did for u in updates)
    assert shows[0]["content"]["data"]["text/markdown"] == "step 0"
    assert updates[-1]["content"]["data"]["text/markdown"] == "step 3"


def test_kernel_survives_the_torture(kernel):
    """Every hostile cell in one kernel, one after another; it still answers."""
    for tag in ("panic_cell", "panic_goroutine", "os_exit", "log_fatal", "unsupported"):
        run(kernel, tag, ok=None, timeout=TIMEOUT)
        assert kernel.process_alive(), f"kernel died at {tag}"
    assert kernel.is_ok()
