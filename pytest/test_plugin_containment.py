"""validate runs the plug-in in a child process: a crash, abort, exit(),
stack overflow or hang is a failed validation naming the call and what
ended it (exit 1, in every report format); a file that cannot be loaded is
exit 2 with one line."""
import time

import pytest

from conftest import BUILD, assert_clean

FAULTS = BUILD / "lib" / "libbroken_faults.so"


@pytest.mark.parametrize("arg, call, end", [
    ("segv@encrypt", "tl_plugin_ticket_key_evp_cb (enc=1: issuing a ticket)", "killed by signal 11 (SIGSEGV"),
    ("abort@decrypt", "tl_plugin_ticket_key_evp_cb (enc=0: opening a ticket a client offered)",
     "killed by signal 6 (SIGABRT"),
    ("exit0@ticket", "tl_plugin_decrypt_session_ticket_cb (status SUCCESS)", "called exit(0)"),
    ("exit3@rotate", "tl_plugin_rotate()", "called exit(3)"),
    ("_exit3@init", 'tl_plugin_init("_exit3@init")', "ended the process (exit status 3"),
    ("stack@encrypt", "tl_plugin_ticket_key_evp_cb (enc=1: issuing a ticket)", "(SIGSEGV"),
    ("hang@decrypt", "tl_plugin_ticket_key_evp_cb (enc=0: opening a ticket a client offered)",
     "did not return within 1 s"),
])
def test_a_fault_fails_the_validation_and_names_the_call(run, arg, call, end):
    start = time.monotonic()
    p = run("validate", "--plugin", FAULTS, "--arg", arg, "--timeout", "1")
    assert time.monotonic() - start < 30
    assert_clean(p)
    assert p.returncode == 1, p.stderr
    assert p.stderr == ""
    line = [l for l in p.stdout.splitlines() if l.startswith("      seen:") and call in l]
    assert line and end in line[0], p.stdout
    assert p.stdout.rstrip().endswith("FAILED: run.complete")


def test_the_reports_record_the_fault(run, tmp_path):
    """JUnit and JSON: the checks made before the crash, then run.complete failing."""
    junit, js = tmp_path / "r.xml", tmp_path / "r.json"
    p = run("validate", "--plugin", FAULTS, "--arg", "segv@encrypt:30", "--format", "junit", "-o", junit)
    assert p.returncode == 1, p.stderr
    xml = junit.read_text()
    assert '<testcase classname="validate.run" name="run.complete">' in xml
    assert "<failure message=\"tl_plugin_ticket_key_evp_cb (enc=1: issuing a ticket) was killed" in xml
    assert 'name="row.tls13.fresh"' in xml     # a check made before the crash is kept
    p = run("validate", "--plugin", FAULTS, "--arg", "exit0@encrypt:30", "--format", "json", "-o", js)
    assert p.returncode == 1, p.stderr
    assert '"ok":false' in js.read_text() and "called exit(0)" in js.read_text()


def test_a_constructor_that_crashes_is_a_load_failure(ticketlab, tmp_path):
    import os
    import subprocess
    env = dict(os.environ, TL_FAULTS_CTOR="segv")
    p = subprocess.run([ticketlab, "validate", "--plugin", str(FAULTS)], env=env,
                       capture_output=True, text=True, timeout=60)
    assert_clean(p)
    assert p.returncode == 2
    assert p.stderr == (f"ticketlab validate: cannot load the plug-in: {FAULTS}: loading it was killed "
                        "by signal 11 (SIGSEGV: a bad pointer or a stack overflow) (a corrupt shared "
                        "object, or a constructor that crashes, exits or hangs)\n")


@pytest.mark.parametrize("content, reason", [
    (b"", "is empty, not a shared object"),
    (b"#!/bin/sh\necho hi\n" * 10, "is not a shared object (no ELF header)"),
])
def test_a_file_that_is_not_a_shared_object(run, tmp_path, content, reason):
    so = tmp_path / "x.so"
    so.write_bytes(content)
    p = run("validate", "--plugin", so)
    assert p.returncode == 2
    assert p.stderr == f"ticketlab validate: cannot load the plug-in: {so}: {reason}\n"


def test_a_truncated_shared_object(run, tmp_path):
    so = tmp_path / "cut.so"
    so.write_bytes(FAULTS.read_bytes()[:6000])
    p = run("validate", "--plugin", so)
    assert p.returncode == 2
    assert p.stderr == (f"ticketlab validate: cannot load the plug-in: {so}: is truncated: its "
                        "section headers lie past its end (6000 bytes)\n")


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "3601", "x"])
def test_timeout_takes_whole_seconds(run, value):
    p = run("validate", "--plugin", FAULTS, "--timeout", value)
    assert p.returncode == 2
    assert p.stderr == (f"ticketlab validate: --timeout takes whole seconds from 1 to 3600, "
                        f"not '{value}'\n")
