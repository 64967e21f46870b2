"""A ticket minted by a real nginx, opened offline by `ticketlab ticket open`.

nginx runs on loopback with an 80-byte ssl_session_ticket_key made by
`ticketlab keygen`; `openssl s_client` takes a session from it; `ticketlab
ticket extract` pulls the ticket out of the session, and `ticket open`
must open it with the same key file and show the protocol, cipher and SNI.
"""
import json
import os
import shutil
import socket
import subprocess
import time

import pytest

from conftest import REPO, assert_clean

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def nginx(tmp_path, run):
    if not os.path.exists(NGINX):
        pytest.fail("nginx is missing: ci/test.sh installs nginx-light")
    key = tmp_path / "ticket.key"
    p = run("keygen", "--format", "nginx", "--size", "80", "--seed", "11", "-o", key)
    assert p.returncode == 0, p.stderr
    port = free_port()
    testdata = REPO / "src" / "world" / "testdata"
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""
daemon off;
master_process off;
error_log {tmp_path}/error.log;
pid {tmp_path}/nginx.pid;
events {{ worker_connections 16; }}
http {{
    access_log off;
    client_body_temp_path {tmp_path};
    proxy_temp_path {tmp_path};
    fastcgi_temp_path {tmp_path};
    uwsgi_temp_path {tmp_path};
    scgi_temp_path {tmp_path};
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name server.ticketlab.test;
        ssl_certificate {testdata}/server.pem;
        ssl_certificate_key {testdata}/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_tickets on;
        ssl_session_ticket_key {key};
        location / {{ return 200 "ok\\n"; }}
    }}
}}
""")
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("nginx did not start: " + (tmp_path / "error.log").read_text())
    yield port, key
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.parametrize("tls", ["1.2", "1.3"])
def test_nginx_ticket_opens_offline(nginx, run, tmp_path, tls):
    port, key = nginx
    sess = tmp_path / f"sess{tls}.pem"
    # An HTTP request and -ign_eof keep s_client reading until nginx closes,
    # so TLS 1.3's post-handshake NewSessionTicket arrives before it exits.
    client = subprocess.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername",
         "server.ticketlab.test", f"-tls{tls.replace('.', '_')}", "-sess_out", str(sess),
         "-ign_eof", "-quiet"],
        input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, timeout=30)
    assert sess.exists() and sess.stat().st_size > 0, client.stderr.decode()[-2000:]
    ticket = tmp_path / f"t{tls}.bin"
    p = run("ticket", "extract", "--session", sess, "-o", ticket)
    assert_clean(p)
    assert p.returncode == 0, p.stderr
    p = run("ticket", "open", "--keys", key, "--format", "nginx", ticket, "--json")
    assert_clean(p)
    assert p.returncode == 0, p.stdout + p.stderr
    info = json.loads(p.stdout)
    assert info["verdict"] == "ok"
    assert info["protocol"] == f"TLSv{tls}"
    assert info["sni"] == "server.ticketlab.test"
    assert info["cipher"]
    # One flipped byte and nginx's own ticket no longer opens.
    data = bytearray(ticket.read_bytes())
    data[-1] ^= 1
    ticket.write_bytes(bytes(data))
    p = run("ticket", "open", "--keys", key, "--format", "nginx", ticket)
    assert p.returncode == 1 and "bad-mac" in p.stderr
