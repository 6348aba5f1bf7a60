"""Checks for the lesson notebooks in this folder.

Two kinds of test, run with pytest (``pytest notebooks/check_notebooks.py``):

* Static: every ``*.ipynb`` here is valid nbformat 4 (``nbformat.validate``),
  is stored without outputs and with ``execution_count`` null, uses the golab
  kernelspec, and has at least one cell tagged ``exercise`` and one tagged
  ``check``.
* Executed: every notebook runs top to bottom through the real golab kernel
  (nbclient, the engine behind ``jupyter nbconvert --execute``). A cell with
  an error output (or text on stderr) fails the test, and so does a notebook
  whose outputs hold no HTML table (every lesson shows at least one timing
  table).

The kernel is the binary named by $GOLAB_BIN, or one built from this
repository with ``go build``; its kernelspec is installed with
``golab install --prefix TMP`` and found through JUPYTER_PATH, as a user's
Jupyter would find it. The notebooks run one after another, never in
parallel, since they time themselves. Their self-checks record progress in
the user's config dir, so the tests point GOLAB_CONFIG_DIR (and XDG_CONFIG_HOME,
and HOME on macOS) at a temporary folder: a test run never touches a learner's
progress. A last static test checks that the start page's progress table names
every exercise that a check records.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import sys
import time

import nbformat
import pytest

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "kernel" / "clienttest"))
from golabbuild import golab_bin, run  # noqa: E402,F401 (golab_bin is a fixture)

NOTEBOOKS = sorted(HERE.glob("*.ipynb"))

KERNEL_NAME = "golab"
CELL_TIMEOUT = 180  # seconds for one cell; a lesson cell takes a few seconds
NOTEBOOK_BUDGET = 300  # seconds for a whole notebook: the goal is 120 on 2 cores, with room for a loaded CI box


def _ids(paths):
    return [p.name for p in paths]


def _read(path: pathlib.Path):
    return nbformat.read(str(path), as_version=nbformat.NO_CONVERT)


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no notebooks in {HERE}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_valid_nbformat(path):
    nb = _read(path)
    assert nb.nbformat == 4, f"{path.name}: nbformat {nb.nbformat}, want 4"
    assert nb.nbformat_minor >= 5, f"{path.name}: nbformat_minor {nb.nbformat_minor}, want >= 5 (cell ids)"
    nbformat.validate(nb)  # raises ValidationError with the offending path
    ids = [c.get("id") for c in nb.cells]
    assert all(ids), f"{path.name}: a cell has no id"
    assert len(set(ids)) == len(ids), f"{path.name}: duplicate cell ids"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_stored_without_outputs(path):
    nb = _read(path)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert cell.get("outputs") == [], f"{path.name} cell {i}: stored with outputs (clear them before committing)"
        assert cell.get("execution_count") is None, f"{path.name} cell {i}: execution_count is not null"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_kernelspec_is_golab(path):
    nb = _read(path)
    ks = nb.metadata.get("kernelspec", {})
    assert ks.get("name") == KERNEL_NAME, f"{path.name}: kernelspec {ks!r}"
    assert ks.get("language") == "go", f"{path.name}: kernelspec language {ks.get('language')!r}"
    assert nb.metadata.get("language_info", {}).get("name") == "go", f"{path.name}: language_info.name is not go"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_has_exercise_and_check(path):
    nb = _read(path)
    tagged = lambda t: [c for c in nb.cells if t in _tags(c)]
    exercises, checks = tagged("exercise"), tagged("check")
    assert exercises, f"{path.name}: no cell tagged 'exercise'"
    assert checks, f"{path.name}: no cell tagged 'check'"
    for c in exercises + checks:
        assert c.cell_type == "code", f"{path.name}: a cell tagged {_tags(c)} is {c.cell_type}, want code"
    # Every exercise comes before some check.
    first_ex = nb.cells.index(exercises[0])
    assert any(nb.cells.index(c) > first_ex for c in checks), f"{path.name}: no check cell after the first exercise"


CHECK_NAME = re.compile(r'lessons\.Check\(\s*"([^"]+)"')
START_PAGE = HERE / "00-start-here.ipynb"


def test_start_page_lists_every_exercise():
    """The start page's progress table names every exercise that a check records."""
    names = {}
    for path in NOTEBOOKS:
        for cell in _read(path).cells:
            if "check" in _tags(cell):
                for name in CHECK_NAME.findall(cell.source):
                    names.setdefault(name, path.name)
    assert names, "no lessons.Check calls in any check cell"
    progress = [c.source for c in _read(START_PAGE).cells if "lessons.Progress(" in c.source]
    assert progress, f"{START_PAGE.name}: no cell calls lessons.Progress"
    missing = sorted(n for n in names if f'"{n}"' not in progress[-1])
    assert not missing, f"{START_PAGE.name}: the progress cell does not list {missing} (checked in {[names[n] for n in missing]})"
    for name, nbname in names.items():
        assert name.split("/")[0] == nbname[:2], f"{nbname}: check {name!r} should start with the lesson number {nbname[:2]!r}"


# --- execution through the real kernel ------------------------------------


@pytest.fixture(scope="session")
def kernel_env(golab_bin, tmp_path_factory):
    """Installs the kernelspec under a temporary prefix and points Jupyter and
    the learner's config dir at temporary folders for the whole session."""
    prefix = tmp_path_factory.mktemp("prefix")
    run([str(golab_bin), "install", "--prefix", str(prefix)], timeout=60)
    config = tmp_path_factory.mktemp("config")
    saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "GOLAB_CONFIG_DIR", "XDG_CONFIG_HOME", "HOME")}
    os.environ["JUPYTER_PATH"] = str(prefix / "share" / "jupyter")
    os.environ["GOLAB_CONFIG_DIR"] = str(config / "golab")  # where lessons keeps progress.json
    os.environ["XDG_CONFIG_HOME"] = str(config)
    if os.uname().sysname == "Darwin":  # os.UserConfigDir is $HOME/Library/Application Support there
        os.environ["HOME"] = str(config)
    yield prefix
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _error_text(out) -> str:
    tb = "\n".join(out.get("traceback", []))
    return f"{out.get('ename')}: {out.get('evalue')}\n{tb}".strip()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_executes(path, kernel_env):
    from nbclient import NotebookClient

    nb = _read(path)
    client = NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        timeout=CELL_TIMEOUT,
        allow_errors=True,  # collect every error below, with its cell, instead of stopping at the first
        resources={"metadata": {"path": str(HERE)}},
    )
    start = time.monotonic()
    client.execute()
    took = time.monotonic() - start
    print(f"{path.name}: executed in {took:.1f} s")

    errors, tables = [], 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append(f"cell {i} ({cell.get('id')}):\n{cell.source}\n--> {_error_text(out)}")
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                errors.append(f"cell {i} ({cell.get('id')}) wrote to stderr:\n{cell.source}\n--> {out.get('text', '')}")
            html = out.get("data", {}).get("text/html", "")
            if isinstance(html, list):
                html = "".join(html)
            if "<table" in html:
                tables += 1
    assert not errors, f"{path.name}: error output in {len(errors)} cell(s):\n\n" + "\n\n".join(errors)
    assert tables > 0, f"{path.name}: no HTML table (text/html with <table) in any output"
    assert took < NOTEBOOK_BUDGET, f"{path.name}: took {took:.0f} s, budget {NOTEBOOK_BUDGET} s (goal: 120 s on 2 cores)"


SOLUTIONS = json.loads((HERE / "testdata" / "solutions.json").read_text())


def _check_texts(cell) -> str:
    """The text/plain of a cell's outputs, where a check says PASSED or NOT YET."""
    parts = []
    for out in cell.get("outputs", []):
        text = out.get("data", {}).get("text/plain", "") or out.get("text", "")
        parts.append("".join(text) if isinstance(text, list) else text)
    return "\n".join(parts)


def test_every_exercise_has_a_solution():
    for path in NOTEBOOKS:
        exercises = {c.id for c in _read(path).cells if "exercise" in c.metadata.get("tags", [])}
        solved = set(SOLUTIONS.get(path.name, {}))
        assert exercises == solved, f"{path.name}: exercises {sorted(exercises)}, solutions in testdata/solutions.json for {sorted(solved)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_worked_solutions_pass_their_checks(path, kernel_env):
    """With the worked solutions in the exercise cells, every check passes: the
    checks can be passed, and the hints lead somewhere."""
    from nbclient import NotebookClient

    nb = _read(path)
    for cell in nb.cells:
        if cell.id in SOLUTIONS[path.name]:
            cell.source = SOLUTIONS[path.name][cell.id]
    NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=CELL_TIMEOUT, allow_errors=True,
                   resources={"metadata": {"path": str(HERE)}}).execute()
    for cell in nb.cells:
        if "check" in cell.metadata.get("tags", []):
            text = _check_texts(cell)
            assert "PASSED" in text and "NOT YET" not in text, f"{path.name}: check {cell.id} with the worked solution:\n{text}"
