"""`ticketlab cache`: list, verify, import and export of curl-format session files.

Also: an independent encoder (struct.pack, curl's layout) whose output the
CLI lists, libtls's permission rules, and a crash-safety test that SIGKILLs
a writer at random moments and checks the file is always whole.
"""
import base64
import hashlib
import hmac
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import time

import pytest

EPOCH = 1798761600          # TL_CLOCK_EPOCH: the world's frozen start
NOW = ["--now", str(EPOCH)]


# --- an independent reader/writer of curl's session data -----------------

def parse_sdata(blob):
    """Decode curl's sdata (lib/vtls/vtls_spack.c layout) into a dict."""
    assert blob[0] == 0x01
    out, i = {}, 1
    while i < len(blob):
        tag = blob[i]
        i += 1
        if tag == 0x02:
            out["ietf"], = struct.unpack_from(">H", blob, i); i += 2
        elif tag == 0x03:
            out["valid_until"], = struct.unpack_from(">Q", blob, i); i += 8
        elif tag in (0x04, 0x05, 0x07):
            n, = struct.unpack_from(">H", blob, i); i += 2
            out[{4: "ticket", 5: "alpn", 7: "quic_tp"}[tag]] = blob[i:i + n]; i += n
        elif tag == 0x06:
            out["early"], = struct.unpack_from(">I", blob, i); i += 4
        elif tag == 0x08:
            out["flag"] = True
        else:
            raise ValueError(f"tag {tag:#x}")
    return out


def session_lines(path):
    lines = []
    for line in open(path, "rb").read().decode().splitlines():
        if line and not line.startswith("#"):
            a, b = line.split(":")
            lines.append((base64.b64decode(a), base64.b64decode(b)))
    return lines


def pack_sdata(der, ietf, valid_until, alpn=None, early=0, quic=None, flag=False,
               order=None):
    """Pack like curl does: version, then tagged big-endian fields."""
    fields = {
        0x04: struct.pack(">BH", 0x04, len(der)) + der,
        0x02: struct.pack(">BH", 0x02, ietf),
        0x03: struct.pack(">BQ", 0x03, valid_until),
    }
    if alpn is not None:
        fields[0x05] = struct.pack(">BH", 0x05, len(alpn)) + alpn
    if early:
        fields[0x06] = struct.pack(">BI", 0x06, early)
    if quic:
        fields[0x07] = struct.pack(">BH", 0x07, len(quic)) + quic
    if flag:
        fields[0x08] = b"\x08"
    order = order or [t for t in (4, 2, 3, 5, 6, 7, 8) if t in fields]
    return b"\x01" + b"".join(fields[t] for t in order)


def shash_for(key, salt=None):
    salt = salt or os.urandom(32)
    return salt + hmac.new(salt, key.encode(), hashlib.sha256).digest()


def line(shash, sdata):
    return base64.b64encode(shash).decode() + ":" + base64.b64encode(sdata).decode() + "\n"


def write0600(path, text):
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    os.chmod(path, 0o600)
    return path


# --- fixtures ------------------------------------------------------------

@pytest.fixture
def tl(ticketlab):
    """tl(*args, input=None) -> CompletedProcess with text .out and .err,
    checked for sanitizer reports and crashes."""
    def _run(*args, input=None):
        proc = subprocess.run([str(ticketlab), *map(str, args)], input=input,
                              capture_output=True, timeout=120)
        proc.out = proc.stdout.decode("utf-8", "replace")
        proc.err = proc.stderr.decode("utf-8", "replace")
        assert proc.returncode >= 0, f"killed by signal {-proc.returncode}"
        for bad in ("Sanitizer", "runtime error", "Traceback"):
            assert bad not in proc.out + proc.err, proc.out + proc.err
        return proc
    return _run


@pytest.fixture
def world_file(tl, tmp_path):
    """A session file filled by real TLS 1.2 and 1.3 handshakes."""
    path = tmp_path / "world.sessions"
    p = tl("cache", "export", path, "--alpn", "h2", "--early-data", "16384")
    assert p.returncode == 0, p.err
    assert "wrote 3 sessions" in p.out
    return path


@pytest.fixture
def der13(world_file):
    """A DER SSL_SESSION of TLS 1.3 from a world handshake."""
    for _, sdata in session_lines(world_file):
        f = parse_sdata(sdata)
        if f["ietf"] == 0x0304:
            return f["ticket"]
    pytest.fail("no TLS 1.3 session in the world export")


# --- export, list, verify --------------------------------------------------

def test_export_writes_0600_with_curl_layout(world_file):
    assert os.stat(world_file).st_mode & 0o7777 == 0o600
    text = world_file.read_text()
    assert text.startswith("#")
    lines = session_lines(world_file)
    assert len(lines) == 3
    for shash, sdata in lines:
        assert len(shash) == 64
        f = parse_sdata(sdata)
        assert f["ietf"] in (0x0303, 0x0304)
        assert f["alpn"] == b"h2"
        assert f["valid_until"] == EPOCH + 7200
        assert f["ticket"][0] == 0x30       # a DER SEQUENCE
        # curl's field order: ticket, IETF id, valid-until first
        assert list(sdata[1:2]) == [0x04]


def test_list_text(tl, world_file):
    p = tl("cache", "list", world_file, *NOW)
    assert p.returncode == 0, p.err
    rows = p.out.splitlines()
    assert len(rows) == 3
    assert rows[0].startswith("TLSv1.2  alpn=h2  valid-until=2027-01-01T02:00:00Z")
    assert "peer=(unknown; salted hash" in rows[0]
    assert rows[1].startswith("TLSv1.3") and "early-data=16384" in rows[1]


def test_list_json_and_peer_recovery(tl, world_file):
    p = tl("cache", "list", world_file, "--json", "--peer", "world", "--alpn", "h2", *NOW)
    assert p.returncode == 0, p.err
    doc = json.loads(p.out)
    assert doc["bad_lines"] == []
    s = doc["sessions"]
    assert [x["tls"] for x in s] == ["1.2", "1.3", "1.3"]
    assert all(x["alpn"] == "h2" and x["valid_until"] == EPOCH + 7200 for x in s)
    assert s[0]["peer"].startswith("server.ticketlab.test:443:TLSVER-0303-0303:ALPN-h2")
    assert s[0]["peer"].endswith(":IMPL-OpenSSL/3.0.19") or ":IMPL-OpenSSL/" in s[0]["peer"]
    assert s[1]["early_data_max"] == 16384 and s[0]["early_data_max"] == 0
    assert all(x["ticket_len"] > 0 and x["session_len"] > x["ticket_len"] for x in s)


def test_verify_good_file(tl, world_file):
    p = tl("cache", "verify", world_file, *NOW)
    assert p.returncode == 0, p.err
    assert p.out.strip() == f"{world_file}: 3 sessions, 3 ok, 0 bad"


def test_verify_reports_expired_on_harness_clock(tl, world_file):
    p = tl("cache", "verify", world_file, "--now", str(EPOCH + 7201), "--json")
    assert p.returncode == 1
    doc = json.loads(p.out)
    assert doc["bad"] == 3 and {b["error"] for b in doc["bad_lines"]} == {"expired"}


def test_empty_file_means_no_sessions(tl, tmp_path):
    f = write0600(tmp_path / "empty", b"")
    p = tl("cache", "list", f)
    assert p.returncode == 0 and p.out.strip() == f"{f}: no sessions"
    p = tl("cache", "verify", f, "--json")
    assert p.returncode == 0
    assert json.loads(p.out)["sessions"] == 0


# --- the independent encoder -----------------------------------------------

def test_independent_encoder_imports_and_lists(tl, tmp_path, der13):
    key = "indie.example:8443:TLSVER-0304-0304:IMPL-OpenSSL/3.0.19"
    sd1 = pack_sdata(der13, 0x0304, EPOCH + 999, alpn=b"http/1.1", early=4096,
                     quic=b"\x01\x02\x03", flag=True)
    # the same fields in another order: order is free in curl's format
    sd2 = pack_sdata(der13, 0x0304, EPOCH + 500, alpn=b"h3", order=[3, 5, 2, 4])
    f = write0600(tmp_path / "indie.sessions",
                  "# packed by hand\n" + line(shash_for(key), sd1) + line(shash_for(key), sd2))
    p = tl("cache", "list", f, "--json", "--peer", key, *NOW)
    assert p.returncode == 0, p.err
    s = json.loads(p.out)["sessions"]
    assert len(s) == 2
    assert s[0]["peer"] == key
    assert (s[0]["tls"], s[0]["alpn"], s[0]["valid_until"]) == ("1.3", "http/1.1", EPOCH + 999)
    assert (s[0]["early_data_max"], s[0]["quic_tp_len"], s[0]["flag"]) == (4096, 3, True)
    assert s[0]["session_len"] == len(der13)
    assert (s[1]["alpn"], s[1]["valid_until"]) == ("h3", EPOCH + 500)
    p = tl("cache", "list", f, *NOW)
    assert "TLSv1.3  alpn=http/1.1  valid-until=2027-01-01T00:16:39Z" in p.out
    # and what we write back is curl's layout, readable by the same decoder
    out = tmp_path / "back.sessions"
    assert tl("cache", "export", out, "--from", f, *NOW).returncode == 0
    back = [parse_sdata(sd) for _, sd in session_lines(out)]
    assert back[0]["quic_tp"] == b"\x01\x02\x03" and back[0]["flag"]
    assert back[1]["alpn"] == b"h3" and back[1]["ticket"] == der13


def test_duplicate_tag_file_is_reported_not_crashed(tl, tmp_path, der13):
    dup = pack_sdata(der13, 0x0304, EPOCH + 60) + b"\x04\x00\x01B"   # second ticket
    good = pack_sdata(der13, 0x0304, EPOCH + 60)
    f = write0600(tmp_path / "dup.sessions",
                  "#\n" + line(shash_for("k"), dup) + line(shash_for("k"), good))
    p = tl("cache", "verify", f, *NOW)
    assert p.returncode == 1
    assert f"{f}:2: tag 0x04 at offset" in p.out and "repeats" in p.out
    assert p.out.strip().endswith("2 sessions, 1 ok, 1 bad")
    p = tl("cache", "verify", f, "--json", *NOW)
    doc = json.loads(p.out)
    assert doc["bad_lines"] == [{"file": str(f), "line": 2, "error": "duplicate_tag",
                                 "message": doc["bad_lines"][0]["message"]}]
    p = tl("cache", "list", f, *NOW)       # the good line still lists
    assert p.returncode == 0
    assert len(p.out.splitlines()) == 1
    assert p.err.startswith(f"ticketlab cache: {f}:2: ")


@pytest.mark.parametrize("name,blob,error", [
    ("version", b"\x02" + b"\x04\x00\x01\x30", "bad_version"),
    ("unknown tag", b"\x01\x09", "unknown_tag"),
    ("truncated u64", b"\x01\x03\x00\x00", "truncated"),
    ("length past end", b"\x01\x04\x00\x09\x30", "length_past_end"),
    ("no ticket", b"\x01\x02\x03\x04", "no_ticket"),
    ("bad DER", b"\x01\x04\x00\x02\x30\x00\x02\x03\x04\x03" + struct.pack(">Q", EPOCH + 9),
     "bad_session"),
    ("expired", None, "expired"),
    ("not base64", "!!", "bad_base64_sdata"),
])
def test_verify_names_each_bad_line(tl, tmp_path, der13, name, blob, error):
    if blob is None:
        blob = pack_sdata(der13, 0x0304, EPOCH - 1)
    sd = blob if isinstance(blob, str) else base64.b64encode(blob).decode()
    f = write0600(tmp_path / "bad", base64.b64encode(shash_for("k")).decode() + ":" + sd + "\n")
    p = tl("cache", "verify", f, "--json", *NOW)
    assert p.returncode == 1
    assert [b["error"] for b in json.loads(p.out)["bad_lines"]] == [error]


# --- import and round trips ------------------------------------------------

def test_round_trip_identical_bytes(tl, tmp_path, world_file):
    a = tmp_path / "a"
    b = tmp_path / "b"
    assert tl("cache", "export", a, "--from", world_file, *NOW).returncode == 0
    assert tl("cache", "import", b, a, *NOW).returncode == 0
    assert a.read_bytes() == world_file.read_bytes()
    assert b.read_bytes() == world_file.read_bytes()


def test_import_merges_and_reports(tl, tmp_path):
    v12, v13, dst = tmp_path / "v12", tmp_path / "v13", tmp_path / "dst"
    assert tl("cache", "export", v12, "--tls", "1.2").returncode == 0
    assert tl("cache", "export", v13, "--tls", "1.3", "--seed", "7").returncode == 0
    p = tl("cache", "import", dst, v12, *NOW)
    assert p.returncode == 0 and "imported 1 sessions" in p.out
    p = tl("cache", "import", dst, v13, "--json", *NOW)
    doc = json.loads(p.out)
    assert (doc["imported"], doc["sessions"], doc["bad"]) == (2, 3, 0)
    assert os.stat(dst).st_mode & 0o7777 == 0o600
    # from standard input
    p = tl("cache", "import", tmp_path / "fromstdin", *NOW, input=v13.read_bytes())
    assert p.returncode == 0, p.err
    # nothing to import: exit 1, the file is not touched
    empty = write0600(tmp_path / "nothing", b"# only a comment\n")
    before = dst.read_bytes()
    p = tl("cache", "import", dst, empty, *NOW)
    assert p.returncode == 1
    assert p.err.strip() == f"ticketlab cache: {dst}: nothing imported (0 bad lines)"
    assert dst.read_bytes() == before


def test_usage_and_help(tl):
    p = tl("cache", "--help")
    assert p.returncode == 0
    for part in ("SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXAMPLE", "EXIT STATUS"):
        assert part in p.out
    assert tl("cache").returncode == 2
    assert tl("cache", "frobnicate", "x").returncode == 2
    p = tl("cache", "list", "x", "--capacity", "zero")
    assert p.returncode == 2 and p.err.startswith("ticketlab cache: --capacity")
    assert tl("cache", "list", "/nonexistent/file").returncode == 2


# --- libtls's permission rules ---------------------------------------------

def refused(tl, path, phrase):
    for args in (("list", path), ("verify", path), ("import", path, "/dev/null"),
                 ("export", path, "--tls", "1.3")):
        p = tl("cache", *args)
        assert p.returncode == 2, (args, p.out, p.err)
        assert p.err.startswith(f"ticketlab cache: {path}: "), p.err
        assert phrase in p.err and p.err.count("\n") == 1, p.err


def test_mode_0644_refused_where_written(tl, tmp_path, world_file):
    """A file ticketlab writes (FILE of import and export) must be 0600."""
    f = tmp_path / "wide"
    shutil.copy(world_file, f)
    os.chmod(f, 0o644)
    before = f.read_bytes()
    for args in (("import", f, world_file), ("export", f, "--tls", "1.3")):
        p = tl("cache", *args)
        assert p.returncode == 2, (args, p.out, p.err)
        assert p.err == f"ticketlab cache: {f}: has mode 0644; a session file must have mode 0600\n"
    assert f.read_bytes() == before


def test_symlink_refused(tl, tmp_path, world_file):
    link = tmp_path / "link"
    link.symlink_to(world_file)
    before = world_file.read_bytes()
    refused(tl, link, "symbolic link")
    assert link.is_symlink() and world_file.read_bytes() == before


def test_directory_refused(tl, tmp_path):
    d = tmp_path / "dir"
    d.mkdir(mode=0o700)
    refused(tl, d, "directory")


@pytest.mark.root
def test_other_owner_refused(tl, tmp_path, world_file):
    f = tmp_path / "theirs"
    shutil.copy(world_file, f)
    os.chmod(f, 0o600)
    os.chown(f, 12345, -1)
    refused(tl, f, "owned by uid 12345")


# --- crash safety ----------------------------------------------------------

def test_kill_writer_at_random_moments(tl, ticketlab, tmp_path):
    """SIGKILL a writer that rewrites the file in a loop, 60 times; the file
    is always whole, and is exactly the old or the new content."""
    old, new = tmp_path / "old", tmp_path / "new"
    assert tl("cache", "export", old, "--tls", "both", "--seed", "1").returncode == 0
    assert tl("cache", "export", new, "--tls", "1.3", "--seed", "2").returncode == 0
    contents = {old.read_bytes(), new.read_bytes()}
    assert len(contents) == 2
    target = tmp_path / "live.sessions"
    shutil.copy(old, target)
    os.chmod(target, 0o600)
    bin_ = str(ticketlab)
    loop = (f'while :; do "{bin_}" cache export "{target}" --from "{new}" --now {EPOCH} >/dev/null;'
            f' "{bin_}" cache import "{target}" "{old}" --now {EPOCH} --capacity 3 >/dev/null;'
            f' done')
    # The import of `old` into a file holding `new`, capacity 3, leaves the
    # three sessions of `old` in `old`'s order: the same bytes as `old`.
    rng = random.Random(20261122)
    seen_states = set()
    for i in range(60):
        writer = subprocess.Popen(["sh", "-c", loop], start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, 0.4))
        os.killpg(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
        data = target.read_bytes()
        assert data in contents, f"kill {i}: the file is neither old nor new ({len(data)} bytes)"
        seen_states.add(data)
        assert os.stat(target).st_mode & 0o7777 == 0o600
        for shash, sdata in session_lines(target):   # parses whole
            assert len(shash) == 64 and parse_sdata(sdata)["ticket"]
        for leftover in tmp_path.glob("live.sessions.tmp.*"):
            leftover.unlink()      # a temporary file a kill left behind
    p = tl("cache", "verify", target, *NOW)
    assert p.returncode == 0, p.out + p.err
    assert len(seen_states) == 2, "the kills never landed on both states"


def test_hard_link_refused(tl, tmp_path, world_file):
    """A second name for a valid 0600 file would let another path reach it."""
    f = tmp_path / "alias"
    os.link(world_file, f)
    refused(tl, f, "2 hard links")


def test_curl_source_file_0644_is_read_with_a_warning(tl, tmp_path, world_file):
    """curl writes --ssl-sessions with 0666 minus umask: a file we only read is
    accepted with a warning; one that others can write is refused."""
    curl = tmp_path / "curl-sessions.txt"
    shutil.copy(world_file, curl)
    os.chmod(curl, 0o644)
    dst = tmp_path / "mine"
    p = tl("cache", "import", dst, curl, *NOW)
    assert p.returncode == 0, p.err
    assert p.err.strip() == (f"ticketlab cache: warning: {curl} has mode 0644: others can read "
                             "the sessions in it (chmod 600 it)")
    assert os.stat(dst).st_mode & 0o7777 == 0o600
    os.chmod(curl, 0o666)
    p = tl("cache", "import", tmp_path / "other", curl, *NOW)
    assert p.returncode == 2
    assert p.err.strip() == (f"ticketlab cache: {curl}: has mode 0666; a session file we read must "
                             "be readable by you, writable by nobody else, and have no execute or "
                             "setuid/setgid/sticky bit (chmod 600 it)")
    assert not (tmp_path / "other").exists()


# --- issue 24: one mode rule for every file read; no write after reading nothing ---

# What each mode gives when a file is only read: (exit code, what stderr says).
READ_MODES = {
    0o600: (0, None), 0o400: (0, None),
    0o640: (0, "warning"), 0o644: (0, "warning"), 0o444: (0, "warning"),
    0o700: (2, "refused"), 0o500: (2, "refused"), 0o620: (2, "refused"), 0o602: (2, "refused"),
    0o666: (2, "refused"), 0o200: (2, "refused"), 0o4600: (2, "refused"), 0o1600: (2, "refused"),
}


@pytest.mark.parametrize("mode", sorted(READ_MODES), ids=lambda m: f"{m:04o}")
def test_one_mode_rule_for_every_file_read(tl, tmp_path, world_file, mode):
    """import SOURCE, verify, list and export --from read a session file the
    same way: 0600/0400 silently, readable by others with one warning,
    anything else refused with one line (the help says so)."""
    rc, what = READ_MODES[mode]
    src = tmp_path / "src"
    shutil.copy(world_file, src)
    os.chmod(src, mode)
    for args in (("import", tmp_path / "dst-import", src), ("verify", src), ("list", src),
                 ("export", tmp_path / "dst-export", "--from", src)):
        p = tl("cache", *args, *NOW)
        assert p.returncode == rc, (args, p.out, p.err)
        if what is None:
            assert p.err == "", (args, p.err)
        elif what == "warning":
            assert p.err == (f"ticketlab cache: warning: {src} has mode {mode:04o}: others can read "
                             "the sessions in it (chmod 600 it)\n"), (args, p.err)
        else:
            assert p.err == (f"ticketlab cache: {src}: has mode {mode:04o}; a session file we read "
                             "must be readable by you, writable by nobody else, and have no execute "
                             "or setuid/setgid/sticky bit (chmod 600 it)\n"), (args, p.err)
    assert (tmp_path / "dst-import").exists() == (rc == 0)
    assert (tmp_path / "dst-export").exists() == (rc == 0)
    help_text = tl("cache", "--help").out
    assert "0640, 0644: curl writes its file 0666 minus umask) is read with a" in help_text
    assert "mode exactly 0600. Anything else is refused" not in help_text


@pytest.mark.parametrize("source", [b"garbage\nmore garbage\n", b"", b"# a comment only\n",
                                    b"AAAA:AAAA\n"], ids=["garbage", "empty", "comment", "bad-line"])
def test_export_from_nothing_valid_keeps_the_destination(tl, tmp_path, world_file, source):
    """Issue 24 fault 1: `export dst --from garbage` emptied dst with exit 0.
    A run that read no session leaves dst as it was and exits 1."""
    src = write0600(tmp_path / "g.txt", source)
    before = world_file.read_bytes()
    p = tl("cache", "export", world_file, "--from", src, *NOW)
    assert p.returncode == 1, (p.out, p.err)
    assert p.out == ""
    assert p.err.splitlines()[-1].startswith(f"ticketlab cache: {world_file}: no session read from {src} (")
    assert p.err.splitlines()[-1].endswith("): the file is left as it was")
    assert world_file.read_bytes() == before
    # to standard output: nothing written either
    p = tl("cache", "export", "-", "--from", src, *NOW)
    assert p.returncode == 1 and p.out == "", (p.out, p.err)
    # a missing destination is not created
    p = tl("cache", "export", tmp_path / "new", "--from", src, *NOW)
    assert p.returncode == 1 and not (tmp_path / "new").exists()
