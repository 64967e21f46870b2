"""Detected ticket behaviour: `conformance --changes`, `--expect-change`,
TICKETLAB_EXPECT_CHANGES, and a disagreement named in --version and every report."""
import json
import os
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import REPO, assert_clean

TABLE = REPO / "conformance" / "expectations.tl"
# A row whose expectation follows psk-empty-identity (a `since` line).
ROW = "oracle.tls13.empty.hrr"
NAMES = ["psk-empty-identity", "ticket-after-suite-mismatch", "psk-abort-frees-session",
         "client-age-no-wrap", "clear-drops-session", "wall-clock-gettimeofday",
         "get-error-ignores-queue"]


def _env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("TICKETLAB_EXPECT_CHANGES", "TICKETLAB_OPENSSL_VERSION")}
    env.update(extra)
    return env


def _changes(ticketlab, *args, **env):
    proc = subprocess.run([ticketlab, "conformance", "--changes", "--format", "json", *args],
                          capture_output=True, text=True, timeout=120, env=_env(**env))
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def detected(ticketlab):
    return {c["name"]: c for c in _changes(ticketlab)["changes"]}


def test_changes_lists_every_change_with_both_answers(ticketlab, detected):
    """Per change: name, detected, history, where it lives, the reference; the
    engine uses the detected answer; on an upstream release the two agree."""
    assert list(detected) == NAMES
    for c in detected.values():
        assert c["detected"] in (True, False), c
        assert c["source"] == "detected" and c["used"] == c["detected"] and c["asserted"] is None
        assert c["where"] and c["reference"] and c["note"]
        assert c["disagrees"] == (c["detected"] != c["history"])
    proc = subprocess.run([ticketlab, "conformance", "--changes"], capture_output=True, text=True,
                          timeout=120, env=_env())
    assert_clean(proc)
    assert proc.returncode == 0
    for name, c in detected.items():
        word = "present" if c["detected"] else "absent"
        assert f"\n{name}: {word} (" in proc.stdout
        assert f"  where:     {c['where']}\n" in proc.stdout
        assert f"  reference: {c['reference']}\n" in proc.stdout


def test_a_forced_disagreement_is_reported_everywhere(ticketlab, detected, tmp_path):
    """Asserting the opposite of what detection found: --version names it, --changes
    and every report say so, and the row that follows the change fails (a regression)."""
    was = detected["psk-empty-identity"]["detected"]
    forced = "no" if was else "yes"
    want = (f"psk-empty-identity: asserted {'absent' if was else 'present'}, "
            f"detected {'present' if was else 'absent'} (")
    # A patched build may already disagree with history on other changes (a
    # backport, a revert): those still count, the forced one comes on top.
    others = [n for n, c in detected.items()
              if n != "psk-empty-identity" and c["detected"] != c["history"]]
    differ = sorted(others + ["psk-empty-identity"], key=NAMES.index)
    n = len(differ)
    env = _env(TICKETLAB_EXPECT_CHANGES=f"psk-empty-identity={forced}")
    proc = subprocess.run([ticketlab, "--version"], capture_output=True, text=True, timeout=60, env=env)
    assert_clean(proc)
    assert proc.returncode == 0
    assert f"ticket behaviour: {n} of {len(NAMES)} changes differ" in proc.stdout
    assert f"\n  {want}" in proc.stdout

    change = {c["name"]: c for c in _changes(ticketlab, "--expect-change",
                                             f"psk-empty-identity={forced}")["changes"]}
    assert change["psk-empty-identity"]["asserted"] is (not was)
    assert change["psk-empty-identity"]["used"] is (not was)
    assert change["psk-empty-identity"]["disagrees"] is True
    assert change["psk-empty-identity"]["note"].startswith(want[len("psk-empty-identity: "):])

    base = tmp_path / "forced"
    proc = subprocess.run([ticketlab, "conformance", "--expectations", str(TABLE), "--filter", ROW,
                           "--expect-change", f"psk-empty-identity={forced}",
                           "--format", "table,json,junit,svg", "-o", str(base)],
                          capture_output=True, text=True, timeout=120, env=_env())
    assert_clean(proc)
    assert proc.returncode == 1, proc.stderr          # the row differs: a regression
    report = json.loads((tmp_path / "forced.json").read_text())
    assert report["summary"]["failed"] == 1
    assert report["changes_disagree"] == n
    assert [c["name"] for c in report["changes"] if c["disagrees"]] == differ
    table = (tmp_path / "forced.txt").read_text()
    verb = "change differs" if n == 1 else "changes differ"
    assert f"Ticket behaviour: {n} {verb} from upstream history or from what is asserted:" in table
    assert f"\n  {want}" in table
    props = {p.get("name"): p.get("value")
             for p in ET.parse(tmp_path / "forced.xml").getroot().iter("property")}
    assert props["changes.disagreements"] == str(n)
    assert props["change.psk-empty-identity"].startswith(want[len("psk-empty-identity: "):])
    svg = (tmp_path / "forced.svg").read_text()
    assert "ticket behaviour: psk-empty-identity: asserted" in svg
    ET.fromstring(svg)   # still well-formed

    # The same row with the detected answer asserted passes, and nothing disagrees.
    proc = subprocess.run([ticketlab, "conformance", "--expectations", str(TABLE), "--filter", ROW,
                           "--expect-change", f"psk-empty-identity={'yes' if was else 'no'}",
                           "--format", "json"], capture_output=True, text=True, timeout=120, env=_env())
    assert proc.returncode == 0, proc.stderr
    # (A patched build's own change still disagrees with history: count it.)
    baseline = sum(1 for c in detected.values() if c["detected"] != c["history"])
    assert json.loads(proc.stdout)["changes_disagree"] == baseline


@pytest.mark.parametrize("args, env, message", [
    (["conformance", "--changes", "--expect-change", "bogus=yes"], {},
     "ticketlab conformance: --expect-change unknown change 'bogus' (ticketlab conformance --changes lists them)"),
    (["conformance", "--changes", "--expect-change", "psk-empty-identity=perhaps"], {},
     "ticketlab conformance: --expect-change change psk-empty-identity: 'perhaps' is not yes or no"),
    (["conformance", "--changes"], {"TICKETLAB_EXPECT_CHANGES": "bogus=yes"},
     "ticketlab conformance: TICKETLAB_EXPECT_CHANGES: unknown change 'bogus' "
     "(ticketlab conformance --changes lists them)"),
    (["--version"], {"TICKETLAB_EXPECT_CHANGES": "psk-empty-identity"},
     "ticketlab --version: TICKETLAB_EXPECT_CHANGES: 'psk-empty-identity' is not NAME=yes|no"),
])
def test_a_bad_assertion_is_a_usage_error(ticketlab, args, env, message):
    proc = subprocess.run([ticketlab, *args], capture_output=True, text=True, timeout=60, env=_env(**env))
    assert_clean(proc)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [message]


def test_openssl_version_variable_moves_history_only(ticketlab, detected):
    """TICKETLAB_OPENSSL_VERSION names another release for the history lookups:
    detection and the engine still follow the loaded library, and the
    disagreement is what --changes reports."""
    other = "3.0.14" if detected["psk-empty-identity"]["detected"] else "3.0.22"
    report = _changes(ticketlab, TICKETLAB_OPENSSL_VERSION=other)
    assert report["release"] == other
    c = {c["name"]: c for c in report["changes"]}["psk-empty-identity"]
    assert c["detected"] == detected["psk-empty-identity"]["detected"] == c["used"]
    assert c["history"] is (not c["detected"]) and c["disagrees"] is True
    assert c["note"].endswith(f"this is {other}: {'backported?' if c['detected'] else 'reverted?'})")
