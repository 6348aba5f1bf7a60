"""hello.ipynb executed the way users and CI run notebooks: jupyter nbconvert --execute.

nbconvert comes from PyPI (.venv); under Debian's python3 without it this
module is skipped.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("nbconvert")
nbformat = pytest.importorskip("nbformat")

HERE = pathlib.Path(__file__).resolve().parent


def _outputs_by_id(nb):
    return {c["id"]: c.get("outputs", []) for c in nb["cells"] if c["cell_type"] == "code"}


def test_hello_notebook_source_is_clean():
    nb = nbformat.read(HERE / "hello.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb["metadata"]["kernelspec"]["name"] == "golab"
    for outs in _outputs_by_id(nb).values():
        assert outs == [], "hello.ipynb is stored with outputs"


def test_hello_nbconvert(tmp_path):
    src = tmp_path / "hello.ipynb"
    shutil.copy(HERE / "hello.ipynb", src)
    cmd = [
        sys.executable,
        "-m",
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        "--ExecutePreprocessor.kernel_name=golab",
        "--ExecutePreprocessor.timeout=60",
        "--output",
        "executed.ipynb",
        str(src),
    ]
    try:
        run = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired:
        pytest.fail("nbconvert --execute did not finish within 180s")
    assert run.returncode == 0, f"nbconvert failed:\n{run.stdout}\n{run.stderr}"
    nb = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    outs = _outputs_by_id(nb)

    assert outs["hello-1"] == [], outs["hello-1"]  # an import shows nothing
    assert outs["hello-2"] == [{"name": "stdout", "output_type": "stream", "text": "hello, golab\n"}]
    (r,) = outs["hello-3"]
    assert r["output_type"] == "execute_result"
    assert r["data"]["text/plain"] == "42"
    (h,) = outs["hello-5"]
    assert h["output_type"] == "execute_result"
    assert h["data"]["text/html"] == "<b>golab</b>"
    assert "text/plain" in h["data"]
    counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
    assert counts == [1, 2, 3, 4, 5]
