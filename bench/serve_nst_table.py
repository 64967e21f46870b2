"""serve_nst_table.py TICKETLAB - the tables docs/live-serve.md shows (markdown), from real runs:

1. `serve --audit` against the six clients of pytest/serveclients.py, each
   with its default plan (s_client and Python: 3 connections to one name, a
   4th to the other; curl: three URLs, the last on the other name; gnutls-cli --resume; nginx and
   haproxy: 4 requests through the proxy): each check's verdict and what
   serve saw.
2. every `serve --nst` kind against s_client, Python's ssl and gnutls-cli.

One serve per client and TLS version, one round of three connections per kind
(pytest/test_live_serve_audit.py's nst_run): the crafted ticket, the next
connection, one more after the ticket's 1 s lifetime. A cell gives the
verdict, then: kept (the client did not end the connection), offered next,
offered after the lifetime, later connections failed, and the exit statuses
of the client processes of the round.
"""
import json
import pathlib
import re
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "pytest"))
import serveclients  # noqa: E402
import test_live_serve_audit as t  # noqa: E402

KINDS13 = ["lifetime-0", "lifetime-8d", "empty", "huge", "unknown-ext", "dup-early-data",
           "max-early-data", "flood"]
CLIENTS = ["s_client", "python", "gnutls-cli"]
NUM = re.compile(r"the client kept (\d+).*?it offered (\d+) on the next connection, (\d+) at all, "
                 r"(\d+) after their lifetime; (\d+) later connections failed")


def cell(check, statuses):
    m = NUM.search(check["seen"])
    kept, nxt, _, late, failed = m.groups() if m else ("?",) * 5
    return (f"{check['verdict']}: kept {'yes' if kept == '1' else 'no'}, next {'yes' if nxt != '0' else 'no'}, "
            f"late {'yes' if late != '0' else 'no'}, later failed {failed}; exit {statuses}")


def audit_table(ticketlab):
    names = t.CHECKS
    print("| client | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    notes = []
    for client in serveclients.CLIENTS:
        with tempfile.TemporaryDirectory() as d:
            kw = {"plan": (t.NAME, t.NAME, t.OTHER)} if client == "curl" else {}
            data, out, statuses, _ = t.audit(ticketlab, pathlib.Path(d), client, **kw)
        checks = {c["name"]: c for c in data["checks"]}
        kinds = re.findall(r"^connection \d+ from \S+ (full|resumed|FAILED)", out, re.M)
        print(f"| {client} ({len(kinds)} connections: {kinds.count('full')} full, "
              f"{kinds.count('resumed')} resumed) | " + " | ".join(checks[n]["verdict"] for n in names) + " |")
        notes.append(f"- **{client}** (exit {statuses}): " + "; ".join(
            f"{n}: {checks[n]['seen']}" for n in ("tls13.ticket-reuse", "ticket.cross-name", "ticket.ignored")))
    print()
    print("\n".join(notes))
    print()


def main(ticketlab):
    audit_table(ticketlab)
    rows = {k: {} for k in KINDS13 + ["tls12-unasked"]}
    for client in CLIENTS:
        for kinds, args in ((KINDS13, ()), (["tls12-unasked"], ("--tls", "1.2"))):
            with tempfile.TemporaryDirectory() as d:
                data, out, statuses, outs = t.nst_run(ticketlab, pathlib.Path(d), client,
                                                      ",".join(kinds), *args)
            checks = {c["name"]: c for c in data["checks"]}
            for i, k in enumerate(kinds):
                rows[k][client] = cell(checks[f"nst.{k}"], statuses[i])
    print("| kind | " + " | ".join(CLIENTS) + " |")
    print("|---|" + "---|" * len(CLIENTS))
    for k, r in rows.items():
        print(f"| {k} | " + " | ".join(r.get(c, "-") for c in CLIENTS) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
