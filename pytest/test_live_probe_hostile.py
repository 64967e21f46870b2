"""`ticketlab probe` against hostile TLS 1.3 servers (issue 24, fault 5).

Each server is pytest/tls13peer.py, a small TLS 1.3 server in Python that
misbehaves after the handshake: a 65,535-byte ticket, a zero-length ticket,
a ticket length that overruns its message, NewSessionTickets without end,
or no answer to a ClientHello that offers a ticket. It listens on a free
loopback port, says "ready", and is stopped by pid; its loops are bounded.

What the probe must do: a limit of its own is "not checked", not the
server's fault; a malformed NewSessionTicket is named; a flood and a
stall are bounded by --timeout per step and --deadline for the whole run,
after which the checks left say "not checked: run deadline". The
subprocess timeouts below only guard against a hang; the speeds are not
asserted.
"""
import json
import subprocess
import sys

import pytest

from conftest import REPO, assert_clean
from realservers import free_port, stop

PEER = REPO / "pytest" / "tls13peer.py"


@pytest.fixture
def peer():
    """peer(mode) -> port of a tls13peer.py started in that mode."""
    procs = []

    def _start(mode):
        pytest.importorskip("cryptography")
        port = free_port()
        proc = subprocess.Popen([sys.executable, str(PEER), str(port), mode], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        procs.append(proc)
        line = proc.stdout.readline()   # bounded: the peer prints it or exits
        assert line.strip() == "ready", line
        return port
    yield _start
    for p in procs:
        stop(p)
        p.stdout.close()


def probe13(run, port, *args, rc=(0, 1)):
    p = run("probe", f"127.0.0.1:{port}", "--tls", "1.3", "--connections", "4", "--format", "json",
            *args, timeout=90)
    assert_clean(p)
    assert p.returncode in rc, p.stderr
    report = json.loads(p.stdout)
    return p, report, {c["name"]: c for c in report["checks"]}


def test_big_ticket_is_our_limit_not_the_servers_fault(peer, run):
    port = peer("big")
    p, report, checks = probe13(run, port)
    assert p.returncode == 0, "a limit of the probe's own fails nothing"
    assert "65535 bytes" in checks["tls13.tickets"]["seen"]
    for name in ("tls13.resume", "tls13.replay", "tls13.tamper.mac", "tls13.tamper.truncated",
                 "tls13.tamper.key-name", "tls13.tamper.random"):
        assert checks[name]["verdict"] == "skip"
        assert checks[name]["seen"].startswith("not checked: ticket larger than 60000 bytes")
    assert "internal error" not in p.stdout
    assert checks["tls13.alive"]["verdict"] == "pass"


def test_ticket_at_the_limit_is_offered(peer, run):
    """60,000 bytes still fit a ClientHello, with a long SNI and ALPN list."""
    port = peer("limit")   # never resumes: a full handshake is its answer
    sni = ".".join(c * 60 for c in "abcd") + ".test"
    p, report, checks = probe13(run, port, "--sni", sni, "--alpn", "h2,http/1.1,acme-tls/1")
    assert checks["tls13.resume"]["seen"] == ("full handshake, not resumed, offering the "
                                              "60000-byte ticket of the first connection")
    assert checks["tls13.tamper.truncated"]["seen"] == ("cut from 60000 to 59984 bytes: full "
                                                        "handshake, not resumed")
    assert "internal error" not in p.stdout


@pytest.mark.parametrize("mode, named", [
    ("zero", "a NewSessionTicket with a zero-length ticket (RFC 8446 4.6.1: ticket<1..2^16-1>)"),
    ("overlong", "a NewSessionTicket whose ticket length (1000 bytes) overruns the message "
                 "(10 bytes follow)"),
])
def test_malformed_ticket_is_named(peer, run, mode, named):
    port = peer(mode)
    p, report, checks = probe13(run, port)
    assert p.returncode == 1
    t = checks["tls13.tickets"]
    assert t["verdict"] == "fail"
    assert t["seen"].startswith(named + ", after full handshake 1 of 4")
    assert "refused what the server sent after the handshake" in t["seen"]
    assert report["summary"]["fail"] == 1


def test_ticket_flood_is_cut_short(peer, run):
    port = peer("flood")
    p, report, checks = probe13(run, port, "--timeout", "2")
    t = checks["tls13.tickets"]
    assert t["verdict"] == "warn"
    assert t["seen"].startswith("64 NewSessionTickets after full handshake 1, still coming")
    # Every check was made: the flood did not eat the run.
    assert not any("run deadline" in c["seen"] for c in checks.values())
    assert report["summary"]["handshakes"] >= 4


def test_stalling_server_meets_the_run_deadline(peer, run):
    port = peer("stall")
    p, report, checks = probe13(run, port, "--timeout", "1", "--deadline", "3")
    assert p.returncode == 1
    assert checks["tls13.resume"]["verdict"] == "fail"
    assert "sent nothing before the timeout" in checks["tls13.resume"]["seen"]
    late = [n for n, c in checks.items()
            if c["seen"].startswith("not checked: run deadline (the whole probe is bounded by "
                                    "--deadline; 3 s here)")]
    assert "tls13.alive" in late and "tls13.zero-key" in late, checks
    for n in late:
        assert checks[n]["verdict"] == "skip"
    # The checks before the deadline kept their verdicts.
    assert checks["tls13.tickets"]["verdict"] == "pass"


def test_deadline_before_any_check_is_an_error(peer, run):
    port = peer("once")   # one handshake, then silence: the capture never ends
    p = run("probe", f"127.0.0.1:{port}", "--tls", "1.3", "--deadline", "2", "--timeout", "5",
            timeout=60)
    assert_clean(p)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr == (f"ticketlab probe: 127.0.0.1:{port}: the run deadline (2 s, --deadline) "
                        "passed before any check was made\n")


def test_silent_server_and_a_short_deadline(run):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(4)
        port = s.getsockname()[1]
        p = run("probe", f"127.0.0.1:{port}", "--deadline", "1", "--timeout", "5", timeout=60)
    assert_clean(p)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1
    assert "the run deadline (1 s, --deadline) passed before a handshake completed" in p.stderr


@pytest.mark.parametrize("value", ["0", "0.5", "3601", "soon", ""])
def test_deadline_usage(run, value):
    p = run("probe", "127.0.0.1:1", "--deadline", value)
    assert_clean(p)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr == f"ticketlab probe: --deadline takes seconds from 1 to 3600, not '{value}'\n"


@pytest.mark.tools("openssl")
def test_watch_longer_than_the_deadline(run, tmp_path):
    """A --watch wait that would outlast --deadline ends at the deadline, not after it."""
    from realservers import start
    from test_live_probe import TESTDATA
    port = free_port()
    proc = start(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert",
                  TESTDATA / "server.pem", "-key", TESTDATA / "server.key", "-www", "-quiet"],
                 port, "openssl s_server", tmp_path / "s_server.log")
    try:
        p, report, checks = probe13(run, port, "--watch", "30", "--deadline", "2")
    finally:
        stop(proc)
    assert p.returncode == 0
    assert checks["tls13.watch.rotation"]["verdict"] == "skip"
    assert checks["tls13.watch.rotation"]["seen"].startswith("not checked: run deadline")
    assert checks["tls13.resume"]["verdict"] == "pass"   # the checks before it stand
