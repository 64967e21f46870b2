#!/usr/bin/env python3
"""gen_rows.py - write the scenario rows of expectations.tl.

Prints every row as `NAME | SCENARIO | - | -`. Pin them with
`ticketlab conformance --expectations FILE --repin`, which fills the
expected column from the observation and the why column from the
expectation engine; then review the diff. Rows already pinned in an
existing table are carried over unchanged (pass it with --keep FILE).
"""
import sys

RETURNS = ["ABORT", "IGNORE", "IGNORE_RENEW", "USE", "USE_RENEW", "99"]
TLS = [("tls12", "1.2"), ("tls13", "1.3")]
rows = []          # (section, name, scenario)


def row(section, name, scenario):
    rows.append((section, name, scenario))


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
    for keys in ("evp-cb", "legacy-cb", "builtin", "set-keys"):
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

keep = {}
if len(sys.argv) > 2 and sys.argv[1] == "--keep":
    for line in open(sys.argv[2]):
        if line.strip() and not line.lstrip().startswith("#"):
            keep[line.split("|")[0].strip()] = line.rstrip("\n")


names = set()
section = None
if len(sys.argv) > 2 and sys.argv[1] == "--keep":
    for line in open(sys.argv[2]):          # the table's header comment
        if not line.startswith("#"):
            break
        print(line, end="")
for sec, name, sc in rows:
    assert name not in names, name
    names.add(name)
    if sec != section:
        print(f"\n# ---- {sec} " + "-" * (60 - len(sec)))
        section = sec
    print(keep.get(name, f"{name} | {sc} | - | -"))
print(f"# {len(rows)} rows", file=sys.stderr)
