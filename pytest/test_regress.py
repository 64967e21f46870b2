"""ci/regress.sh and the replay drivers' JUnit (fuzz_replay_<target> --junit FILE).

regress.sh replays every seed and regression input and writes one JUnit
file with a <testcase> per input; each driver writes its own part with the
library's XML escaper. The failing runs use strict mode of
fuzz_client_ticket (TICKETLAB_CT_STRICT=1), whose checks OpenSSL fails by
design on known seeds: real findings, without planting a bug.
"""
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

from conftest import BUILD, REPO, assert_clean

STRICT_S1_SEED = "tls13-early-data-then-none"


def targets():
    lines = (REPO / "fuzz" / "targets.txt").read_text().splitlines()
    return [t for t in lines if t and not t.startswith("#")]


def inputs_of(target):
    """The inputs regress.sh replays for target, as repo-relative paths."""
    found = []
    for d in (REPO / "corpus" / target, REPO / "corpus" / "regressions" / target):
        if d.is_dir():
            found += sorted(str(p.relative_to(REPO)) for p in d.iterdir()
                            if p.is_file() and p.suffix != ".txt")
    return found


def regress(out, **env):
    return subprocess.run(["ci/regress.sh", "-o", str(out)], cwd=REPO, capture_output=True,
                          text=True, timeout=900,
                          env={**os.environ, "TICKETLAB_BUILD": str(BUILD), **env})


def replay(target, *args, **env):
    return subprocess.run([str(BUILD / "bin" / f"fuzz_replay_{target}"), *map(str, args)],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, **env})


def cases(root):
    return {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}


def test_regress_writes_one_testcase_per_input(tmp_path):
    out = tmp_path / "regress.xml"
    proc = regress(out)
    expected = {(t, p) for t in targets() for p in inputs_of(t)}
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [f"{len(expected)} passed, 0 failed", f"JUnit XML: {out}"]
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites"
    assert (root.get("name"), root.get("tests"), root.get("failures")) == (
        "ticketlab-regress", str(len(expected)), "0")
    assert [s.get("name") for s in root.findall("testsuite")] == targets()
    assert set(cases(root)) == expected
    assert not list(root.iter("failure"))


def test_regress_reports_each_failing_input(tmp_path):
    out = tmp_path / "regress.xml"
    proc = regress(out, TICKETLAB_CT_STRICT="1")
    assert proc.returncode == 1
    total = sum(len(inputs_of(t)) for t in targets())
    failing = [line for line in proc.stderr.splitlines() if line.startswith("FAIL ")]
    assert failing
    assert proc.stdout.splitlines()[0] == f"{total - len(failing)} passed, {len(failing)} failed"
    seed = f"corpus/fuzz_client_ticket/{STRICT_S1_SEED}"
    assert f"FAIL {seed}: ticketlab oracle: strict S1: " in proc.stderr
    root = ET.parse(out).getroot()
    assert root.get("failures") == str(len(failing))
    failure = cases(root)[("fuzz_client_ticket", seed)].find("failure")
    assert failure.get("message").startswith("ticketlab oracle: strict S1: ")
    assert "strict S1" in failure.text
    # The other targets know no strict mode: nothing of theirs fails.
    for suite in root.findall("testsuite"):
        if suite.get("name") != "fuzz_client_ticket":
            assert suite.get("failures") == "0", suite.get("name")


def test_replay_junit_escapes_names_and_says_why(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    odd = inputs / 'a&<b>"x'
    shutil.copy(REPO / "corpus" / "fuzz_client_ticket" / STRICT_S1_SEED, odd)
    shutil.copy(REPO / "corpus" / "fuzz_client_ticket" / "tls13-genuine", inputs / "ok")
    with open(inputs / "big", "wb") as f:
        f.truncate(17 << 20)   # over the 16 MiB an input may have
    (inputs / "note.txt").write_text("a summary, not an input")
    out = tmp_path / "ct.xml"
    proc = replay("fuzz_client_ticket", "--junit", out, inputs, TICKETLAB_CT_STRICT="1")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == "1 passed, 2 failed\n"
    assert f"FAIL {odd}: ticketlab oracle: strict S1: " in proc.stderr
    assert f"FAIL {inputs / 'big'}: replay: {inputs / 'big'}: " in proc.stderr
    root = ET.parse(out).getroot()
    assert (root.tag, root.get("name"), root.get("tests"), root.get("failures")) == (
        "testsuite", "fuzz_client_ticket", "3", "2")
    found = cases(root)
    assert set(found) == {("fuzz_client_ticket", str(inputs / n)) for n in ('a&<b>"x', "big", "ok")}
    assert found[("fuzz_client_ticket", str(inputs / "ok"))].find("failure") is None
    big = found[("fuzz_client_ticket", str(inputs / "big"))].find("failure")
    assert big.get("message").startswith(f"replay: {inputs / 'big'}: ")


def test_replay_junit_unwritable_report_leaves_nothing(tmp_path):
    out = tmp_path / "missing-dir" / "r.xml"
    proc = replay("fuzz_ticket_open", "--junit", out, REPO / "corpus" / "fuzz_ticket_open")
    assert_clean(proc)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [proc.stderr.strip()]
    assert str(out) in proc.stderr
    assert not (tmp_path / "missing-dir").exists()


def test_replay_without_junit_is_unchanged():
    proc = replay("fuzz_ticket_open", REPO / "corpus" / "fuzz_ticket_open",
                  REPO / "corpus" / "regressions" / "fuzz_ticket_open")
    assert_clean(proc)
    assert proc.returncode == 0
    assert proc.stdout == f"{len(inputs_of('fuzz_ticket_open'))} passed, 0 failed\n"
