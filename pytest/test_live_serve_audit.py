"""`ticketlab serve` under many clients, `serve --audit` and `serve --nst` with real clients.

serve runs until SIGTERM (the proxies make as many upstream connections
as they like), then writes its audit as JSON to a file; each test checks
that JSON field by field against what the client did. Every process is
started by pid, bounded, and stopped here.
"""
import json
import re
import select
import signal
import socket
import subprocess
import time

import pytest

from conftest import assert_clean
import serveclients
from serveclients import NAME, OTHER, ROOT
from tls_hello import client_hello

CHECKS = ["tls13.ticket-reuse", "ticket.cross-name", "ticket.expired", "tls13.early-data",
          "ticket.ignored", "ticket.retired-key"]


class Serve:
    """A running `ticketlab serve --port 0 ...`; .port from its first line."""

    def __init__(self, ticketlab, *args):
        self.proc = subprocess.Popen([ticketlab, "serve", "--port", "0", *map(str, args)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        first = self.proc.stdout.readline().decode()
        m = re.match(r"listening on 127\.0\.0\.1:(\d+) \(", first)
        if m is None:
            self.proc.kill()
            pytest.fail("serve did not start: " + first + self.proc.stderr.read().decode())
        self.port = int(m.group(1))
        self.lines = [first]

    def read_until(self, pattern, seconds=20):
        """Read serve's lines until one matches (bounded); returns that line."""
        buf = b""
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.2)
            if not r:
                continue
            line = self.proc.stdout.readline()
            if not line:
                break
            text = line.decode(errors="replace")
            self.lines.append(text)
            if re.search(pattern, text):
                return text
        pytest.fail(f"serve never printed /{pattern}/: " + "".join(self.lines)[-3000:])

    def stop(self, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            pytest.fail("serve did not stop")
        p = subprocess.CompletedProcess(self.proc.args, self.proc.returncode,
                                        "".join(self.lines) + out.decode(errors="replace"),
                                        err.decode(errors="replace"))
        assert_clean(p)
        return p


def audit(ticketlab, tmp_path, client, *args, **client_kw):
    """serve --audit ARGS, the client's connections (plan=, waits=), SIGTERM:
    (json report, serve's output, client statuses, client outputs)."""
    report = tmp_path / "audit.json"
    srv = Serve(ticketlab, "--audit", "--format", "json", "-o", report, *args)
    statuses, outs = serveclients.CLIENTS[client](srv.port, tmp_path, **client_kw)
    p = srv.stop()
    assert p.returncode in (0, 1), p.stderr
    data = json.loads(report.read_text())
    assert (p.returncode == 1) == (data["summary"]["fail"] > 0)
    assert data["summary"]["ok"] is (data["summary"]["fail"] == 0)
    assert [c["name"] for c in data["checks"]][:6] == CHECKS
    for c in data["checks"]:
        assert c["verdict"] in ("pass", "warn", "fail", "skip") and c["seen"]
        if c["verdict"] in ("warn", "fail"):
            assert c["expected"] and c["why"], c
    return data, p.stdout, statuses, outs


def verdicts(data):
    return {c["name"]: c["verdict"] for c in data["checks"]}


def seen(data, name):
    return next(c["seen"] for c in data["checks"] if c["name"] == name)


# ---- concurrency, output bounds, escapes ------------------------------------------------

@pytest.mark.tools("openssl")
def test_twenty_stalled_clients_do_not_hold_up_a_normal_one(ticketlab):
    srv = Serve(ticketlab, "--timeout", "30")
    hello = client_hello()
    held = []
    try:
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            s.sendall(hello[:len(hello) // 2])
            held.append(s)
        rc, out = serveclients._run(["openssl", "s_client", "-connect", f"127.0.0.1:{srv.port}",
                                     "-CAfile", str(ROOT), "-servername", NAME, "-ign_eof"])
        assert rc == 0 and "New, TLSv1.3" in out and "\r\n\r\nok\n" in out
        # served while the 20 are still held: its line comes before theirs
        line = srv.read_until(r"^connection \d+ from")
        assert line.startswith("connection 20 ") and ": full, TLSv1.3" in line
    finally:
        for s in held:
            s.close()
    p = srv.stop()
    assert p.returncode == 1   # the 20 half-open ones failed
    failed = re.findall(r"^connection (\d+) from [^:]+:\d+: FAILED, (.*)$", p.stdout, re.M)
    assert sorted(int(i) for i, _ in failed) == list(range(20))
    assert all("closed the connection in the middle of the handshake" in why for _, why in failed)


def test_a_stalled_client_times_out_on_its_own_deadline(ticketlab):
    srv = Serve(ticketlab, "--timeout", "0.5", "--connections", "1")
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(client_hello()[:40])
        line = srv.read_until(r"^connection 0 ")
    assert "FAILED, the handshake stalled: no answer before the timeout" in line
    p = srv.stop()
    assert p.returncode == 1


def test_psk_identity_flood_prints_a_bounded_log(ticketlab):
    hellos = 3
    srv = Serve(ticketlab, "--connections", hellos)
    hello = client_hello(identities=[bytes([i % 256]) for i in range(1500)])
    for _ in range(hellos):
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
            s.sendall(hello)
            s.recv(4096)
    p = srv.stop()
    blocks = p.stdout.split("\nconnection ")[1:]
    assert len(blocks) == hellos
    for b in blocks:
        events = [l for l in b.splitlines() if l.startswith("    hs")]
        assert len(events) == 32
        more = re.search(r"^    \.\.\. (\d+) more callback calls, not shown \(at most 32 a connection\)$",
                         b, re.M)
        assert more and int(more.group(1)) >= 1500 - 32
    assert len(p.stdout) < 20000


@pytest.mark.tools("openssl")
def test_hostile_sni_is_printed_escaped(ticketlab, tmp_path):
    hostile = "\x1b]0;pwned\x07\x1b[31mRED\x1b[0m"
    report = tmp_path / "a.txt"
    srv = Serve(ticketlab, "--connections", "1", "--audit", "-o", report)
    rc, out = serveclients._run(["openssl", "s_client", "-connect", f"127.0.0.1:{srv.port}",
                                 "-servername", hostile, "-ign_eof"])
    p = srv.stop()
    assert "\x1b" not in p.stdout and "\x07" not in p.stdout
    assert "SNI \\x1b]0;pwned\\x07\\x1b[31mRED\\x1b[0m, ALPN -" in p.stdout
    text = report.read_text()
    assert "\x1b" not in text and "\\x1b]0;pwned\\x07" in text   # cross-name's names


# ---- --audit with the six clients ---------------------------------------------------------

@pytest.mark.tools("openssl")
def test_audit_s_client_reuses_its_ticket_and_carries_it_to_another_name(ticketlab, tmp_path):
    data, out, statuses, _ = audit(ticketlab, tmp_path, "s_client")
    assert statuses == [0, 0, 0, 0]
    v = verdicts(data)
    assert v["tls13.ticket-reuse"] == "warn"
    assert "the ticket from connection 0 on connections 1 and 2 (3 times in all)" in \
        seen(data, "tls13.ticket-reuse")
    assert v["ticket.cross-name"] == "fail"
    assert "the ticket from connection 0 came back on connection 3 (names seen: " \
           "server.ticketlab.test, other.ticketlab.test)" in seen(data, "ticket.cross-name")
    assert v["ticket.ignored"] == "pass" and seen(data, "ticket.ignored").startswith("3 of 4 ")
    assert v["ticket.expired"] == v["tls13.early-data"] == v["ticket.retired-key"] == "skip"
    assert data["summary"]["connections"] == 4 and data["summary"]["fail"] == 1
    assert data["port"].isdigit() and data["listen"] == "127.0.0.1"


@pytest.mark.tools("openssl")
@pytest.mark.parametrize("args, wait, name, verdict, text", [
    # OpenSSL's client drops a ticket older than its hint (in whole seconds): it offers nothing
    (("--lifetime", "1"), 3.5, "ticket.expired", "pass",
     "connections came after tickets expired; none offered an expired ticket"),
    (("--rotate", "1"), 5.2, "ticket.retired-key", "pass",
     "the ticket offered on connection 1 was from a retired key: a full handshake; the client "
     "then did not offer the new ticket"),
])
def test_audit_s_client_late_tickets(ticketlab, tmp_path, args, wait, name, verdict, text):
    """s_client -sess_in offers the saved ticket whatever its age or key."""
    data, _, statuses, _ = audit(ticketlab, tmp_path, "s_client", *args,
                                 plan=(NAME, NAME), waits=(0, wait))
    assert statuses == [0, 0]
    assert verdicts(data)[name] == verdict
    assert seen(data, name) == text


def test_audit_python_ssl(ticketlab, tmp_path):
    data, out, statuses, outs = audit(ticketlab, tmp_path, "python")
    assert statuses == [0, 0, 0, 0], outs
    v = verdicts(data)
    assert v["tls13.ticket-reuse"] == "warn"   # the one session object, offered three times
    assert "the ticket from connection 0 on connections 1 and 2" in seen(data, "tls13.ticket-reuse")
    assert v["ticket.cross-name"] == "fail"
    assert v["ticket.ignored"] == "pass"
    assert data["summary"]["connections"] == 4


@pytest.mark.tools("curl")
def test_audit_curl_two_urls(ticketlab, tmp_path):
    data, out, statuses, outs = audit(ticketlab, tmp_path, "curl", plan=(NAME, NAME, OTHER))
    assert statuses == [0], outs
    v = verdicts(data)
    assert v["ticket.cross-name"] == "pass"
    assert v["tls13.ticket-reuse"] == "pass"
    assert v["ticket.ignored"] == "pass" and seen(data, "ticket.ignored").startswith("1 of 3 ")
    assert data["summary"]["connections"] == 3 and data["summary"]["ok"] is True


@pytest.mark.tools("gnutls-cli")
def test_audit_gnutls_cli_resume(ticketlab, tmp_path):
    data, out, statuses, outs = audit(ticketlab, tmp_path, "gnutls-cli")
    assert statuses == [0], outs
    v = verdicts(data)
    assert v["ticket.ignored"] == "pass" and seen(data, "ticket.ignored").startswith("1 of 2 ")
    assert v["tls13.ticket-reuse"] == "pass"
    assert v["ticket.cross-name"] == "skip"
    assert data["summary"]["connections"] == 2


@pytest.mark.tools("nginx", "curl")
def test_audit_nginx_upstream_session_reuse(ticketlab, tmp_path):
    data, out, statuses, outs = audit(ticketlab, tmp_path, "nginx")
    assert statuses == [0, 0, 0, 0], outs
    assert all(o.endswith("ok\n") for o in outs)
    v = verdicts(data)
    assert data["summary"]["connections"] == 4
    # nginx 1.22 stores the upstream session once its handshake ends: it resumes every
    # other connection, each time with a ticket it has not offered before
    assert v["ticket.ignored"] == "pass" and seen(data, "ticket.ignored").startswith("2 of 4 ")
    assert v["tls13.ticket-reuse"] == "pass"
    assert v["ticket.cross-name"] == "skip"


@pytest.mark.tools("haproxy", "curl")
def test_audit_haproxy_server_ssl(ticketlab, tmp_path):
    data, out, statuses, outs = audit(ticketlab, tmp_path, "haproxy")
    assert statuses == [0, 0, 0, 0], outs
    v = verdicts(data)
    assert data["summary"]["connections"] == 4
    assert v["ticket.ignored"] == "pass"
    assert v["tls13.ticket-reuse"] == "pass"


# ---- --nst: crafted NewSessionTickets ------------------------------------------------------

NST_LIFETIME = 1   # seconds: serve's --lifetime, the hint of every crafted ticket but lifetime-*
NST_LATE = 3.2     # the third connection of a round comes this long after the second


def nst_round(client, port, tmp_path):
    """One round of three connections: the crafted ticket, the next connection, one after its
    lifetime. OpenSSL's client offers a ticket while (time() - its time) - 1 <= the hint, in
    whole seconds (extensions_clnt.c, tls_construct_ctos_psk): up to 2 s past it. The next
    connection (within 1 s) offers it whatever the hint; the third, 3.2 s on, never does."""
    if client == "gnutls-cli":   # --resume: two connections in one run; a third, fresh, after
        st, outs = serveclients.gnutls_cli(port, tmp_path)
        time.sleep(NST_LATE)
        st2, outs2 = serveclients.python_ssl(port, tmp_path, plan=(NAME,))
        return st + st2, outs + outs2
    return serveclients.CLIENTS[client](port, tmp_path, plan=(NAME, NAME, NAME),
                                        waits=(0, 0, NST_LATE))


def nst_run(ticketlab, tmp_path, client, kinds, *args):
    """serve --nst KINDS --lifetime NST_LIFETIME, one round per kind: (json, serve's output, the client
    exit statuses of each round, outputs)."""
    report = tmp_path / "audit.json"
    srv = Serve(ticketlab, "--nst", kinds, "--lifetime", NST_LIFETIME, "--format", "json", "-o", report,
                *args)
    statuses, outs = [], []
    for k in kinds.split(","):
        st, o = nst_round(client, srv.port, tmp_path)
        statuses.append(st)
        outs += o
    p = srv.stop()
    data = json.loads(report.read_text())
    assert (p.returncode == 1) == (data["summary"]["fail"] > 0)
    return data, p.stdout, statuses, outs


# What each client did with each crafted kind (Debian 12: OpenSSL 3.0, Python 3.11, GnuTLS 3.7):
# verdict, kept the connection, offered the ticket on the next connection, offered it after its
# lifetime, later connections failed. docs/live-serve.md has the table and what it means.
NST_TABLE = """
kind            s_client        python          gnutls-cli
lifetime-0      fail,1,1,1,0    fail,1,1,1,0    fail,1,1,1,0
lifetime-8d     pass,1,1,0,0    pass,1,1,0,0    pass,1,1,0,0
empty           pass,0,0,0,0    pass,0,0,0,0    warn,1,0,0,0
huge            fail,1,0,0,1    pass,1,0,0,0    pass,1,0,0,0
unknown-ext     pass,1,1,0,0    pass,1,1,0,0    pass,1,1,0,0
dup-early-data  pass,0,0,0,0    pass,0,0,0,0    warn,1,1,0,0
max-early-data  pass,1,1,0,0    pass,1,1,0,0    pass,1,1,0,0
flood           pass,1,1,0,0    pass,1,1,0,0    pass,1,1,0,0
tls12-unasked   pass,0,0,0,0    pass,0,0,0,0    pass,0,0,0,0
"""
_rows = [line.split() for line in NST_TABLE.strip().splitlines()]
NST_SEEN = {client: {r[0]: tuple(x if j == 0 else int(x) for j, x in enumerate(r[1 + i].split(",")))
                     for r in _rows[1:]}
            for i, client in enumerate(_rows[0][1:])}
NST_RE = re.compile(r"the client kept (\d+).*?it offered (\d+) on the next connection, \d+ at all, "
                    r"(\d+) after their lifetime; (\d+) later connections failed")
KINDS13 = "lifetime-0,lifetime-8d,empty,huge,unknown-ext,dup-early-data,max-early-data,flood"


@pytest.mark.parametrize("client", ["s_client", "python", "gnutls-cli"])
@pytest.mark.parametrize("kinds, args", [(KINDS13, ()), ("tls12-unasked", ("--tls", "1.2"))])
def test_nst_kinds_against_real_clients(ticketlab, tmp_path, client, kinds, args):
    tool = serveclients.TOOLS[client]
    if tool and serveclients.shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")
    data, out, statuses, outs = nst_run(ticketlab, tmp_path, client, kinds, *args)
    checks = {c["name"]: c for c in data["checks"]}
    for i, kind in enumerate(kinds.split(",")):
        c = checks[f"nst.{kind}"]
        m = NST_RE.search(c["seen"])
        got = (c["verdict"], min(int(m.group(1)), 1), min(int(m.group(2)), 1),
               min(int(m.group(3)), 1), int(m.group(4)))
        want = NST_SEEN[client][kind]
        if kind == "lifetime-0" and got[2] == 0:
            # the client compares ages in whole seconds: when a second boundary falls between
            # the ticket and the next ClientHello, it drops the ticket (and passes)
            want = ("pass", want[1], 0, 0, want[4])
        assert got == want, (kind, c, statuses[i], outs)
        assert c["seen"].startswith(f"sent on 1 connections (first: {3 * i});")
        assert all(s is not None and s >= 0 for s in statuses[i]), (kind, statuses[i])  # no hang, no crash
    crafted = re.findall(r"^  crafted: (\S+), (\d+) tickets sent", out, re.M)
    assert [k for k, _ in crafted] == kinds.split(",")
    assert all(int(n) == (100 if k == "flood" else 1) for k, n in crafted)


# ---- early data -----------------------------------------------------------------------------

def saved_ticket(sess):
    """The ticket bytes of an `openssl s_client -sess_out` file."""
    text = subprocess.run(["openssl", "sess_id", "-in", str(sess), "-noout", "-text"],
                          capture_output=True, text=True, timeout=30).stdout
    block = text.split("TLS session ticket:")[1].split("\n\n")[0]
    return bytes.fromhex("".join(re.findall(r"^\s+[0-9a-f]{4} - (.{47})", block, re.M))
                         .replace("-", " ").replace(" ", ""))


@pytest.mark.tools("openssl")
def test_audit_early_data_within_the_ticket_passes(ticketlab, tmp_path):
    early = tmp_path / "early.txt"
    early.write_bytes(b"GET /early HTTP/1.0\r\n\r\n")
    report = tmp_path / "audit.json"
    srv = Serve(ticketlab, "--audit", "--format", "json", "-o", report, "--max-early-data", "1024")
    serveclients.s_client(srv.port, tmp_path, plan=(NAME,))
    rc, out = serveclients._run(["openssl", "s_client", "-connect", f"127.0.0.1:{srv.port}",
                                 "-CAfile", str(ROOT), "-servername", NAME, "-ign_eof",
                                 "-sess_in", str(tmp_path / "s_client.pem"), "-early_data", str(early)])
    p = srv.stop()
    assert rc == 0 and "Early data was rejected" in out   # serve never accepts it
    data = json.loads(report.read_text())
    assert verdicts(data)["tls13.early-data"] == "pass"
    assert seen(data, "tls13.early-data") == "1 offers with early data, each on a ticket that allowed it"
    assert p.returncode == 0


@pytest.mark.tools("openssl")
def test_audit_early_data_on_a_ticket_that_allows_none_fails(ticketlab, tmp_path):
    """A hand-made ClientHello offers a real ticket (max_early_data 0) with early_data."""
    report = tmp_path / "audit.json"
    srv = Serve(ticketlab, "--audit", "--format", "json", "-o", report)
    serveclients.s_client(srv.port, tmp_path, plan=(NAME,))
    ticket = saved_ticket(tmp_path / "s_client.pem")
    assert len(ticket) > 64
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(client_hello(identities=[ticket], early_data=True))
        s.recv(4096)
    p = srv.stop()
    assert p.returncode == 1
    data = json.loads(report.read_text())
    assert verdicts(data)["tls13.early-data"] == "fail"
    assert seen(data, "tls13.early-data").startswith(
        "1 offers with early data on tickets that allowed none (first on connection 1)")


@pytest.mark.parametrize("args, message", [
    (("--audit", "--format", "json"), "--format json needs -o FILE: stdout carries the connection lines"),
    (("--audit", "--format", "csv"), "--format takes table, json or junit, not 'csv'"),
    (("-o", "x.txt"), "--format and --out are for the audit report: add --audit"),
    (("--nst", "nope"), "--nst takes up to 32 of lifetime-0, lifetime-8d, empty, huge, unknown-ext, "
                        "dup-early-data, max-early-data, flood, tls12-unasked, separated by commas, not 'nope'"),
    (("--nst", "flood,tls12-unasked"), "--nst tls12-unasked needs --tls 1.2: run the TLS 1.2 and TLS 1.3 "
                                       "kinds in two runs"),
    (("--nst", "flood", "--tls", "1.2"), "--nst flood needs --tls 1.3 (the default): run the TLS 1.2 and "
                                         "TLS 1.3 kinds in two runs"),
    (("--max-early-data", "0"), "--max-early-data takes 1 to 1048576, not '0'"),
])
def test_serve_audit_usage_errors(run, args, message):
    p = run("serve", "--port", "0", *args)
    assert p.returncode == 2
    assert p.stderr == f"ticketlab serve: {message}\n" and p.stdout == ""


@pytest.mark.tools("openssl")
def test_audit_expired_ticket_offered_fails(ticketlab, tmp_path):
    """A hand-made ClientHello offers the ticket s_client saved, after its 1 s lifetime."""
    report = tmp_path / "audit.json"
    srv = Serve(ticketlab, "--audit", "--format", "json", "-o", report, "--lifetime", "1")
    serveclients.s_client(srv.port, tmp_path, plan=(NAME,))
    time.sleep(2.2)
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(client_hello(identities=[saved_ticket(tmp_path / "s_client.pem")]))
        s.recv(4096)
    p = srv.stop()
    assert p.returncode == 1
    data = json.loads(report.read_text())
    assert verdicts(data)["ticket.expired"] == "fail"
    assert seen(data, "ticket.expired") == ("1 tickets offered after their lifetime; the ticket "
                                            "from connection 0 (lifetime 1 s) came back on connection 1")
