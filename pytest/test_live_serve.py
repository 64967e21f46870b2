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


@pytest.mark.tools("openssl")
def test_openssl_s_client_stores_and_reuses(ticketlab, tmp_path):
    srv = Serve(ticketlab, "--connections", "2")
    sess = tmp_path / "sess.pem"
    outs = []
    for flag in ("-sess_out", "-sess_in"):
        c = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{srv.port}", "-CAfile",
                            ROOT, "-servername", NAME, flag, sess, "-ign_eof"],
                           input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, timeout=30)
        outs.append(c.stdout.decode(errors="replace"))
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


def python_connection(port, ctx, session=None):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=NAME, session=session) as s:
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
