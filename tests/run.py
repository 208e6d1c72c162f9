#!/usr/bin/env python3
"""Build nj and run every test: the README's test command.

    python3 tests/run.py [--no-asan] [--fuzz-seconds N]

Steps, each counted in the summary:
  build      ./configure.py --bootstrap (when ./nj is missing), ./configure.py,
             ./nj all (release nj, ASan+UBSan nj, unit tests)
  re2c       the committed lexer/*.c match what re2c generates from *.re
  unit       googletest (tests/unit), under ASan+UBSan
  e2e        tests/e2e with the release nj, then with the sanitizer nj
  scenarios  tests/scenarios/*.py, when there are any
  compat     tests/compat: real CMake (C, C++, Fortran), Meson and make
             projects built with nj, nj and Debian's ninja taking turns
  install    tests/install: ./configure.py --prefix --ninja-symlink and
             ./nj install on a copy of the tree: the installed files, the man
             page (man -l), the bash and zsh completions, nj called as ninja
  wrappers   tests/wrappers: distcc, ccache and icecream as compiler
             launchers, with CMake and a hand-written manifest
  fuzz       each libFuzzer target in tests/fuzz for a few seconds
  bench      python3 bench/run.py --quick: the benchmark harness runs (no
             timing is checked)

The last line is `N passed, N failed` (`, N skipped` when some were skipped);
the exit status is 0 only when nothing failed.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
totals = {"passed": 0, "failed": 0, "skipped": 0}
failures = []


def count(step, passed=0, failed=0, skipped=0):
    totals["passed"] += passed
    totals["failed"] += failed
    totals["skipped"] += skipped
    if failed:
        failures.append(step)
    print("== %s: %d passed, %d failed%s" % (
        step, passed, failed, ", %d skipped" % skipped if skipped else ""),
        flush=True)


def run(cmd, **kw):
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, **kw)


def step_build():
    ok = True
    if not os.path.exists(os.path.join(ROOT, "nj")):
        ok = run([sys.executable, "configure.py", "--bootstrap"]).returncode == 0
    if ok:
        ok = run([sys.executable, "configure.py"]).returncode == 0
    if ok:
        ok = run(["./nj", "all"]).returncode == 0
    count("build", passed=int(ok), failed=int(not ok))
    return ok


def step_re2c():
    re2c = shutil.which("re2c")
    sources = sorted(glob.glob(os.path.join(ROOT, "lexer", "*.re")))
    if not re2c:
        print("re2c not installed: cannot check the generated lexers")
        count("re2c", skipped=len(sources))
        return
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for src in sources:
            rel = os.path.relpath(src, ROOT)
            gen = rel[:-3] + ".c"
            # Generate under the same relative name so #line paths match.
            out = os.path.join(tmp, gen)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            shutil.copy(src, os.path.join(tmp, rel))
            r = subprocess.run([re2c, "-W", "--no-generation-date",
                                "--no-version", "-o", gen, rel], cwd=tmp,
                               capture_output=True, text=True)
            same = r.returncode == 0 and open(out).read() == \
                open(os.path.join(ROOT, gen)).read()
            if same:
                passed += 1
            else:
                failed += 1
                print("%s does not match re2c's output for %s%s" %
                      (gen, rel, ": " + r.stderr if r.returncode else ""))
    count("re2c", passed, failed)


def step_unit():
    exe = os.path.join(ROOT, "build", "asan", "unit_tests")
    r = run([exe], capture_output=True, text=True)
    out = r.stdout + r.stderr
    sys.stdout.write("\n".join(l for l in out.splitlines()
                               if l.startswith(("[  FAILED", "[  SKIPPED",
                                                "[==========]"))) + "\n")
    # A failed test's own lines (its assertions), not only its name.
    for m in re.finditer(r"^\[ RUN      \] (\S+)\n(.*?)^\[  FAILED  \] \1 \(",
                         out, re.M | re.S):
        sys.stdout.write("-- %s\n%s" % (m.group(1), m.group(2)[-4000:]))
    def num(pat):
        m = re.search(pat, out)
        return int(m.group(1)) if m else 0
    passed = num(r"\[  PASSED  \] (\d+) test")
    failed = num(r"\[  FAILED  \] (\d+) test")
    skipped = num(r"\[  SKIPPED \] (\d+) test")
    if r.returncode != 0 and not failed:
        print(out[-4000:])
        failed = 1
    count("unit", passed, failed, skipped)


def parse_summary(text):
    m = re.search(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$", text,
                  re.M)
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def step_python_suite(name, script, nj):
    env = dict(os.environ, NJ=nj)
    r = run([sys.executable, script, "-j", "2"], env=env, capture_output=True,
            text=True)
    out = r.stdout + r.stderr
    res = parse_summary(out)
    if res is None:
        print(out[-4000:])
        count(name, failed=1)
        return
    if res[1]:
        # the failing tests' details, not the whole log
        print(out[-12000:])
    count(name, *res)


def step_scenarios():
    scripts = sorted(glob.glob(os.path.join(ROOT, "tests", "scenarios",
                                            "run.py")))
    for s in scripts:
        step_python_suite("scenarios", s, os.path.join(ROOT, "nj"))


def fuzz_sources(target):
    """What a target links, from its `FUZZ:` line: component folders (every
    .c in them), single .c files and -l libraries. Without one: base,
    lexer and graph."""
    parts = ["base", "lexer", "graph"]
    with open(target) as f:
        for line in f:
            m = re.match(r"\s*\*?\s*FUZZ:\s*(.*)", line)
            if m:
                parts = m.group(1).split()
                break
    srcs, libs = [], []
    for p in parts:
        if p.startswith("-l"):
            libs.append(p)
        elif p.endswith(".c"):
            srcs.append(os.path.join(ROOT, p))
        else:
            srcs += sorted(glob.glob(os.path.join(ROOT, p, "*.c")))
    return srcs, libs


def step_fuzz(seconds):
    """Each target for `seconds`, under ASan+UBSan, from a copy of its seed
    corpus (tests/fuzz/corpus/NAME), so the repository's seeds stay as
    they are; every seed is run first, so each crash kept there as a
    regression test is run every time."""
    targets = sorted(glob.glob(os.path.join(ROOT, "tests", "fuzz", "*_fuzz.c")))
    clang = shutil.which("clang")
    if not clang:
        print("clang not installed: fuzz targets not run")
        count("fuzz", skipped=len(targets))
        return
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for t in targets:
            name = os.path.basename(t)[:-len("_fuzz.c")]
            exe = os.path.join(tmp, name + "_fuzz")
            srcs, libs = fuzz_sources(t)
            r = run([clang, "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-g",
                     "-O1", "-I" + ROOT,
                     "-fsanitize=fuzzer,address,undefined",
                     "-fno-sanitize-recover=all", t] + srcs + libs +
                    ["-o", exe])
            if r.returncode == 0:
                corpus = os.path.join(tmp, name + "_corpus")
                seeds = os.path.join(ROOT, "tests", "fuzz", "corpus", name)
                if os.path.isdir(seeds):
                    shutil.copytree(seeds, corpus)
                else:
                    os.makedirs(corpus)
                # The targets' scratch directories go under tmp, which
                # is removed with everything in it.
                r = run([exe, "-max_total_time=%d" % seconds,
                         "-rss_limit_mb=2048", "-max_len=65536", corpus],
                        capture_output=True, text=True,
                        env=dict(os.environ, TMPDIR=tmp))
                if r.returncode != 0:
                    print(r.stderr[-4000:])
            if r.returncode == 0:
                passed += 1
            else:
                failed += 1
    count("fuzz", passed, failed)


def step_bench():
    """bench/run.py --quick: the harness runs end to end (every workload,
    nj and Debian's ninja). Timings are never checked, only that it ran and
    reported every tool."""
    r = run([sys.executable, os.path.join(ROOT, "bench", "run.py"), "--quick",
             "--out", ""], capture_output=True, text=True)
    out = r.stdout + r.stderr
    ok = r.returncode == 0 and "| chromium-2k | full |" in out and \
        "## Memory builds" in out
    if not ok:
        print(out[-6000:])
    count("bench", passed=int(ok), failed=int(not ok))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-asan", action="store_true",
                    help="skip the e2e run of the sanitizer build")
    ap.add_argument("--fuzz-seconds", type=int, default=15)
    args = ap.parse_args()
    if step_build():
        step_re2c()
        step_unit()
        step_python_suite("e2e", os.path.join(ROOT, "tests", "e2e", "run.py"),
                          os.path.join(ROOT, "nj"))
        if not args.no_asan:
            step_python_suite("e2e-asan",
                              os.path.join(ROOT, "tests", "e2e", "run.py"),
                              os.path.join(ROOT, "build", "asan", "nj"))
        step_scenarios()
        step_python_suite("compat",
                          os.path.join(ROOT, "tests", "compat", "run.py"),
                          os.path.join(ROOT, "nj"))
        step_python_suite("install",
                          os.path.join(ROOT, "tests", "install", "run.py"),
                          os.path.join(ROOT, "nj"))
        step_python_suite("wrappers",
                          os.path.join(ROOT, "tests", "wrappers", "run.py"),
                          os.path.join(ROOT, "nj"))
        step_fuzz(args.fuzz_seconds)
        step_bench()
    if failures:
        print("failed steps: " + ", ".join(failures))
    line = "%d passed, %d failed" % (totals["passed"], totals["failed"])
    if totals["skipped"]:
        line += ", %d skipped" % totals["skipped"]
    print(line)
    sys.exit(1 if totals["failed"] else 0)


if __name__ == "__main__":
    main()
