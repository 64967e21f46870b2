"""`ticketlab conformance -j N`: the rows run in worker processes, and the
reports are those of one process, row for row and byte for byte apart from
the timings; a worker that crashes or ends badly fails the run and is named,
never a silent pass; a nonsense -j is a usage error."""
import json
import os
import re
import resource
import shutil
import subprocess

import pytest

from conftest import assert_clean

FORMATS = ("txt", "json", "xml", "svg")

# The only bytes that may differ between two runs: wall-clock timings.
TIMINGS = [
    (re.compile(r'"seconds": [0-9.]+'), '"seconds": T'),
    (re.compile(r'time="[0-9.]+"'), 'time="T"'),
    (re.compile(r'[0-9]+\.[0-9]+ s \([0-9]+ rows/s\)'), 'T s (T rows/s)'),
    (re.compile(r' &#183; [0-9]+\.[0-9]+ s</text>'), ' &#183; T s</text>'),
]


def without_timings(text):
    for pattern, repl in TIMINGS:
        text = pattern.sub(repl, text)
    return text


@pytest.fixture(scope="module")
def table(repo):
    return repo / "conformance" / "expectations.tl"


def conformance(ticketlab, table, *args, env=None, check_clean=True):
    proc = subprocess.run([ticketlab, "conformance", "--expectations", str(table), *map(str, args)],
                          capture_output=True, text=True, timeout=900, env=env or dict(os.environ),
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0)))
    if check_clean:
        assert_clean(proc)
    return proc


def run_reports(ticketlab, table, base, *args, env=None):
    proc = conformance(ticketlab, table, "--format", "table,json,junit,svg", "-o", base, *args, env=env)
    return proc, {ext: base.with_suffix("." + ext).read_text() for ext in FORMATS}


@pytest.fixture(scope="module")
def one_process(ticketlab, table, tmp_path_factory):
    base = tmp_path_factory.mktemp("j1") / "report"
    proc, reports = run_reports(ticketlab, table, base, "-j", 1)
    assert proc.returncode == 0, proc.stderr
    return base, reports


@pytest.mark.parametrize("jobs", [2, 3])
def test_the_reports_are_those_of_one_process(ticketlab, table, tmp_path, one_process, jobs):
    proc, reports = run_reports(ticketlab, table, tmp_path / "report", "-j", jobs)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""
    for ext in FORMATS:
        assert without_timings(reports[ext]) == without_timings(one_process[1][ext]), ext
    # Every row is there, in the table's order.
    rows = [r["name"] for r in json.loads(reports["json"])["rows"]]
    assert rows == [r["name"] for r in json.loads(one_process[1]["json"])["rows"]]
    assert len(rows) >= 400


def test_the_reports_compare_equal(ticketlab, table, tmp_path, one_process):
    """--compare reads a -j 2 report as it reads a -j 1 one: nothing changed."""
    proc, reports = run_reports(ticketlab, table, tmp_path / "report", "-j", 2)
    assert proc.returncode == 0, proc.stderr
    cmp = subprocess.run([ticketlab, "conformance", "--compare", one_process[0].with_suffix(".json"),
                          tmp_path / "report.json", "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    assert_clean(cmp)
    assert cmp.returncode == 0, cmp.stdout + cmp.stderr
    same = subprocess.run([ticketlab, "conformance", "--compare", one_process[0].with_suffix(".json"),
                           one_process[0].with_suffix(".json"), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    got, want = json.loads(cmp.stdout), json.loads(same.stdout)
    got["b"].pop("file"), want["b"].pop("file")
    assert got == want and got["same"] is True


def test_more_workers_than_rows_and_a_filter(ticketlab, table, tmp_path):
    """A filter with -j 7: the same rows and bytes as one process."""
    one = run_reports(ticketlab, table, tmp_path / "one", "--filter", "sni-switch.*", "-j", 1)
    many = run_reports(ticketlab, table, tmp_path / "many", "--filter", "sni-switch.*", "-j", 7)
    assert one[0].returncode == many[0].returncode == 0, many[0].stderr
    for ext in FORMATS:
        assert without_timings(many[1][ext]) == without_timings(one[1][ext]), ext
    assert json.loads(many[1]["json"])["summary"]["rows"] == 6


@pytest.mark.parametrize("value", ["0", "-1", "abc", "257", "", "2x", "1.5"])
def test_a_nonsense_job_count_is_a_usage_error(run, value):
    p = run("conformance", "-j", value)
    assert_clean(p)
    assert p.returncode == 2
    assert p.stdout == ""
    assert p.stderr == (f"ticketlab conformance: -j takes a number of worker processes from 1 to 256, "
                        f"not '{value}'\n")


def test_jobs_with_compare_is_a_usage_error(run, tmp_path):
    p = run("conformance", "--compare", tmp_path / "a.json", tmp_path / "b.json", "--jobs", "2")
    assert p.returncode == 2
    assert "--compare reads two reports and runs nothing" in p.stderr


# ---- a worker that dies -------------------------------------------------------

# Preloaded into ticketlab: SSL_set_SSL_CTX (called only when a row's SNI
# switches the server's context) aborts the process that calls it; with
# EXIT_AFTER set, a worker (a process other than the first) exits 7 at the
# end, after its rows, as a sanitizer's leak report would make it.
PRELOAD = r"""
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;
static pid_t first;
__attribute__((constructor)) static void note(void) { first = getpid(); }
__attribute__((destructor)) static void end(void)
{
    if (getenv("EXIT_AFTER") != NULL && getpid() != first)
        _exit(7);
}
SSL_CTX *SSL_set_SSL_CTX(SSL *s, SSL_CTX *ctx)
{
    (void)s; (void)ctx;
    if (getenv("CRASH_ON_SNI") != NULL)
        abort();
    return ctx;
}
"""


@pytest.fixture(scope="module")
def preload(tmp_path_factory):
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        pytest.fail("no C compiler: ci/test.sh installs one")
    d = tmp_path_factory.mktemp("preload")
    (d / "p.c").write_text(PRELOAD)
    subprocess.run([cc, "-shared", "-fPIC", "-o", d / "p.so", d / "p.c"], check=True)
    return d / "p.so"


def preload_env(so, **extra):
    env = dict(os.environ, LD_PRELOAD=str(so), **extra)
    # A gcc sanitizer build wants its runtime first; the test's library comes first.
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0:handle_abort=0"
    return env


def test_a_worker_that_crashes_fails_its_rows_by_name(ticketlab, table, tmp_path, preload):
    base = tmp_path / "report"
    proc = conformance(ticketlab, table, "--format", "table,json", "-o", base, "-j", 2,
                       env=preload_env(preload, CRASH_ON_SNI="1"), check_clean=False)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(base.with_suffix(".json").read_text())
    errors = {r["name"]: r["error"] for r in report["rows"] if r["status"] == "error"}
    scenarios = {r["name"]: r["scenario"] for r in report["rows"]}
    assert errors, "a crashed worker's row must not pass"
    for name, error in errors.items():
        assert "sni=switch" in scenarios[name], name    # only they switch the server's context
        assert error.startswith("the worker process running this row was killed by signal 6 ("), error
    # Every other row still ran, in a new worker, and passed.
    assert report["summary"]["rows"] >= 400
    assert report["summary"]["errors"] == len(errors)
    assert report["summary"]["failed"] == 0
    assert report["summary"]["passed"] + report["summary"]["na"] + len(errors) == report["summary"]["rows"]
    table_text = base.with_suffix(".txt").read_text()
    for name in errors:
        assert f"\nFAIL {name} (" in table_text
    assert f"{len(errors)} row{'s' if len(errors) > 1 else ''} failed" in proc.stderr


def test_a_worker_that_exits_badly_after_its_rows_fails_the_run(ticketlab, table, tmp_path, preload):
    out = tmp_path / "report.json"
    proc = conformance(ticketlab, table, "--filter", "matrix.*", "--format", "json", "-o", out, "-j", 2,
                       env=preload_env(preload, EXIT_AFTER="1"), check_clean=False)
    assert proc.returncode == 1, proc.stderr
    assert re.search(r"^ticketlab conformance: a worker process exited with status 7 after its rows "
                     r"\(its last row: matrix\.[^;]+; ", proc.stderr, re.M), proc.stderr
    # The rows themselves passed, and the report says so.
    report = json.loads(out.read_text())
    assert report["summary"]["passed"] + report["summary"]["na"] == report["summary"]["rows"] > 0
