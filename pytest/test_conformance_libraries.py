"""The library dimension (docs/libraries.md), against whichever TLS library the
build links: OpenSSL 3, BoringSSL or AWS-LC. The matrix runs this module on
every library; on BoringSSL and AWS-LC it is the pytest module that applies.

What a maintainer reads: --version names the library (and its commit); every
row passes or is n/a with a reason that names the library and the missing
call; the key-callback rows run everywhere and give each library's own answer;
validate runs a key-callback plug-in; --compare between two libraries' reports
is the side-by-side table.
"""
import json
import subprocess

import pytest

from conftest import assert_clean


def library(ticketlab):
    out = subprocess.run([ticketlab, "--version"], capture_output=True, text=True, timeout=60)
    assert_clean(out)
    line = [l for l in out.stdout.splitlines() if l.startswith("running on ")][0]
    for name in ("BoringSSL", "AWS-LC"):
        if line.startswith(f"running on {name} "):
            return name, line
    return "OpenSSL", line


@pytest.fixture(scope="module")
def report(ticketlab, tmp_path_factory):
    path = tmp_path_factory.mktemp("libs") / "conformance.json"
    proc = subprocess.run([ticketlab, "conformance", "--format", "json", "-o", str(path)],
                          capture_output=True, text=True, timeout=600)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(path.read_text())


def rows(report):
    return {r["name"]: r for r in report["rows"]}


def test_version_names_the_library(ticketlab):
    name, line = library(ticketlab)
    if name == "OpenSSL":
        assert "release line" in line
    else:
        # "running on BoringSSL a0689af29e8e (BoringSSL's rules: docs/libraries.md)"
        word = line.split()[3]
        assert len(word) >= 7 and all(c in "0123456789abcdef" for c in word), line
        assert "docs/libraries.md" in line


def test_every_row_passes_or_is_na_with_a_reason(ticketlab, report):
    name, _ = library(ticketlab)
    s = report["summary"]
    assert s["failed"] == 0 and s["errors"] == 0
    assert s["passed"] >= 70        # the key-callback rows run on every library
    for r in report["rows"]:
        assert r["status"] in ("pass", "n/a"), r["name"]
        if r["status"] == "n/a" and name != "OpenSSL":
            assert r["why"].startswith(name), (r["name"], r["why"])
            assert r["observed_text"] is None   # not run


def test_decrypt_callback_rows_are_na_off_openssl(ticketlab, report):
    name, _ = library(ticketlab)
    r = rows(report)["matrix.tls13.evp-cb.SUCCESS.USE"]
    if name == "OpenSSL":
        assert r["status"] == "pass"
    else:
        assert r["status"] == "n/a"
        assert "has no SSL_CTX_set_session_ticket_cb" in r["why"]


def test_key_callback_rows_give_each_library_its_answer(ticketlab, report):
    """TLS 1.3 after a resumption: OpenSSL sends no ticket, BoringSSL and AWS-LC
    send num_tickets (2) with a two-day lifetime; a HelloRetryRequest decrypts
    the ticket twice on OpenSSL, once on the others."""
    name, _ = library(ticketlab)
    got = rows(report)
    newest = got["lib.tls13.newest"]["observed_text"]
    hrr = got["lib.tls13.hrr.newest"]["observed_text"]
    if name == "OpenSSL":
        assert "tickets=0" in newest
        assert "log=kdec:r1=1,kdec:r1=1" in hrr
    else:
        assert "tickets=2 hints=172800,172800" in newest
        assert "log=kdec:r1=1,kenc:r1=1,kenc:r1=1" in hrr
    for n in ("lib.tls12.kdec2", "lib.tls13.kdec-1", "lib.tls12.unknown-key"):
        assert got[n]["status"] == "pass", n


def test_awslc_kenc0_rows_are_not_run(ticketlab, report):
    name, _ = library(ticketlab)
    r = rows(report)["lib.tls12.kenc0.full"]
    if name == "AWS-LC":
        assert r["status"] == "n/a" and "NULL dereference" in r["why"]
    else:
        assert r["status"] == "pass" and "hints=" in r["observed_text"]


def test_compare_with_a_report_of_another_library(ticketlab, report, tmp_path):
    """--compare reads two reports; here the same report against a copy whose
    lib.tls13.newest row says what the other side of the table says."""
    other = json.loads(json.dumps(report))
    for r in other["rows"]:
        if r["name"] == "lib.tls13.newest":
            r["observed_text"] = r["observed_text"].replace("tickets=", "tickets=9")
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(report))
    b.write_text(json.dumps(other))
    proc = subprocess.run([ticketlab, "conformance", "--compare", str(a), str(b)],
                          capture_output=True, text=True, timeout=60)
    assert_clean(proc)
    assert "lib.tls13.newest" in proc.stdout


def test_validate_runs_a_key_callback_plugin(ticketlab, build_dir):
    name, _ = library(ticketlab)
    plugin = build_dir / "lib" / "libtl_example_legacy_hmac.so"
    proc = subprocess.run([ticketlab, "validate", "--plugin", str(plugin), "--format", "json"],
                          capture_output=True, text=True, timeout=300)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    doc = json.loads(proc.stdout)
    checks = {c["name"]: c for c in doc["checks"]}
    assert checks["row.tls13.fresh"]["verdict"] == "pass"
    assert checks["tamper.mac"]["verdict"] == "pass"
    if name != "OpenSSL":
        assert checks["decrypt-cb"]["verdict"] == "skip"
        assert "has no SSL_CTX_set_session_ticket_cb" in json.dumps(checks["decrypt-cb"])


def test_determinism(ticketlab):
    """The same seed, the same bytes: on OpenSSL (our RAND provider) and on a
    -DFUZZ=1 BoringSSL or AWS-LC (RAND_reset_for_fuzzing at every world reset).
    A plain BoringSSL or AWS-LC draws from the kernel: the tickets differ, the
    outcomes (everything but the ticket bytes) do not."""
    out = subprocess.run([ticketlab, "--version"], capture_output=True, text=True, timeout=60).stdout
    name, _ = library(ticketlab)
    runs = []
    for _ in range(2):
        proc = subprocess.run([ticketlab, "handshake", "--json", "--resume", "1", "--key-source", "legacy-cb"],
                              capture_output=True, text=True, timeout=60)
        assert_clean(proc)
        assert proc.returncode == 0
        runs.append(json.loads(proc.stdout))
    if name == "OpenSSL" or "FUZZ build" in out:
        assert runs[0] == runs[1]
    else:
        for r in runs:
            for hs in r["handshakes"]:
                for t in hs["tickets"]:
                    t.pop("ticket", None)
        assert runs[0] == runs[1]
