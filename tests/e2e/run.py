#!/usr/bin/env python3
"""Run nj's end-to-end tests.

    NJ=/path/to/nj python3 tests/e2e/run.py [-j N] [-v] [FILTER...]

FILTER selects tests whose id (e.g. test_dirty.Dirty.test_newer_input)
contains it. The last line of output is exactly `N passed, N failed`, with
`, N skipped` appended when some were skipped; exit status 0 only if none
failed.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def collect(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from collect(t)
        else:
            yield t


def load(modules, filters):
    loader = unittest.TestLoader()
    tests = []
    for m in modules:
        suite = loader.loadTestsFromName(m)
        for t in collect(suite):
            tid = t.id()
            if not filters or any(f in tid for f in filters):
                tests.append(t)
    return tests


class Result(unittest.TestResult):
    def __init__(self, verbose, stream):
        super().__init__()
        self.verbose = verbose
        self.stream = stream
        self.records = []  # (id, status, detail)
        self._t0 = 0

    def startTest(self, test):
        super().startTest(test)
        self._t0 = time.time()

    def _rec(self, test, status, detail=""):
        dt = time.time() - self._t0
        self.records.append((test.id(), status, detail))
        if self.verbose or status in ("FAIL", "ERROR"):
            line = "%-5s %s (%.1fs)" % (status, test.id(), dt)
            if status == "SKIP":
                line += ": " + detail
            print(line, file=self.stream, flush=True)
            if status in ("FAIL", "ERROR"):
                print(detail, file=self.stream, flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._rec(test, "ok")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._rec(test, "FAIL", self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._rec(test, "ERROR", self._exc_info_to_string(err, test))

    def addSubTest(self, test, subtest, err):
        # A failed subTest fails its test, which then reports no outcome of
        # its own: without this it was counted neither passed nor failed.
        super().addSubTest(test, subtest, err)
        if err is not None:
            status = ("FAIL" if issubclass(err[0], test.failureException)
                      else "ERROR")
            self._rec(test, status, "%s\n%s" % (
                subtest.id(), self._exc_info_to_string(err, test)))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._rec(test, "SKIP", reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._rec(test, "ok")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._rec(test, "FAIL", "unexpected success")


def run_tests(modules, filters, verbose):
    tests = load(modules, filters)
    res = Result(verbose, sys.stdout)
    for t in tests:
        t(res)
    return res.records


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-j", type=int, default=1, help="test files run in parallel")
    ap.add_argument("-v", action="store_true", help="print every test")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("filters", nargs="*")
    a = ap.parse_args()

    if a.child:
        recs = run_tests([a.child], a.filters, a.v)
        sys.stdout.flush()
        print("@@RESULTS@@" + json.dumps(recs))
        return 0

    modules = sorted(f[:-3] for f in os.listdir(HERE)
                     if f.startswith("test_") and f.endswith(".py"))
    import harness
    print("e2e: NJ=%s%s" % (harness.NJ, " (ninja)" if harness.IS_NINJA else ""),
          flush=True)
    if not os.access(harness.NJ, os.X_OK):
        n = len(load(modules, a.filters))
        print("e2e: binary %s not found or not executable (build it, or set NJ=...)"
              % harness.NJ)
        print("0 passed, %d failed" % n, flush=True)
        return 1

    if a.j <= 1:
        records = run_tests(modules, a.filters, a.v)
    else:
        def child(m):
            cmd = [sys.executable, os.path.abspath(__file__), "--child", m]
            if a.v:
                cmd.append("-v")
            cmd += a.filters
            p = subprocess.run(cmd, capture_output=True, text=True)
            out = p.stdout
            recs = []
            if "@@RESULTS@@" in out:
                out, js = out.rsplit("@@RESULTS@@", 1)
                recs = [tuple(r) for r in json.loads(js)]
            else:
                recs = [(m, "ERROR", "test module crashed:\n" + p.stderr)]
            return out, p.stderr, recs
        records = []
        with ThreadPoolExecutor(a.j) as ex:
            for out, err, recs in ex.map(child, modules):
                sys.stdout.write(out)
                if err.strip() and not recs:
                    sys.stdout.write(err)
                records += recs

    passed = sum(1 for r in records if r[1] == "ok")
    failed = sum(1 for r in records if r[1] in ("FAIL", "ERROR"))
    skipped = sum(1 for r in records if r[1] == "SKIP")
    if failed:
        print("failed tests:")
        for r in records:
            if r[1] in ("FAIL", "ERROR"):
                print("  " + r[0])
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line, flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
