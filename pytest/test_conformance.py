"""`ticketlab conformance`: each report format parses, the JSON carries every
row of the table, exit codes, and a deliberately wrong expectation fails the
run and names the row."""
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import assert_clean

ENV = dict(os.environ)


@pytest.fixture(scope="module")
def table(repo):
    return repo / "conformance" / "expectations.tl"


def row_names(path):
    names = []
    for line in open(path):
        # Rows start at the margin; "  since CHANGE | ..." lines belong to the row above.
        if line.strip() and not line.startswith("#") and not line[0].isspace():
            names.append(line.split("|")[0].strip())
    return names


def conformance(ticketlab, table, *args):
    proc = subprocess.run([ticketlab, "conformance", "--expectations", str(table), *map(str, args)],
                          capture_output=True, text=True, timeout=600, env=ENV)
    assert_clean(proc)
    return proc


@pytest.fixture(scope="module")
def reports(ticketlab, table, tmp_path_factory):
    """The whole suite, run once, written in all four formats (BASE.txt/.json/.xml/.svg)."""
    base = tmp_path_factory.mktemp("conf") / "report"
    proc = conformance(ticketlab, table, "--format", "table,json,junit,svg", "-o", base)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    return {ext: base.with_suffix("." + ext) for ext in ("txt", "json", "xml", "svg")}


@pytest.fixture(scope="module")
def full_json(reports):
    return json.loads(reports["json"].read_text())


def test_table_has_at_least_400_rows(table):
    names = row_names(table)
    assert len(names) >= 400
    assert len(names) == len(set(names))


def test_json_has_every_row_and_all_pass(full_json, table):
    names = [r["name"] for r in full_json["rows"]]
    assert names == row_names(table)
    assert full_json["summary"]["failed"] == 0 and full_json["summary"]["errors"] == 0
    for r in full_json["rows"]:
        if r["status"] == "n/a" and r["observed_text"] is None:
            # The library lacks the API the row needs (docs/libraries.md): not
            # run, and the reason names the library and the call.
            assert " has no " in r["why"], r["name"]
        elif r["status"] == "n/a":
            # The case cannot occur on this release: no pin, but the observed
            # outcome is the engine's model of this release, and the reason shows.
            assert r["since"] and r["expected_text"] == "n/a", r["name"]
            assert r["observed"]["line"] == r["predicted"]["line"], r["name"]
        else:
            assert r["status"] == "pass", r["name"]
            assert r["observed"]["line"] == r["expected"]["line"] == r["predicted"]["line"], r["name"]
        assert r["why"] and r["why"] != "-", r["name"]
    assert full_json["release"] == full_json["openssl"].split()[1]


def test_every_status_return_version_triple(full_json):
    """Every (status, return, TLS version) triple OpenSSL can produce is checked;
    the ones this release cannot produce are n/a rows, each with its reason."""
    seen = set()
    for r in full_json["rows"]:
        m = re.match(r"matrix\.tls1(\d)\.[\w-]+\.(\w+)\.(\w+)$", r["name"])
        if m and r["status"] == "n/a":
            ret = "RETURN_99" if m.group(3) == "99" else m.group(3)
            seen.add((m.group(2), ret, "1." + m.group(1)))
    for r in full_json["rows"]:
        for m in re.finditer(r"dcb:(\w+):[^:]*:[^=]*=(\w+)", r["observed"]["log"]):
            tls = "1.2" if "tls=1.2" in r["scenario"] else "1.3"
            seen.add((m.group(1), m.group(2), tls))
    for tls in ("1.2", "1.3"):
        for status in ("EMPTY", "NO_DECRYPT", "SUCCESS", "SUCCESS_RENEW"):
            for ret in ("ABORT", "IGNORE", "IGNORE_RENEW", "USE", "USE_RENEW", "RETURN_99"):
                assert (status, ret, tls) in seen, (status, ret, tls)


def test_gaps_are_listed(full_json):
    gaps = [r for r in full_json["rows"] if r["documented"]]
    assert len(gaps) >= 5


def test_junit_parses_and_reports_no_failures(reports, full_json):
    root = ET.parse(reports["xml"]).getroot()
    assert root.tag == "testsuites" and root.get("failures") == "0"
    cases = root.findall(".//testcase")
    assert len(cases) == int(root.get("tests")) == len(full_json["rows"])


def test_svg_is_well_formed(reports):
    root = ET.parse(reports["svg"]).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert int(root.get("width")) > 0
    assert len(root.findall(".//{http://www.w3.org/2000/svg}rect")) > 100


def test_table_report_counts_every_row(reports, full_json):
    """The four reports come from one run: the table's summary counts what the JSON lists."""
    text = reports["txt"].read_text()
    s = full_json["summary"]
    assert f"{s['rows']} rows: {s['passed']} passed, {s['failed']} failed" in text


def test_several_formats_need_a_base_name(ticketlab, table, tmp_path):
    for args, message in ((["--format", "json,svg"], "-o BASE names them"),
                          (["--format", "json,json", "-o", tmp_path / "r"], "json is given twice"),
                          (["--format", "json,xml", "-o", tmp_path / "r"], "--format xml: use table")):
        proc = conformance(ticketlab, table, *args)
        assert_clean(proc)
        assert proc.returncode == 2
        assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_table_format_and_tls_filter(ticketlab, table):
    proc = conformance(ticketlab, table, "--tls", "1.2", "--filter", "keycb.*")
    assert proc.returncode == 0
    assert "keycb.tls12.evp-cb.dec2" in proc.stdout
    assert "keycb.tls13" not in proc.stdout
    assert re.search(r"\d+ rows: \d+ passed, 0 failed", proc.stdout)


def test_wrong_expectation_fails_and_names_the_row(ticketlab, table, tmp_path):
    bad = tmp_path / "bad.tl"
    lines = open(table).read().splitlines()
    target = "matrix.tls13.evp-cb.SUCCESS.USE"
    for i, line in enumerate(lines):
        if line.startswith(target + " "):
            assert "tickets=0" in line
            lines[i] = line.replace("tickets=0", "tickets=1", 1)
    bad.write_text("\n".join(lines) + "\n")
    proc = conformance(ticketlab, bad, "--filter", "matrix.tls13.evp-cb.SUCCESS.*")
    assert proc.returncode == 1
    assert "FAIL " + target in proc.stdout
    assert "tickets: want 1, got 0" in proc.stdout
    out = tmp_path / "bad.xml"
    proc = conformance(ticketlab, bad, "--filter", "matrix.tls13.evp-cb.SUCCESS.*",
                       "--format", "junit", "-o", out)
    assert proc.returncode == 1
    root = ET.parse(out).getroot()
    assert root.get("failures") == "1"
    failed = [c.get("name") for c in root.iter("testcase") if c.find("failure") is not None]
    assert failed == [target]


def test_usage_errors(ticketlab, table):
    assert conformance(ticketlab, table, "--format", "pdf").returncode == 2
    assert conformance(ticketlab, table, "--tls", "1.1").returncode == 2
    proc = subprocess.run([ticketlab, "conformance", "--expectations", "/nonexistent.tl"],
                          capture_output=True, text=True, env=ENV)
    assert proc.returncode == 2 and "nonexistent" in proc.stderr


def _sanitized(ticketlab):
    with open(ticketlab, "rb") as f:
        return b"__asan_init" in f.read()


def _detected(ticketlab, name):
    proc = subprocess.run([ticketlab, "conformance", "--changes", "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return {c["name"]: c for c in json.loads(proc.stdout)["changes"]}[name]["detected"]


def test_known_openssl_leak_is_excused_only_where_it_exists(ticketlab, table):
    """The TLS 1.3 ABORT row leaks a session inside OpenSSL before 3.0.21/3.5.7/3.6.3.
    The binary excuses that one object where detection finds the leak, with
    LeakSanitizer on; asserted fixed (--expect-change psk-abort-frees-session=yes,
    what a maintainer whose build carries the fix says), the same leak is reported."""
    if not _sanitized(ticketlab):
        pytest.skip("needs the ASan build (ci/test.sh)")
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1")
    row = ["--filter", "matrix.tls13.evp-cb.SUCCESS.ABORT"]
    proc = subprocess.run([ticketlab, "conformance", "--expectations", str(table), *row],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "LeakSanitizer" not in proc.stderr
    if _detected(ticketlab, "psk-abort-frees-session") is False:
        proc = subprocess.run([ticketlab, "conformance", "--expectations", str(table), *row,
                               "--expect-change", "psk-abort-frees-session=yes"],
                              capture_output=True, text=True, timeout=120, env=env)
        assert proc.returncode != 0
        assert "LeakSanitizer: detected memory leaks" in proc.stderr
        assert "d2i_SSL_SESSION" in proc.stderr or "CRYPTO_zalloc" in proc.stderr


@pytest.mark.parametrize("scenario, message", [
    ("replay=1", "replay=1 needs a presented ticket (present=newest, say)"),
    ("tls=1.3 tls=1.2", "scenario field tls is given twice"),
    ("cipher=", "scenario field cipher: bad value '' (takes LIST)"),
    ("groups=", "scenario field groups: bad value '' (takes LIST)"),
    ("nt=9", "scenario field nt: bad value '9' (takes a number from 0 to 8)"),
    ("keys=hsm", "scenario field keys: bad value 'hsm' (takes evp-cb|legacy-cb|builtin|set-keys|aead)"),
    ("colour=red", "unknown scenario field 'colour' (ticketlab conformance --fields lists them)"),
])
def test_a_bad_scenario_is_one_clear_line(ticketlab, scenario, message):
    """Scenario text that cannot mean what it says is refused, not guessed at."""
    proc = subprocess.run([ticketlab, "conformance", "--scenario", scenario],
                          capture_output=True, text=True, timeout=60)
    assert_clean(proc)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [f"ticketlab conformance: {message}"]


def test_fields_lists_every_field_the_table_uses(ticketlab, table):
    """--fields documents each field once; every field the shipped table uses is there."""
    proc = subprocess.run([ticketlab, "conformance", "--fields", "--format", "json"],
                          capture_output=True, text=True, timeout=60)
    assert_clean(proc)
    assert proc.returncode == 0
    fields = json.loads(proc.stdout)
    names = [f["name"] for f in fields]
    assert len(names) == len(set(names)) >= 29
    assert all(f["doc"] and f["syntax"] for f in fields)
    by_name = {f["name"]: f for f in fields}
    assert by_name["tls"]["default"] == "1.3" and by_name["keys"]["default"] == "evp-cb"
    assert by_name["present"]["syntax"].split("|")[:3] == ["none", "empty", "newest"]
    used = set()
    for line in table.read_text().splitlines():
        if line.startswith("#") or line.count("|") < 3 or line.startswith(" "):
            continue
        used |= {item.split("=")[0] for item in line.split("|")[1].split()}
    assert used and used <= set(names), used - set(names)
    text = subprocess.run([ticketlab, "conformance", "--fields"], capture_output=True, text=True,
                          timeout=60)
    assert text.returncode == 0
    assert [ln.split()[0] for ln in text.stdout.splitlines() if not ln.startswith("   ")] == names


def test_conformance_report_is_written_whole(ticketlab, table, tmp_path):
    """-o never writes through a symlink or leaves a cut report; stdout errors count."""
    target = tmp_path / "target.txt"
    target.write_text("keep me\n")
    link = tmp_path / "report.json"
    link.symlink_to(target)
    rows = ["--filter", "matrix.tls12.evp-cb.SUCCESS.*"]
    proc = conformance(ticketlab, table, *rows, "--format", "json", "-o", link)
    assert proc.returncode == 0, proc.stderr
    assert target.read_text() == "keep me\n"
    assert json.loads(link.read_text())["summary"]["passed"] == 6
    with open("/dev/full", "w") as full:
        proc = subprocess.run([ticketlab, "conformance", "--expectations", str(table), *rows],
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=300, env=ENV)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == \
        ["ticketlab conformance: <stdout>: cannot write: No space left on device"]


def test_version_names_both_openssls(ticketlab, full_json):
    """--version says which ticketlab, the OpenSSL it was built with and the one
    loaded now (they can differ), its release line, and whether its ticket
    behaviour, as detected, is what upstream history has for that release."""
    env = {k: v for k, v in os.environ.items() if k != "TICKETLAB_EXPECT_CHANGES"}
    proc = subprocess.run([ticketlab, "--version"], capture_output=True, text=True, timeout=30, env=env)
    assert_clean(proc)
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert len(lines) == 4 + full_json["changes_disagree"]
    assert re.match(r"ticketlab \d+\.\d+\.\d+", lines[0])
    assert re.match(r"built with OpenSSL \d+\.\d+\.\d+", lines[1])
    assert lines[2] == f"running on {full_json['openssl']} (release line {full_json['engine']})"
    assert lines[3].startswith("ticket behaviour: ")


# ---- issue 24: a selection that matches nothing is not a pass ----------------------------

@pytest.mark.parametrize("select", [["--filter", "no-such-row"],
                                    ["--filter", "keycb.*", "--exclude", "keycb*"],
                                    ["--filter", "matrix.tls13.*", "--tls", "1.2"],
                                    ["--filter", ""]],
                         ids=["typo", "all-excluded", "tls-mismatch", "empty-pattern"])
def test_a_selection_of_no_row_is_a_usage_error(ticketlab, table, tmp_path, select):
    """Issue 24 fault 6: `--filter no-such-row` gave rc 0 and "0 rows: 0
    passed", so a typo in CI passed for ever. Now exit 2 with one line
    naming the table and the selection, and no report is written;
    --allow-empty makes it the old empty, passing run."""
    out = tmp_path / "report.json"
    proc = conformance(ticketlab, table, *select, "--format", "json", "-o", out)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"ticketlab conformance: {table}: no row matches --filter '{select[1]}'")
    assert lines[0].endswith(": nothing would be checked (check the pattern, or pass --allow-empty)")
    assert not out.exists()
    proc = conformance(ticketlab, table, *select, "--allow-empty", "--format", "json", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text())["summary"]["rows"] == 0
    proc = subprocess.run([ticketlab, "conformance", "--compare", out, out], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2, proc.stdout
    assert proc.stderr == (f"ticketlab conformance: --compare: {out} and {out} hold no rows: nothing "
                           "to compare (--allow-empty accepts that)\n")
    proc = subprocess.run([ticketlab, "conformance", "--compare", out, out, "--allow-empty"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "No differences" in proc.stdout, proc.stderr
    assert "--allow-empty" in conformance(ticketlab, table, "--help").stdout
