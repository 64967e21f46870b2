"""`ticketlab probe` against real servers on loopback, and against faults.

Each server is started by the test on a free loopback port, waited for with
a bounded loop and stopped by pid: nginx-light (correct; an all-zero 80-byte
ssl_session_ticket_key; two server blocks with different certificates that
share one key), haproxy (tls-ticket-keys, three keys), `openssl s_server`
and GnuTLS's `gnutls-serv`. The JSON report is checked field by field:
correct configurations pass, broken ones fail the right check.

The faults (nothing listening, a name that does not resolve, a server that
accepts and never answers, an HTTP server, a server that closes in the
middle of the handshake) each give one line on stderr and exit 2.
"""
import json
import shutil
import socket
import subprocess
import threading
import xml.etree.ElementTree as ET

import pytest

from conftest import REPO, assert_clean
from realservers import free_port, start, stop
from realservers import nginx_conf as nginx_conf_text

TESTDATA = REPO / "src" / "world" / "testdata"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
GNUTLS_SERV = shutil.which("gnutls-serv") or "/usr/bin/gnutls-serv"

# Every check the probe makes for one TLS version when the server issues tickets.
PER_VERSION = ["tickets", "resume", "tamper.mac", "tamper.truncated", "tamper.key-name",
               "tamper.random", "alive", "key-name", "ivs", "zero-key", "cross-vhost"]


def probe(run, *args, timeout=120):
    p = run("probe", *args, timeout=timeout)
    assert_clean(p)
    return p


def probe_json(run, port, *args):
    p = probe(run, f"127.0.0.1:{port}", "--format", "json", "--connections", "4", *args)
    assert p.returncode in (0, 1), p.stderr
    report = json.loads(p.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert len(checks) == len(report["checks"]), "check names are unique"
    for c in report["checks"]:
        assert set(c) == {"name", "verdict", "seen", "expected", "why"}
        assert c["verdict"] in ("pass", "warn", "fail", "skip")
        assert c["seen"]
    s = report["summary"]
    assert s["checks"] == len(checks)
    assert s["pass"] + s["warn"] + s["fail"] + s["skip"] == s["checks"]
    assert s["ok"] == (s["fail"] == 0)
    assert p.returncode == (1 if s["fail"] else 0)
    assert report["target"] == f"127.0.0.1:{port}"
    return report, checks


def verdicts(checks, prefix):
    return {name[len(prefix) + 1:]: c["verdict"] for name, c in checks.items()
            if name.startswith(prefix + ".")}


def assert_sound(checks, prefix, resumes_twice=None):
    """The verdicts of a correctly configured server for one version."""
    v = verdicts(checks, prefix)
    assert set(PER_VERSION) <= set(v), v
    for name in PER_VERSION:
        if name == "cross-vhost":
            continue
        assert v[name] == "pass", (name, checks[f"{prefix}.{name}"])
    assert "resumed" in checks[f"{prefix}.resume"]["seen"]
    for t in ("mac", "truncated", "key-name", "random"):
        assert "not resumed" in checks[f"{prefix}.tamper.{t}"]["seen"]
    if prefix == "tls13" and resumes_twice is not None:
        assert checks["tls13.replay"]["verdict"] == ("warn" if resumes_twice else "pass")


# ---- nginx ---------------------------------------------------------------------------

def make_cert(tmp_path, name):
    key, pem = tmp_path / f"{name}.key", tmp_path / f"{name}.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-subj", f"/CN={name}", "-days", "2",
                    "-keyout", key, "-out", pem], check=True, capture_output=True, timeout=30)
    return pem, key


def write_nginx_conf(tmp_path, port, servers, extra=""):
    blocks = ""
    for i, (name, cert, key, ticket_key) in enumerate(servers):
        blocks += f"""
    server {{
        listen 127.0.0.1:{port} ssl{" default_server" if i == 0 else ""};
        server_name {name};
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_tickets on;
        ssl_session_ticket_key {ticket_key};
        {extra}
        location / {{ return 200 "{name}\\n"; }}
    }}"""
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_conf_text(tmp_path, blocks))
    return conf


@pytest.fixture
def nginx(tmp_path):
    """nginx(servers, extra="") -> port; servers: [(server_name, cert, key, ticket_key_file)];
    extra: more directives for every server block."""
    procs = []

    def _start(servers, extra=""):
        port = free_port()
        conf = write_nginx_conf(tmp_path, port, servers, extra)
        procs.append(start([NGINX, "-c", str(conf), "-p", str(tmp_path)], port, "nginx",
                           tmp_path / "error.log"))
        return port
    yield _start
    for p in procs:
        stop(p)


@pytest.mark.tools("nginx")
def test_nginx_random_key_passes(nginx, run, tmp_path):
    key = tmp_path / "ticket.key"
    assert run("keygen", "--format", "nginx", "--size", "80", "-o", key).returncode == 0
    port = nginx([("a.ticketlab.test", TESTDATA / "server.pem", TESTDATA / "server.key", key)])
    report, checks = probe_json(run, port, "--sni", "a.ticketlab.test")
    assert report["sni"] == "a.ticketlab.test"
    assert report["summary"]["ok"] is True and report["summary"]["fail"] == 0
    assert_sound(checks, "tls12")
    assert_sound(checks, "tls13", resumes_twice=True)   # nginx does not enforce single use
    # The key name seen is the one in the key file: the first 16 bytes.
    name = key.read_bytes()[:16].hex()
    assert name in checks["tls12.key-name"]["seen"]
    assert name in checks["tls13.key-name"]["seen"]
    assert "4 full TLS 1.2 handshakes" in checks["tls12.tickets"]["seen"]
    assert checks["tls12.cross-vhost"]["verdict"] == "skip"
    assert checks["version.tls12-ticket-in-tls13"]["verdict"] == "pass"
    assert checks["version.tls13-ticket-in-tls12"]["verdict"] == "pass"


@pytest.mark.tools("nginx")
def test_nginx_honours_a_short_session_timeout(nginx, run, tmp_path):
    """--expire: nginx's ssl_session_timeout is the hint, and nginx (OpenSSL)
    refuses a ticket offered after it, in both versions."""
    key = tmp_path / "ticket.key"
    assert run("keygen", "--format", "nginx", "--size", "80", "-o", key).returncode == 0
    port = nginx([("a.ticketlab.test", TESTDATA / "server.pem", TESTDATA / "server.key", key)],
                 extra="ssl_session_timeout 2s;")
    report, checks = probe_json(run, port, "--sni", "a.ticketlab.test", "--expire", "5")
    assert report["summary"]["fail"] == 0
    for prefix in ("tls12", "tls13"):
        c = checks[f"{prefix}.expire"]
        assert c["verdict"] == "pass", c
        assert "lifetime hints 2 s" in checks[f"{prefix}.tickets"]["seen"]
        assert "-byte ticket with a 2 s hint, offered " in c["seen"]
        assert c["seen"].endswith(" s after it was issued: full handshake, not resumed")
        assert c["expected"].startswith("a ticket older than its lifetime hint does not resume")
        assert c["why"]
    assert not any(".watch." in name for name in checks)


@pytest.mark.tools("nginx")
def test_nginx_zero_key_fails(nginx, run, tmp_path):
    key = tmp_path / "zero.key"
    key.write_bytes(bytes(80))
    port = nginx([("a.ticketlab.test", TESTDATA / "server.pem", TESTDATA / "server.key", key)])
    report, checks = probe_json(run, port, "--sni", "a.ticketlab.test")
    assert report["summary"]["ok"] is False
    for v in ("tls12", "tls13"):
        c = checks[f"{v}.zero-key"]
        assert c["verdict"] == "fail", c
        assert "opens with all-zero keys as:" in c["seen"]
        assert "nginx-80" in c["seen"]
        # The rest of the audit is unaffected by the weak key.
        assert checks[f"{v}.resume"]["verdict"] == "pass"
        assert checks[f"{v}.tamper.mac"]["verdict"] == "pass"
        assert checks[f"{v}.key-name"]["verdict"] == "pass"
        assert "0" * 32 in checks[f"{v}.key-name"]["seen"]
    fails = sorted(n for n, c in checks.items() if c["verdict"] == "fail")
    assert fails == ["tls12.zero-key", "tls13.zero-key"]
    # The table says the same, and names the failures last.
    p = probe(run, f"127.0.0.1:{port}", "--sni", "a.ticketlab.test", "--connections", "2",
              "--tls", "1.2")
    assert p.returncode == 1
    assert p.stdout.splitlines()[-1] == "FAILED: tls12.zero-key"


@pytest.mark.tools("nginx")
def test_nginx_shared_key_between_vhosts_fails_cross_vhost(nginx, run, tmp_path):
    key = tmp_path / "shared.key"
    assert run("keygen", "--format", "nginx", "--size", "80", "-o", key).returncode == 0
    cert_b, key_b = make_cert(tmp_path, "b.ticketlab.test")
    port = nginx([("a.ticketlab.test", TESTDATA / "server.pem", TESTDATA / "server.key", key),
                  ("b.ticketlab.test", cert_b, key_b, key)])
    report, checks = probe_json(run, port, "--sni", "a.ticketlab.test",
                                "--sni-other", "b.ticketlab.test")
    assert report["sni_other"] == "b.ticketlab.test"
    for v in ("tls12", "tls13"):
        c = checks[f"{v}.cross-vhost"]
        assert c["verdict"] == "fail", c
        assert c["seen"] == ("a ticket issued for a.ticketlab.test, offered with SNI "
                             "b.ticketlab.test: resumed")
        assert checks[f"{v}.zero-key"]["verdict"] == "pass"
    fails = sorted(n for n, c in checks.items() if c["verdict"] == "fail")
    assert fails == ["tls12.cross-vhost", "tls13.cross-vhost"]


@pytest.mark.tools("nginx")
def test_nginx_encrypts_every_vhost_with_the_default_servers_key(nginx, run, tmp_path):
    """What the probe found: with several server blocks on one listener, nginx
    (OpenSSL's ticket key callback runs on the first SSL_CTX, before the SNI
    switch) encrypts every vhost's tickets with the default server's key, so
    separate keys do not separate the vhosts: a ticket resumes under the other
    name in both directions."""
    key_a, key_b = tmp_path / "a.key", tmp_path / "b.key"
    for k, rev in ((key_a, "1"), (key_b, "2")):
        assert run("keygen", "--format", "nginx", "--revision", rev, "-o", k).returncode == 0
    cert_b, pkey_b = make_cert(tmp_path, "b.ticketlab.test")
    port = nginx([("a.ticketlab.test", TESTDATA / "server.pem", TESTDATA / "server.key", key_a),
                  ("b.ticketlab.test", cert_b, pkey_b, key_b)])
    _, checks = probe_json(run, port, "--sni", "b.ticketlab.test", "--sni-other",
                           "a.ticketlab.test", "--tls", "1.2")
    assert not any(n.startswith("tls13.") or n.startswith("version.") for n in checks)
    # b's tickets carry a's key name (revision 1), not b's own (revision 2).
    assert checks["tls12.key-name"]["seen"] == (
        "key name " + key_a.read_bytes()[:16].hex() + " in all 4 tickets")
    c = checks["tls12.cross-vhost"]
    assert c["verdict"] == "fail"
    assert c["seen"] == ("a ticket issued for b.ticketlab.test, offered with SNI "
                         "a.ticketlab.test: resumed")


# ---- haproxy, openssl s_server, gnutls-serv ------------------------------------------

def start_haproxy(tmp_path, bind_options):
    """haproxy answering 200 on a TLS listener with the test certificate and
    `bind_options`; returns (process, port)."""
    pem = tmp_path / "haproxy.pem"
    pem.write_bytes((TESTDATA / "server.pem").read_bytes() + (TESTDATA / "server.key").read_bytes())
    port = free_port()
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(f"""
global
    log stderr format raw local0 err
defaults
    mode http
    timeout connect 5s
    timeout client 5s
    timeout server 5s
frontend tls
    bind 127.0.0.1:{port} ssl crt {pem} {bind_options}
    http-request return status 200 content-type text/plain string ok
""")
    return start([HAPROXY, "-f", str(cfg), "-db"], port, "haproxy", tmp_path / "haproxy.log"), port


@pytest.mark.tools("haproxy")
def test_haproxy_three_key_rotation_passes(run, tmp_path):
    keys = tmp_path / "tickets.keys"
    assert run("keygen", "--format", "haproxy", "-o", keys).returncode == 0
    lines = keys.read_text().split()
    assert len(lines) == 3
    proc, port = start_haproxy(tmp_path, f"tls-ticket-keys {keys}")
    try:
        report, checks = probe_json(run, port, "--sni", "server.ticketlab.test")
    finally:
        stop(proc)
    assert report["summary"]["ok"] is True
    assert_sound(checks, "tls12")
    assert_sound(checks, "tls13")
    # haproxy encrypts with the penultimate key of the file (keyfile.c).
    import base64
    enc_name = base64.b64decode(lines[1])[:16].hex()
    assert enc_name in checks["tls12.key-name"]["seen"]
    # Its tickets open offline with the same key file: the layout is the one we think.
    assert checks["tls12.ivs"]["seen"].startswith("4 tickets, 4 distinct IVs")


@pytest.mark.tools("openssl")
def test_openssl_s_server_passes(run, tmp_path):
    port = free_port()
    proc = start(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert",
                  TESTDATA / "server.pem", "-key", TESTDATA / "server.key", "-www", "-quiet"],
                 port, "openssl s_server", tmp_path / "s_server.log")
    try:
        report, checks = probe_json(run, port)
    finally:
        stop(proc)
    assert report["sni"] == ""   # an address: no SNI unless asked for
    assert report["summary"]["ok"] is True
    assert_sound(checks, "tls12")
    assert_sound(checks, "tls13", resumes_twice=True)
    assert checks["tls13.tickets"]["seen"].startswith("4 full TLS 1.3 handshakes: 2 to 2 tickets")
    assert checks["tls13.0rtt-replay"]["verdict"] == "skip"


@pytest.mark.tools("gnutls-serv")
def test_gnutls_serv_passes(run, tmp_path):
    port = free_port()
    proc = start([GNUTLS_SERV, "--port", str(port), "--x509certfile", TESTDATA / "server.pem",
                  "--x509keyfile", TESTDATA / "server.key", "--http"],
                 port, "gnutls-serv", tmp_path / "gnutls.log")
    try:
        report, checks = probe_json(run, port, "--sni", "server.ticketlab.test")
    finally:
        stop(proc)
    assert report["summary"]["ok"] is True, [c for c in checks.values() if c["verdict"] == "fail"]
    for v in ("tls12", "tls13"):
        assert checks[f"{v}.resume"]["verdict"] == "pass", checks[f"{v}.resume"]
        for t in ("mac", "truncated", "key-name", "random"):
            assert checks[f"{v}.tamper.{t}"]["verdict"] == "pass"
        assert checks[f"{v}.alive"]["verdict"] == "pass"
        # GnuTLS's own ticket format: no OpenSSL-layout key opens it.
        assert checks[f"{v}.zero-key"]["verdict"] == "pass"


# ---- report formats and arguments -------------------------------------------------------

@pytest.fixture
def s_server(tmp_path):
    port = free_port()
    proc = start(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert",
                  TESTDATA / "server.pem", "-key", TESTDATA / "server.key", "-www", "-quiet"],
                 port, "openssl s_server", tmp_path / "s_server.log")
    yield port
    stop(proc)


@pytest.mark.tools("openssl")
def test_junit_report_to_file(s_server, run, tmp_path):
    out = tmp_path / "probe.xml"
    p = probe(run, f"127.0.0.1:{s_server}", "--tls", "1.2", "--connections", "2",
              "--alpn", "http/1.1", "--format", "junit", "-o", out)
    assert p.returncode == 0, p.stderr
    assert p.stdout == ""
    root = ET.parse(out).getroot()
    suite = root.find("testsuite")
    assert suite.get("name") == f"127.0.0.1:{s_server}"
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert cases["tls12.resume"].get("classname") == "probe.tls12"
    assert cases["tls12.cross-vhost"].find("skipped") is not None
    assert int(suite.get("failures")) == 0


@pytest.mark.parametrize("args, message", [
    ([], "HOST:PORT is required"),
    (["127.0.0.1"], "is not HOST:PORT"),
    (["127.0.0.1:0"], "is not HOST:PORT"),
    (["127.0.0.1:70000"], "is not HOST:PORT"),
    (["127.0.0.1:443", "--tls", "1.1"], "--tls takes 1.2, 1.3 or both"),
    (["127.0.0.1:443", "--connections", "1"], "--connections takes 2 to 64"),
    (["127.0.0.1:443", "--timeout", "0"], "--timeout takes seconds"),
    (["127.0.0.1:443", "--format", "svg"], "--format takes table, json or junit"),
    (["127.0.0.1:443", "--alpn", "h2,,x"], "--alpn"),
    (["127.0.0.1:443", "--expire", "0"], "--expire takes seconds from 0.1 to 600"),
    (["127.0.0.1:443", "--watch", "601"], "--watch takes seconds from 0.1 to 600"),
])
def test_usage_errors(run, args, message):
    p = probe(run, *args)
    assert p.returncode == 2
    assert p.stdout == ""
    assert p.stderr.count("\n") == 1 and message in p.stderr, p.stderr


# ---- faults ---------------------------------------------------------------------------

class Listener:
    """A loopback TCP server on a thread: `behave(conn)` runs per connection."""

    def __init__(self, behave):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.behave = behave
        self.done = threading.Event()
        self.held = []
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while not self.done.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            conn.settimeout(5)
            try:
                self.behave(self, conn)
            except OSError:
                pass

    def close(self):
        self.done.set()
        self.thread.join(timeout=10)
        for c in self.held:
            c.close()
        self.sock.close()


def silent(listener, conn):
    listener.held.append(conn)          # accept, never answer, never close


def http_server(listener, conn):
    conn.recv(4096)
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    conn.close()


def close_mid_handshake(listener, conn):
    conn.recv(4096)                      # the ClientHello, then hang up
    conn.close()


@pytest.mark.parametrize("behave, message", [
    (silent, "the server accepted the connection but sent nothing before the timeout (1 s, --timeout)"),
    (http_server, "the server does not speak TLS"),
    (close_mid_handshake, "the server closed the connection in the middle of the handshake"),
])
def test_faulty_servers(run, behave, message):
    srv = Listener(behave)
    try:
        p = probe(run, f"127.0.0.1:{srv.port}", "--timeout", "1", timeout=30)
    finally:
        srv.close()
    assert p.returncode == 2
    assert p.stdout == ""
    assert p.stderr.count("\n") == 1, p.stderr
    assert p.stderr.startswith(f"ticketlab probe: 127.0.0.1:{srv.port}: ")
    assert message in p.stderr


def test_nothing_listening(run):
    port = free_port()
    p = probe(run, f"127.0.0.1:{port}", "--timeout", "1", timeout=30)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr == (f"ticketlab probe: 127.0.0.1:{port} (127.0.0.1:{port}): connection "
                        "refused: nothing listens there\n")


def test_name_that_does_not_resolve(run):
    p = probe(run, "no-such-host.invalid:443", "--timeout", "1", timeout=60)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.startswith("ticketlab probe: no-such-host.invalid: the name does not resolve")
    assert p.stderr.count("\n") == 1
