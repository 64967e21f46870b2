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


# ---- what a test needs from the machine ------------------------------------
#
#   @pytest.mark.root                 runs as root (chown, mount)
#   @pytest.mark.tools("nginx", ...)  these programs are on PATH (or in /usr/sbin)
#   @pytest.mark.slow                 TICKETLAB_SLOW=1 (builds OpenSSL; .ci/run sets it)
#
# When a need is not met the test is skipped with the reason, locally. In CI
# (CI=true) a missing root or tool fails instead: ci/test.sh installs the
# tools and CI runs as root, so a skip there would hide a broken set-up.
# Slow tests are opt-in everywhere.

def pytest_configure(config):
    config.addinivalue_line("markers", "root: needs to run as root")
    config.addinivalue_line("markers", "tools(*names): needs these programs")
    config.addinivalue_line("markers", "slow: needs TICKETLAB_SLOW=1")


def _missing_tool(name):
    import shutil
    return shutil.which(name) is None and not any(
        os.access(os.path.join(d, name), os.X_OK) for d in ("/usr/sbin", "/sbin"))


def _unmet(reason):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: needs are strict here)")
    pytest.skip(reason)


def pytest_runtest_setup(item):
    if item.get_closest_marker("slow") and os.environ.get("TICKETLAB_SLOW") != "1":
        pytest.skip("slow: set TICKETLAB_SLOW=1 (.ci/run does)")
    if item.get_closest_marker("root") and os.geteuid() != 0:
        _unmet("needs root")
    for mark in item.iter_markers("tools"):
        missing = [t for t in mark.args if _missing_tool(t)]
        if missing:
            _unmet(f"needs {', '.join(missing)} (ci/test.sh installs them)")
