"""`ticketlab probe`'s 0-RTT checks against real servers on loopback.

`openssl s_server -early_data` with and without `-no_anti_replay`, nginx
with `ssl_early_data on`, haproxy with `allow-0rtt` and `gnutls-serv
--earlydata`, each started on a free loopback port,
waited for with a bounded loop and stopped by pid. The probe sends a small
HTTP request as early data on a fresh ticket (tls13.0rtt), then the same
ticket and request again and the first connection's ClientHello and early
data replayed byte for byte (tls13.0rtt-replay), a ticket whose age is
30 s off (tls13.0rtt-age) and one byte more than max_early_data
(tls13.0rtt-size). s_server prints the early data it accepts, which shows
from the server's side what was accepted, and that nothing is sent with
--no-early-data or to a server whose tickets allow none.
"""
import re

import pytest

from realservers import free_port, start, stop
from test_live_probe import (GNUTLS_SERV, TESTDATA, probe, probe_json,  # noqa: F401
                             start_haproxy, write_nginx_conf, nginx)

EARLY = ["tls13.0rtt", "tls13.0rtt-replay", "tls13.0rtt-age", "tls13.0rtt-size"]
# A whole request as s_server prints it (the oversized one ends a byte later, refused).
REQUEST_MARK = b"User-Agent: ticketlab-probe (0-RTT check)\r\nConnection: close\r\n\r\n"
ANY_EARLY_DATA = b"ticketlab-probe (0-RTT check)"


def s_server(tmp_path, *extra):
    port = free_port()
    log = tmp_path / f"s_server-{port}.log"
    proc = start(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert",
                  TESTDATA / "server.pem", "-key", TESTDATA / "server.key", "-quiet",
                  "-naccept", "200", *extra], port, "openssl s_server", log)
    return proc, port, log


def probe_13(run, port, *args):
    return probe_json(run, port, "--tls", "1.3", *args)


def connections(seen):
    """The connection numbers a check names (#8, #9, ...)."""
    return [int(n) for n in re.findall(r"#(\d+)", seen)]


@pytest.mark.tools("openssl")
def test_s_server_without_anti_replay_fails_0rtt_replay(run, tmp_path):
    proc, port, log = s_server(tmp_path, "-early_data", "-no_anti_replay")
    try:
        report, checks = probe_13(run, port)
    finally:
        stop(proc)
    failed = {name for name, c in checks.items() if c["verdict"] == "fail"}
    assert failed == {"tls13.0rtt-replay"}
    assert checks["tls13.0rtt"]["verdict"] == "pass"
    assert "early data accepted" in checks["tls13.0rtt"]["seen"]
    replay = checks["tls13.0rtt-replay"]["seen"]
    first = connections(checks["tls13.0rtt"]["seen"])[0]
    assert replay.startswith(f"the same early data was accepted on connection #{first} and again on #")
    # Both the second use and the byte-identical replay were accepted, each named.
    assert f"#{first}'s ClientHello and early data replayed byte for byte" in replay
    assert replay.count("bytes of early data accepted") == 3
    assert len(set(connections(replay))) == 3
    # The age and size checks: refused early data, and an aborted connection.
    assert checks["tls13.0rtt-age"]["verdict"] == "pass"
    assert "early data refused" in checks["tls13.0rtt-age"]["seen"]
    assert checks["tls13.0rtt-size"]["verdict"] == "pass"
    assert "16385 bytes of early data on a ticket allowing 16384" in checks["tls13.0rtt-size"]["seen"]
    assert "then the server aborted the connection with an alert" in checks["tls13.0rtt-size"]["seen"]
    # The server's side: it printed the same request three times.
    assert log.read_bytes().count(REQUEST_MARK) >= 3
    assert report["summary"]["ok"] is False


@pytest.mark.tools("openssl")
def test_s_server_with_anti_replay_passes(run, tmp_path):
    proc, port, log = s_server(tmp_path, "-early_data")
    try:
        report, checks = probe_13(run, port)
    finally:
        stop(proc)
    assert report["summary"]["ok"] is True
    for name in EARLY:
        assert checks[name]["verdict"] == "pass", checks[name]
    replay = checks["tls13.0rtt-replay"]["seen"]
    assert replay.startswith("accepted once, on #")
    assert replay.count("full handshake, not resumed") == 2   # the reuse and the replay
    assert "replayed byte for byte" in replay
    # Accepted once by the server: one whole request, never the replays.
    assert log.read_bytes().count(REQUEST_MARK) == 1


@pytest.mark.tools("openssl")
def test_no_early_data_flag_sends_none(run, tmp_path):
    proc, port, log = s_server(tmp_path, "-early_data", "-no_anti_replay")
    try:
        report, checks = probe_13(run, port, "--no-early-data")
    finally:
        stop(proc)
    for name in EARLY:
        assert checks[name]["verdict"] == "skip"
        assert "--no-early-data" in checks[name]["seen"]
    assert report["summary"]["ok"] is True
    assert ANY_EARLY_DATA not in log.read_bytes()


@pytest.mark.tools("openssl")
def test_no_early_data_to_a_server_whose_tickets_allow_none(run, tmp_path):
    proc, port, log = s_server(tmp_path)
    try:
        report, checks = probe_13(run, port)
    finally:
        stop(proc)
    for name in EARLY:
        assert checks[name]["verdict"] == "skip"
        assert "allow no early data (max_early_data 0)" in checks[name]["seen"]
    assert ANY_EARLY_DATA not in log.read_bytes()


@pytest.mark.tools("nginx")
def test_nginx_early_data_is_replayable(nginx, run, tmp_path):
    """nginx sets SSL_OP_NO_ANTI_REPLAY: stateless tickets, early data accepted twice."""
    key = tmp_path / "ticket.key"
    assert run("keygen", "--format", "nginx", "--size", "80", "-o", key).returncode == 0
    port = nginx([("a.ticketlab.test", TESTDATA / "server.pem", TESTDATA / "server.key", key)],
                 extra="ssl_early_data on;")
    report, checks = probe_13(run, port, "--sni", "a.ticketlab.test")
    failed = {name for name, c in checks.items() if c["verdict"] == "fail"}
    assert failed == {"tls13.0rtt-replay"}
    assert "(answer: HTTP/1.1 200 OK)" in checks["tls13.0rtt"]["seen"]
    replay = checks["tls13.0rtt-replay"]["seen"]
    assert replay.count("early data accepted (answer: HTTP/1.1 200 OK)") == 3
    assert "replayed byte for byte" in replay
    assert checks["tls13.replay"]["verdict"] == "warn"   # the ticket resumes twice
    assert checks["tls13.0rtt-age"]["verdict"] == "pass"
    assert checks["tls13.0rtt-size"]["verdict"] == "pass"
    # OpenSSL, under nginx, stopped the oversized early data.
    assert "too much early data" in (tmp_path / "error.log").read_text(errors="replace")


@pytest.mark.tools("haproxy")
def test_haproxy_allow_0rtt_is_replayable(run, tmp_path):
    proc, port = start_haproxy(tmp_path, "allow-0rtt")
    try:
        report, checks = probe_13(run, port, "--sni", "server.ticketlab.test")
    finally:
        stop(proc)
    failed = {name for name, c in checks.items() if c["verdict"] == "fail"}
    assert failed == {"tls13.0rtt-replay"}
    replay = checks["tls13.0rtt-replay"]["seen"]
    assert ", a byte-identical replay." in replay
    assert replay.count("early data accepted (answer: HTTP/1.1 200 OK)") == 3
    assert checks["tls13.0rtt-age"]["verdict"] == "pass"
    assert checks["tls13.0rtt-size"]["verdict"] == "pass"


@pytest.mark.tools("gnutls-serv")
def test_gnutls_records_client_hellos(run, tmp_path):
    """GnuTLS refuses the byte-identical replay but takes the reused ticket: a warning."""
    port = free_port()
    proc = start([GNUTLS_SERV, "--port", str(port), "--x509certfile", TESTDATA / "server.pem",
                  "--x509keyfile", TESTDATA / "server.key", "--earlydata", "--http"],
                 port, "gnutls-serv", tmp_path / "gnutls-serv.log")
    try:
        report, checks = probe_13(run, port)
    finally:
        stop(proc)
    replay = checks["tls13.0rtt-replay"]
    assert replay["verdict"] == "warn"
    assert "the byte-identical replay was refused" in replay["seen"]
    assert replay["seen"].count("bytes of early data accepted") == 2
    assert "replayed byte for byte" in replay["seen"]
    assert "records ClientHellos" in replay["why"]
    assert checks["tls13.0rtt"]["verdict"] == "pass"
    assert checks["tls13.0rtt-age"]["verdict"] == "pass"
    assert checks["tls13.0rtt-size"]["verdict"] == "pass"
    assert report["summary"]["ok"] is True


def test_no_early_data_in_help(run):
    p = run("probe", "--help")
    assert p.returncode == 0
    for word in ("--no-early-data", "--deadline", "0rtt-replay", "0rtt-age", "0rtt-size"):
        assert word in p.stdout
