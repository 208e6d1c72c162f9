#!/usr/bin/env python3
"""The README's picture: one of the harness's memory builds (bench/memory.py)
built once by nj in a memory cgroup of the workload's size, then
`nj -t timeline` drawn by headless Chromium.

    python3 bench/picture.py [--workload mem-mixed] [--second]
                             [--out docs/timeline.png] [--html FILE]

--second builds twice and draws the second build (with .nj_history). Needs
root (or a delegated cgroup), ./nj and build/memhog (./nj all), and
chromium. Takes about a minute; it is a real build, not a benchmark run.
"""
import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))

import memory  # noqa: E402
import png  # noqa: E402


def scenarios():
    spec = importlib.util.spec_from_file_location(
        "nj_scenarios", os.path.join(REPO, "tests", "scenarios", "run.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workload", default="mem-mixed",
                    choices=sorted(memory.WORKLOADS))
    ap.add_argument("--second", action="store_true")
    ap.add_argument("--out", default=os.path.join(REPO, "docs",
                                                  "timeline.png"))
    ap.add_argument("--html")
    a = ap.parse_args()
    nj = os.path.join(REPO, "nj")
    scen = scenarios()
    jobs, limit = memory.WORKLOADS[a.workload][0]()
    d = tempfile.mkdtemp(prefix="nj-picture-")
    try:
        with open(os.path.join(d, "build.ninja"), "w") as f:
            f.write(memory.manifest(jobs))
        env = dict(os.environ, TERM="dumb", LC_ALL="C")
        for k in ("NJ_FLAGS", "MAKEFLAGS", "NINJA_STATUS"):
            env.pop(k, None)
        for n in range(2 if a.second else 1):
            for j in jobs:
                try:
                    os.unlink(os.path.join(d, j.out))
                except OSError:
                    pass
            cg = scen.Cgroup(limit)
            try:
                r = subprocess.run(cg.command([nj, "-j4"]), cwd=d, env=env,
                                   capture_output=True, text=True)
            finally:
                cg.remove()
            sys.stdout.write(r.stdout[-3000:])
            if r.returncode:
                sys.stderr.write(r.stderr[-3000:])
                return 1
        html = subprocess.run([nj, "-t", "timeline"], cwd=d, check=True,
                              capture_output=True, text=True).stdout
        path = a.html or os.path.join(d, "timeline.html")
        with open(path, "w") as f:
            f.write(html)
        import re
        svg = re.search(r"<svg [^>]*>", html).group(0)
        w = int(re.search(r' width="(\d+)"', svg).group(1))
        h = int(re.search(r' height="(\d+)"', svg).group(1))
        data, why = png.screenshot(path, w, h)
        if data is None:
            print("no picture: " + why, file=sys.stderr)
            return 1
        with open(a.out, "wb") as f:
            f.write(data)
        print("wrote %s (%dx%d)" % (a.out, w, h))
        return 0
    finally:
        shutil.rmtree(d, True)


if __name__ == "__main__":
    sys.exit(main())
