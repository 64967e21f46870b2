"""Hostile inputs (issue 13): malformed variants of every input kind, made
programmatically from a valid file (truncations at many offsets, bit flips,
wrong lengths, garbage, empty, huge, binary, odd names), each run on the
built command. Every run must finish within a bound with no sanitizer
report and a documented exit code; a refusal is exactly one stderr line
naming the file and the problem, and an output file that existed before
is left exactly as it was.

The number of variants of each kind is in VARIANTS (test_variant_counts
prints them); each kind has at least 50.
"""
import base64
import os
import random
import shutil
import stat
import subprocess

import pytest

from conftest import BUILD, REPO, assert_clean

OLD = b"old output, must survive\n"
BOUND = 60          # seconds any one run may take (a hang is a failure)

# ---- the variants -------------------------------------------------------------


def byte_variants(name, n_trunc=16, n_flip=16):
    """Mutation specs over a valid byte string: (label, function(bytes) -> bytes)."""
    rnd = random.Random(name)
    out = [("empty", lambda b: b"")]
    for i in range(n_trunc):
        frac = (i + 1) / (n_trunc + 1)
        out.append((f"trunc{i}", lambda b, f=frac: b[:max(1, int(len(b) * f))]))
    out.append(("trunc-last", lambda b: b[:-1]))
    for i in range(n_flip):
        frac, bit = rnd.random(), rnd.randrange(8)
        out.append((f"flip{i}", lambda b, f=frac, k=bit: flip(b, int(len(b) * f), k)))
    out += [
        ("flip-first", lambda b: flip(b, 0, 0)),
        ("flip-last", lambda b: flip(b, len(b) - 1, 7)),
        ("append1", lambda b: b + b"\x00"),
        ("append16", lambda b: b + b"\xff" * 16),
        ("append-line", lambda b: b + b"\nnot a valid line at all\n"),
        ("doubled", lambda b: b + b),
        ("garbage1", lambda b: b"\x07"),
        ("garbage48", lambda b: bytes(random.Random(48).randrange(256) for _ in range(48))),
        ("garbage80", lambda b: bytes(random.Random(80).randrange(256) for _ in range(80))),
        ("garbage4k", lambda b: bytes(random.Random(4096).randrange(256) for _ in range(4096))),
        ("zeros", lambda b: b"\x00" * len(b)),
        ("ones", lambda b: b"\xff" * len(b)),
        ("huge", lambda b: b"A" * (3 << 20)),
        ("text", lambda b: b"hello, this is not what you think it is\n"),
        ("non-utf8", lambda b: b"\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc\n"),
        ("crlf", lambda b: b.replace(b"\n", b"\r\n")),
        ("newlines", lambda b: b"\n" * 100),
        ("nul-in-middle", lambda b: b[:len(b) // 2] + b"\x00" + b[len(b) // 2 + 1:]),
    ]
    return out


def flip(b, pos, bit):
    if not b:
        return b"\x01"
    pos = min(max(pos, 0), len(b) - 1)
    return b[:pos] + bytes([b[pos] ^ (1 << bit)]) + b[pos + 1:]


def elf_region(b, which):
    """(offset, length) of an ELF64 file's program headers or its .dynamic."""
    phoff = int.from_bytes(b[32:40], "little")
    phentsize, phnum = int.from_bytes(b[54:56], "little"), int.from_bytes(b[56:58], "little")
    if which == "phdrs":
        return phoff, phentsize * phnum
    for k in range(phnum):
        ph = b[phoff + k * phentsize:phoff + (k + 1) * phentsize]
        if int.from_bytes(ph[0:4], "little") == 2:               # PT_DYNAMIC
            return int.from_bytes(ph[8:16], "little"), int.from_bytes(ph[32:40], "little")
    return 0, len(b)


def flip_in(b, which, i):
    """A bit flip in a part the loader reads after our header checks pass:
    what dlopen does with it (refuse, crash) happens in the child."""
    off, length = elf_region(b, which)
    rnd = random.Random(f"{which}{i}")
    return flip(b, off + rnd.randrange(length), rnd.randrange(8))


def text_variants(name, n=56):
    """Mutations of a one-line text (a scenario): argv strings, no NULs."""
    rnd = random.Random(name)
    out = [("empty", lambda s: ""), ("spaces", lambda s: "   "), ("equals", lambda s: "="),
           ("no-value", lambda s: "tls="), ("no-key", lambda s: "=1.3"),
           ("unknown", lambda s: s + " bogus=1"), ("twice", lambda s: s + " tls=1.2"),
           ("huge", lambda s: "tls=" + "9" * 100000), ("control", lambda s: s + " dret=\x1b[31m"),
           ("non-utf8", lambda s: s + " present=\udcff\udcfe"), ("tab", lambda s: s.replace(" ", "\t"))]
    for i in range(n - len(out)):
        cut, pos = rnd.random(), rnd.random()
        if i % 3 == 0:
            out.append((f"trunc{i}", lambda s, c=cut: s[:int(len(s) * c)]))
        elif i % 3 == 1:
            out.append((f"char{i}", lambda s, p=pos, c=rnd.choice("=| x9-\\\"'"): (
                s[:int(len(s) * p)] + c + s[int(len(s) * p) + 1:])))
        else:
            out.append((f"dup{i}", lambda s, p=pos: s[:int(len(s) * p)] + s))
    return out


PLUGIN_FAULTS = [
    "segv@init", "segv@encrypt", "segv@encrypt:40", "segv@decrypt", "segv@ticket", "segv@rotate",
    "segv@fini", "abort@init", "abort@encrypt", "abort@ticket", "exit0@init", "exit0@encrypt",
    "exit0@decrypt", "exit0@rotate", "exit0@fini", "exit3@init", "exit3@encrypt", "exit3@ticket",
    "_exit3@encrypt", "_exit3@fini", "stack@encrypt", "stack@init", "fpe@decrypt",
    "hang@encrypt", "hang@init",
]

OUTPUT_TARGETS = ["symlink", "dangling-symlink", "readonly-dir", "dev-full", "fifo", "full-tmpfs",
                  "directory", "missing-dir", "through-a-file", "too-long", "control-name"]
OUTPUT_COMMANDS = ["keygen", "seal", "extract", "export", "conformance", "validate"]

KEY_FORMATS = ["nginx", "envoy", "haproxy", "libtls"]
VARIANTS = {f"keys-{f}": byte_variants(f"keys-{f}") for f in KEY_FORMATS}
VARIANTS["tickets"] = byte_variants("tickets")
VARIANTS["session-pem"] = byte_variants("session-pem")
VARIANTS["session-file"] = byte_variants("session-file")
VARIANTS["sdata"] = byte_variants("sdata")
VARIANTS["expectations"] = byte_variants("expectations")
VARIANTS["scenario"] = text_variants("scenario")
VARIANTS["plugin"] = (byte_variants("plugin", n_trunc=20, n_flip=0)
                      + [(f"hdrflip{i}", lambda b, i=i: flip(b, random.Random(i).randrange(64),
                                                             random.Random(-i).randrange(8)))
                         for i in range(6)]
                      + [(f"phflip{i}", lambda b, i=i: flip_in(b, "phdrs", i)) for i in range(8)]
                      + [(f"dynflip{i}", lambda b, i=i: flip_in(b, "dynamic", i)) for i in range(12)]
                      + [(f"fault-{f}", None) for f in PLUGIN_FAULTS]
                      + [("no-key-callback", None), ("a-directory", None), ("a-device", None)])
VARIANTS["output"] = [(f"{c}-{t}", None) for c in OUTPUT_COMMANDS for t in OUTPUT_TARGETS]


def cases(kind):
    return [pytest.param(kind, i, id=f"{kind}-{label}") for i, (label, _) in enumerate(VARIANTS[kind])]


# ---- running and checking ------------------------------------------------------


def ticketlab_bin():
    return str(BUILD / "bin" / "ticketlab")


def run(args, cwd=None, env=None):
    return subprocess.run([ticketlab_bin(), *args], capture_output=True, timeout=BOUND, cwd=cwd,
                          env=env)


def escaped(raw, controls=True):
    """Bytes as every line the command prints shows them (src/base/text.c):
    valid UTF-8 as it is, but control bytes, DEL, the C1 controls
    U+0080-U+009F and every byte that is not UTF-8 as \\xNN. With
    controls=False only the bytes that are not UTF-8 (as --json shows them)."""
    out, i = [], 0
    while i < len(raw):
        c = raw[i]
        n = 1 if c < 0x80 else 2 if 0xc2 <= c <= 0xdf else 3 if 0xe0 <= c <= 0xef else \
            4 if 0xf0 <= c <= 0xf4 else 0
        try:
            ch = raw[i:i + n].decode("utf-8") if n else None
        except UnicodeDecodeError:
            ch = None
        if ch is None or len(ch) != 1:
            out.append(b"\\x%02x" % c)
            i += 1
            continue
        o = ord(ch)
        out.append(b"".join(b"\\x%02x" % x for x in raw[i:i + n])
                   if controls and (o < 0x20 or 0x7f <= o <= 0x9f) else raw[i:i + n])
        i += n
    return b"".join(out)


def shown(path):
    """A path as the command's lines show it (escaped())."""
    return escaped(os.fsencode(str(path)))


def check(proc, codes, path, refusals, old=None):
    """The documented exit code; a refusal (an exit code in `refusals`) is
    one stderr line naming `path` and a reason, with `old` untouched."""
    assert_clean(proc)
    assert proc.returncode in codes, (proc.returncode, proc.stderr)
    if proc.returncode not in refusals:
        return
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    name_at = lines[0].find(shown(path))
    assert name_at >= 0, (lines, path)
    assert len(lines[0]) > name_at + len(shown(path)) + 3, lines    # a reason follows
    if old is not None:
        assert open(old, "rb").read() == OLD


def check_verify(proc, path):
    """`cache verify`: 0 all good; 1 its report (stdout) names each bad
    line FILE:LINE: why; 2 one stderr line naming the file."""
    check(proc, (0, 1, 2), path, (2,))
    if proc.returncode == 1:
        bad = [l for l in proc.stdout.splitlines() if l.startswith(shown(path) + b":")]
        assert bad and all(len(l) > len(shown(path)) + 4 for l in bad), proc.stdout
        assert proc.stderr == b"", proc.stderr


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A valid file of each kind, made with the command itself."""
    d = tmp_path_factory.mktemp("base")
    files = {}
    for f in KEY_FORMATS:
        path = d / f"{f}.key"
        subprocess.run([ticketlab_bin(), "keygen", "--format", f, "--seed", "7", "-o", str(path)],
                       check=True, capture_output=True)
        files[f"keys-{f}"] = path
    subprocess.run([ticketlab_bin(), "ticket", "seal", "--keys", str(files["keys-nginx"]),
                    "--format", "nginx", "-o", str(d / "t.bin")], check=True, capture_output=True)
    files["tickets"] = d / "t.bin"
    subprocess.run([ticketlab_bin(), "cache", "export", str(d / "c.txt"), "--tls", "1.3"],
                   check=True, capture_output=True)
    lines = (d / "c.txt").read_text().splitlines()
    one = [l for l in lines if l.startswith("#")] + [l for l in lines if not l.startswith("#")][:1]
    (d / "one.txt").write_text("\n".join(one) + "\n")
    files["session-file"] = d / "one.txt"
    salt, sdata = one[-1].split(":")
    files["sdata"] = (salt, base64.b64decode(sdata))
    data = files["sdata"][1]
    at = data.index(b"\x30\x82")
    der = data[at:at + 4 + int.from_bytes(data[at + 2:at + 4], "big")]
    b64 = base64.b64encode(der).decode()
    (d / "s.pem").write_text("-----BEGIN SSL SESSION PARAMETERS-----\n"
                             + "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64))
                             + "\n-----END SSL SESSION PARAMETERS-----\n")
    files["session-pem"] = d / "s.pem"
    table = REPO / "conformance" / "expectations.tl"
    rows = [l for l in table.read_text().splitlines() if l.strip() and not l.startswith("#")][:3]
    (d / "small.tl").write_text("# three rows of the real table\n" + "\n".join(rows) + "\n")
    files["expectations"] = d / "small.tl"
    files["plugin"] = BUILD / "lib" / "libtl_example_minimal.so"
    return files


def variant_file(tmp_path, base_bytes, kind, i, name="input"):
    label, fn = VARIANTS[kind][i]
    path = tmp_path / name
    path.write_bytes(fn(base_bytes))
    os.chmod(path, 0o600)
    return path


def old_output(tmp_path, name="out"):
    path = tmp_path / name
    path.write_bytes(OLD)
    return path


# ---- key files -----------------------------------------------------------------


@pytest.mark.parametrize("kind, i", [c for f in KEY_FORMATS for c in cases(f"keys-{f}")])
def test_key_file(base, tmp_path, kind, i):
    """seal with a malformed key file: 0 sealed, 2 a bad key file (old ticket kept)."""
    fmt = kind.split("-", 1)[1]
    keys = variant_file(tmp_path, base[kind].read_bytes(), kind, i)
    out = old_output(tmp_path)
    proc = run(["ticket", "seal", "--keys", keys, "--format", fmt, "-o", out])
    check(proc, (0, 1, 2), keys, (2,), old=out)
    if proc.returncode == 1:
        assert open(out, "rb").read() == OLD


# ---- tickets and session PEMs ----------------------------------------------------


@pytest.mark.parametrize("kind, i", cases("tickets"))
def test_ticket(base, tmp_path, kind, i):
    """open a malformed ticket: 0 opens, 1 rejected (one line saying why), 2 unreadable."""
    ticket = variant_file(tmp_path, base["tickets"].read_bytes(), kind, i)
    proc = run(["ticket", "open", "--keys", base["keys-nginx"], "--format", "nginx", ticket])
    check(proc, (0, 1, 2), ticket, (1, 2))


@pytest.mark.parametrize("kind, i", cases("session-pem"))
def test_session_pem(base, tmp_path, kind, i):
    """extract from a malformed PEM session: 0 written, 1 no ticket in it, 2 not a session."""
    pem = variant_file(tmp_path, base["session-pem"].read_bytes(), kind, i)
    out = old_output(tmp_path)
    proc = run(["ticket", "extract", "--session", pem, "-o", out])
    check(proc, (0, 1, 2), pem, (1, 2), old=out)


# ---- session files and session data ----------------------------------------------


@pytest.mark.parametrize("kind, i", cases("session-file"))
def test_session_file(base, tmp_path, kind, i):
    """verify, then import into an existing cache: bad lines are named
    FILE:LINE; a failed import leaves the cache as it was."""
    src = variant_file(tmp_path, base["session-file"].read_bytes(), kind, i)
    check_verify(run(["cache", "verify", src]), src)
    cache = old_output(tmp_path, "cache.txt")
    os.chmod(cache, 0o600)
    cache.write_bytes(b"# " + OLD)
    before = cache.read_bytes()
    proc = run(["cache", "import", cache, src])
    assert_clean(proc)
    assert proc.returncode in (0, 1, 2), proc.stderr
    if proc.returncode != 0:
        assert cache.read_bytes() == before
        assert all(shown(src) in l or shown(cache) in l for l in proc.stderr.splitlines())


@pytest.mark.parametrize("kind, i", cases("sdata"))
def test_session_data(base, tmp_path, kind, i):
    """A well-formed line whose session data is malformed: one line FILE:3: why."""
    salt, data = base["sdata"]
    label, fn = VARIANTS[kind][i]
    path = tmp_path / "sdata.txt"
    path.write_bytes(b"# one session\n# its data mutated\n" + salt.encode() + b":"
                     + base64.b64encode(fn(data)) + b"\n")
    os.chmod(path, 0o600)
    proc = run(["cache", "verify", path])
    check_verify(proc, path)
    assert proc.returncode != 2
    if proc.returncode == 1:
        assert shown(path) + b":3: " in proc.stdout


# ---- expectation tables and scenario text ------------------------------------------


@pytest.mark.parametrize("kind, i", cases("expectations"))
def test_expectations(base, tmp_path, kind, i):
    """A malformed table: 2 with one line FILE:LINE: why, the old report kept."""
    table = variant_file(tmp_path, base["expectations"].read_bytes(), kind, i, name="t.tl")
    out = old_output(tmp_path, "report.txt")
    proc = run(["conformance", "--expectations", table, "-o", out])
    check(proc, (0, 1, 2), table, (2,), old=out)


@pytest.mark.parametrize("kind, i", cases("scenario"))
def test_scenario(kind, i):
    """A malformed --scenario: 0 it ran, 2 one line naming the field."""
    label, fn = VARIANTS[kind][i]
    text = fn("tls=1.3 present=older dret=USE")
    proc = subprocess.run([os.fsencode(ticketlab_bin()), b"conformance", b"--scenario",
                           os.fsencode(text)], capture_output=True, timeout=BOUND)
    assert_clean(proc)
    assert proc.returncode in (0, 1, 2), proc.stderr
    if proc.returncode == 2:
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and b"scenario" in lines[0], lines
        assert b"\x1b" not in proc.stderr


# ---- plug-ins ------------------------------------------------------------------------


@pytest.mark.parametrize("kind, i", cases("plugin"))
def test_plugin(base, tmp_path, kind, i):
    """A malformed or misbehaving plug-in: 2 with one line when it cannot be
    loaded; 1 with a failing run.complete in the report when it crashes,
    exits or hangs; never 0 for a fault, never a report left half-written."""
    label, fn = VARIANTS[kind][i]
    out = old_output(tmp_path, "report.json")
    args = []
    if fn is not None:
        plugin = variant_file(tmp_path, base["plugin"].read_bytes(), kind, i, name="p.so")
    elif label.startswith("fault-"):
        plugin = BUILD / "lib" / "libbroken_faults.so"
        args = ["--arg", label[len("fault-"):], "--timeout", "2"]
    elif label == "no-key-callback":
        plugin = tmp_path / "libz.so"
        shutil.copy(BUILD / "lib" / "libbroken_faults.so", plugin)   # rewritten below
        plugin.write_bytes(plugin.read_bytes().replace(b"tl_plugin_ticket_key_evp_cb",
                                                       b"xx_plugin_ticket_key_evp_cb"))
    elif label == "a-directory":
        plugin = tmp_path / "dir.so"
        plugin.mkdir()
    else:
        plugin = "/dev/zero"
    proc = run(["validate", "--plugin", plugin, *args, "--format", "json", "-o", out])
    check(proc, (0, 1, 2), plugin, (2,), old=out)
    if label.startswith("fault-"):
        assert proc.returncode == 1, proc.stderr
        report = open(out).read()
        assert '"name":"run.complete","verdict":"fail"' in report, report
    if proc.returncode != 2:
        assert open(out, "rb").read().rstrip().endswith(b"}")


# ---- -o targets ------------------------------------------------------------------------


def make_target(tmp_path, what, request):
    """(path to give -o, file that must keep OLD or None, exit codes allowed)."""
    victim = tmp_path / "victim"
    victim.write_bytes(OLD)
    if what == "symlink":
        link = tmp_path / "link"
        link.symlink_to(victim)
        return link, victim, (0,)          # the link is replaced, never its target
    if what == "dangling-symlink":
        link = tmp_path / "dangling"
        link.symlink_to(tmp_path / "nowhere" / "x")
        return link, victim, (0,)
    if what == "dev-full":
        return "/dev/full", victim, (2,)
    if what == "fifo":
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        return fifo, victim, (2,)
    if what in ("readonly-dir", "full-tmpfs"):
        if os.geteuid() != 0:
            pytest.skip("mounting a small or read-only tmpfs needs root")
        mnt = tmp_path / "mnt"
        mnt.mkdir()
        opts = "size=64k" if what == "full-tmpfs" else "ro,size=64k"
        if subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(mnt)]).returncode != 0:
            pytest.skip("cannot mount a tmpfs here")
        request.addfinalizer(lambda: subprocess.run(["umount", "-l", str(mnt)]))
        if what == "readonly-dir":
            return mnt / "out", None, (2,)
        out = mnt / "out"
        out.write_bytes(OLD)
        fd = os.open(mnt / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
        try:                                           # fill it to the last byte
            while os.write(fd, b"\0" * 512) > 0:
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        return out, out, (2,)
    if what == "directory":
        d = tmp_path / "adir"
        d.mkdir()
        return d, victim, (2,)
    if what == "missing-dir":
        return tmp_path / "no" / "such" / "dir" / "out", victim, (2,)
    if what == "through-a-file":
        return victim / "out", victim, (2,)
    if what == "too-long":
        return tmp_path / ("x" * 300), victim, (2,)
    return tmp_path / "bad\nname\x1b[31m\udcff.out", victim, (0,)


@pytest.mark.parametrize("kind, i", cases("output"))
def test_output_target(base, tmp_path, kind, i, request):
    label, _ = VARIANTS[kind][i]
    command, what = label.split("-", 1)
    target, keep, codes = make_target(tmp_path, what, request)
    args = {
        "keygen": ["keygen", "--format", "nginx", "-o", target],
        "seal": ["ticket", "seal", "--keys", base["keys-nginx"], "--format", "nginx", "-o", target],
        "extract": ["ticket", "extract", "--session", base["session-pem"], "-o", target],
        "export": ["cache", "export", target, "--tls", "1.3"],
        "conformance": ["conformance", "--expectations", base["expectations"], "-o", target],
        "validate": ["validate", "--plugin", base["plugin"], "-o", target],
    }[command]
    if command == "export" and "symlink" in what:
        codes = (2,)      # a session file must be a regular file, never a link
    proc = run(args)
    check(proc, codes, target, (2,))
    if keep is not None:
        assert open(keep, "rb").read() == OLD
    if proc.returncode == 0 and what != "dangling-symlink":
        assert not os.path.islink(target) and os.path.getsize(target) > 0
    parent = os.path.dirname(os.fsencode(str(target)))
    if os.path.isdir(parent):
        leftovers = [p for p in os.listdir(parent) if b".tmp." in p]
        assert leftovers == [], leftovers


# ---- killed writers ------------------------------------------------------------------------


def test_sigkill_loop_leaves_no_torn_file_and_no_temp_file(base, tmp_path):
    """200 `cache export` and `keygen` runs, each killed at a random point:
    the file is always the old content or a whole new one. The data is
    written to an unnamed file (O_TMPFILE), named only for the instant
    between linkat and rename: a writer killed in that instant leaves one
    PATH.tmp.XXXXXX, which the next write to PATH removes. So temporary
    files never pile up, and none is left once a write has finished."""
    rnd = random.Random(13)
    out = tmp_path / "keys.key"
    cache = tmp_path / "cache.txt"
    keygen = ["keygen", "--format", "nginx", "--seed", "1", "-o", str(out)]
    export = ["cache", "export", str(cache), "--tls", "1.3"]
    for cmd in (keygen, export):
        subprocess.run([ticketlab_bin(), *cmd], check=True, capture_output=True)
    whole_cache = cache.read_bytes()
    for n in range(200):
        cmd = keygen[:4] + [str(n)] + keygen[5:] if n % 2 else export + ["--seed", str(n % 3 + 1)]
        p = subprocess.Popen([ticketlab_bin(), *cmd], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            p.wait(timeout=rnd.uniform(0.0, 0.08))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        assert len(out.read_bytes()) == 80
        text = cache.read_bytes()
        assert text.endswith(b"\n") and text.count(b"\n") == whole_cache.count(b"\n"), text
        subprocess.run([ticketlab_bin(), "cache", "verify", str(cache)], check=True,
                       capture_output=True)
        temps = [p for p in os.listdir(tmp_path) if ".tmp." in p]
        assert len([t for t in temps if t.startswith("keys.key.")]) <= 1, temps
        assert len([t for t in temps if t.startswith("cache.txt.")]) <= 1, temps
    for cmd in (keygen, export):
        subprocess.run([ticketlab_bin(), *cmd], check=True, capture_output=True)
    assert [p for p in os.listdir(tmp_path) if ".tmp." in p] == []
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


# ---- long names ------------------------------------------------------------------------------


def test_a_long_path_keeps_the_reason(tmp_path):
    """A path near PATH_MAX is shortened in the middle; the reason stays whole."""
    deep = tmp_path
    for i in range(14):
        deep = deep / (chr(ord("a") + i) * 250)
    path = str(deep / "missing.tl")
    proc = run(["conformance", "--expectations", path])
    assert_clean(proc)
    assert proc.returncode == 2
    line = proc.stderr.decode().strip()
    assert "\n" not in line
    assert line.startswith("ticketlab conformance: " + str(tmp_path)), line
    assert "..." in line, line
    assert line.endswith("/missing.tl: cannot open: No such file or directory "
                         "(the expectations table)"), line


def test_variant_counts():
    """At least 50 variants of each input kind (the closing note's figures)."""
    counts = {kind: len(v) for kind, v in VARIANTS.items()}
    print("hostile input variants per kind:", counts, "total", sum(counts.values()))
    assert all(n >= 50 for n in counts.values()), counts


# ---- issue 24: hostile names, duplicate JSON keys, empty selections, two stdins ----------------

HOSTILE_NAMES = {
    "esc-title": b"t\x1b]0;pwned\x07\x1b[31mRED\x1b[0m",
    "newline": b"two\nlines",
    "cr": b"over\rwrite",
    "tab": b"tab\there",
    "del": b"del\x7f",
    "backspace": b"bs\x08\x08",
    "clear-screen": b"\x1b[2J\x1b[H",
    "c1-csi": "csi\u009b31m".encode(),
    "invalid-utf8": b"bad\xff\xfe",
    "overlong": b"over\xc0\xaflong",
    "surrogate": b"sur\xed\xa0\x80",
    "cut-utf8": b"cut\xe2\x82",
    "valid-utf8": "caf\u00e9-\u2603".encode(),
}

# (label, arguments with N for the hostile name, what N is, exit code, N shown in the output)
NAME_COMMANDS = [
    ("list", ["cache", "list", "N"], "cache", 0, False),
    ("list-empty", ["cache", "list", "N"], "empty", 0, True),
    ("list-0644", ["cache", "list", "N"], "cache-0644", 0, True),
    ("list-0660", ["cache", "list", "N"], "cache-0660", 2, True),
    ("list-missing", ["cache", "list", "N"], None, 2, True),
    ("verify", ["cache", "verify", "N"], "bad-line", 1, True),
    ("import-source", ["cache", "import", "DST", "N"], "cache", 0, False),
    ("import-bad-source", ["cache", "import", "DST", "N"], "bad-line", 0, True),
    ("import-file", ["cache", "import", "N", "SRC"], None, 0, True),
    ("export-file", ["cache", "export", "N", "--tls", "1.3"], None, 0, True),
    ("export-from", ["cache", "export", "DST", "--from", "N"], "bad-line", 0, True),
    ("export-from-garbage", ["cache", "export", "DST", "--from", "N"], "garbage", 1, True),
    ("keygen", ["keygen", "--format", "nginx", "-o", "N"], None, 0, True),
    ("seal", ["ticket", "seal", "--keys", "KEYS", "--format", "nginx", "-o", "N"], None, 0, True),
    ("open-missing", ["ticket", "open", "--keys", "KEYS", "--format", "nginx", "N"], None, 2, True),
    ("expectations", ["conformance", "--expectations", "N"], None, 2, True),
]


def assert_terminal_safe(out):
    """Every byte a person sees is valid UTF-8, and the only control is the newline."""
    text = out.decode("utf-8")          # raises on a byte that is not UTF-8
    bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f]
    assert bad == [], (bad, out)


@pytest.mark.parametrize("label, args, what, code, named", NAME_COMMANDS, ids=[c[0] for c in NAME_COMMANDS])
@pytest.mark.parametrize("kind", sorted(HOSTILE_NAMES))
def test_hostile_names(base, tmp_path, kind, label, args, what, code, named):
    """Issue 24 fault 3: a file name with ESC, a newline, other control
    bytes or bytes that are not UTF-8 reached the terminal raw from cache
    import/verify/list/export --from and keygen's `wrote PATH`. Now every
    such byte is \\xNN, the way errors always showed them."""
    name = os.fsencode(str(tmp_path)) + b"/" + HOSTILE_NAMES[kind]
    cache = open(base["session-file"], "rb").read()
    content = {"cache": cache, "cache-0644": cache, "cache-0660": cache, "empty": b"",
               "bad-line": cache + b"this line is not a session\n", "garbage": b"garbage\nmore\n"}
    if what is not None:
        with open(name, "wb") as f:
            f.write(content[what])
        os.chmod(name, {"cache-0644": 0o644, "cache-0660": 0o660}.get(what, 0o600))
    src = tmp_path / "src.txt"
    src.write_bytes(cache)
    os.chmod(src, 0o600)
    subst = {"N": name, "DST": str(tmp_path / "dst.txt"), "SRC": str(src), "KEYS": str(base["keys-nginx"])}
    proc = run([subst.get(a, a) for a in args])
    assert_clean(proc)
    assert proc.returncode == code, proc.stderr
    out = proc.stdout + proc.stderr
    assert_terminal_safe(out)
    if named:
        assert escaped(name) in out, out
    if HOSTILE_NAMES[kind] != escaped(HOSTILE_NAMES[kind]):
        assert HOSTILE_NAMES[kind] not in out


@pytest.mark.parametrize("kind", sorted(HOSTILE_NAMES))
def test_hostile_names_in_json(base, tmp_path, kind):
    """--json output stays valid JSON (UTF-8) whatever bytes a name holds:
    a byte that is not UTF-8 is the text \\xNN, as the terminal lines show it."""
    import json
    name = os.fsencode(str(tmp_path)) + b"/" + HOSTILE_NAMES[kind]
    with open(name, "wb") as f:
        f.write(open(base["session-file"], "rb").read())
    os.chmod(name, 0o600)
    for action in ("list", "verify"):
        proc = run(["cache", action, name, "--json"])
        assert_clean(proc)
        assert proc.returncode == 0, proc.stderr
        doc = json.loads(proc.stdout.decode("utf-8"))
        assert doc["file"] == escaped(name, controls=False).decode("utf-8")


def test_hostile_alpn_and_sni_are_escaped(base, tmp_path):
    """`cache list` printed a session's ALPN raw (--json escaped it), and
    `ticket open` a ticket's server name and ALPN: bytes from a file."""
    from test_cache_cli import pack_sdata, parse_sdata, shash_for
    salt, data = base["sdata"]
    f = parse_sdata(data)
    alpn = b"h2\x1b]0;pwned\x07\x1b[31m\xff"
    sdata = pack_sdata(f["ticket"], f["ietf"], f["valid_until"], alpn=alpn)
    cache = tmp_path / "alpn.txt"
    cache.write_bytes(base64.b64encode(shash_for("x:443")) + b":" + base64.b64encode(sdata) + b"\n")
    os.chmod(cache, 0o600)
    proc = run(["cache", "list", cache])
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    assert_terminal_safe(proc.stdout + proc.stderr)
    assert b"alpn=" + escaped(alpn) + b" " in proc.stdout, proc.stdout
    ticket = tmp_path / "t.bin"
    proc = run(["ticket", "seal", "--keys", base["keys-nginx"], "--format", "nginx", "-o", ticket,
                "--sni", "\x1b[31mevil\n", "--alpn", "h\x1b[2J"])
    assert proc.returncode == 0, proc.stderr
    proc = run(["ticket", "open", "--keys", base["keys-nginx"], "--format", "nginx", ticket])
    assert proc.returncode == 0, proc.stderr
    assert_terminal_safe(proc.stdout + proc.stderr)
    assert b"sni: \\x1b[31mevil\\x0a\n" in proc.stdout and b"alpn: h\\x1b[2J\n" in proc.stdout


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A real conformance report of a few rows (JSON), as text."""
    path = tmp_path_factory.mktemp("report") / "r.json"
    proc = run(["conformance", "--filter", "matrix.tls13.evp-cb.SUCCESS*", "--format", "json", "-o", path],
               env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))
    assert proc.returncode == 0, proc.stderr
    return path.read_text()


def dup_in_first_row(text, key):
    at = text.index('"rows"')
    at = text.index("{", at)
    return text[:at + 1] + f'"{key}": "x", ' + text[at + 1:]


# (label, make(text) -> text, the key named in the error)
DUP_KEYS = [
    ("rows-first", lambda t: '{"rows": [], ' + t.lstrip()[1:], "rows"),
    ("rows-last", lambda t: t.rstrip()[:-1] + ', "rows": []}', "rows"),
    ("release-first", lambda t: '{"release": "9.9.9", ' + t.lstrip()[1:], "release"),
    ("release-escaped", lambda t: '{"\\u0072elease": "9.9.9", ' + t.lstrip()[1:], "release"),
    ("summary-last", lambda t: t.rstrip()[:-1] + ', "summary": {}}', "summary"),
    ("name-in-row", lambda t: dup_in_first_row(t, "name"), "name"),
    ("status-in-row", lambda t: dup_in_first_row(t, "status"), "status"),
    ("observed-in-row", lambda t: dup_in_first_row(t, "observed_text"), "observed_text"),
    ("nested", lambda t: t.rstrip()[:-1] + ', "extra": {"a": {"b": 1, "b": 2}}}', "b"),
    ("10000-release", lambda t: "{" + ", ".join(['"release": "3.5.7"'] * 10000) + ", " + t.lstrip()[1:],
     "release"),
    ("10000-keys-then-dup", lambda t: "{" + "".join(f'"k{i}": {i}, ' for i in range(10000))
     + '"k0": 0, ' + t.lstrip()[1:], "k0"),
]


@pytest.mark.parametrize("label, make, key", DUP_KEYS, ids=[d[0] for d in DUP_KEYS])
@pytest.mark.parametrize("side", ["A", "B"])
def test_duplicate_json_keys(report, tmp_path, label, make, key, side):
    """Issue 24 fault 7: a duplicate key was accepted and the first one won
    (Python's json takes the last), so '{"rows": [], ...' in front of a
    valid report made --compare see 0 rows. Now: exit 2, one line naming
    the file, the byte and the key; no report written."""
    good, bad, out = tmp_path / "good.json", tmp_path / "bad.json", old_output(tmp_path)
    good.write_text(report)
    bad.write_text(make(report))
    pair = [good, bad] if side == "B" else [bad, good]
    proc = run(["conformance", "--compare", *pair, "--format", "json", "-o", out])
    check(proc, (2,), bad, (2,), old=out)
    line = proc.stderr.strip()
    assert b": byte " in line and f'the member name "{key}" is given twice (first at byte '.encode() in line, line


EMPTY_SELECTIONS = [
    ("empty-pattern", ["--filter", ""]),
    ("typo", ["--filter", "matrix.tls13.evp-cb.SUCES*"]),
    ("no-such-row", ["--filter", "no-such-row"]),
    ("all-excluded", ["--exclude", "*"]),
    ("filter-then-exclude", ["--filter", "keycb.*", "--exclude", "keycb.*"]),
    ("wrong-tls", ["--filter", "matrix.tls13.*", "--tls", "1.2"]),
    ("bracket", ["--filter", "["]),
    ("backslash", ["--filter", "\\"]),
    ("control", ["--filter", "\x1b[31mrow\n"]),
    ("non-utf8", ["--filter", "row\udcff"]),
    ("space", ["--filter", " "]),
    ("case", ["--filter", "MATRIX.*"]),
]


@pytest.mark.parametrize("label, select", EMPTY_SELECTIONS, ids=[e[0] for e in EMPTY_SELECTIONS])
def test_empty_selection(base, tmp_path, label, select):
    """Issue 24 fault 6: a selection of no row is exit 2 with one line
    naming the table (escaped), and no report; --allow-empty passes."""
    table = REPO / "conformance" / "expectations.tl"
    out = old_output(tmp_path)
    proc = run(["conformance", "--expectations", table, *select, "-o", out])
    check(proc, (2,), table, (2,), old=out)
    assert_terminal_safe(proc.stderr)
    assert b"no row matches" in proc.stderr and b"--allow-empty" in proc.stderr
    proc = run(["conformance", "--expectations", table, *select, "--allow-empty", "-o", out])
    assert proc.returncode == 0, proc.stderr
    assert b"0 rows: 0 passed" in open(out, "rb").read()


# (label, arguments: K a key file, T a ticket, C a session file, O an output file that must survive)
TWO_STDINS = [
    ("open-keys-and-ticket", ["ticket", "open", "--keys", "-", "--format", "nginx", "-"]),
    ("open-two-keys", ["ticket", "open", "--keys", "-", "--keys", "-", "--format", "nginx", "T"]),
    ("open-keys-file-two-stdin", ["ticket", "open", "--keys", "K", "--keys", "-", "--keys", "-",
                                  "--format", "nginx", "T"]),
    ("open-second-key-and-ticket", ["ticket", "open", "--keys", "K", "--keys", "-", "--format", "nginx",
                                    "-"]),
    ("seal-two-keys", ["ticket", "seal", "--keys", "-", "--keys", "-", "--format", "nginx", "-o", "O"]),
    ("import-file-and-default-source", ["cache", "import", "-"]),
    ("import-file-and-source", ["cache", "import", "-", "C", "-"]),
    ("import-two-sources", ["cache", "import", "O", "-", "-"]),
    ("compare", ["conformance", "--compare", "-", "-"]),
]


@pytest.mark.parametrize("label, args", TWO_STDINS, ids=[t[0] for t in TWO_STDINS])
def test_two_stdins(base, tmp_path, label, args):
    """Issue 24 fault 9: `ticket open --keys - --format nginx - < key` read
    the keys from standard input, then reported the ticket "too short".
    Two operands can never both be standard input: exit 2, one line."""
    out = old_output(tmp_path)
    os.chmod(out, 0o600)
    subst = {"K": str(base["keys-nginx"]), "T": str(base["tickets"]), "C": str(base["session-file"]),
             "O": str(out)}
    proc = subprocess.run([ticketlab_bin(), *[subst.get(a, a) for a in args]], capture_output=True,
                          timeout=BOUND, input=open(base["keys-nginx"], "rb").read())
    assert_clean(proc)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and b"standard input" in lines[0], lines
    assert proc.stdout == b""
    assert open(out, "rb").read() == OLD


def test_new_kind_counts():
    """The issue-24 kinds and how many cases each has (the closing note's figures)."""
    counts = {"hostile-names": len(HOSTILE_NAMES) * (len(NAME_COMMANDS) + 1) + 1,
              "duplicate-json-keys": 2 * len(DUP_KEYS), "empty-selection": len(EMPTY_SELECTIONS),
              "two-stdins": len(TWO_STDINS)}
    print("issue-24 hostile cases per kind:", counts, "total", sum(counts.values()))
    assert all(n >= 9 for n in counts.values()), counts
