"""Shared fixtures: where the built binaries are, and how to run them."""
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
BUILD = pathlib.Path(os.environ.get("TICKETLAB_BUILD", REPO / "build"))


@pytest.fixture(scope="session")
def repo():
    return REPO


@pytest.fixture(scope="session")
def build_dir():
    return BUILD


@pytest.fixture(scope="session")
def ticketlab():
    """Path to the built `ticketlab` command (fails, never skips, if missing)."""
    path = BUILD / "bin" / "ticketlab"
    if not path.exists():
        pytest.fail(f"{path} is missing: build first (ci/test.sh does), "
                    "or point TICKETLAB_BUILD at a build directory")
    return str(path)


@pytest.fixture
def run(ticketlab):
    """run(*args, input=None) -> CompletedProcess of `ticketlab args...` (text)."""
    def _run(*args, input=None, cwd=None, timeout=120):
        return subprocess.run([ticketlab, *map(str, args)], input=input, cwd=cwd,
                              capture_output=True, timeout=timeout,
                              text=not isinstance(input, bytes))
    return _run


def assert_clean(proc):
    """No crash, no sanitizer report, no traceback in a finished process."""
    def text(x):
        return x.decode(errors="replace") if isinstance(x, bytes) else (x or "")
    out = text(proc.stdout) + text(proc.stderr)
    assert proc.returncode >= 0, f"killed by signal {-proc.returncode}"
    for bad in ("Sanitizer", "runtime error", "Traceback", "Segmentation"):
        assert bad not in out, out
