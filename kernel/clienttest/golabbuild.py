"""The golab binary for Python tests: $GOLAB_BIN, or built from the repository.

Shared by the client suite (kernel/clienttest/conftest.py) and the notebook
checks (notebooks/check_notebooks.py), which import the golab_bin fixture.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]

BUILD_TIMEOUT = 900  # a cold build compiles yaegi's std symbol tables


def run(cmd, **kw):
    """subprocess.run that raises RuntimeError with the command's output."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True, **kw)
    except subprocess.CalledProcessError as e:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({e.returncode}):\n{e.stdout}\n{e.stderr}") from None
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{' '.join(map(str, cmd))} timed out") from None


@pytest.fixture(scope="session")
def golab_bin(tmp_path_factory) -> pathlib.Path:
    """The golab binary: $GOLAB_BIN, or built from the repository once per session."""
    env_bin = os.environ.get("GOLAB_BIN")
    if env_bin:
        p = pathlib.Path(env_bin).resolve()
        if not os.access(p, os.X_OK):
            pytest.exit(f"GOLAB_BIN={env_bin} is not an executable", returncode=2)
        return p
    go = shutil.which("go")
    if go is None:
        pytest.exit("go is not on PATH and GOLAB_BIN is not set", returncode=2)
    out = tmp_path_factory.mktemp("bin") / "golab"
    try:
        run([go, "build", "-o", str(out), "."], cwd=REPO, env=dict(os.environ, CGO_ENABLED="1"), timeout=BUILD_TIMEOUT)
    except RuntimeError as e:
        pytest.exit(f"cannot build golab: {e}", returncode=2)
    return out
