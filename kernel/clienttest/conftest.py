"""Fixtures for driving the real golab kernel with jupyter_client.

The session fixture builds the golab binary once (or takes GOLAB_BIN), installs
its kernelspec with `golab install --prefix TMP` and points JUPYTER_PATH at
TMP/share/jupyter, so jupyter_client finds the kernel named "golab" exactly as
a user's Jupyter would. The `kernel` fixture starts a fresh kernel for one
test and shuts it down afterwards.

Runs under jupyter_client 8 (.venv) and Debian's jupyter_client 7.4.9
(/usr/bin/python3 -m pytest).
"""

from __future__ import annotations

import os
import pathlib

import pytest

from golabbuild import golab_bin, run  # noqa: F401 (golab_bin is a fixture)
from golabclient import Kernel


INSTALL_TIMEOUT = 60


@pytest.fixture(scope="session")
def golab_prefix(golab_bin, tmp_path_factory) -> pathlib.Path:
    """A prefix with the golab kernelspec installed; JUPYTER_PATH points into it."""
    prefix = tmp_path_factory.mktemp("prefix")
    try:
        run([str(golab_bin), "install", "--prefix", str(prefix)], timeout=INSTALL_TIMEOUT)
    except RuntimeError as e:
        pytest.exit(f"cannot install the golab kernelspec: {e}", returncode=2)
    data = prefix / "share" / "jupyter"
    if not (data / "kernels" / "golab" / "kernel.json").is_file():
        pytest.exit(f"golab install --prefix {prefix} wrote no share/jupyter/kernels/golab/kernel.json", returncode=2)
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(data) + (os.pathsep + old if old else "")
    runtime = tmp_path_factory.mktemp("runtime")
    os.environ["JUPYTER_RUNTIME_DIR"] = str(runtime)
    return prefix


@pytest.fixture(scope="session", autouse=True)
def _golab_installed(golab_prefix):
    """Every test, unittest classes included, runs with the kernelspec installed."""
    yield golab_prefix


@pytest.fixture
def kernel(golab_prefix):
    """A fresh golab kernel for one test, shut down afterwards."""
    k = Kernel.start()
    try:
        yield k
    finally:
        k.stop()
