"""Real TLS clients driven against `ticketlab serve` on loopback.

Each driver makes a few connections to 127.0.0.1:port the way its client
resumes (a session file, a session object, two URLs in one run, --resume,
a reverse proxy's upstream cache), and returns the exit statuses of the
client processes it ran (a negative status: killed by that signal; None:
hung and killed after its bound). Every process is started here, waited
for with a timeout, and killed by pid when it overstays.

`plan` lists the server name of each connection (and `waits`, seconds to
sleep before each); the drivers that cannot choose a name per connection
use the first.
"""
import os
import shutil
import ssl
import subprocess
import time

from conftest import REPO
import realservers
from test_live_serve import python_connection

ROOT = REPO / "src" / "world" / "testdata" / "root.pem"
NAME = "server.ticketlab.test"
OTHER = "other.ticketlab.test"
REQUEST = b"GET / HTTP/1.0\r\n\r\n"


def _run(cmd, input=REQUEST, timeout=30):
    try:
        p = subprocess.run(cmd, input=input, capture_output=True, timeout=timeout)
        return p.returncode, p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        return None, (e.stdout or b"").decode(errors="replace")


def s_client(port, tmp_path, plan=(NAME, NAME, NAME, OTHER), waits=None):
    """openssl s_client: -sess_out on the first connection, -sess_in of that file after."""
    sess = tmp_path / "s_client.pem"
    statuses, outs = [], []
    for i, name in enumerate(plan):
        if waits:
            time.sleep(waits[i])
        flag = ["-sess_out", str(sess)] if i == 0 else ["-sess_in", str(sess)]
        rc, out = _run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", str(ROOT),
                        "-servername", name, "-ign_eof", *flag])
        statuses.append(rc)
        outs.append(out)
    return statuses, outs


def python_ssl(port, tmp_path, plan=(NAME, NAME, NAME, OTHER), waits=None):
    """Python's ssl: the session object of the first connection offered on the others."""
    ctx = ssl.create_default_context(cafile=str(ROOT))
    session, statuses, outs = None, [], []
    for i, name in enumerate(plan):
        if waits:
            time.sleep(waits[i])
        try:
            sess, reused, data = python_connection(port, ctx, session, name)
            session = session or sess
            outs.append(f"reused={reused} {data[-3:]!r}")
            statuses.append(0)
        except (OSError, ssl.SSLError, ValueError) as e:   # ValueError: its session cannot be read
            outs.append(repr(e))
            statuses.append(1)
    return statuses, outs


def curl(port, tmp_path, plan=(NAME, NAME), waits=None):
    """curl: every URL of the plan in one run (one session cache)."""
    names = sorted(set(plan))
    cmd = [shutil.which("curl") or "/usr/bin/curl", "-sS", "--cacert", str(ROOT)]
    for n in names:
        cmd += ["--resolve", f"{n}:{port}:127.0.0.1"]
    cmd += [f"https://{n}:{port}/{i}" for i, n in enumerate(plan)]
    rc, out = _run(cmd, input=None)
    return [rc], [out]


def gnutls_cli(port, tmp_path, plan=(NAME,), waits=None):
    """gnutls-cli --resume: one connection, then one that resumes it."""
    rc, out = _run(["gnutls-cli", "127.0.0.1", "-p", str(port), "--sni-hostname", plan[0],
                    "--verify-hostname", plan[0], "--x509cafile", str(ROOT), "--resume"])
    return [rc], [out]


def _proxy_requests(front, n):
    statuses, outs = [], []
    for i in range(n):
        rc, out = _run([shutil.which("curl") or "/usr/bin/curl", "-sS", f"http://127.0.0.1:{front}/{i}"],
                       input=None)
        statuses.append(rc)
        outs.append(out)
    return statuses, outs


def nginx(port, tmp_path, plan=(NAME, NAME, NAME, NAME), waits=None):
    """nginx as a reverse proxy to serve, proxy_ssl_session_reuse on: one request per connection."""
    front = realservers.free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(realservers.nginx_conf(tmp_path, f"""
    server {{
        listen 127.0.0.1:{front};
        location / {{
            proxy_pass https://127.0.0.1:{port};
            proxy_ssl_server_name on;
            proxy_ssl_name {plan[0]};
            proxy_ssl_verify on;
            proxy_ssl_trusted_certificate {ROOT};
            proxy_ssl_session_reuse on;
            proxy_ssl_protocols TLSv1.2 TLSv1.3;
        }}
    }}
"""))
    proc = realservers.start([shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf), "-e",
                              str(tmp_path / "error.log")], front, "nginx", tmp_path / "nginx.out")
    try:
        return _proxy_requests(front, len(plan))
    finally:
        realservers.stop(proc)


def haproxy(port, tmp_path, plan=(NAME, NAME, NAME, NAME), waits=None):
    """haproxy with a `server ... ssl` line to serve (its per-server session cache)."""
    front = realservers.free_port()
    conf = tmp_path / "haproxy.cfg"
    conf.write_text(f"""
global
    log stdout format raw local0 err
defaults
    mode http
    timeout connect 5s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:{front}
    default_backend be
backend be
    http-reuse never
    server serve 127.0.0.1:{port} ssl verify required ca-file {ROOT} sni str({plan[0]})
""")
    proc = realservers.start([shutil.which("haproxy") or "/usr/sbin/haproxy", "-db", "-f", str(conf)],
                             front, "haproxy", tmp_path / "haproxy.out")
    try:
        return _proxy_requests(front, len(plan))
    finally:
        realservers.stop(proc)


CLIENTS = {"s_client": s_client, "python": python_ssl, "curl": curl, "gnutls-cli": gnutls_cli,
           "nginx": nginx, "haproxy": haproxy}
TOOLS = {"s_client": "openssl", "python": None, "curl": "curl", "gnutls-cli": "gnutls-cli",
         "nginx": "nginx", "haproxy": "haproxy"}
