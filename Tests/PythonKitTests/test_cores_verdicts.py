"""Tests of ci/cores_verdicts.py: a run of a real core agrees with docs/cores.md only when every
published verdict (and declared limitation) is the one measured, and every measured one is
published."""

import io
import json
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "ci"))

import cores_verdicts  # noqa: E402

DOCS = """# Verdicts

| core | backend | scenario | verdict | what |
|---|---|---|---|---|
| q | sqlite | takeover | pass (limitation: lease-safety) | x |
| q | sqlite | attempts | fail | y |
| q | postgres | takeover | pass | z |

| core | backend | op | figure |
|---|---|---|---|
| q | sqlite | lease.acquire_release | 309 / 480 |
"""


def scenario(name, verdict, limited=()):
    checks = [{"name": "lease-safety", "verdict": "pass", "detail": "", "expected_failure": "no fencing" if "lease-safety" in limited else None},
              {"name": "expected-work", "verdict": "fail" if verdict == "fail" else "pass", "detail": "0 of 20"}]
    return {"name": name, "verdict": verdict, "checks": checks}


class CoresVerdictsTests(unittest.TestCase):
    def judge(self, scenarios):
        folder = tempfile.mkdtemp()
        docs, report = os.path.join(folder, "cores.md"), os.path.join(folder, "report.json")
        with open(docs, "w") as f:
            f.write(DOCS)
        with open(report, "w") as f:
            json.dump({"scenarios": scenarios}, f)
        err = io.StringIO()
        with redirect_stderr(err), redirect_stdout(io.StringIO()):
            status = cores_verdicts.main(["x", docs, "q", "sqlite", report])
        return status, err.getvalue()

    def test_a_run_with_every_published_verdict_agrees(self):
        status, err = self.judge([scenario("takeover", "pass", ["lease-safety"]), scenario("attempts", "fail")])
        self.assertEqual((status, err), (0, ""))

    def test_a_changed_verdict_fails_naming_both(self):
        status, err = self.judge([scenario("takeover", "pass", ["lease-safety"]), scenario("attempts", "pass")])
        self.assertEqual(status, 1)
        self.assertIn("q/attempts: published fail, measured pass", err)

    def test_a_limitation_that_no_longer_fails_as_declared_disagrees(self):
        status, err = self.judge([scenario("takeover", "pass"), scenario("attempts", "fail")])
        self.assertIn("q/takeover: published pass (limitation: lease-safety), measured pass", err)

    def test_a_scenario_missing_from_the_run_or_from_the_docs_disagrees(self):
        status, err = self.judge([scenario("takeover", "pass", ["lease-safety"]), scenario("extra", "pass")])
        self.assertEqual(status, 1)
        self.assertIn("q/attempts: published fail, but the run has no such scenario", err)
        self.assertIn("q/extra: measured pass, but docs/cores.md publishes no verdict", err)

    def test_rows_of_other_tables_are_not_verdicts(self):
        self.assertEqual(sorted(cores_verdicts.published_rows(DOCS.splitlines(True), "q", "sqlite")), ["attempts", "takeover"])


if __name__ == "__main__":
    unittest.main()
