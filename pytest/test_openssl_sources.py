"""ci/openssl.sh: where it finds release tarballs, what it says when it has
none, and how it names patched builds. Nothing here builds OpenSSL: each
case stops before the build (a missing tarball, a bad spec) or asks only for
a name, and the cache is a temporary directory."""
import os
import subprocess

import pytest

from conftest import REPO

SCRIPT = REPO / "ci" / "openssl.sh"


def openssl_sh(*args, env=None, tmp_path=None):
    """Run `bash ci/openssl.sh ARGS` with the cache in tmp_path."""
    e = dict(os.environ)
    e.pop("TICKETLAB_OPENSSL_SOURCES", None)
    if tmp_path is not None:
        e["TICKETLAB_CACHE"] = str(tmp_path / "cache")
    e.update(env or {})
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True,
                          env=e, timeout=60)


def shell(snippet, env=None):
    """Run a snippet after sourcing ci/openssl.sh; returns its stdout."""
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(["bash", "-c", f". {SCRIPT}; {snippet}"], capture_output=True,
                       text=True, env=e, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def test_missing_tarball_is_one_line_naming_upstream_and_its_checksum(tmp_path):
    empty = tmp_path / "sources"
    empty.mkdir()
    p = openssl_sh("3.5.7", env={"TICKETLAB_OPENSSL_SOURCES": str(empty)}, tmp_path=tmp_path)
    assert p.returncode == 2
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    line = lines[0]
    url = "https://github.com/openssl/openssl/releases/download/openssl-3.5.7/openssl-3.5.7.tar.gz"
    assert line.startswith("ci/openssl.sh: no tarball for OpenSSL 3.5.7 in " + str(empty))
    assert url in line and url + ".sha256" in line
    # Nothing was started: no build directory, no log.
    assert not (tmp_path / "cache" / "openssl-3.5.7-plain").exists()


def test_without_the_variable_it_looks_beside_the_clone_and_nowhere_else(tmp_path):
    # The clone's ../shared/openssl, never a fixed machine path.
    p = openssl_sh("9.8.7", tmp_path=tmp_path)
    assert p.returncode == 2
    assert len(p.stderr.splitlines()) == 1, p.stderr
    expected = os.path.realpath(REPO.parent / "shared" / "openssl")
    assert f"in {expected}:" in p.stderr
    assert "/work/shared/openssl" not in SCRIPT.read_text()


def test_a_tarball_in_the_sources_directory_is_found_xz_or_gz(tmp_path):
    src = tmp_path / "sources"
    src.mkdir()
    (src / "openssl-3.9.1.tar.gz").write_bytes(b"")
    found = shell("tl_openssl_release_tarball 3.9.1", env={"TICKETLAB_OPENSSL_SOURCES": str(src)})
    assert found == str(src / "openssl-3.9.1.tar.gz")
    (src / "openssl-3.9.1.tar.xz").write_bytes(b"")
    found = shell("tl_openssl_release_tarball 3.9.1", env={"TICKETLAB_OPENSSL_SOURCES": str(src)})
    assert found == str(src / "openssl-3.9.1.tar.xz")


@pytest.mark.parametrize("spec, message", [
    ("3.0.14+no-such.diff", "no patch file 'no-such.diff'"),
    ("system+ci/openssl.sh", "the system OpenSSL cannot be patched"),
    ("not-a-release", "'not-a-release' is not a version, a tarball, a source tree or an installed prefix"),
])
def test_a_bad_spec_is_one_line(tmp_path, spec, message):
    p = openssl_sh(spec, tmp_path=tmp_path)
    assert p.returncode == 2
    assert len(p.stderr.splitlines()) == 1 and message in p.stderr, p.stderr


def test_a_patch_that_does_not_apply_names_itself_and_the_log(tmp_path):
    tree = tmp_path / "tree"
    (tree / "ssl").mkdir(parents=True)
    (tree / "Configure").write_text("#!/bin/sh\nexit 1\n")
    (tree / "ssl" / "x.c").write_text("int a;\n")
    bad = tmp_path / "bad.diff"
    bad.write_text("--- a/ssl/x.c\n+++ b/ssl/x.c\n@@ -1 +1 @@\n-int b;\n+int c;\n")
    p = openssl_sh(f"{tree}+{bad}", tmp_path=tmp_path)
    assert p.returncode != 0
    assert f"{bad} does not apply cleanly on {tree}" in p.stderr
    assert "Traceback" not in p.stderr and "line " not in p.stderr


@pytest.mark.parametrize("spec, name", [
    ("3.0.22", "3.0.22"),
    ("/x/openssl-3.5.7.tar.xz", "3.5.7"),
    ("3.0.14+ci/patches/3.0.14-psk-empty-identity.diff", "3.0.14+psk-empty-identity"),
    ("3.5.7+revert:ci/patches/3.5.7-ticket-after-suite-mismatch.diff",
     "3.5.7-ticket-after-suite-mismatch"),
])
def test_patched_builds_are_named_after_their_patches(spec, name):
    assert shell(f"tl_openssl_spec_name '{spec}'") == name


def test_the_patches_in_the_repo_apply_to_their_release(tmp_path):
    """Each ci/patches/<release>-<change>.diff applies (or, for a revert,
    reverts) cleanly on its release's tarball, when that tarball is here."""
    sources = pathlib_sources()
    patches = sorted((REPO / "ci" / "patches").glob("*.diff"))
    assert patches, "ci/patches/ holds the patched builds' diffs"
    checked = 0
    for diff in patches:
        release = diff.name.split("-", 1)[0]
        tarball = sources / f"openssl-{release}.tar.xz"
        if not tarball.exists():
            continue
        tree = tmp_path / release
        tree.mkdir(exist_ok=True)
        files = [line[6:].split("\t")[0] for line in diff.read_text().splitlines()
                 if line.startswith("+++ b/")]
        subprocess.run(["tar", "xJf", str(tarball), "-C", str(tree), "--strip-components=1",
                        *[f"openssl-{release}/{f}" for f in files]], check=True)
        revert = "(revert)" in diff.read_text().splitlines()[0]
        p = subprocess.run(["patch", "-p1", "--batch", "--forward", "--dry-run",
                            *(["-R"] if revert else []), "-i", str(diff)],
                           cwd=tree, capture_output=True, text=True)
        assert p.returncode == 0, f"{diff.name}: {p.stdout}{p.stderr}"
        checked += 1
    if checked == 0:
        pytest.skip(f"no release tarballs in {sources}")


def pathlib_sources():
    import pathlib
    env = os.environ.get("TICKETLAB_OPENSSL_SOURCES")
    return pathlib.Path(env) if env else (REPO.parent / "shared" / "openssl").resolve()
