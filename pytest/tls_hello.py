"""Hand-made TLS 1.3 ClientHellos, for peers a real client would never be.

client_hello(sni=..., identities=[...]) gives the record bytes of a
ClientHello for TLS_AES_128_GCM_SHA256 over x25519 (a random key share:
any 32 bytes are a valid x25519 point), with the server name bytes as
given (unchecked: control bytes, escapes) and a pre_shared_key extension
holding `identities` (bytes each) with made-up binders. The handshake
message is cut into records of at most 16,384 bytes, as RFC 8446 5.1
allows.
"""
import os
import struct


def _vec(width, data):
    return len(data).to_bytes(width, "big") + data


def _ext(kind, body):
    return struct.pack(">H", kind) + _vec(2, body)


def client_hello(sni=b"server.ticketlab.test", identities=(), early_data=False):
    exts = b""
    if sni is not None:
        exts += _ext(0, _vec(2, b"\x00" + _vec(2, sni)))
    exts += _ext(43, _vec(1, b"\x03\x04"))                         # supported_versions
    exts += _ext(10, _vec(2, b"\x00\x1d"))                         # supported_groups: x25519
    exts += _ext(13, _vec(2, b"\x08\x04\x04\x03\x08\x07"))         # signature_algorithms
    exts += _ext(51, _vec(2, b"\x00\x1d" + _vec(2, os.urandom(32))))  # key_share
    exts += _ext(45, _vec(1, b"\x01"))                             # psk_key_exchange_modes
    if early_data:
        exts += _ext(42, b"")
    if identities:
        ids = b"".join(_vec(2, i) + b"\x00\x00\x00\x00" for i in identities)
        binders = b"".join(_vec(1, bytes(32)) for _ in identities)
        exts += _ext(41, _vec(2, ids) + _vec(2, binders))          # pre_shared_key, last
    body = (b"\x03\x03" + os.urandom(32) + _vec(1, os.urandom(32)) + _vec(2, b"\x13\x01")
            + _vec(1, b"\x00") + _vec(2, exts))
    msg = b"\x01" + _vec(3, body)
    records = b""
    for off in range(0, len(msg), 16384):
        records += b"\x16\x03\x01" + _vec(2, msg[off:off + 16384])
    return records
