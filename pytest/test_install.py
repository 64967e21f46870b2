"""`cmake --install`: ticketlab built out of tree, installed into a temporary
prefix and used from an unrelated working directory, the way a packager or a
plug-in author uses it.

One plain (not sanitized) Release build, shared by the module: configure
with -S REPO -B TMP/build, build, `cmake --install --prefix TMP/prefix`.
Every command then runs in a fresh empty directory, without
TICKETLAB_SOURCE_DIR, so nothing can come from the source tree by accident.
"""
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import REPO, assert_clean

pytestmark = pytest.mark.tools("cmake", "cc", "pkg-config")

# Headers a library user or plug-in author needs, and ones that stay private.
# The public ones are exactly include/ticketlab/ of the source tree.
PUBLIC = sorted(p.name for p in (REPO / "include" / "ticketlab").glob("*.h"))
PRIVATE = ["fileio.h", "json.h", "jsonread.h", "xml.h", "leaks.h", "seeds.h", "scenario_bytes.h",
           "keyhunt.h", "state.h", "testcerts.h", "ossl_compat.h", "validate.h", "report.h",
           "scenario.h", "expect.h", "suite.h", "outcome.h", "release.h", "probe.h"]


def env_without_source():
    env = dict(os.environ)
    env.pop("TICKETLAB_SOURCE_DIR", None)
    env.pop("TICKETLAB_OPENSSL_VERSION", None)
    return env


def check_run(cmd, cwd, env=None, timeout=900):
    """Run cmd (a list); fail with its output unless it exits 0."""
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env or env_without_source(),
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{cmd}: exit {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    root = tmp_path_factory.mktemp("install")
    build, prefix = root / "build", root / "prefix"
    check_run(["cmake", "-S", REPO, "-B", build, "-DCMAKE_BUILD_TYPE=Release"], root)
    check_run(["cmake", "--build", build, "-j2"], root)
    check_run(["cmake", "--install", build, "--prefix", prefix], root)
    return prefix


@pytest.fixture
def elsewhere(tmp_path):
    """An empty working directory that has nothing to do with the clone."""
    d = tmp_path / "elsewhere"
    d.mkdir()
    return d


def pkg_env(prefix):
    env = env_without_source()
    env["PKG_CONFIG_PATH"] = str(prefix / "lib" / "pkgconfig")
    return env


def test_layout(prefix):
    """bin, lib, include (public headers only), share and both package files."""
    for f in ["bin/ticketlab", "lib/libticketlab.a", "share/ticketlab/expectations.tl",
              "lib/cmake/ticketlab/ticketlabConfig.cmake",
              "lib/cmake/ticketlab/ticketlabConfigVersion.cmake", "lib/pkgconfig/ticketlab.pc"]:
        assert (prefix / f).is_file(), f
    targets = sorted(p.stem for p in (REPO / "fuzz").glob("fuzz_*.c") if p.stem != "fuzz_common")
    for t in targets:
        assert os.access(prefix / "bin" / f"fuzz_replay_{t}", os.X_OK), t
        assert (prefix / "share/ticketlab/dict" / f"{t}.dict").is_file(), t
        assert any((prefix / "share/ticketlab/corpus" / t).iterdir()), t
    assert (prefix / "share/ticketlab/expectations.tl").read_bytes() == \
        (REPO / "conformance/expectations.tl").read_bytes()
    assert (prefix / "share/ticketlab/plugins/tl_example_libtls.c").is_file()
    # The manual: a page per command, plus ticketlab(1) and sections 3, 5, 7.
    for page in ["man1/ticketlab.1", "man1/ticketlab-conformance.1", "man1/ticketlab-probe.1",
                 "man3/ticketlab-plugin.3", "man5/ticketlab-expectations.5",
                 "man7/ticketlab-releases.7"]:
        assert (prefix / "share/man" / page).is_file(), page
    inc = prefix / "include" / "ticketlab"
    for h in PUBLIC:
        assert (inc / h).is_file(), h
    for h in PRIVATE:
        assert not (inc / h).exists(), f"{h} is private but installed"


def test_every_installed_header_compiles_alone(prefix, elsewhere):
    """Each installed header includes only installed headers and compiles on its own."""
    cflags = check_run(["pkg-config", "--cflags", "ticketlab"], elsewhere, pkg_env(prefix)).stdout.split()
    headers = sorted(p.name for p in (prefix / "include" / "ticketlab").glob("*.h"))
    assert len(headers) >= len(PUBLIC)
    for h in headers:
        src = elsewhere / f"only_{h}.c"
        src.write_text(f'#include "ticketlab/{h}"\nint main(void) {{ return 0; }}\n')
        check_run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", *cflags, src],
                  elsewhere, pkg_env(prefix))


def test_installed_conformance_finds_its_table(prefix, elsewhere):
    """`ticketlab conformance` with no --expectations reads share/ticketlab's
    table, passes, and its report names ticketlab and both OpenSSLs."""
    proc = check_run([prefix / "bin/ticketlab", "conformance", "--format", "json", "-o", "r.json"], elsewhere)
    assert_clean(proc)
    doc = json.loads((elsewhere / "r.json").read_text())
    assert doc["table"] == str((prefix / "share/ticketlab/expectations.tl").resolve())
    assert doc["summary"]["failed"] == 0 and doc["summary"]["errors"] == 0
    assert doc["summary"]["passed"] > 500
    version = check_run([prefix / "bin/ticketlab", "--version"], elsewhere).stdout.splitlines()
    assert version[0] == f"ticketlab {doc['ticketlab']}"
    assert version[1] == f"built with {doc['openssl_built']}"
    assert version[2] == f"running on {doc['openssl']} (release line {doc['engine']})"
    assert version[3].startswith("ticket behaviour: ")


def test_moved_prefix_still_finds_its_table(prefix, tmp_path, elsewhere):
    """The table is found relative to the executable, so a prefix copied
    elsewhere (a package unpacked anywhere) works without configuration."""
    moved = tmp_path / "moved"
    shutil.copytree(prefix, moved, symlinks=True)
    proc = check_run([moved / "bin/ticketlab", "conformance", "--filter", "matrix.tls13.evp-cb.*",
                      "--format", "json"], elsewhere)
    doc = json.loads(proc.stdout)
    assert doc["table"] == str((moved / "share/ticketlab/expectations.tl").resolve())
    assert doc["summary"]["passed"] == doc["summary"]["rows"] > 0


def test_override_still_wins(prefix, elsewhere):
    """--expectations and TICKETLAB_SOURCE_DIR override the installed table."""
    table = elsewhere / "one.tl"
    row = next(line for line in (REPO / "conformance/expectations.tl").read_text().splitlines()
               if line.startswith("matrix.tls13.evp-cb.SUCCESS.USE "))
    table.write_text(row + "\n")
    proc = check_run([prefix / "bin/ticketlab", "conformance", "--expectations", table, "--format", "json"],
                     elsewhere)
    doc = json.loads(proc.stdout)
    assert doc["table"] == str(table) and doc["summary"]["rows"] == 1
    (elsewhere / "conformance").mkdir()
    (elsewhere / "conformance/expectations.tl").write_text(row + "\n")
    env = env_without_source()
    env["TICKETLAB_SOURCE_DIR"] = str(elsewhere)
    proc = check_run([prefix / "bin/ticketlab", "conformance", "--format", "json"], elsewhere, env)
    doc = json.loads(proc.stdout)
    assert doc["table"] == str(elsewhere / "conformance/expectations.tl") and doc["summary"]["rows"] == 1


def build_plugin(prefix, cwd, source, name):
    """cc -shared -fPIC SOURCE $(pkg-config --cflags --libs ticketlab)."""
    flags = check_run(["pkg-config", "--cflags", "--libs", "ticketlab"], cwd, pkg_env(prefix)).stdout.split()
    out = cwd / f"lib{name}.so"
    check_run(["cc", "-std=c11", "-shared", "-fPIC", "-Wall", "-Werror", "-o", out, source, *flags],
              cwd, pkg_env(prefix))
    return out


def test_plugin_built_with_pkg_config_is_validated(prefix, elsewhere):
    """A plug-in compiled against the installed headers with pkg-config is
    loaded and checked by the installed binary: the libtls example passes
    every check; a plug-in that never renews fails the renew check."""
    good = build_plugin(prefix, elsewhere, prefix / "share/ticketlab/plugins/tl_example_libtls.c", "good")
    proc = subprocess.run([str(prefix / "bin/ticketlab"), "validate", "--plugin", str(good), "--format", "json"],
                          cwd=elsewhere, env=env_without_source(), capture_output=True, text=True, timeout=300)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["summary"]["ok"] is True and doc["summary"]["fail"] == 0
    assert doc["summary"]["pass"] == doc["summary"]["checks"] > 20
    for key in ("ticketlab", "openssl", "openssl_built"):
        assert doc[key], key

    bad = build_plugin(prefix, elsewhere, REPO / "conformance/plugins/broken/broken_never_renew.c", "bad")
    proc = subprocess.run([str(prefix / "bin/ticketlab"), "validate", "--plugin", str(bad), "--format", "json"],
                          cwd=elsewhere, env=env_without_source(), capture_output=True, text=True, timeout=300)
    assert_clean(proc)
    assert proc.returncode == 1, proc.stderr
    verdicts = {c["name"]: c["verdict"] for c in json.loads(proc.stdout)["checks"]}
    assert verdicts["rotation.renew"] == "fail"


CONSUMER_CMAKE = """cmake_minimum_required(VERSION 3.16)
project(consumer LANGUAGES C)
find_package(ticketlab 0.1 REQUIRED)
add_executable(consumer main.c)
target_link_libraries(consumer PRIVATE ticketlab::ticketlab)
"""

CONSUMER_MAIN = r"""#include <stdio.h>
#include <string.h>

#include "ticketlab/version.h"
#include "ticketlab/world.h"

int main(void)
{
    tl_world_config cfg;
    tl_error err;
    tl_handshake_result full, resumed;
    tl_handshake_opts o;
    tl_world *w;
    int rc = 1;

    memset(&err, 0, sizeof(err));
    printf("ticketlab %s\n", tl_version());
    tl_world_config_init(&cfg);
    if ((w = tl_world_new(&cfg, &err)) == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    memset(&full, 0, sizeof(full));
    memset(&resumed, 0, sizeof(resumed));
    if (tl_world_handshake(w, NULL, &full, &err) == 0 && full.n_sessions > 0) {
        memset(&o, 0, sizeof(o));
        o.session = full.sessions[0];
        if (tl_world_handshake(w, &o, &resumed, &err) == 0) {
            printf("tickets %zu, resumed %d\n", full.n_tickets, resumed.server.reused);
            rc = 0;
        }
    }
    if (rc != 0)
        fprintf(stderr, "%s\n", err.msg);
    tl_handshake_result_free(&resumed);
    tl_handshake_result_free(&full);
    tl_world_free(w);
    return rc;
}
"""


def test_find_package_consumer(prefix, elsewhere):
    """find_package(ticketlab) gives ticketlab::ticketlab: a program linked
    with it runs a full handshake and resumes it."""
    (elsewhere / "CMakeLists.txt").write_text(CONSUMER_CMAKE)
    (elsewhere / "main.c").write_text(CONSUMER_MAIN)
    check_run(["cmake", "-S", elsewhere, "-B", elsewhere / "build", f"-DCMAKE_PREFIX_PATH={prefix}"], elsewhere)
    check_run(["cmake", "--build", elsewhere / "build"], elsewhere)
    proc = check_run([elsewhere / "build/consumer"], elsewhere)
    assert_clean(proc)
    lines = proc.stdout.splitlines()
    version = check_run([prefix / "bin/ticketlab", "--version"], elsewhere).stdout.splitlines()[0]
    assert lines[0] == version
    assert lines[1] == "tickets 2, resumed 1"


def test_every_report_names_ticketlab_and_both_openssls(prefix, elsewhere):
    """Table, JSON, JUnit properties and SVG title, of conformance and of
    validate, each name the ticketlab version, the OpenSSL built with and the
    one running (as --version prints them)."""
    tl = prefix / "bin/ticketlab"
    version = check_run([tl, "--version"], elsewhere).stdout.splitlines()
    mine = version[0].split(" ", 1)[1]
    built = version[1].split(" ", 2)[2]
    running = version[2].split(" ", 2)[2].split(" (release line")[0]
    rows = ["--filter", "matrix.tls13.evp-cb.SUCCESS.*"]

    table = check_run([tl, "conformance", *rows], elsewhere).stdout
    assert f"on {running} (rules of release line" in table
    assert f"ticketlab {mine}, built with {built}\n" in table
    junit = ET.fromstring(check_run([tl, "conformance", *rows, "--format", "junit"], elsewhere).stdout)
    props = {p.get("name"): p.get("value") for p in junit.iter("property")}
    assert (props["ticketlab"], props["openssl"], props["openssl_built"]) == (mine, running, built)
    svg = ET.fromstring(check_run([tl, "conformance", *rows, "--format", "svg"], elsewhere).stdout)
    title = svg.find("{http://www.w3.org/2000/svg}title").text
    assert title == f"ticketlab {mine} conformance on {running} (built with {built})"

    plugin = build_plugin(prefix, elsewhere, prefix / "share/ticketlab/plugins/tl_example_minimal.c", "min")
    table = check_run([tl, "validate", "--plugin", plugin], elsewhere).stdout.splitlines()
    assert table[0].endswith(f" on {running}") and table[1] == f"ticketlab {mine}, built with {built}"
    doc = json.loads(check_run([tl, "validate", "--plugin", plugin, "--format", "json"], elsewhere).stdout)
    assert (doc["ticketlab"], doc["openssl"], doc["openssl_built"]) == (mine, running, built)
    junit = ET.fromstring(check_run([tl, "validate", "--plugin", plugin, "--format", "junit"], elsewhere).stdout)
    props = {p.get("name"): p.get("value") for p in junit.iter("property")}
    assert (props["ticketlab"], props["openssl"], props["openssl_built"]) == (mine, running, built)
