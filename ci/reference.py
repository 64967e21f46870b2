#!/usr/bin/env python3
"""ci/reference.py REPORT.json OUT.json - keep a conformance run as a reference.

Writes the part of a `ticketlab conformance --format json` report that
`--compare` and the "unexplained" section read: the release, the OpenSSL
version string and, per row, its name, status and observed outcome. No
timings and no ticketlab version, so the file changes only when OpenSSL's
behaviour (or the table) does. ci/matrix.sh writes one per release into
conformance/reference/<release>.json; commit them when they change.
"""
import json
import os
import sys


def main(argv):
    if len(argv) != 3:
        print("usage: ci/reference.py REPORT.json OUT.json", file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            report = json.load(f)
        keep = {
            "release": report["release"],
            "openssl": report["openssl"],
            "rows": [{"name": r["name"], "status": r["status"], "observed_text": r["observed_text"]}
                     for r in report["rows"]],
        }
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"ci/reference.py: {argv[1]}: not a conformance JSON report ({e})", file=sys.stderr)
        return 1
    tmp = argv[2] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write('{"release": %s, "openssl": %s,\n "rows": [\n' % (json.dumps(keep["release"]),
                                                              json.dumps(keep["openssl"])))
        f.write(",\n".join("  " + json.dumps(r) for r in keep["rows"]))
        f.write("\n ]}\n")
    os.replace(tmp, argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
