"""Inputs that are not regular files: a FIFO would block forever. Each gets one
clear line naming the path, exit 2, and no hang."""
import os
import subprocess

import pytest

from conftest import assert_clean


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return str(path)


def commands(fifo, keyfile):
    return {
        "ticket keys": ["ticket", "open", "--format", "nginx", "--keys", fifo, keyfile],
        "ticket": ["ticket", "open", "--format", "nginx", "--keys", keyfile, fifo],
        "expectations": ["conformance", "--expectations", fifo],
        "plugin": ["validate", "--plugin", fifo],
        "cache file": ["cache", "list", fifo],
    }


@pytest.mark.parametrize("what", ["ticket keys", "ticket", "expectations", "plugin", "cache file"])
def test_a_fifo_is_refused_not_waited_for(ticketlab, fifo, tmp_path, what):
    keyfile = tmp_path / "ticket.key"
    subprocess.run([ticketlab, "keygen", "--format", "nginx", "-o", str(keyfile)], check=True,
                   capture_output=True)
    args = commands(fifo, str(keyfile))[what]
    proc = subprocess.run([ticketlab, *args], capture_output=True, text=True, timeout=20)
    assert_clean(proc)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fifo in lines[0] and "regular file" in lines[0], lines
