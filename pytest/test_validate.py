"""`ticketlab validate`: plug-ins checked the way a server author checks theirs."""
import json
import pathlib
import re
import xml.etree.ElementTree as ET

import pytest

from conftest import BUILD, assert_clean

LIB = BUILD / "lib"

# plug-in -> (the check its flaw must trip, the verdict, the exit status)
BROKEN = {
    "broken_enc_returns_0": ("encrypt", "fail", 1),
    "broken_never_renew": ("rotation.renew", "fail", 1),
    "broken_never_retire": ("rotation.retire", "warn", 0),
    "broken_zero_key": ("keys.constant", "fail", 1),
    "broken_constant_iv": ("ivs.unique", "fail", 1),
    "broken_unknown_key_minus1": ("unknown-key", "fail", 1),
    "broken_unknown_key_accepts": ("unknown-key", "fail", 1),
    "broken_same_aes_hmac": ("keys.distinct", "fail", 1),
    "broken_decrypt_use_on_nodecrypt": ("decrypt-cb.NO_DECRYPT", "fail", 1),
    "broken_ignore_on_empty": ("decrypt-cb.EMPTY", "warn", 0),
}


def plugin(name):
    path = LIB / f"lib{name}.so"
    if not path.exists():
        pytest.fail(f"{path} is missing: conformance/plugins builds it")
    return str(path)


@pytest.fixture(scope="module")
def nginx_key(tmp_path_factory, ticketlab):
    import subprocess
    path = tmp_path_factory.mktemp("keys") / "ticket.key"
    subprocess.run([ticketlab, "keygen", "--format", "nginx", "-o", str(path)], check=True,
                   capture_output=True)
    return str(path)


def verdicts(table):
    """{check: verdict} from the table format."""
    return dict((m.group(2), m.group(1))
                for m in re.finditer(r"^(pass|warn|fail|skip)  (\S+)$", table, re.M))


@pytest.mark.parametrize("name,arg", [("tl_example_minimal", None),
                                      ("tl_example_libtls", "7200"),
                                      ("tl_example_legacy_hmac", None),
                                      ("tl_example_nginx", "KEY")])
def test_good_examples_exit_0(run, nginx_key, name, arg):
    args = ["validate", "--plugin", plugin(name)]
    if arg:
        args += ["--arg", nginx_key if arg == "KEY" else arg]
    p = run(*args)
    assert_clean(p)
    assert p.returncode == 0, p.stdout + p.stderr
    v = verdicts(p.stdout)
    assert "fail" not in v.values(), p.stdout
    assert v["tamper.unmodified"] == "pass"
    assert v["unknown-key"] == "pass"
    assert v["ivs.unique"] == "pass"
    # Every check has the three sentences.
    assert p.stdout.count("      seen:") == len(v)
    assert re.search(r"^\d+ checks: \d+ pass, 0 warn, 0 fail", p.stdout, re.M), p.stdout


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_plugins_name_their_flaw(run, name):
    check, verdict, status = BROKEN[name]
    p = run("validate", "--plugin", plugin(name))
    assert_clean(p)
    assert p.returncode == status, p.stdout + p.stderr
    v = verdicts(p.stdout)
    assert v.get(check) == verdict, f"{check}: {v.get(check)}\n{p.stdout}"
    if verdict == "fail":
        assert re.search(rf"^FAILED:.* {re.escape(check)}( |$)", p.stdout, re.M), p.stdout
    else:
        assert list(v.values()).count("warn") == 1, p.stdout


def test_json_parses_and_matches_the_exit_status(run):
    p = run("validate", "--plugin", plugin("broken_same_aes_hmac"), "--format", "json")
    assert_clean(p)
    assert p.returncode == 1
    doc = json.loads(p.stdout)
    assert doc["provides"] == "key_evp decrypt rotate"
    assert doc["summary"]["ok"] is False
    by_name = {c["name"]: c for c in doc["checks"]}
    assert set(by_name["keys.distinct"]) == {"name", "verdict", "seen", "expected", "why"}
    assert by_name["keys.distinct"]["verdict"] == "fail"
    assert "same bytes" in by_name["keys.distinct"]["seen"]
    assert doc["summary"]["fail"] == sum(c["verdict"] == "fail" for c in doc["checks"])


def test_junit_parses_with_one_failure_per_failed_check(run, tmp_path):
    out = tmp_path / "validate.xml"
    p = run("validate", "--plugin", plugin("broken_unknown_key_minus1"), "--format", "junit",
            "-o", out)
    assert_clean(p)
    assert p.returncode == 1
    assert p.stdout == ""
    suite = ET.parse(out).getroot().find("testsuite")
    failed = [tc.get("name") for tc in suite.iter("testcase") if tc.find("failure") is not None]
    assert failed == ["unknown-key"]
    assert suite.get("failures") == "1"
    text = suite.find("testcase[@name='unknown-key']/failure").text
    assert "AVAILABILITY BUG" in text


def test_usage_and_load_errors_exit_2(run, tmp_path):
    p = run("validate")
    assert p.returncode == 2 and "--plugin PATH is required" in p.stderr
    p = run("validate", "--plugin", plugin("tl_example_minimal"), "--format", "svg")
    assert p.returncode == 2 and "table, json or junit" in p.stderr
    p = run("validate", "--plugin", tmp_path / "libnothing.so")
    assert p.returncode == 2 and "cannot load the plug-in" in p.stderr
    p = run("validate", "--plugin", plugin("tl_example_nginx"))
    assert p.returncode == 2 and "tl_plugin_init(NULL) returned 1" in p.stderr
    p = run("validate", "--help")
    assert p.returncode == 0 and "EXIT STATUS" in p.stdout


def openssl_of_the_build():
    """The compiler flags for the OpenSSL ticketlab was built with (its CMake
    cache), so a plug-in loads the same libssl: a 4.0 ticketlab with a plug-in
    linked to the system's 3.0 would mix two libraries in one process."""
    cache = {}
    path = BUILD / "CMakeCache.txt"
    if path.exists():
        for line in path.read_text().splitlines():
            key, _, value = line.partition("=")
            cache[key.split(":")[0]] = value
    inc, ssl, crypto = (cache.get(k, "") for k in
                        ("OPENSSL_INCLUDE_DIR", "OPENSSL_SSL_LIBRARY", "OPENSSL_CRYPTO_LIBRARY"))
    if not (inc and ssl.endswith(".so") and crypto.endswith(".so")):
        return ["-lssl", "-lcrypto"]
    libdir = str(pathlib.Path(ssl).parent)
    return [f"-I{inc}", ssl, crypto, f"-Wl,-rpath,{libdir}"]


@pytest.mark.tools("cc")
def test_docs_worked_example_is_real(run, repo, tmp_path):
    """docs/validate.md's plug-in compiles, fails on unknown-key, and its one-line fix passes."""
    import shutil
    import subprocess
    cc = shutil.which("cc")
    text = (repo / "docs" / "validate.md").read_text().split("# Validate your own callbacks", 1)[1]
    src = re.search(r"```c\n(.*?)```", text, re.S).group(1)
    fix = re.search(r"```diff\n-(.*)\n\+(.*)\n```", text)
    for name, code, status in (("buggy", src, 1),
                                ("fixed", src.replace(fix.group(1), fix.group(2)), 0)):
        c = tmp_path / f"{name}.c"
        so = tmp_path / f"lib{name}.so"
        c.write_text(code)
        subprocess.run([cc, "-shared", "-fPIC", "-o", str(so), str(c), *openssl_of_the_build()],
                       check=True)
        p = run("validate", "--plugin", so)
        assert_clean(p)
        assert p.returncode == status, p.stdout + p.stderr
        assert verdicts(p.stdout)["unknown-key"] == ("fail" if status else "pass")


def test_reports_are_written_whole_or_not_at_all(ticketlab, tmp_path):
    """-o replaces the file atomically (a symlink is replaced, its target kept),
    and a report that cannot be written is an error, never a silent pass."""
    import subprocess
    target = tmp_path / "target.txt"
    target.write_text("keep me\n")
    link = tmp_path / "report.json"
    link.symlink_to(target)
    p = subprocess.run([ticketlab, "validate", "--plugin", plugin("tl_example_minimal"),
                        "--format", "json", "-o", str(link)], capture_output=True, text=True, timeout=300)
    assert_clean(p)
    assert p.returncode == 0, p.stderr
    assert target.read_text() == "keep me\n"
    assert not link.is_symlink() and link.read_text().startswith("{")
    with open("/dev/full", "w") as full:
        p = subprocess.run([ticketlab, "validate", "--plugin", plugin("tl_example_minimal")],
                           stdout=full, stderr=subprocess.PIPE, text=True, timeout=300)
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == \
        ["ticketlab validate: <stdout>: cannot write: No space left on device"]
