"""`ticketlab conformance --compare A.json B.json`: what changed between two
runs. A is a real run on a few rows; B is A edited by hand (one row's
tickets, one row's status, another release), so the differences are known.
Checks the table, JSON and SVG forms, the exit codes, and that a broken
report gives a one-line error and no output file."""
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import assert_clean

# Leak checking is conformance-leaks' job in ctest (see test_conformance.py).
ENV = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
FILTER = "matrix.tls13.evp-cb.SUCCESS*"
RELEASE_B = "3.99.1"
SVG = "{http://www.w3.org/2000/svg}"


def conformance(ticketlab, *args, cwd=None):
    proc = subprocess.run([ticketlab, "conformance", *map(str, args)], capture_output=True,
                          text=True, timeout=600, env=ENV, cwd=cwd)
    assert_clean(proc)
    return proc


@pytest.fixture(scope="module")
def runs(ticketlab, repo, tmp_path_factory):
    """a.json from a real run, b.json = a.json with one row's tickets=2 made
    tickets=0 and another row's status made n/a, on another release."""
    d = tmp_path_factory.mktemp("compare")
    a, b = d / "a.json", d / "b.json"
    proc = conformance(ticketlab, "--expectations", repo / "conformance" / "expectations.tl",
                       "--filter", FILTER, "--format", "json", "-o", a)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(a.read_text())
    assert len(data["rows"]) >= 4
    for r in data["rows"]:
        assert r["observed_text"] == r["observed"]["line"], r["name"]
    tickets_row = next(r for r in data["rows"] if " tickets=2 " in r["observed_text"])
    tickets_row["observed_text"] = tickets_row["observed_text"].replace(" tickets=2 ", " tickets=0 ")
    status_row = next(r for r in data["rows"] if r["status"] == "pass" and r is not tickets_row)
    status_row["status"] = "n/a"
    release_a = data["release"]
    data["release"] = RELEASE_B
    data["openssl"] = f"OpenSSL {RELEASE_B} (edited by test_compare.py)"
    b.write_text(json.dumps(data, indent=1))
    return dict(dir=d, a=a, b=b, tickets=tickets_row["name"], status=status_row["name"],
                release_a=release_a, rows=len(data["rows"]))


def test_table_names_the_rows_and_fields(ticketlab, runs):
    proc = conformance(ticketlab, "--compare", runs["a"], runs["b"])
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout
    assert out.startswith(f"OpenSSL {runs['release_a']} -> OpenSSL {RELEASE_B}\n")
    assert "tickets changed in 1 row (A -> B):" in out
    assert re.search(rf"^  {re.escape(runs['tickets'])} +2 -> 0$", out, re.M), out
    assert "Status changed in 1 row (A -> B):" in out
    assert re.search(rf"^  {re.escape(runs['status'])} +pass -> n/a$", out, re.M), out
    assert f"{runs['rows']} rows in both: 2 differ" in out
    assert "0 only in A, 0 only in B" in out and "Only in" not in out


def test_identical_runs_agree(ticketlab, runs):
    proc = conformance(ticketlab, "--compare", runs["a"], runs["a"])
    assert proc.returncode == 0, proc.stderr
    assert "No differences" in proc.stdout
    assert proc.stderr == ""


def test_json_lists_the_change(ticketlab, runs):
    proc = conformance(ticketlab, "--compare", runs["a"], runs["b"], "--format", "json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["a"]["release"] == runs["release_a"] and doc["b"]["release"] == RELEASE_B
    assert doc["same"] is False
    changed = {r["name"]: r for r in doc["changed"]}
    assert set(changed) == {runs["tickets"], runs["status"]}
    assert changed[runs["tickets"]]["fields"] == {"tickets": {"a": "2", "b": "0"}}
    assert changed[runs["tickets"]]["status_changed"] is False
    assert changed[runs["status"]]["status"] == {"a": "pass", "b": "n/a"}
    assert changed[runs["status"]]["fields"] == {}
    assert doc["only_a"] == [] and doc["only_b"] == []
    assert doc["summary"]["differ"] == 2 and doc["summary"]["fields"]["tickets"] == 1


def test_svg_is_well_formed_and_names_both(ticketlab, runs):
    out = runs["dir"] / "diff.svg"
    proc = conformance(ticketlab, "--compare", runs["a"], runs["b"], "--format", "svg", "-o", out)
    assert proc.returncode == 1
    root = ET.parse(out).getroot()
    assert root.tag == SVG + "svg"
    texts = ["".join(t.itertext()) for t in root.iter(SVG + "text")]
    assert f"ticketlab conformance: OpenSSL {runs['release_a']} \u2192 OpenSSL {RELEASE_B}" in texts
    titles = [t.text for t in root.iter(SVG + "title")]
    assert f"{runs['tickets']}: tickets: 2 \u2192 0" in titles
    assert f"{runs['status']}: status: pass \u2192 n/a" in titles


def test_output_file_is_written_whole(ticketlab, runs):
    out = runs["dir"] / "diff.txt"
    proc = conformance(ticketlab, "--compare", runs["a"], runs["b"], "-o", out)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "differ" in proc.stderr
    assert out.read_text().startswith(f"OpenSSL {runs['release_a']} -> OpenSSL {RELEASE_B}\n")
    assert not [p for p in os.listdir(runs["dir"]) if ".tmp." in p]


@pytest.mark.parametrize("damage", ["truncated", "not-json", "no-observed-text"])
def test_broken_report_is_one_line_and_writes_nothing(ticketlab, runs, tmp_path, damage):
    text = runs["b"].read_text()
    bad = tmp_path / "broken.json"
    if damage == "truncated":
        bad.write_text(text[: len(text) // 2])
    elif damage == "not-json":
        bad.write_text("{\"rows\": [1, 2,]}")
    else:
        cut = re.sub(r'"observed_text": "[^"]*",\s*', "", text, count=1)
        assert cut != text
        bad.write_text(cut)
    out = tmp_path / "out.txt"
    proc = conformance(ticketlab, "--compare", runs["a"], bad, "-o", out)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"ticketlab conformance: {bad}: "), lines[0]
    if damage != "no-observed-text":
        assert "byte " in lines[0]
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == ["broken.json"]


def test_usage_errors(ticketlab, runs):
    assert conformance(ticketlab, "--compare", runs["a"]).returncode == 2
    assert conformance(ticketlab, "--compare", runs["a"], "--format", "json").returncode == 2
    proc = conformance(ticketlab, "--compare", runs["a"], runs["b"], "--format", "junit")
    assert proc.returncode == 2 and "table, json or svg" in proc.stderr
    proc = conformance(ticketlab, "--compare", runs["a"], runs["b"], "--filter", "x*")
    assert proc.returncode == 2
    proc = conformance(ticketlab, "--compare", runs["a"], runs["dir"] / "missing.json")
    assert proc.returncode == 2 and "missing.json: cannot open" in proc.stderr
    assert "--compare A.json B.json" in conformance(ticketlab, "--help").stdout
