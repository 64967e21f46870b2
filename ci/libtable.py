#!/usr/bin/env python3
"""ci/libtable.py - the key-callback rows side by side, from conformance reports.

    ci/libtable.py LABEL=REPORT.json [LABEL=REPORT.json ...] > table.md

Each REPORT is a `ticketlab conformance --format json` report (ci/matrix.sh
keeps one per library in reports/matrix/). Prints a Markdown table of the
`lib.*` rows (the key callback alone, cb=0: the rows every library runs),
one column per report, and marks the rows where the columns differ. A cell
is the outcome in short:

    F / R        full handshake / resumed (both sides agree)
    2t 172800    two NewSessionTickets, their lifetime hints (e: empty ticket)
    kdec1 kenc1  the key callback's calls: decrypt returned 1, encrypt 1
    0rtt+ 0rtt-  the client's 0-RTT was accepted / rejected (none: not shown)
    FAIL(s) a80  the server (s), client (c) or both (cs) failed; alert 80 sent by the server
    n/a          not run there (the report's reason is listed under the table)
"""
import json
import sys

ALERTS = {"internal_error": "80", "decode_error": "50", "unexpected_message": "10"}


def parse(text):
    return dict(p.split("=", 1) for p in text.split(" "))


def cell(row):
    if row is None:
        return "-"
    if row["status"] == "n/a" and row.get("observed_text") is None:
        return "n/a"
    o = parse(row["observed_text"])
    hs_c, hs_s = o["hs"].split("/")
    parts = []
    failed = ("c" if hs_c == "fail" else "") + ("s" if hs_s == "fail" else "")
    if failed:
        parts.append(f"FAIL({failed})")
    alert = o["alert"].split("/")[1]
    if alert != "-":
        parts.append("a" + ALERTS.get(alert, alert))
    reused = o["reused"].split("/")[-1]
    parts.append("R" if reused == "1" else "F")
    n = int(o["tickets"])
    if n:
        hints = o["hints"].split(",")
        same = len(set(hints)) == 1
        parts.append(f"{n}t {hints[0] if same else ','.join(hints)}")
    early = o.get("early", "none")
    if early != "none":
        parts.append("0rtt+" if early == "accepted" else "0rtt-")
    log = o["log"]
    if log != "-":
        calls = []
        for e in log.split(","):
            kind, _, ret = e.partition("=")
            calls.append(kind.split(":")[0] + ret)
        parts.append(" ".join(calls))
    return " ".join(parts)


def main(argv):
    if len(argv) < 2 or any("=" not in a for a in argv[1:]):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    cols = []
    for arg in argv[1:]:
        label, path = arg.split("=", 1)
        try:
            rep = json.load(open(path))
        except (OSError, ValueError) as e:
            print(f"ci/libtable.py: {path}: {e}", file=sys.stderr)
            return 1
        cols.append((label, {r["name"]: r for r in rep["rows"]}))
    names = [n for n in cols[0][1] if n.startswith("lib.")]
    print("| row | scenario | " + " | ".join(label for label, _ in cols) + " | differs |")
    print("|---|---|" + "---|" * len(cols) + "---|")
    reasons = {}
    for name in names:
        cells = [cell(rows.get(name)) for _, rows in cols]
        scenario = cols[0][1][name]["scenario"].replace(" cb=0", "").replace("keys=legacy-cb ", "")
        differs = "yes" if len(set(cells)) > 1 else ""
        print(f"| {name[4:]} | `{scenario}` | " + " | ".join(cells) + f" | {differs} |")
        for label, rows in cols:
            r = rows.get(name)
            if r is not None and r["status"] == "n/a" and r.get("observed_text") is None:
                reasons.setdefault(r["why"], []).append(f"{label}: {name[4:]}")
    if reasons:
        print("\nNot run (n/a):\n")
        for why, where in reasons.items():
            print(f"- {', '.join(where)}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
