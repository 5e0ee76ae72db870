#!/usr/bin/env python3
"""Checks a run of a real core against the verdicts docs/cores.md publishes for it.

    cores_verdicts.py DOCS CORE BACKEND REPORT_JSON

The rows of DOCS's verdict tables (headed `| core | backend | scenario | verdict | ... |`), the
verdict `pass`, `fail`, `unknown`, `not-applicable`, or `pass (limitation: CHECK, ...)` (the
scenario passed and each named check failed as its limitations.yaml entry declares). Every
published row of CORE on BACKEND must be in the run with that verdict, and every scenario of
the run must be published: a library upgrade that changes a verdict fails here instead of
leaving a stale document. Exit 0 when they agree, 1 with one line per disagreement, 2 on bad
input. Standard library only.
"""

import json
import re
import sys

VERDICTS = {"pass", "fail", "unknown", "not-applicable"}
LIMITATION = re.compile(r"^pass \(limitations?: ([a-z0-9, -]+)\)$")


def published(docs_path, core, backend):
    """{scenario: (verdict, [limited checks])} of the rows of `core` on `backend`."""
    with open(docs_path, encoding="utf-8") as docs:
        return published_rows(docs, core, backend, docs_path)


def published_rows(lines, core, backend, docs_path="docs"):
    rows = {}
    in_verdicts = False
    for number, line in enumerate(lines, 1):
        if not line.startswith("|"):
            in_verdicts = False
            continue
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        # Only the rows of a table headed | core | backend | scenario | verdict | ...
        if cells[:4] == ["core", "backend", "scenario", "verdict"]:
            in_verdicts = True
            continue
        if not in_verdicts or len(cells) < 4 or cells[0] != core or cells[1] != backend:
            continue
        scenario, verdict = cells[2], cells[3]
        match = LIMITATION.match(verdict)
        if match:
            rows[scenario] = ("pass", sorted(c.strip() for c in match.group(1).split(",")))
        elif verdict in VERDICTS:
            rows[scenario] = (verdict, [])
        else:
            print("%s:%d: verdict %r of %s/%s is none of %s or 'pass (limitation: CHECK)'; fix the row"
                  % (docs_path, number, verdict, core, scenario, ", ".join(sorted(VERDICTS))), file=sys.stderr)
            sys.exit(2)
    return rows


def measured(report_path):
    with open(report_path, encoding="utf-8") as handle:
        report = json.load(handle)
    out = {}
    for scenario in report["scenarios"]:
        limited = sorted(c["name"] for c in scenario["checks"] if c.get("expected_failure") and c["verdict"] == "pass")
        out[scenario["name"]] = (scenario["verdict"], limited, scenario)
    return out


def describe(verdict, limited):
    return verdict if not limited else "%s (limitation: %s)" % (verdict, ", ".join(limited))


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    docs_path, core, backend, report_path = argv[1:]
    expected = published(docs_path, core, backend)
    if not expected:
        print("%s publishes no verdict of %s on %s; add its rows (| %s | %s | scenario | verdict | ... |)"
              % (docs_path, core, backend, core, backend), file=sys.stderr)
        return 1
    got = measured(report_path)
    problems = []
    for name, (verdict, limited) in sorted(expected.items()):
        if name not in got:
            problems.append("%s/%s: published %s, but the run has no such scenario; run it (suite.txt) or remove the row"
                            % (core, name, describe(verdict, limited)))
            continue
        verdict_now, limited_now, scenario = got[name]
        if (verdict_now, limited_now) != (verdict, limited):
            failing = [c["name"] + ": " + c["detail"] for c in scenario["checks"] if c["verdict"] != "pass"]
            problems.append("%s/%s: published %s, measured %s%s" % (
                core, name, describe(verdict, limited), describe(verdict_now, limited_now),
                (" (" + "; ".join(failing)[:600] + ")") if failing else ""))
    for name in sorted(set(got) - set(expected)):
        problems.append("%s/%s: measured %s, but docs/cores.md publishes no verdict; add the row"
                        % (core, name, describe(got[name][0], got[name][1])))
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print("%s on %s: %d verdict(s) as published in %s" % (core, backend, len(expected), docs_path))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
