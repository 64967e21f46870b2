"""The "Unexplained" section of the conformance reports: failed rows that no
named OpenSSL change explains, with the fields that differ and the nearest
reference release (docs/releases.md, src/report/unexplained.h).

A copy of the table with two rows' expectations altered stands for a library
that changed behaviour: those two rows must be listed, nothing else."""
import json
import shutil
import subprocess
import sys

import pytest

from conftest import REPO, assert_clean

ROWS = "cipher.*"
CHANGED = {"cipher.tls13.same-suite": ("tickets=0", "tickets=3"),
           "cipher.tls12.other-cipher": ("reused=1/1", "reused=0/1")}


def altered_table(tmp_path):
    """expectations.tl with the two rows' pinned outcomes changed."""
    lines = []
    for line in (REPO / "conformance" / "expectations.tl").read_text().splitlines():
        name = line.split(" | ")[0]
        if name in CHANGED:
            old, new = CHANGED[name]
            cols = line.split(" | ")
            assert old in cols[2], (name, cols[2])
            cols[2] = cols[2].replace(old, new, 1)
            line = " | ".join(cols)
        lines.append(line)
    table = tmp_path / "table" / "expectations.tl"
    table.parent.mkdir()
    table.write_text("\n".join(lines) + "\n")
    return table


def reference_of_this_release(run, tmp_path):
    """A reference report of the unaltered table on the running OpenSSL."""
    out = tmp_path / "run.json"
    p = run("conformance", "--filter", ROWS, "--format", "json", "-o", out)
    assert p.returncode == 0, p.stderr
    release = json.loads(out.read_text())["release"]
    refs = tmp_path / "refs"
    refs.mkdir()
    subprocess.run([sys.executable, str(REPO / "ci" / "reference.py"), str(out),
                    str(refs / f"{release}.json")], check=True)
    return refs, release


def test_changed_rows_are_gathered_with_their_fields_and_nearest_release(run, tmp_path):
    if next((n for n in CHANGED if n not in (REPO / "conformance" / "expectations.tl").read_text()), None):
        pytest.fail("the table lost a row this test alters")
    refs, release = reference_of_this_release(run, tmp_path)
    # An older reference with another outcome for one of the rows: not the nearest.
    older = json.loads((refs / f"{release}.json").read_text())
    older["release"] = "1.0.0"
    (refs / "1.0.0.json").write_text(json.dumps(older))
    table = altered_table(tmp_path)
    base = tmp_path / "report"
    p = run("conformance", "--expectations", table, "--reference", refs, "--filter", ROWS,
            "--format", "table,json", "-o", base)
    assert_clean(p)
    assert p.returncode == 1
    text = (tmp_path / "report.txt").read_text()
    section = text[text.index("Unexplained: "):].split("\n\n")[0]
    assert section.startswith(f"Unexplained: 2 rows changed on OpenSSL {release} and no named change explains them")
    assert "fields that differ: reused (1), tickets (1)" in section
    assert f"nearest reference: OpenSSL {release} ({refs}/{release}.json)" in section
    assert "    tickets  expected 3, observed 0; " + release + " observed 0" in section
    assert "    reused   expected 0/1, observed 1/1; " + release + " observed 1/1" in section
    assert section.count("observed the same: 1.0.0, " + release) == 2
    # Only the two rows: no wall of unrelated failures.
    listed = [line.strip() for line in section.splitlines() if line.startswith("  cipher.")]
    assert sorted(listed) == sorted(CHANGED)

    doc = json.loads((tmp_path / "report.json").read_text())
    u = doc["unexplained"]
    assert u["count"] == 2 and u["nearest_reference"] == release
    assert u["fields"] == {"reused": 1, "tickets": 1}
    by_name = {r["name"]: r for r in u["rows"]}
    assert by_name["cipher.tls13.same-suite"]["fields"] == {
        "tickets": {"expected": "3", "observed": "0", "nearest": "0"}}
    assert by_name["cipher.tls13.same-suite"]["observed_like"] == ["1.0.0", release]


def test_a_passing_run_has_an_empty_section(run, tmp_path):
    base = tmp_path / "report"
    p = run("conformance", "--filter", ROWS, "--format", "table,json", "-o", base)
    assert p.returncode == 0, p.stderr
    assert "Unexplained" not in (tmp_path / "report.txt").read_text()
    u = json.loads((tmp_path / "report.json").read_text())["unexplained"]
    assert u["count"] == 0 and u["rows"] == [] and u["nearest_reference"] is None


def test_without_references_the_section_says_where_it_looked(run, tmp_path):
    table = altered_table(tmp_path)
    p = run("conformance", "--expectations", table, "--filter", ROWS)
    assert p.returncode == 1
    # Default: reference/ beside the table, which this copy has not.
    assert f"no reference report to compare with (looked in {table.parent}/reference)" in p.stdout


def test_a_broken_reference_is_one_line_naming_it(run, tmp_path):
    table = altered_table(tmp_path)
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "3.0.1.json").write_text('{"release": "3.0.1", "rows": [')
    p = run("conformance", "--expectations", table, "--reference", refs, "--filter", ROWS)
    assert_clean(p)
    assert p.returncode == 2
    assert len(p.stderr.strip().splitlines()) == 1 and "3.0.1.json" in p.stderr


def test_the_reference_writer_keeps_only_what_compare_reads(run, tmp_path):
    out = tmp_path / "run.json"
    run("conformance", "--filter", ROWS, "--format", "json", "-o", out)
    ref = tmp_path / "ref.json"
    subprocess.run([sys.executable, str(REPO / "ci" / "reference.py"), str(out), str(ref)], check=True)
    doc = json.loads(ref.read_text())
    assert set(doc) == {"release", "openssl", "rows"}
    assert all(set(r) == {"name", "status", "observed_text"} for r in doc["rows"])
    # --compare reads it: the run against its own reference agrees.
    p = run("conformance", "--compare", ref, out)
    assert p.returncode == 0, p.stdout + p.stderr
    shutil.copy(ref, tmp_path / "again.json")
    subprocess.run([sys.executable, str(REPO / "ci" / "reference.py"), str(out), str(ref)], check=True)
    assert ref.read_bytes() == (tmp_path / "again.json").read_bytes()
