"""Inputs that are not regular files: a FIFO would block forever. Each gets one
clear line naming the path, exit 2, and no hang."""
import os
import stat
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


def test_a_name_with_control_bytes_stays_one_line(ticketlab, tmp_path):
    """A newline or an escape sequence in a file name is shown as \\xNN."""
    name = tmp_path / "bad\nname\x1b[31m.tl"
    proc = subprocess.run([ticketlab, "conformance", "--expectations", str(name)],
                          capture_output=True, text=True, timeout=20)
    assert proc.returncode == 2
    assert "\x1b" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad\\x0aname\\x1b[31m.tl" in lines[0], lines


@pytest.mark.parametrize("row, message", [
    ("a.b | tls=1.3 | - | why | doc | extra", "6 columns; a row has 4 or 5"),
    ("a.b | tls=1.3 | -", "a row needs 4 columns"),
])
def test_a_row_with_the_wrong_columns_is_refused(ticketlab, tmp_path, row, message):
    table = tmp_path / "t.tl"
    table.write_text(row + "\n")
    proc = subprocess.run([ticketlab, "conformance", "--expectations", str(table)],
                          capture_output=True, text=True, timeout=20)
    assert_clean(proc)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{table}:1: {message}" in lines[0], lines


def test_output_never_replaces_a_fifo_or_device(ticketlab, fifo, tmp_path):
    """-o onto a FIFO is refused (the writer would rename over it); a character
    device such as /dev/null is written in place, never replaced."""
    proc = subprocess.run([ticketlab, "keygen", "--format", "nginx", "-o", fifo],
                          capture_output=True, text=True, timeout=20)
    assert_clean(proc)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"ticketlab keygen: {fifo}: is not a regular file; refusing to replace it"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    proc = subprocess.run([ticketlab, "keygen", "--format", "nginx", "-o", "/dev/null"],
                          capture_output=True, text=True, timeout=20)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
