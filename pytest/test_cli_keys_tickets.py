"""ticketlab keygen and ticket open/seal, driven as a user would."""
import base64
import json
import os
import stat

import pytest

from conftest import assert_clean


@pytest.fixture
def run(run):
    """The shared runner, plus the clean-output check and .out/.err as text."""
    def _run(*args, input=None):
        proc = run(*args, input=input)
        # bytes input gives bytes output; make both text before checking
        as_text = lambda v: v.decode("utf-8", "replace") if isinstance(v, bytes) else (v or "")
        proc.stdout, proc.stderr = as_text(proc.stdout), as_text(proc.stderr)
        assert_clean(proc)
        proc.out, proc.err = proc.stdout, proc.stderr
        return proc
    return _run

FORMATS = [("nginx", "48", 48), ("nginx", "80", 80), ("nginx", None, 80),
           ("envoy", None, 80), ("haproxy", "48", 3 * 65), ("haproxy", "80", 3 * 109),
           ("libtls", None, 52)]


def one_error_line(proc, *needles):
    lines = proc.err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {proc.err!r}"
    for n in needles:
        assert n in lines[0], f"{n!r} not in {lines[0]!r}"
    return lines[0]


@pytest.mark.parametrize("fmt,size,length", FORMATS)
def test_keygen_formats(run, tmp_path, fmt, size, length):
    out = tmp_path / "keys"
    args = ["keygen", "--format", fmt, "-o", out] + (["--size", size] if size else [])
    p = run(*args)
    assert p.returncode == 0, p.err
    assert p.err == ""
    assert p.out.startswith(f"wrote {out}: {fmt}, {length} bytes")
    assert out.stat().st_size == length
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    if fmt == "haproxy":
        lines = out.read_text().splitlines()
        assert len(lines) == 3
        assert all(len(base64.b64decode(l, validate=True)) == int(size) for l in lines)


def test_keygen_seed_is_reproducible_and_default_is_not(run, tmp_path):
    a, b, c, d = (tmp_path / n for n in "abcd")
    for f in (a, b):
        assert run("keygen", "--format", "nginx", "--seed", "5", "-o", f).returncode == 0
    for f in (c, d):
        assert run("keygen", "--format", "nginx", "-o", f).returncode == 0
    assert a.read_bytes() == b.read_bytes()
    assert c.read_bytes() != d.read_bytes()
    assert c.read_bytes()[:16] == bytes([0, 0, 0, 1]) + bytes(12)


def test_keygen_revision_names_key(run, tmp_path):
    out = tmp_path / "k"
    assert run("keygen", "--format", "envoy", "--revision", "258", "-o", out).returncode == 0
    assert out.read_bytes()[:16] == bytes([0, 0, 1, 2]) + bytes(12)


@pytest.mark.parametrize("args,needle", [
    (["--format", "envoy", "--size", "48"], "envoy keys are 80 bytes, not 48"),
    (["--format", "nginx", "--size", "64"], "--size must be 48 or 80"),
    (["--format", "iis"], "unknown format 'iis'"),
    (["--format", "nginx", "--revision", "-1"], "--revision must be a number"),
    (["--format", "nginx", "--revision", "4294967296"], "--revision must be a number"),
    (["--format", "libtls", "--size", "48"], "--size does not apply to libtls"),
])
def test_keygen_usage_errors(run, tmp_path, args, needle):
    out = tmp_path / "k"
    p = run("keygen", *args, "-o", out)
    assert p.returncode == 2
    one_error_line(p, "ticketlab keygen:", needle)
    assert not out.exists()


def test_keygen_unwritable_dir(run, tmp_path):
    out = tmp_path / "missing" / "k"
    p = run("keygen", "--format", "nginx", "-o", out)
    assert p.returncode == 2
    one_error_line(p, str(out))
    assert list(tmp_path.iterdir()) == []


def test_keygen_help(run):
    p = run("keygen", "--help")
    assert p.returncode == 0
    for part in ("SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXAMPLE", "EXIT STATUS"):
        assert part in p.out


# --- malformed key files --------------------------------------------------

def b64(n, fill=1):
    return base64.b64encode(bytes((fill + i) % 256 for i in range(n))).decode()


BAD_KEYFILES = [
    ("nginx", b"", "the file is empty"),
    ("nginx", bytes(47), "nginx key files are 48 or 80 bytes, this one is 47"),
    ("nginx", bytes(49), "nginx key files are 48 or 80 bytes, this one is 49"),
    ("nginx", bytes(81), "nginx key files are 48 or 80 bytes, this one is 81"),
    ("envoy", bytes(48), "envoy key files are 80 bytes, this one is 48"),
    ("libtls", bytes(51), "this one is 51 bytes"),
    ("libtls", bytes(5 * 52), "too many keys: the ring holds 4, this file has 5"),
    ("haproxy", f"{b64(48)}\n{b64(48, 2)}\n%%%%\n".encode(), ":3: not base64"),
    ("haproxy", f"# k\n{b64(33)}\n".encode(),
     ":2: haproxy keys are 48 or 80 bytes once decoded, this one is 33"),
    ("haproxy", f"{b64(48)}\n{b64(80, 2)}\n".encode(), ":2: haproxy keys in one file must be the same size"),
    ("haproxy", f"{b64(48)}\n{b64(48, 2)}\n".encode(), "haproxy needs at least 3 keys, this file has 2"),
    ("haproxy", f"{b64(48)}\n{b64(48)}\n{b64(48, 3)}\n".encode(), "duplicate key name"),
]


@pytest.mark.parametrize("fmt,data,needle", BAD_KEYFILES)
def test_open_refuses_bad_key_file(run, tmp_path, fmt, data, needle):
    keys = tmp_path / "keys.bad"
    keys.write_bytes(data)
    ticket = tmp_path / "t.bin"
    ticket.write_bytes(bytes(100))
    p = run("ticket", "open", "--keys", keys, "--format", fmt, ticket)
    assert p.returncode == 2
    one_error_line(p, str(keys), needle)
    assert p.out == ""


@pytest.mark.parametrize("fmt,data,needle", BAD_KEYFILES[:4])
def test_seal_refuses_bad_key_file_and_leaves_nothing(run, tmp_path, fmt, data, needle):
    keys = tmp_path / "keys.bad"
    keys.write_bytes(data)
    out = tmp_path / "t.bin"
    p = run("ticket", "seal", "--keys", keys, "--format", fmt, "-o", out)
    assert p.returncode == 2
    one_error_line(p, str(keys), needle)
    assert not out.exists()


def test_key_file_is_a_directory(run, tmp_path):
    t = tmp_path / "t.bin"
    t.write_bytes(bytes(100))
    p = run("ticket", "open", "--keys", tmp_path, "--format", "nginx", t)
    assert p.returncode == 2
    one_error_line(p, str(tmp_path))


def test_key_file_missing(run, tmp_path):
    t = tmp_path / "t.bin"
    t.write_bytes(bytes(100))
    missing = tmp_path / "nope.key"
    p = run("ticket", "open", "--keys", missing, "--format", "nginx", t)
    assert p.returncode == 2
    one_error_line(p, str(missing))


def test_ticket_file_missing(run, tmp_path):
    keys = tmp_path / "k"
    assert run("keygen", "--format", "nginx", "-o", keys).returncode == 0
    p = run("ticket", "open", "--keys", keys, "--format", "nginx", tmp_path / "none.bin")
    assert p.returncode == 2
    one_error_line(p, "none.bin")


# --- sealed tickets -----------------------------------------------------------

@pytest.fixture
def sealed(run, tmp_path):
    """An nginx 80-byte key file and a TLS 1.3 ticket sealed under it."""
    keys = tmp_path / "ticket.key"
    assert run("keygen", "--format", "nginx", "--seed", "9", "-o", keys).returncode == 0
    ticket = tmp_path / "t.bin"
    p = run("ticket", "seal", "--keys", keys, "--format", "nginx", "--appdata", "c0ffee",
            "--sni", "server.ticketlab.test", "--alpn", "h2", "-o", ticket)
    assert p.returncode == 0, p.err
    assert stat.S_IMODE(ticket.stat().st_mode) == 0o600
    return keys, ticket


def test_open_text(run, sealed):
    keys, ticket = sealed
    p = run("ticket", "open", "--keys", keys, "--format", "nginx", ticket)
    assert p.returncode == 0, p.err
    assert p.err == ""
    assert "verdict: ok" in p.out
    assert "protocol: TLSv1.3" in p.out
    assert "sni: server.ticketlab.test" in p.out
    assert "alpn: h2" in p.out
    assert "appdata: c0ffee" in p.out


def test_open_json(run, sealed):
    keys, ticket = sealed
    p = run("ticket", "open", "--keys", keys, "--format", "nginx", ticket, "--json")
    assert p.returncode == 0, p.err
    doc = json.loads(p.out)
    assert doc["verdict"] == "ok"
    assert doc["key_name"] == "00000001" + "0" * 24
    assert doc["protocol"] == "TLSv1.3"
    assert doc["cipher"].startswith("TLS_")
    assert doc["sni"] == "server.ticketlab.test"
    assert doc["alpn"] == "h2"
    assert doc["appdata"] == "c0ffee"
    for field in ("time", "timeout", "max_early_data", "lifetime_hint"):
        assert isinstance(doc[field], int)


def test_open_from_stdin(run, sealed):
    keys, ticket = sealed
    p = run("ticket", "open", "--keys", keys, "--format", "nginx", "-", input=ticket.read_bytes())
    assert p.returncode == 0, p.err


def test_seal_without_sni(run, sealed, tmp_path):
    keys, _ = sealed
    t = tmp_path / "nosni.bin"
    assert run("ticket", "seal", "--keys", keys, "--format", "nginx", "--sni", "",
               "-o", t).returncode == 0
    p = run("ticket", "open", "--keys", keys, "--format", "nginx", t, "--json")
    assert json.loads(p.out)["sni"] == ""


def test_seal_is_deterministic(run, sealed, tmp_path):
    keys, ticket = sealed
    again = tmp_path / "again.bin"
    p = run("ticket", "seal", "--keys", keys, "--format", "nginx", "--appdata", "c0ffee",
            "--sni", "server.ticketlab.test", "--alpn", "h2", "-o", again)
    assert p.returncode == 0, p.err
    assert again.read_bytes() == ticket.read_bytes()


@pytest.mark.parametrize("fmt,size,tls,source", [
    ("nginx", "48", "1.2", "evp-cb"), ("envoy", None, "1.3", "set-keys"),
    ("haproxy", "80", "1.3", "evp-cb"), ("haproxy", "48", "1.2", "evp-cb"),
    ("libtls", None, "1.3", "set-keys"),
])
def test_seal_open_every_format(run, tmp_path, fmt, size, tls, source):
    keys, ticket = tmp_path / "k", tmp_path / "t"
    args = ["keygen", "--format", fmt, "-o", keys] + (["--size", size] if size else [])
    assert run(*args).returncode == 0
    p = run("ticket", "seal", "--keys", keys, "--format", fmt, "--tls", tls,
            "--key-source", source, "-o", ticket)
    assert p.returncode == 0, p.err
    p = run("ticket", "open", "--keys", keys, "--format", fmt, ticket, "--json")
    assert p.returncode == 0, p.err
    doc = json.loads(p.out)
    assert doc["protocol"] == "TLSv" + tls
    assert doc["key_is_newest"] is True
    if fmt == "haproxy":
        # haproxy encrypts with the second of its three keys
        assert doc["key_name"][8:10] == "01"


def test_set_keys_refuses_aes128_and_leaves_nothing(run, tmp_path):
    keys, out = tmp_path / "k", tmp_path / "t"
    assert run("keygen", "--format", "nginx", "--size", "48", "-o", keys).returncode == 0
    p = run("ticket", "seal", "--keys", keys, "--format", "nginx",
            "--key-source", "set-keys", "-o", out)
    assert p.returncode == 2
    one_error_line(p, "AES-128", str(keys))
    assert not out.exists()


def test_older_key_opens_with_renew(run, tmp_path):
    old, new, t = tmp_path / "old", tmp_path / "new", tmp_path / "t"
    assert run("keygen", "--format", "nginx", "--revision", "1", "-o", old).returncode == 0
    assert run("keygen", "--format", "nginx", "--revision", "2", "-o", new).returncode == 0
    assert run("ticket", "seal", "--keys", old, "--format", "nginx", "-o", t).returncode == 0
    p = run("ticket", "open", "--keys", new, "--keys", old, "--format", "nginx", t, "--json")
    assert p.returncode == 0, p.err
    assert json.loads(p.out)["key_is_newest"] is False


def mutate(data, i, bit=1):
    b = bytearray(data)
    b[i] ^= bit
    return bytes(b)


BAD_TICKETS = [
    ("empty", lambda t: b"", "too-short"),
    ("63 bytes", lambda t: t[:63], "too-short"),
    ("64 bytes", lambda t: t[:64], "too-short"),
    ("not whole blocks", lambda t: t[:-1], "too-short"),
    ("truncated by a block", lambda t: t[:-16], "bad-mac"),
    ("flipped name", lambda t: mutate(t, 3), "unknown-key"),
    ("unknown key", lambda t: bytes(16) + t[16:], "unknown-key"),
    ("flipped IV", lambda t: mutate(t, 20), "bad-mac"),
    ("flipped ciphertext", lambda t: mutate(t, 40), "bad-mac"),
    ("flipped MAC", lambda t: mutate(t, len(t) - 1), "bad-mac"),
    ("trailing garbage", lambda t: t + bytes(16), "bad-mac"),
    ("zeros", lambda t: bytes(len(t)), "unknown-key"),
]


@pytest.mark.parametrize("what,make,verdict", BAD_TICKETS, ids=[b[0] for b in BAD_TICKETS])
def test_open_rejects_malformed_ticket(run, sealed, tmp_path, what, make, verdict):
    keys, ticket = sealed
    bad = tmp_path / "bad.bin"
    bad.write_bytes(make(ticket.read_bytes()))
    p = run("ticket", "open", "--keys", keys, "--format", "nginx", bad)
    assert p.returncode == 1
    one_error_line(p, str(bad), f"rejected: {verdict}")
    assert f"verdict: {verdict}" in p.out
    p = run("ticket", "open", "--keys", keys, "--format", "nginx", bad, "--json")
    assert p.returncode == 1
    assert json.loads(p.out)["verdict"] == verdict


def test_wrong_key_says_bad_mac(run, sealed, tmp_path):
    _, ticket = sealed
    other = tmp_path / "other"
    assert run("keygen", "--format", "nginx", "--seed", "10", "-o", other).returncode == 0
    p = run("ticket", "open", "--keys", other, "--format", "nginx", ticket)
    assert p.returncode == 1
    one_error_line(p, "rejected: bad-mac: the HMAC does not match: wrong key or tampered ticket")


@pytest.mark.parametrize("args,needle", [
    (["open"], "--keys FILE is required"),
    (["frobnicate"], "unknown action 'frobnicate'"),
    (["seal", "--format", "nginx"], "-o TICKET is required"),
    (["seal", "--tls", "1.1", "-o", "x"], "--tls takes 1.2 or 1.3"),
    (["seal", "--appdata", "xyz", "-o", "x"], "--appdata must be hex"),
    (["extract", "-o", "x"], "--session FILE.pem"),
])
def test_ticket_usage_errors(run, tmp_path, args, needle):
    t = tmp_path / "t"
    t.write_bytes(bytes(100))
    if args == ["open"]:
        args = ["open", t]
    p = run("ticket", *args)
    assert p.returncode == 2
    one_error_line(p, "ticketlab ticket:", needle)
    assert not (tmp_path / "x").exists() and not os.path.exists("x")


def test_extract_refuses_non_session(run, tmp_path):
    pem = tmp_path / "s.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    out = tmp_path / "t"
    p = run("ticket", "extract", "--session", pem, "-o", out)
    assert p.returncode == 2
    one_error_line(p, str(pem), "not a PEM SSL SESSION")
    assert not out.exists()


def test_ticket_help(run):
    p = run("ticket", "--help")
    assert p.returncode == 0
    for part in ("SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXAMPLES", "EXIT STATUS"):
        assert part in p.out


def test_seal_with_any_sni_opens_with_that_sni(run, tmp_path):
    keys = tmp_path / "k.bin"
    t = tmp_path / "t.bin"
    assert run("keygen", "--format", "nginx", "--seed", "3", "-o", keys).returncode == 0
    p = run("ticket", "seal", "--keys", keys, "--format", "nginx", "--sni", "a.example", "-o", t)
    assert p.returncode == 0, p.stderr
    o = run("ticket", "open", "--keys", keys, "--format", "nginx", t, "--json")
    assert o.returncode == 0, o.stderr
    assert json.loads(o.stdout)["sni"] == "a.example"
