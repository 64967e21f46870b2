#!/usr/bin/env python3
"""gen_rows.py - write the scenario rows of expectations.tl.

Prints every row as `NAME | SCENARIO | - | -`. Pin them with
`ticketlab conformance --expectations FILE --repin`, which fills the
expected column from the observation and the why column from the
expectation engine; then review the diff. Rows already pinned in an
existing table are carried over unchanged (pass it with --keep FILE).

The scenario fields and their values come from the binary's field table
(`ticketlab conformance --fields --format json`; the binary is $TICKETLAB,
default build/bin/ticketlab), and every row is checked against it.
"""
import json
import os
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
TICKETLAB = os.environ.get("TICKETLAB", str(REPO / "build" / "bin" / "ticketlab"))
FIELDS = {f["name"]: f for f in json.loads(subprocess.run(
    [TICKETLAB, "conformance", "--fields", "--format", "json"],
    check=True, capture_output=True, text=True).stdout)}


def choices(field):
    """The words a field takes, from its syntax ("1.2|1.3" -> ["1.2", "1.3"])."""
    return [w for w in FIELDS[field]["syntax"].split("|") if w != "N"]


RETURNS = choices("dret") + ["99"]          # every named return, and one unknown value
TLS = [("tls" + v.replace(".", ""), v) for v in choices("tls")]
KEY_SOURCES = [k for k in choices("keys") if k != "aead"]   # aead: BoringSSL/AWS-LC rows below
rows = []          # (section, name, scenario)


def row(section, name, scenario):
    rows.append((section, name, scenario))


def comment(section, text):
    """A comment line in a section: a note the table keeps through regeneration."""
    rows.append((section, None, text))


# 1. decrypt callback: status x return x TLS x key source
def reach(keys, tls, status):
    cb = keys in ("evp-cb", "legacy-cb")
    if status == "EMPTY":
        return "present=empty"
    if status == "NO_DECRYPT":
        return "present=unknown-key"
    if status == "SUCCESS":
        return "present=newest" if cb or tls == "1.2" else None
    if status == "SUCCESS_RENEW":
        if cb:
            return "present=older"
        return "present=newest" if tls == "1.3" else None


for tname, tls in TLS:
    for keys in KEY_SOURCES:
        for status in ("EMPTY", "NO_DECRYPT", "SUCCESS", "SUCCESS_RENEW"):
            how = reach(keys, tls, status)
            if how is None:
                continue
            for ret in RETURNS:
                row("matrix", f"matrix.{tname}.{keys}.{status}.{ret}",
                    f"tls={tls} keys={keys} {how} dret={ret}")

# 1b. every separate cause of NO_DECRYPT
CAUSES = {
    "bad-hmac": "present=bad-hmac", "bad-padding": "present=bad-padding",
    "truncated": "present=truncated", "short": "present=short",
    "trailing": "present=trailing", "bad-session": "present=bad-session",
    "kdec0": "present=newest kdec=0", "retired": "present=retired",
    "kdec1-wrong-key": "present=unknown-key kdec=1",
}
for tname, tls in TLS:
    for keys in ("evp-cb", "builtin"):
        for cause, how in CAUSES.items():
            if keys == "builtin" and (cause.startswith("kdec") or cause == "retired"):
                continue
            for ret in RETURNS:
                row("nodecrypt", f"nodecrypt.{tname}.{keys}.{cause}.{ret}",
                    f"tls={tls} keys={keys} {how} dret={ret}")

# 2. key callback
for tname, tls in TLS:
    for keys in ("evp-cb", "legacy-cb"):
        for r in (2, 1, 0, -1):
            row("keycb", f"keycb.{tname}.{keys}.dec{r}", f"tls={tls} keys={keys} present=newest kdec={r}")
        for r in (1, 0, -1):
            row("keycb", f"keycb.{tname}.{keys}.enc{r}.full", f"tls={tls} keys={keys} present=none kenc={r}")
        for r in (0, -1):
            row("keycb", f"keycb.{tname}.{keys}.enc{r}.renew", f"tls={tls} keys={keys} present=older kenc={r}")
        for p in ("newest", "older", "retired"):
            row("keycb", f"rotation.{tname}.{keys}.{p}", f"tls={tls} keys={keys} present={p}")
    for keys in ("builtin", "set-keys"):
        for p in ("none", "newest", "older", "retired"):
            if keys == "builtin" and p in ("older", "retired"):
                continue
            row("keycb", f"keys.{tname}.{keys}.{p}", f"tls={tls} keys={keys} present={p}")

# 3. generate callback and app data
for tname, tls in TLS:
    for keys in ("evp-cb", "builtin"):
        row("generate", f"generate.{tname}.{keys}.gen0.full", f"tls={tls} keys={keys} present=none gen=0")
    row("generate", f"generate.{tname}.gen0.renew", f"tls={tls} present=older gen=0")
    for n in (0, 1, 1000, 64000):
        row("generate", f"appdata.{tname}.len{n}", f"tls={tls} present=newest app={n}" + (" nt=1" if n > 30000 else ""))
    row("generate", f"appdata.{tname}.len65535.full", f"tls={tls} present=none app=65535")
    row("generate", f"appdata.{tname}.replaced-on-renewal", f"tls={tls} present=older app=5 app2=7")
    row("generate", f"appdata.{tname}.builtin.len16", f"tls={tls} keys=builtin present=newest app=16")
row("generate", "appdata.tls13.stateful.len65535", "tls=1.3 present=newest noticket=1 app=65535")

# 4. ticket counts
for nt in range(4):
    for p in ("none", "newest", "older"):
        row("counts", f"counts.tls13.nt{nt}.{p}", f"tls=1.3 present={p} nt={nt}")
for nt in (0, 3):
    for p in ("none", "older"):
        row("counts", f"counts.tls12.nt{nt}.{p}", f"tls=1.2 present={p} nt={nt}")
for n in (1, 2):
    for p in ("none", "newest"):
        row("counts", f"counts.tls13.newt{n}.{p}", f"tls=1.3 present={p} newt={n}")
row("counts", "counts.tls13.nt0.newt1", "tls=1.3 present=none nt=0 newt=1")

# 5. paths beyond the callbacks
P = "paths"
for tname, tls in TLS:
    row(P, f"noticket.{tname}.none", f"tls={tls} present=none noticket=1")
    row(P, f"noticket.{tname}.newest", f"tls={tls} present=newest noticket=1")
    row(P, f"noticket.{tname}.newest.abort", f"tls={tls} present=newest noticket=1 dret=ABORT")
row(P, "noticket.tls13.builtin.newest", "tls=1.3 keys=builtin present=newest noticket=1")
E = "tls=1.3 early=16384"
row(P, "early.none", f"{E} present=none")
row(P, "early.accepted", f"{E} present=newest send0rtt=1")
row(P, "early.resumed-no-0rtt", f"{E} present=newest")
row(P, "early.anti-replay.replayed", f"{E} present=newest send0rtt=1 replay=1")
row(P, "early.anti-replay.bypasses-decrypt-cb", f"{E} present=newest send0rtt=1 dret=ABORT")
row(P, "early.no-anti-replay.accepted", f"{E} present=newest send0rtt=1 noreplay=1")
row(P, "early.no-anti-replay.replayed", f"{E} present=newest send0rtt=1 noreplay=1 replay=1")
row(P, "early.no-anti-replay.ignore", f"{E} present=newest send0rtt=1 noreplay=1 dret=IGNORE")
row(P, "early.rejected.renewed-key", f"{E} present=older send0rtt=1 noreplay=1")
row(P, "early.client-refuses.alpn-change", f"{E} present=newest send0rtt=1 walpn=1 alpn=http/1.1")
row(P, "early.accepted.same-alpn", f"{E} present=newest send0rtt=1 walpn=1 alpn=h2")
row(P, "early.age.on-time", f"{E} present=newest send0rtt=1 advance=20")
row(P, "early.age.skew-5s-young", f"{E} present=newest send0rtt=1 advance=20 skew=-5")
row(P, "early.age.skew-15s-young", f"{E} present=newest send0rtt=1 advance=20 skew=-15")
row(P, "early.age.skew-60s-old", f"{E} present=newest send0rtt=1 skew=60")
row(P, "early.hrr", f"{E} present=newest send0rtt=1 hrr=1")
for p in ("none", "newest", "older", "unknown-key"):
    row(P, f"hrr.tls13.{p}", f"tls=1.3 present={p} hrr=1")
row(P, "hrr.tls13.newest.ignore", "tls=1.3 present=newest hrr=1 dret=IGNORE")
row(P, "hrr.tls13.newest.abort", "tls=1.3 present=newest hrr=1 dret=ABORT")
for tname, tls in TLS:
    for p in ("none", "newest", "older"):
        row(P, f"sni-switch.{tname}.{p}", f"tls={tls} present={p} sni=switch")
    for p in ("newest", "older"):
        row(P, f"sidctx.{tname}.{p}", f"tls={tls} present={p} sidctx=other")
row(P, "sidctx.tls12.noticket", "tls=1.2 present=newest noticket=1 sidctx=other")
for keys in ("evp-cb", "builtin"):
    row(P, f"cross.tls12-ticket-in-tls13.{keys}", f"tls=1.3 from=1.2 keys={keys} present=newest")
    row(P, f"cross.tls13-ticket-in-tls12.{keys}", f"tls=1.2 from=1.3 keys={keys} present=newest")
row(P, "cipher.tls13.sha256-suite", "tls=1.3 present=newest cipher=TLS_AES_128_GCM_SHA256")
row(P, "cipher.tls13.chacha", "tls=1.3 present=newest cipher=TLS_CHACHA20_POLY1305_SHA256")
row(P, "cipher.tls13.same-suite", "tls=1.3 present=newest cipher=TLS_AES_256_GCM_SHA384")
row(P, "cipher.tls12.other-cipher", "tls=1.2 present=newest cipher=ECDHE-ECDSA-AES128-GCM-SHA256")
row(P, "cipher.tls12.same-cipher", "tls=1.2 present=newest cipher=ECDHE-ECDSA-AES256-GCM-SHA384")
for tname, tls in TLS:
    row(P, f"expiry.{tname}.just-expired", f"tls={tls} present=newest klife=100000 advance=7201")
    row(P, f"expiry.{tname}.long-expired", f"tls={tls} present=newest klife=100000 advance=7300")
    row(P, f"expiry.{tname}.short-timeout", f"tls={tls} present=newest timeout=60 advance=61")
    row(P, f"expiry.{tname}.within-timeout", f"tls={tls} present=newest timeout=60 advance=59")
    row(P, f"alpn.{tname}.changed", f"tls={tls} present=newest walpn=1 alpn=http/1.1")
row(P, "expiry.tls13.hint-capped-one-week", "tls=1.3 present=none timeout=1000000")
row(P, "age.tls13.skew-60s-old", "tls=1.3 present=newest skew=60")
row(P, "age.tls13.skew-5s-young", "tls=1.3 present=newest skew=-5")

# ---- oracle: rules the fuzz_decrypt_status oracle found -------------------
O = "oracle"
# hs=ok/fail covers the SSL_new_session_ticket flight (outcome.h).
row(O, "oracle.tls13.newt.gen0", "tls=1.3 present=none gen=0 nt=0 newt=1")
row(O, "oracle.tls13.newt.gen0.after-ignore",
    "tls=1.3 keys=set-keys present=retired dret=IGNORE gen=0 app=1 app2=1 newt=2")
row(O, "oracle.tls13.newt.kenc-fail-second", "tls=1.3 present=none nt=1 newt=2 kenc=1,1,-1")
# Tickets flushed before a fatal one reach the client.
row(O, "oracle.tls13.kenc.second-fails", "tls=1.3 present=none kenc=1,-1")
row(O, "oracle.tls13.kenc.third-fails", "tls=1.3 present=none nt=3 kenc=2,1,-1")
# A client sends 0-RTT only on a session that allows it.
row(O, "oracle.tls13.send0rtt.no-early", "tls=1.3 present=newest send0rtt=1")
row(O, "oracle.tls12.send0rtt.early", "tls=1.2 present=newest early=16384 send0rtt=1")
row(O, "oracle.tls13.send0rtt.from12", "tls=1.3 from=1.2 present=newest early=16384 send0rtt=1")
# 0-RTT on a TLS 1.3 session to a server held to TLS 1.2.
row(O, "oracle.early-to-tls12.evp-cb", "tls=1.2 from=1.3 present=newest early=16384 send0rtt=1")
row(O, "oracle.early-to-tls12.noticket", "tls=1.2 from=1.3 present=newest early=16384 send0rtt=1 noticket=1")
row(O, "oracle.early-to-tls12.abort",
    "tls=1.2 from=1.3 keys=set-keys present=newest dret=ABORT early=16384 send0rtt=1")
row(O, "oracle.early-to-tls12.alpn-change",
    "tls=1.2 from=1.3 present=newest early=16384 send0rtt=1 walpn=1 alpn=http/1.1")
row(O, "oracle.early-to-tls12.too-old", "tls=1.2 from=1.3 present=newest early=16384 send0rtt=1 skew=8000")
# tls_construct_ctos_early_data does not look at the ticket's age: a ticket too
# old to be offered as a PSK still goes with 0-RTT, which the server rejects.
row(O, "oracle.tls13.early.too-old-ticket", "tls=1.3 present=newest early=16384 send0rtt=1 noreplay=1 skew=8000")
row(O, "oracle.tls13.early.too-old-ticket.stateful", "tls=1.3 present=newest early=16384 send0rtt=1 skew=8000")
# The client's early status is rejected from the moment it sends the extension.
row(O, "oracle.tls13.early.server-aborts",
    "tls=1.3 present=newest early=16384 send0rtt=1 noreplay=1 dret=ABORT")
row(O, "oracle.tls13.early.kdec-fatal",
    "tls=1.3 keys=legacy-cb present=newest kdec=-1 early=16384 send0rtt=1 noreplay=1")
# Stateful TLS 1.3 tickets: an empty identity is decode_error, no callback to ignore it.
row(O, "oracle.tls13.empty.noticket", "tls=1.3 present=empty noticket=1")
row(O, "oracle.tls13.empty.anti-replay", "tls=1.3 present=empty early=16384")
row(O, "oracle.tls13.empty.noticket.ignore", "tls=1.3 present=empty noticket=1 dret=IGNORE")
# The probe with a HelloRetryRequest: only the first ClientHello's PSK runs.
row(O, "oracle.tls13.empty.hrr", "tls=1.3 present=empty hrr=1")
row(O, "oracle.tls13.empty.hrr.ignore", "tls=1.3 present=empty dret=IGNORE hrr=1")
row(O, "oracle.tls13.empty.hrr.abort", "tls=1.3 present=empty dret=ABORT hrr=1")
# SSL_new_session_ticket after a full handshake tops up to num_tickets.
comment(O, "OpenSSL 3.0 quirk (statem_srvr.c ossl_statem_server13_write_transition, "
           "TLS_ST_SW_SESSION_TICKET): once extra_tickets_expected reaches 0 the")
comment(O, "transition goes on writing while !s->hit && s->num_tickets > s->sent_tickets, so one "
           "SSL_new_session_ticket() after a full handshake")
comment(O, "that sent fewer than num_tickets (a decrypt callback's IGNORE clears ticket_expected) "
           "sends the missing ones too. The engine predicts it.")
row(O, "oracle.tls13.newt.tops-up.ignore", "tls=1.3 present=newest dret=IGNORE newt=1")
row(O, "oracle.tls13.newt.tops-up.nt3", "tls=1.3 present=unknown-key dret=IGNORE nt=3 newt=1")
row(O, "oracle.tls13.newt.no-top-up.resumed", "tls=1.3 present=newest nt=3 newt=1")
row(O, "oracle.tls13.newt.more-than-nt", "tls=1.3 present=newest dret=IGNORE nt=1 newt=3")

# A bad-padding ticket in the first ClientHello of a HelloRetryRequest handshake.
comment(O, "OpenSSL 3.0 bug (ssl/t1_lib.c tls_decrypt_ticket): when EVP_DecryptFinal fails the function "
           "returns SSL_TICKET_NO_DECRYPT without ERR_clear_error(), leaving")
comment(O, "the provider's 'bad decrypt' on the thread's error queue. After a HelloRetryRequest the server's "
           "SSL_do_handshake() returns -1 to wait for the second")
comment(O, "ClientHello and SSL_get_error() reports SSL_ERROR_SSL: a non-blocking server following "
           "SSL_get_error(3) drops the connection, with no alert. The engine predicts it.")
row(O, "oracle.tls13.hrr.bad-padding", "tls=1.3 present=bad-padding hrr=1")
row(O, "oracle.tls13.hrr.bad-padding.builtin", "tls=1.3 keys=builtin present=bad-padding hrr=1")
row(O, "oracle.tls13.hrr.bad-padding.ignore", "tls=1.3 keys=legacy-cb present=bad-padding hrr=1 dret=IGNORE")
row(O, "oracle.tls13.hrr.bad-padding.abort", "tls=1.3 present=bad-padding hrr=1 dret=ABORT")
row(O, "oracle.tls13.hrr.bad-padding.kdec0-first", "tls=1.3 present=bad-padding kdec=0 hrr=1")
row(O, "oracle.tls13.hrr.bad-padding.early-server", "tls=1.3 present=bad-padding hrr=1 noreplay=1 early=16384")

# The key callback alone (cb=0: no generate or decrypt callback), the one ticket
# API that OpenSSL, BoringSSL and AWS-LC share: these rows run on every library,
# and `on LIB` lines say where BoringSSL or AWS-LC differ (docs/libraries.md).
L = "libraries"
comment(L, "cb=0: the HMAC_CTX key callback (SSL_CTX_set_tlsext_ticket_key_cb) or the library's own keys, "
           "no decrypt callback; rows run on OpenSSL, BoringSSL and AWS-LC")
for tname, v in TLS:
    base = f"tls={v} keys=legacy-cb cb=0"
    for ret in ("1", "2", "0", "-1", "3"):
        row(L, f"lib.{tname}.kdec{ret}", f"{base} present=newest kdec={ret}")
    for ret in ("1", "0", "-1"):
        row(L, f"lib.{tname}.kenc{ret}.full", f"{base} present=none kenc={ret}")
    for ret in ("0", "-1"):
        row(L, f"lib.{tname}.kenc{ret}.renew", f"{base} present=older kenc={ret}")
    for present in ("newest", "older", "retired", "unknown-key", "bad-hmac", "bad-padding",
                    "truncated", "short", "trailing", "bad-session"):
        row(L, f"lib.{tname}.{present}", f"{base} present={present}")
    row(L, f"lib.{tname}.noticket.full", f"{base} present=none noticket=1")
    row(L, f"lib.{tname}.noticket.newest", f"{base} present=newest noticket=1")
    row(L, f"lib.{tname}.expired", f"{base} present=newest klife=100000 advance=7201")
    row(L, f"lib.{tname}.short-timeout", f"{base} present=newest timeout=60 advance=61")
    row(L, f"lib.{tname}.sidctx", f"{base} present=newest sidctx=other")
    row(L, f"lib.{tname}.sni-switch", f"{base} present=newest sni=switch")
    row(L, f"lib.{tname}.builtin.none", f"tls={v} keys=builtin cb=0 present=none")
    row(L, f"lib.{tname}.builtin.newest", f"tls={v} keys=builtin cb=0 present=newest")
    row(L, f"lib.{tname}.builtin.unknown-key", f"tls={v} keys=builtin cb=0 present=unknown-key")
row(L, "lib.tls13.empty", "tls=1.3 keys=legacy-cb cb=0 present=empty")
for nt in ("0", "1", "3"):
    row(L, f"lib.tls13.nt{nt}.full", f"tls=1.3 keys=legacy-cb cb=0 present=none nt={nt}")
    row(L, f"lib.tls13.nt{nt}.resumed", f"tls=1.3 keys=legacy-cb cb=0 present=newest nt={nt}")
row(L, "lib.tls13.kenc.second-fails", "tls=1.3 keys=legacy-cb cb=0 present=none kenc=1,-1")
row(L, "lib.tls13.kenc.first-skipped", "tls=1.3 keys=legacy-cb cb=0 present=none kenc=0,1")
for present in ("none", "newest", "older", "unknown-key"):
    row(L, f"lib.tls13.hrr.{present}", f"tls=1.3 keys=legacy-cb cb=0 present={present} hrr=1")
row(L, "lib.tls13.hrr.kdec-1", "tls=1.3 keys=legacy-cb cb=0 present=newest kdec=-1 hrr=1")
row(L, "lib.cross.tls12-ticket-in-tls13", "tls=1.3 from=1.2 keys=legacy-cb cb=0 present=newest")
row(L, "lib.cross.tls13-ticket-in-tls12", "tls=1.2 from=1.3 keys=legacy-cb cb=0 present=newest")
row(L, "lib.tls12.other-cipher", "tls=1.2 keys=legacy-cb cb=0 present=newest cipher=ECDHE-ECDSA-AES128-GCM-SHA256")
row(L, "lib.tls12.alpn-changed", "tls=1.2 keys=legacy-cb cb=0 present=newest walpn=1 alpn=http/1.1")
row(L, "lib.tls13.alpn-changed", "tls=1.3 keys=legacy-cb cb=0 present=newest walpn=1 alpn=http/1.1")
row(L, "lib.tls13.skew-60s-old", "tls=1.3 keys=legacy-cb cb=0 present=newest skew=60")
row(L, "lib.tls13.skew-5s-young", "tls=1.3 keys=legacy-cb cb=0 present=newest skew=-5")
row(L, "lib.tls13.replay", "tls=1.3 keys=legacy-cb cb=0 present=newest replay=1")
# 0-RTT with the key callback alone: every library drives it (src/world/early_data.c),
# OpenSSL with SSL_write_early_data/SSL_read_early_data, BoringSSL and AWS-LC with
# SSL_write/SSL_read while SSL_in_early_data. With OpenSSL's anti-replay on (early>0
# without noreplay=1) its TLS 1.3 tickets are stateful and the key callback never runs,
# so the key-callback rows turn it off; BoringSSL and AWS-LC have no anti-replay
# (noreplay=1 changes nothing there).
comment(L, "0-RTT (early=16384: the server takes early data; send0rtt=1: the client sends it); "
           "noreplay=1 is OpenSSL's SSL_OP_NO_ANTI_REPLAY, a no-op on BoringSSL and AWS-LC")
E13 = "tls=1.3 keys=legacy-cb cb=0 early=16384"
for ret in ("1", "2", "0", "-1"):
    row(L, f"lib.tls13.early.kdec{ret}", f"{E13} noreplay=1 present=newest send0rtt=1 kdec={ret}")
row(L, "lib.tls13.early.older", f"{E13} noreplay=1 present=older send0rtt=1")
row(L, "lib.tls13.early.unknown-key", f"{E13} noreplay=1 present=unknown-key send0rtt=1")
row(L, "lib.tls13.early.not-sent", f"{E13} noreplay=1 present=newest")
row(L, "lib.tls13.early.hrr", f"{E13} noreplay=1 present=newest send0rtt=1 hrr=1")
row(L, "lib.tls13.early.replay", f"{E13} noreplay=1 present=newest send0rtt=1 replay=1")
row(L, "lib.tls13.early.builtin", f"tls=1.3 keys=builtin cb=0 early=16384 noreplay=1 present=newest send0rtt=1")
row(L, "lib.tls13.early.server-off", f"{E13} noreplay=1 early2=0 present=newest send0rtt=1")
row(L, "lib.tls13.early.ticket-without", "tls=1.3 keys=legacy-cb cb=0 present=newest send0rtt=1")
row(L, "lib.tls13.early.anti-replay", f"{E13} present=newest send0rtt=1")
row(L, "lib.tls13.early.anti-replay.replay", f"{E13} present=newest send0rtt=1 replay=1")
row(L, "lib.tls13.early.anti-replay.hrr", f"{E13} present=newest send0rtt=1 hrr=1")
# The ticket AEAD method (BoringSSL, AWS-LC: n/a on OpenSSL). With keys=aead,
# kdec scripts open's result (0 success, 1 retry, 2 ignore, 3 error), kenc=0
# makes seal fail, overhead=N is what max_overhead reports.
comment(L, "keys=aead: SSL_CTX_set_ticket_aead_method (BoringSSL, AWS-LC); n/a on OpenSSL")
for tname, v in TLS:
    base = f"tls={v} keys=aead cb=0"
    for name, extra in (("full", "present=none"), ("newest", "present=newest"), ("older", "present=older"),
                        ("unknown-key", "present=unknown-key"), ("bad-tag", "present=bad-hmac"),
                        ("short", "present=short"), ("open-retry", "present=newest kdec=1"),
                        ("open-ignore", "present=newest kdec=2"), ("open-error", "present=newest kdec=3"),
                        ("seal-fails", "present=none kenc=0"), ("seal-fails.renew", "present=newest kenc=0"),
                        ("overhead-short", "present=none overhead=10"),
                        ("overhead-large", "present=none overhead=1000")):
        row(L, f"lib.{tname}.aead.{name}", f"{base} {extra}")
for name, extra in (("", "present=newest"), (".open-retry", "present=newest kdec=1"),
                    (".open-ignore", "present=newest kdec=2"), (".open-error", "present=newest kdec=3"),
                    (".replay", "present=newest replay=1")):
    row(L, f"lib.tls13.aead.early{name}", f"tls=1.3 keys=aead cb=0 early=16384 send0rtt=1 {extra}")

keep = {}
if len(sys.argv) > 2 and sys.argv[1] == "--keep":
    last = None
    for line in open(sys.argv[2]):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0].isspace() and line.lstrip().startswith(("since ", "on ")) and last is not None:
            # A row's "since CHANGE" and "on LIB" lines travel with it.
            keep[last] += "\n" + line.rstrip("\n")
            continue
        last = line.split("|")[0].strip()
        keep[last] = line.rstrip("\n")


def check(name, scenario):
    """Every field of a row is in the field table, with a value it takes."""
    for item in scenario.split():
        key, _, value = item.partition("=")
        assert key in FIELDS, f"{name}: unknown scenario field {key}"
        words = choices(key)
        if key in ("tls", "from", "keys", "present"):
            assert value in words, f"{name}: {key}={value} is not one of {words}"


names = set()
section = None
if len(sys.argv) > 2 and sys.argv[1] == "--keep":
    for line in open(sys.argv[2]):          # the table's header comment
        if not line.startswith("#"):
            break
        print(line, end="")
for sec, name, sc in rows:
    if sec != section:
        print(f"\n# ---- {sec} " + "-" * (60 - len(sec)))
        section = sec
    if name is None:
        print(f"# {sc}")
        continue
    assert name not in names, name
    names.add(name)
    check(name, sc)
    print(keep.get(name, f"{name} | {sc} | - | -"))
print(f"# {len(names)} rows", file=sys.stderr)
