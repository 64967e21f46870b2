"""`ticketlab serve` with real clients: openssl s_client, Python's ssl, curl.

serve runs on a port it picks itself (--port 0; the first line it prints
names it), with --connections N so that it ends by itself, or until
SIGTERM. Each client takes a session from the first connection and offers
it on the next: serve's log must say "full" then "resumed", with the ticket
callbacks' calls (key_cb enc on the first, key_cb dec and decrypt_cb
SUCCESS -> USE on the second).
"""
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess

import pytest

from conftest import REPO, assert_clean

ROOT = REPO / "src" / "world" / "testdata" / "root.pem"
NAME = "server.ticketlab.test"
CURL = shutil.which("curl") or "/usr/bin/curl"
CONN_RE = re.compile(r"^connection (\d+) from 127\.0\.0\.1:\d+: (full|resumed|FAILED)(.*)$")


class Serve:
    """A running `ticketlab serve`; .port from its first line, .finish() waits for it."""

    def __init__(self, ticketlab, *args):
        self.proc = subprocess.Popen([ticketlab, "serve", "--port", "0", *map(str, args)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline()   # printed (and flushed) before the first accept
        m = re.match(r"listening on 127\.0\.0\.1:(\d+) \(", first)
        if m is None:
            self.proc.kill()
            pytest.fail("serve did not start: " + first + self.proc.stderr.read())
        self.first = first
        self.port = int(m.group(1))

    def finish(self, timeout=60):
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            pytest.fail("serve did not end: " + out + err)
        p = subprocess.CompletedProcess(self.proc.args, self.proc.returncode, self.first + out, err)
        assert_clean(p)
        return p


def connections(stdout):
    """[(index, outcome, rest of line, [event lines])] from serve's output."""
    conns = []
    for line in stdout.splitlines():
        m = CONN_RE.match(line)
        if m:
            conns.append((int(m.group(1)), m.group(2), m.group(3), []))
        elif line.startswith("    hs") and conns:
            conns[-1][3].append(line.strip())
    return conns


def assert_full_then_resumed(stdout, n=2):
    conns = connections(stdout)
    assert [c[1] for c in conns] == ["full"] + ["resumed"] * (n - 1), stdout
    full, resumed = conns[0], conns[1]
    assert "TLSv1.3" in full[2] and f"SNI {NAME}" in full[2]
    assert any(e.startswith("hs0 key_cb enc name=00000001") and e.endswith("-> 1") for e in full[3])
    assert "hs1 key_cb dec name=00000001000000000000000000000000 -> 1" in resumed[3]
    assert any("decrypt_cb status=SUCCESS" in e and e.endswith("-> USE") for e in resumed[3])
    return conns


def s_client_pair(port, sess):
    """Two `openssl s_client` connections, -sess_out then -sess_in: their outputs."""
    outs = []
    for flag in ("-sess_out", "-sess_in"):
        c = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile",
                            ROOT, "-servername", NAME, flag, sess, "-ign_eof"],
                           input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, timeout=30)
        outs.append(c.stdout.decode(errors="replace"))
    return outs


@pytest.mark.tools("openssl")
def test_openssl_s_client_stores_and_reuses(ticketlab, tmp_path):
    srv = Serve(ticketlab, "--connections", "2")
    sess = tmp_path / "sess.pem"
    outs = s_client_pair(srv.port, sess)
    p = srv.finish()
    assert p.returncode == 0, p.stderr
    assert "New, TLSv1.3" in outs[0] and "Verify return code: 0 (ok)" in outs[0]
    assert "Reused, TLSv1.3" in outs[1]
    assert "\r\n\r\nok\n" in outs[1]   # serve's HTTP answer
    conns = assert_full_then_resumed(p.stdout)
    assert conns[0][2].endswith("HTTP request answered")
    # s_client wrote the session with the ticket serve made.
    text = subprocess.run(["openssl", "sess_id", "-in", sess, "-noout", "-text"],
                          capture_output=True, text=True, timeout=30).stdout
    assert "TLS session ticket lifetime hint: 7200" in text


def python_connection(port, ctx, session=None, name=NAME):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=name, session=session) as s:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            return s.session, s.session_reused, data


@pytest.mark.parametrize("tls", ["1.2", "1.3"])
def test_python_ssl_stores_and_reuses(ticketlab, tls):
    srv = Serve(ticketlab, "--connections", "2", "--tls", tls)
    ctx = ssl.create_default_context(cafile=str(ROOT))
    sess, reused, data = python_connection(srv.port, ctx)
    assert not reused and data.endswith(b"\r\n\r\nok\n")
    assert sess.has_ticket and sess.ticket_lifetime_hint == 7200
    sess2, reused2, _ = python_connection(srv.port, ctx, sess)
    p = srv.finish()
    assert p.returncode == 0, p.stderr
    assert reused2
    conns = connections(p.stdout)
    assert [c[1] for c in conns] == ["full", "resumed"]
    assert f"TLSv{tls}" in conns[1][2]


@pytest.mark.tools("curl")
def test_curl_reuses_the_session_across_two_urls(ticketlab):
    if not os.path.exists(CURL):
        pytest.fail(f"{CURL} is missing: ci/lib.sh installs curl (TL_TEST_PACKAGES)")
    srv = Serve(ticketlab, "--connections", "2")
    url = f"https://{NAME}:{srv.port}/"
    # serve closes each connection, so the second URL is a new connection,
    # and curl offers the session (and ticket) it kept from the first.
    c = subprocess.run([CURL, "-sS", "--cacert", ROOT, "--resolve", f"{NAME}:{srv.port}:127.0.0.1",
                        url, url], capture_output=True, text=True, timeout=60)
    p = srv.finish()
    assert c.returncode == 0, c.stderr
    assert c.stdout == "ok\nok\n"
    assert p.returncode == 0, p.stderr
    assert_full_then_resumed(p.stdout)


def test_scenario_fields_reach_the_client(ticketlab):
    srv = Serve(ticketlab, "--connections", "2", "--num-tickets", "3", "--appdata", "c0ffee",
                "--seed", "7")
    ctx = ssl.create_default_context(cafile=str(ROOT))
    sess, _, _ = python_connection(srv.port, ctx)
    _, reused, _ = python_connection(srv.port, ctx, sess)
    p = srv.finish()
    assert reused
    assert "seed 7" in p.stdout.splitlines()[0]
    conns = connections(p.stdout)
    assert sum(e.startswith("hs0 key_cb enc") for e in conns[0][3]) == 3
    assert any("generate_cb appdata=c0ffee(3) -> 1" in e for e in conns[0][3]), conns[0][3]
    # The app data comes back inside the ticket the client offered.
    assert any("decrypt_cb status=SUCCESS" in e and "appdata=c0ffee(3)" in e for e in conns[1][3])


def test_probe_audits_serve(ticketlab, run):
    srv = Serve(ticketlab)   # until SIGTERM
    p = run("probe", f"127.0.0.1:{srv.port}", "--tls", "1.3", "--sni", NAME, "--connections", "3",
            "--format", "json")
    srv.proc.send_signal(signal.SIGTERM)
    s = srv.finish()
    assert p.returncode == 0, p.stdout + p.stderr
    checks = {c["name"]: c for c in json.loads(p.stdout)["checks"]}
    assert checks["tls13.resume"]["verdict"] == "pass"
    assert checks["tls13.key-name"]["seen"] == "key name 00000001000000000000000000000000 in all 6 tickets"
    for t in ("mac", "truncated", "key-name", "random"):
        assert checks[f"tls13.tamper.{t}"]["verdict"] == "pass"
    assert s.returncode in (0, 1)   # probe's refused handshakes count as failed connections
    assert s.stdout.rstrip().endswith("stopped by a signal")


# ---- scripted policies: what the clients do with them ------------------------------------

@pytest.mark.tools("openssl")
@pytest.mark.parametrize("args, reused, event", [
    (["--decrypt-return", "USE"], True, "decrypt_cb status=SUCCESS name=00000001000000000000000000000000 appdata=-(0) -> USE"),
    (["--decrypt-return", "USE_RENEW"], True, "-> USE_RENEW"),
    (["--decrypt-return", "IGNORE"], False, "decrypt_cb status=SUCCESS name=00000001000000000000000000000000 appdata=-(0) -> IGNORE"),
    (["--decrypt-return", "IGNORE_RENEW"], False, "-> IGNORE_RENEW"),
    (["--key-return-dec", "0"], False, "hs1 key_cb dec name=00000001000000000000000000000000 -> 0"),
])
def test_s_client_resumes_as_the_decrypt_policy_says(ticketlab, tmp_path, args, reused, event):
    srv = Serve(ticketlab, "--connections", "2", *args)
    outs = s_client_pair(srv.port, tmp_path / "sess.pem")
    p = srv.finish()
    assert p.returncode == 0, p.stderr
    assert "New, TLSv1.3" in outs[0]
    assert ("Reused, TLSv1.3" in outs[1]) == reused, outs[1]
    conns = connections(p.stdout)
    assert [c[1] for c in conns] == ["full", "resumed" if reused else "full"]
    assert any(e.endswith(event) for e in conns[1][3]), conns[1][3]
    assert "\r\n\r\nok\n" in outs[1]   # a full handshake still serves the client


@pytest.mark.tools("openssl")
def test_decrypt_return_abort_fails_the_handshake(ticketlab, tmp_path):
    srv = Serve(ticketlab, "--connections", "2", "--decrypt-return", "ABORT")
    outs = s_client_pair(srv.port, tmp_path / "sess.pem")
    p = srv.finish()
    assert p.returncode == 1   # one connection failed
    conns = connections(p.stdout)
    assert [c[1] for c in conns] == ["full", "FAILED"]
    assert any(e.endswith("-> ABORT") for e in conns[1][3]), conns[1][3]
    assert "Reused" not in outs[1]


@pytest.mark.parametrize("ret, reused", [("USE", True), ("IGNORE", False)])
def test_python_ssl_resumes_as_the_decrypt_policy_says(ticketlab, ret, reused):
    srv = Serve(ticketlab, "--connections", "2", "--tls", "1.2", "--decrypt-return", ret)
    ctx = ssl.create_default_context(cafile=str(ROOT))
    sess, _, _ = python_connection(srv.port, ctx)
    _, reused2, data = python_connection(srv.port, ctx, sess)
    p = srv.finish()
    assert p.returncode == 0, p.stderr
    assert reused2 == reused and data.endswith(b"ok\n")
    # In TLS 1.2 the first connection calls the decrypt callback too (EMPTY),
    # which keeps its natural answer.
    assert "hs0 decrypt_cb status=EMPTY name=- appdata=-(0) -> IGNORE_RENEW" in p.stdout


def test_decrypt_return_for_one_status_python_ssl(ticketlab):
    """USE for EMPTY, a status with no session: serve aborts the handshake."""
    srv = Serve(ticketlab, "--connections", "1", "--tls", "1.2", "--decrypt-return", "EMPTY=USE")
    with pytest.raises(ssl.SSLError, match="INTERNAL_ERROR"):
        python_connection(srv.port, ssl.create_default_context(cafile=str(ROOT)))
    p = srv.finish()
    assert p.returncode == 1
    (conn,) = connections(p.stdout)
    assert conn[1] == "FAILED" and conn[3] == ["hs0 decrypt_cb status=EMPTY name=- appdata=-(0) -> USE"]


@pytest.mark.tools("openssl")
def test_huge_ticket_is_stored_and_reused_by_s_client(ticketlab, tmp_path):
    sess = tmp_path / "sess.pem"
    srv = Serve(ticketlab, "--connections", "2", "--appdata-size", "16000")
    outs = s_client_pair(srv.port, sess)
    p = srv.finish()
    assert p.returncode == 0, p.stderr
    assert "Reused, TLSv1.3" in outs[1]
    der = subprocess.run(["openssl", "sess_id", "-in", sess, "-outform", "DER"],
                         capture_output=True, timeout=30).stdout
    assert len(der) > 16000   # the session s_client kept holds the whole ticket
    conns = connections(p.stdout)
    assert any("generate_cb appdata=000102030405060708090a0b0c0d0e0f..(16000) -> 1" in e
               for e in conns[0][3])
    assert any("decrypt_cb status=SUCCESS" in e and "..(16000) -> USE" in e for e in conns[1][3])


def test_lifetime_is_the_hint_python_sees(ticketlab):
    srv = Serve(ticketlab, "--connections", "1", "--lifetime", "90", "--tls", "1.2")
    sess, _, _ = python_connection(srv.port, ssl.create_default_context(cafile=str(ROOT)))
    assert srv.finish().returncode == 0
    assert sess.ticket_lifetime_hint == 90


def probe_serve(ticketlab, run, serve_args, probe_args):
    """Run probe (TLS 1.3, JSON) against serve; the checks by name."""
    srv = Serve(ticketlab, *serve_args)
    p = run("probe", f"127.0.0.1:{srv.port}", "--tls", "1.3", "--sni", NAME, "--connections", "2",
            "--format", "json", *probe_args)
    srv.proc.send_signal(signal.SIGTERM)
    srv.finish()
    assert_clean(p)
    assert p.returncode in (0, 1), p.stderr
    return {c["name"]: c for c in json.loads(p.stdout)["checks"]}


def test_probe_expire_sees_serve_drop_an_expired_ticket(ticketlab, run):
    checks = probe_serve(ticketlab, run, ["--lifetime", "1"], ["--expire", "5"])
    c = checks["tls13.expire"]
    assert c["verdict"] == "pass", c
    assert "-byte ticket with a 1 s hint, offered " in c["seen"]
    assert c["seen"].endswith(" s after it was issued: full handshake, not resumed")
    assert "watch.rotation" not in " ".join(checks)   # --watch not asked for


def test_probe_expire_skips_a_hint_longer_than_the_wait(ticketlab, run):
    checks = probe_serve(ticketlab, run, ["--lifetime", "30"], ["--expire", "2"])
    assert checks["tls13.expire"]["verdict"] == "skip"
    assert checks["tls13.expire"]["seen"] == ("not checked: the lifetime hint is 30 s, longer than "
                                              "--expire 2 allows (give --expire 31 or more)")


def test_probe_watch_sees_serve_rotate(ticketlab, run):
    # A key every 2 s, the last 4 kept: a ticket 2.5 s old was made under a
    # key that is no longer the newest, and still decrypts.
    checks = probe_serve(ticketlab, run, ["--rotate", "2", "--lifetime", "60"], ["--watch", "2.5"])
    rot, old = checks["tls13.watch.rotation"], checks["tls13.watch.old-ticket"]
    assert rot["verdict"] == "pass" and rot["seen"].endswith(": rotated"), rot
    assert old["verdict"] == "pass" and old["seen"].endswith(": resumed"), old
    assert "(hint 60 s)" in old["seen"]


def test_probe_watch_warns_when_the_key_stays(ticketlab, run):
    checks = probe_serve(ticketlab, run, [], ["--watch", "1"])
    rot = checks["tls13.watch.rotation"]
    assert rot["verdict"] == "warn"
    assert rot["seen"].startswith("key name 00000001000000000000000000000000, then after ")
    assert rot["seen"].endswith("00000001000000000000000000000000: the same key (or the watch was "
                                "too short)")
    assert checks["tls13.watch.old-ticket"]["verdict"] == "skip"


def test_sigterm_stops_serve(ticketlab):
    srv = Serve(ticketlab)
    srv.proc.send_signal(signal.SIGTERM)
    p = srv.finish(timeout=30)
    assert p.returncode == 0
    assert p.stdout.splitlines() == [srv.first.rstrip("\n"), "stopped by a signal"]


def test_port_in_use_is_one_line(run):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        p = run("serve", "--port", port, "--connections", "1", timeout=30)
    assert_clean(p)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr == f"ticketlab serve: 127.0.0.1:{port} is in use by another program\n"


@pytest.mark.parametrize("args, message", [
    ([], "--port N is required"),
    (["--port", "70000"], "--port takes 0 to 65535"),
    (["--port", "0", "--timeout", "x"], "--timeout takes seconds"),
    (["--port", "0", "--tls", "1.1"], "--tls takes 1.2 or 1.3"),
    (["--port", "0", "--appdata", "abc"], "--appdata takes hex digits"),
    (["--port", "0", "--bogus"], "unknown option '--bogus'"),
    (["--port", "0", "--lifetime", "0"], "--lifetime takes 1 to 604800"),
    (["--port", "0", "--rotate", "x"], "--rotate takes 1 to 86400"),
    (["--port", "0", "--rotate", "5", "--key-source", "builtin"], "--rotate needs the key ring"),
    (["--port", "0", "--appdata-size", "60001"], "--appdata-size takes 1 to 60000"),
    (["--port", "0", "--appdata", "00", "--appdata-size", "2"], "give one"),
    (["--port", "0", "--decrypt-return", "MAYBE"], "--decrypt-return takes RET or STATUS=RET"),
    (["--port", "0", "--decrypt-return", "FRESH=USE"], "--decrypt-return takes RET or STATUS=RET"),
    (["--port", "0", "--key-return-dec", "1,,2"], "--key-return-dec takes up to 16 returns"),
    (["--port", "0", "--key-return-enc", "5000"], "--key-return-enc takes up to 16 returns"),
])
def test_usage_errors(run, args, message):
    p = run("serve", *args, timeout=30)
    assert_clean(p)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and message in p.stderr, p.stderr


def test_client_that_sends_nothing_is_bounded(ticketlab):
    srv = Serve(ticketlab, "--connections", "1", "--timeout", "1")
    with socket.create_connection(("127.0.0.1", srv.port)):
        p = srv.finish(timeout=30)   # ends by itself: the connection's timeout
    assert p.returncode == 1
    (conn,) = connections(p.stdout)
    assert conn[1] == "FAILED"
    assert conn[2] == ", the client connected but sent nothing before the timeout"
