"""Helpers for the tests that run real servers on loopback: free ports, the
nginx configuration around the server blocks, bounded start and stop by pid."""
import socket
import subprocess
import time

import pytest


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_conf(tmp_path, server_blocks):
    """A foreground, single-process nginx.conf keeping every file in tmp_path."""
    return f"""
daemon off;
master_process off;
error_log {tmp_path}/error.log;
pid {tmp_path}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp_path};
    proxy_temp_path {tmp_path};
    fastcgi_temp_path {tmp_path};
    uwsgi_temp_path {tmp_path};
    scgi_temp_path {tmp_path};
{server_blocks}
}}
"""


def wait_for_port(port, proc, what, logfile=None, seconds=10):
    """Bounded wait until 127.0.0.1:port accepts; on failure kill proc and fail the test."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    proc.kill()
    proc.wait(timeout=10)
    log = logfile.read_text(errors="replace") if logfile and logfile.exists() else ""
    pytest.fail(f"{what} did not start on port {port}: {log[-2000:]}")


def stop(proc):
    """Terminate proc by pid, then kill it if it has not gone within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def start(cmd, port, what, logfile, cwd=None):
    """Start cmd with its output in logfile and wait for it to listen on port."""
    with open(logfile, "wb") as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=cwd)
    wait_for_port(port, proc, what, logfile)
    return proc
