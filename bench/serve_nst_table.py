"""serve_nst_table.py TICKETLAB - run every `serve --nst` kind against s_client, Python's ssl
and gnutls-cli, and print the table docs/live-serve.md shows (markdown).

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


def main(ticketlab):
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
