#!/usr/bin/env python3
"""tls13peer.py - a small TLS 1.3 server that misbehaves on purpose, for the
probe's tests. Loopback only; started and stopped by pid by the test.

    tls13peer.py PORT MODE

It speaks just enough TLS 1.3 for OpenSSL's client (X25519,
TLS_AES_128_GCM_SHA256, an ECDSA P-256 certificate made at start, no
HelloRetryRequest, never resumes: a ticket offered back gets a full
handshake), then, after the handshake, does what MODE says:

    normal    two well-formed NewSessionTickets (lifetime 300 s)
    big       one NewSessionTicket whose ticket is 65,535 bytes (the most
              RFC 8446 4.6.1 allows)
    limit     one NewSessionTicket whose ticket is 60,000 bytes (the most
              the probe offers back)
    zero      one NewSessionTicket with a zero-length ticket
    overlong  one NewSessionTicket whose ticket length (1,000) overruns the
              message (10 bytes follow)
    flood     NewSessionTickets without end, until the client leaves
    stall     like normal, but a ClientHello that offers a ticket (a
              pre_shared_key extension) gets no answer
    once      like normal for the first connection; every later
              ClientHello gets no answer

A client that offers only TLS 1.2 gets a protocol_version alert. Bounded:
a connection lasts at most 60 s, a flood at most 100,000 tickets, the
process at most 600 s. It prints "ready" once it listens.
"""
import hashlib
import hmac
import os
import socket
import sys
import threading
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
import datetime

CONN_SECONDS = 60
FLOOD_MAX = 100_000
LIFE_SECONDS = 600
RECORD_MAX = 16384


def u16(n):
    return n.to_bytes(2, "big")


def u24(n):
    return n.to_bytes(3, "big")


def hs_msg(kind, body):
    return bytes([kind]) + u24(len(body)) + body


# ---- the key schedule (RFC 8446 7.1), SHA-256 ------------------------------------------

def extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def expand_label(secret, label, context, length):
    full = b"tls13 " + label
    info = u16(length) + bytes([len(full)]) + full + bytes([len(context)]) + context
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(secret, block + info + bytes([i]), hashlib.sha256).digest()
        out += block
        i += 1
    return out[:length]


def derive(secret, label, transcript):
    return expand_label(secret, label, hashlib.sha256(transcript).digest(), 32)


class Sealer:
    """Record protection for one direction (RFC 8446 5.2)."""

    def __init__(self, secret):
        self.aead = AESGCM(expand_label(secret, b"key", b"", 16))
        self.iv = expand_label(secret, b"iv", b"", 12)
        self.seq = 0

    def seal(self, inner_type, data):
        out = b""
        for i in range(0, max(len(data), 1), RECORD_MAX):
            plain = data[i:i + RECORD_MAX] + bytes([inner_type])
            head = b"\x17\x03\x03" + u16(len(plain) + 16)
            nonce = bytes(a ^ b for a, b in zip(self.iv, self.seq.to_bytes(12, "big")))
            self.seq += 1
            out += head + self.aead.encrypt(nonce, plain, head)
        return out


# ---- reading the client -----------------------------------------------------------------

def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def read_record(sock):
    head = recv_exact(sock, 5)
    return head[0], recv_exact(sock, int.from_bytes(head[3:5], "big"))


def read_client_hello(sock):
    data = b""
    while len(data) < 4 or len(data) < 4 + int.from_bytes(data[1:4], "big"):
        kind, body = read_record(sock)
        if kind != 22:
            raise EOFError
        data += body
    return data[:4 + int.from_bytes(data[1:4], "big")]


def parse_client_hello(msg):
    """(session id, {extension type: data})"""
    p = 4 + 2 + 32
    sid = msg[p + 1:p + 1 + msg[p]]
    p += 1 + msg[p]
    p += 2 + int.from_bytes(msg[p:p + 2], "big")
    p += 1 + msg[p]
    end = p + 2 + int.from_bytes(msg[p:p + 2], "big")
    p += 2
    exts = {}
    while p + 4 <= end:
        kind, n = int.from_bytes(msg[p:p + 2], "big"), int.from_bytes(msg[p + 2:p + 4], "big")
        exts[kind] = msg[p + 4:p + 4 + n]
        p += 4 + n
    return sid, exts


def x25519_share(key_share):
    p = 2
    while p + 4 <= len(key_share):
        group, n = int.from_bytes(key_share[p:p + 2], "big"), int.from_bytes(key_share[p + 2:p + 4], "big")
        if group == 0x001D:
            return key_share[p + 4:p + 4 + n]
        p += 4 + n
    return None


def offers_tls13(exts):
    versions = exts.get(43, b"")
    return any(versions[i:i + 2] == b"\x03\x04" for i in range(1, len(versions), 2))


# ---- the server -------------------------------------------------------------------------

def make_identity():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tls13peer.ticketlab.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2)).sign(key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.DER)


def nst(ticket, declared=None, lifetime=300):
    declared = len(ticket) if declared is None else declared
    body = lifetime.to_bytes(4, "big") + os.urandom(4) + b"\x01\x00" + u16(declared) + ticket
    if declared == len(ticket):
        body += u16(0)
    return hs_msg(4, body)


def tickets_for(mode):
    """The NewSessionTickets to send after the handshake (flood: None)."""
    if mode == "big":
        return [nst(os.urandom(65535))]
    if mode == "limit":
        return [nst(os.urandom(60000))]
    if mode == "zero":
        return [nst(b"")]
    if mode == "overlong":
        return [nst(os.urandom(10), declared=1000)]
    if mode == "flood":
        return None
    return [nst(os.urandom(128)), nst(os.urandom(128))]


SERVED = []
SERVED_LOCK = threading.Lock()


def first_connection():
    with SERVED_LOCK:
        SERVED.append(1)
        return len(SERVED) == 1


def hold(sock):
    """Keep the connection until the client leaves (bounded by the socket timeout)."""
    try:
        while sock.recv(4096):
            pass
    except OSError:
        pass


def serve(sock, mode, key, cert):
    ch = read_client_hello(sock)
    sid, exts = parse_client_hello(ch)
    if not offers_tls13(exts) or x25519_share(exts.get(51, b"")) is None:
        sock.sendall(b"\x15\x03\x03\x00\x02\x02\x46")   # protocol_version
        return
    if (mode == "stall" and 41 in exts) or (mode == "once" and not first_connection()):
        hold(sock)
        return
    eph = X25519PrivateKey.generate()
    shared = eph.exchange(X25519PublicKey.from_public_bytes(x25519_share(exts[51])))
    pub = eph.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    sh_exts = u16(43) + u16(2) + b"\x03\x04" + u16(51) + u16(36) + u16(0x001D) + u16(32) + pub
    sh = hs_msg(2, b"\x03\x03" + os.urandom(32) + bytes([len(sid)]) + sid + b"\x13\x01\x00"
                + u16(len(sh_exts)) + sh_exts)
    sock.sendall(b"\x16\x03\x03" + u16(len(sh)) + sh + b"\x14\x03\x03\x00\x01\x01")
    transcript = ch + sh
    hs = extract(derive(extract(b"\0" * 32, b"\0" * 32), b"derived", b""), shared)
    s_hs = derive(hs, b"s hs traffic", transcript)
    entry = u24(len(cert)) + cert + u16(0)
    flight = hs_msg(8, u16(0)) + hs_msg(11, b"\x00" + u24(len(entry)) + entry)
    transcript += flight
    signed = b"\x20" * 64 + b"TLS 1.3, server CertificateVerify\x00" + hashlib.sha256(transcript).digest()
    sig = key.sign(signed, ec.ECDSA(hashes.SHA256()))
    cv = hs_msg(15, b"\x04\x03" + u16(len(sig)) + sig)   # ecdsa_secp256r1_sha256
    transcript += cv
    fin_key = expand_label(s_hs, b"finished", b"", 32)
    fin = hs_msg(20, hmac.new(fin_key, hashlib.sha256(transcript).digest(), hashlib.sha256).digest())
    transcript += fin
    sock.sendall(Sealer(s_hs).seal(22, flight + cv + fin))
    master = extract(derive(hs, b"derived", b""), b"\0" * 32)
    app = Sealer(derive(master, b"s ap traffic", transcript))
    while True:   # the client's Finished: the first protected record
        kind, _ = read_record(sock)
        if kind == 23:
            break
    todo = tickets_for(mode)
    if todo is None:
        for _ in range(FLOOD_MAX):
            sock.sendall(app.seal(22, nst(os.urandom(64))))
        return
    sock.sendall(app.seal(22, b"".join(todo)))
    hold(sock)


def handle(conn, mode, key, cert):
    conn.settimeout(CONN_SECONDS)
    try:
        serve(conn, mode, key, cert)
    except (OSError, EOFError, IndexError, ValueError):
        pass
    finally:
        conn.close()


def main():
    port, mode = int(sys.argv[1]), sys.argv[2]
    if mode not in ("normal", "big", "limit", "zero", "overlong", "flood", "stall", "once"):
        sys.exit(f"tls13peer: unknown mode {mode!r}")
    key, cert = make_identity()
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", port))
    lsock.listen(32)
    lsock.settimeout(1)
    print("ready", flush=True)
    end = time.monotonic() + LIFE_SECONDS
    while time.monotonic() < end:
        try:
            conn, _ = lsock.accept()
        except socket.timeout:
            continue
        threading.Thread(target=handle, args=(conn, mode, key, cert), daemon=True).start()


if __name__ == "__main__":
    main()
