"""serve_bench.py TICKETLAB [HANDSHAKES] - the figures of `ticketlab serve` under load.

Printed, never asserted (ci/bench.sh runs it):
  1. how long a normal `openssl s_client` takes, alone and while 20 other
     connections hold half a ClientHello each (median of 5 runs each);
  2. serve's RSS over HANDSHAKES (default 3,000) handshakes with
     --appdata-size 60000 (two ~60 KB tickets each), every 1,000;
  3. serve's log size for 500 ClientHellos with 1,500 one-byte PSK
     identities each.
Every process is started here and stopped by pid; every loop is bounded.
"""
import os
import pathlib
import re
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "pytest"))
from tls_hello import client_hello  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parent.parent
ROOT = REPO / "src" / "world" / "testdata" / "root.pem"
NAME = "server.ticketlab.test"


def start(ticketlab, *args, out=subprocess.DEVNULL):
    p = subprocess.Popen([ticketlab, "serve", "--port", "0", *map(str, args)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    m = re.match(r"listening on 127\.0\.0\.1:(\d+) ", p.stdout.readline())
    if m is None:
        p.kill()
        sys.exit("serve did not start")
    return p, int(m.group(1))


def stop(p):
    p.terminate()
    try:
        p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()


def s_client_seconds(port):
    t = time.monotonic()
    c = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", ROOT,
                    "-servername", NAME, "-ign_eof"], input=b"GET / HTTP/1.0\r\n\r\n",
                   capture_output=True, timeout=60)
    if b"Verify return code: 0 (ok)" not in c.stdout:
        sys.exit("s_client failed: " + c.stderr.decode(errors="replace")[-500:])
    return time.monotonic() - t


def stalls(ticketlab):
    p, port = start(ticketlab, "--timeout", "30")
    try:
        alone = statistics.median(s_client_seconds(port) for _ in range(5))
        held = []
        hello = client_hello()
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(hello[:len(hello) // 2])
            held.append(s)
        time.sleep(0.3)
        busy = statistics.median(s_client_seconds(port) for _ in range(5))
        for s in held:
            s.close()
    finally:
        stop(p)
    print(f"s_client alone: {alone:.3f} s; with 20 half-open ClientHellos held: {busy:.3f} s "
          f"(+{busy - alone:.3f} s)")


def rss_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def rss(ticketlab, n):
    p, port = start(ticketlab, "--appdata-size", "60000", "--connections", n + 1)
    ctx = ssl.create_default_context(cafile=str(ROOT))
    figures = [(0, rss_kib(p.pid))]
    # serve's output must keep flowing: read it in the background.
    with tempfile.TemporaryFile() as sink:
        drain = subprocess.Popen(["cat"], stdin=p.stdout, stdout=sink)
        try:
            for i in range(1, n + 1):
                with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
                    with ctx.wrap_socket(raw, server_hostname=NAME) as s:
                        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                        while s.recv(4096):
                            pass
                if i % 1000 == 0:
                    figures.append((i, rss_kib(p.pid)))
        finally:
            stop(p)
            drain.wait(timeout=30)
    print("RSS over --appdata-size 60000 handshakes: "
          + ", ".join(f"{k} -> {v / 1024:.1f} MB" for k, v in figures))


def psk_log(ticketlab, hellos=500, ids=1500):
    """Each hello is answered (a full handshake: no identity decrypts); the client then hangs up."""
    p = subprocess.Popen([ticketlab, "serve", "--port", "0", "--connections", str(hellos)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    m = re.match(rb"listening on 127\.0\.0\.1:(\d+) ", p.stdout.readline())
    port = int(m.group(1))
    with tempfile.TemporaryFile() as sink:
        drain = subprocess.Popen(["cat"], stdin=p.stdout, stdout=sink)
        hello = client_hello(identities=[bytes([i % 256]) for i in range(ids)])
        t = time.monotonic()
        for _ in range(hellos):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(hello)
                try:
                    s.recv(4096)   # the server's first flight (or its alert): then hang up
                except OSError:
                    pass
        p.wait(timeout=120)
        drain.wait(timeout=30)
        size = sink.seek(0, os.SEEK_END)
    print(f"log for {hellos} ClientHellos with {ids} PSK identities each: {size / 1e6:.2f} MB "
          f"({time.monotonic() - t:.1f} s)")


if __name__ == "__main__":
    tl = sys.argv[1]
    stalls(tl)
    rss(tl, int(sys.argv[2]) if len(sys.argv) > 2 else 3000)
    psk_log(tl)
