"""ci/oss-fuzz/build.sh under an emulated OSS-Fuzz environment.

Docker cannot run here, so the test sets what the OSS-Fuzz builder sets
(CC, CFLAGS with the sanitizer and coverage flags, LIB_FUZZING_ENGINE,
SRC, OUT, WORK) and checks that $OUT holds runnable targets with their seed
corpora, dictionaries and options: once against the system OpenSSL, and
(slow; TICKETLAB_SLOW=1, which .ci/run sets) with $SRC/openssl holding a
release tree, which build.sh builds with the fuzzing flags and links
statically: 3.0.22, 3.5.7 and 4.0.2, or the releases named in
TICKETLAB_OSS_FUZZ_OPENSSL ("4.0.2"; .ci/run picks one to stay within its
time). Those trees and build.sh's $WORK live in ~/.cache/ticketlab/oss-fuzz/,
so only the first run pays for OpenSSL (about 10 minutes a release on 2 cores).
"""
import os
import pathlib
import shutil
import subprocess
import zipfile

import pytest

from conftest import REPO

CFLAGS = ("-O1 -fno-omit-frame-pointer -gline-tables-only "
          "-fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link")


CACHE = pathlib.Path(os.environ.get("TICKETLAB_CACHE",
                                   pathlib.Path.home() / ".cache" / "ticketlab")) / "oss-fuzz"
def shared_sources():
    """Where the release tarballs are: as ci/openssl.sh looks for them."""
    env = os.environ.get("TICKETLAB_OPENSSL_SOURCES")
    return pathlib.Path(env) if env else (REPO.parent / "shared" / "openssl").resolve()


SHARED = shared_sources()
SLOW = os.environ.get("TICKETLAB_SLOW") == "1"


def openssl_tree(version):
    """The release tree from ../shared/openssl/, unpacked once into the cache."""
    tree = CACHE / f"openssl-{version}"
    if not (tree / "Configure").exists():
        tarball = SHARED / f"openssl-{version}.tar.xz"
        if not tarball.exists():
            pytest.skip(f"{tarball} is missing (see ../shared/openssl/README.md)")
        tree.mkdir(parents=True, exist_ok=True)
        subprocess.run(["tar", "xJf", str(tarball), "-C", str(tree), "--strip-components=1"], check=True)
    return tree


RELEASES = os.environ.get("TICKETLAB_OSS_FUZZ_OPENSSL", "3.0.22 3.5.7 4.0.2").split()


@pytest.fixture(scope="module", params=["system", *RELEASES])
def oss_fuzz_out(request, tmp_path_factory):
    if shutil.which("clang") is None:
        pytest.fail("clang is missing: ci/test.sh installs it")
    version = request.param
    if version != "system" and not SLOW:
        pytest.skip("slow: builds OpenSSL with the fuzzing flags: set TICKETLAB_SLOW=1 (.ci/run does)")
    root = tmp_path_factory.mktemp("ossfuzz")
    src, out, work = root / "src", root / "out", root / "work"
    src.mkdir()
    (src / "ticketlab").symlink_to(REPO)
    if version != "system":
        (src / "openssl").symlink_to(openssl_tree(version))
        work = CACHE / f"work-{version}"
    env = dict(os.environ, CC="clang", CFLAGS=CFLAGS, LIB_FUZZING_ENGINE="-fsanitize=fuzzer",
               SRC=str(src), OUT=str(out), WORK=str(work), SANITIZER="address")
    p = subprocess.run(["bash", str(REPO / "ci/oss-fuzz/build.sh")], env=env,
                       capture_output=True, text=True, timeout=3600)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    if version != "system":
        # The targets carry the instrumented libssl: its ticket code is inside.
        assert b"tls_decrypt_ticket" in (out / "fuzz_ticket_blob").read_bytes()
    return out


def targets():
    return sorted(line for line in (REPO / "fuzz" / "targets.txt").read_text().splitlines()
                  if line and not line.startswith("#"))


def test_every_target_is_built_with_its_files(oss_fuzz_out):
    for t in targets():
        binary = oss_fuzz_out / t
        assert binary.exists() and os.access(binary, os.X_OK), t
        assert (oss_fuzz_out / f"{t}.options").read_text().startswith("[libfuzzer]")
        if (REPO / "fuzz" / f"{t}.dict").exists():
            assert (oss_fuzz_out / f"{t}.dict").read_bytes() == (REPO / "fuzz" / f"{t}.dict").read_bytes()
        if (REPO / "corpus" / t).is_dir():
            with zipfile.ZipFile(oss_fuzz_out / f"{t}_seed_corpus.zip") as z:
                names = z.namelist()
            seeds = [p for p in (REPO / "corpus" / t).iterdir() if p.is_file()]
            assert len(names) >= len(seeds) > 0, t


@pytest.mark.parametrize("target", targets())
def test_each_target_runs_from_its_seed_corpus(oss_fuzz_out, tmp_path, target):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    zpath = oss_fuzz_out / f"{target}_seed_corpus.zip"
    if zpath.exists():
        with zipfile.ZipFile(zpath) as z:
            z.extractall(corpus)
    # Run it the way ClusterFuzz does: with the flags of its .options file.
    flags, asan, section = [], [], None
    for line in (oss_fuzz_out / f"{target}.options").read_text().splitlines():
        if line.startswith("["):
            section = line.strip("[] ")
        elif "=" in line:
            key, value = (x.strip() for x in line.split("=", 1))
            if section == "libfuzzer":
                flags.append(f"-{key}={oss_fuzz_out / value if key == 'dict' else value}")
            elif section == "asan":
                asan.append(f"{key}={value}")
    env = dict(os.environ, ASAN_OPTIONS=":".join(asan)) if asan else None
    p = subprocess.run([str(oss_fuzz_out / target), "-max_total_time=3", *flags, str(corpus)],
                       capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert p.returncode == 0, p.stderr[-3000:]
    assert "Done" in p.stderr and "ERROR" not in p.stderr
