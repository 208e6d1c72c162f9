#!/usr/bin/env python3
"""The benchmark harness: nj against other ninja-compatible tools, as ratios.

    python3 bench/run.py [--quick] [--tool NAME=PATH ...] [--runs N]
                         [--only WORKLOAD ...] [--no-memory] [--out DIR]

Every tool does the same work on identical generated trees, in alternating
runs (tool A, tool B, A, B, ...), and each measure is reported as the median
of N runs with its spread, and as a ratio to the first tool after nj.

Tools: nj (./nj, or --nj PATH) and, unless --tool names others, Debian's
ninja (/usr/bin/ninja). --tool NAME=PATH adds one (a ninja built from its
current source, samurai's samu, an older nj); repeat it for more.

Speed workloads (bench/gen_chromium.py, bench/gen_manifest.py):
  chromium-10k, -50k, -115k   gn-shaped trees, one subninja per target,
                              depfiles of 40 headers (--quick: chromium-2k)
  cmake-50k                   CMake-shaped (--quick: cmake-2k)
For each: full build (-j4, from clean), no-op, rebuild after touching one
header, -n of a clean tree, and load (-t targets all). Each measure gives
wall time, the tool's own CPU (children excluded) and its peak RSS.

Memory workloads (bench/memory.py), in a memory cgroup of their own: builds
of memory-test jobs shaped like a C++ project. Each tool's outcome
(finished, failed, OOM-killed), its time, nj's pauses and kills, and the
lower bound no scheduler can beat; and mem-two-builds, two nj builds started
together in one cgroup against the same two one after the other (the shared
budget). --no-memory skips them.

Output: a Markdown table on stdout, bench/results/<date>.md and
bench/results/<date>.svg (time per tool and workload; memory over time for
the memory builds). --quick (CI) takes under two minutes and checks only
that everything runs; timings are never asserted.
"""
import argparse
import datetime
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import chart  # noqa: E402
import measure  # noqa: E402
import memory  # noqa: E402
from gen_chromium import generate as gen_chromium  # noqa: E402


class Tool:
    def __init__(self, name, path):
        self.name, self.path = name, os.path.abspath(path)


def env():
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("NINJA_") and k not in ("NJ_FLAGS", "MAKEFLAGS",
                                                     "MFLAGS", "CLICOLOR_FORCE")}
    e.update(TERM="dumb", LC_ALL="C")
    return e


# ---- trees ------------------------------------------------------------------------

class Tree:
    """A generated tree: sources in base/src (shared by every tool through a
    symlink), manifests copied into a fresh work directory per tool and run,
    so no tool sees another's outputs or logs."""

    def __init__(self, root, name, make):
        self.name = name
        self.base = os.path.join(root, name, "base")
        self.info = make(self.base)
        # everything but src/: the manifests
        self.manifests = [p for p in _walk(self.base) if not p.startswith("src/")]

    def fresh(self, tool):
        w = os.path.join(os.path.dirname(self.base), "w-" + tool.name)
        if os.path.exists(w):
            shutil.rmtree(w)
        os.makedirs(w)
        for rel in self.manifests:
            dst = os.path.join(w, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(os.path.join(self.base, rel), dst)
        os.symlink(os.path.join(self.base, "src"), os.path.join(w, "src"))
        return w


def _walk(top):
    out = []
    for d, dirs, files in os.walk(top):
        rel = os.path.relpath(d, top)
        if rel == "src" or rel.startswith("src" + os.sep):
            dirs[:] = []
            continue
        for f in files:
            out.append(os.path.normpath(os.path.join(rel, f)))
    return out


def chromium(targets):
    return lambda d: gen_chromium(d, targets=targets, headers=40)


def cmake(edges):
    def make(d):
        import subprocess
        subprocess.run([sys.executable, os.path.join(HERE, "gen_manifest.py"),
                        d, "--edges", str(edges), "--headers", "30",
                        "--root", d], check=True, stdout=subprocess.DEVNULL)
        # the first library's first own header, seen by its compiles
        inc = os.path.join(d, "src", "lib0000", "include")
        hdr = None
        for dd, _, files in sorted(os.walk(inc)):
            if files:
                hdr = os.path.relpath(os.path.join(dd, sorted(files)[0]), d)
                break
        return {"edges": edges, "header": hdr}
    return make


SPEED = {
    # name: (maker, quick)
    "chromium-2k": (chromium(35), True),
    "cmake-2k": (cmake(2000), True),
    "chromium-10k": (chromium(175), False),
    "chromium-50k": (chromium(880), False),
    "chromium-115k": (chromium(2000), False),
    "cmake-50k": (cmake(50000), False),
}

MEASURES = ["full", "noop", "touch", "dry", "load"]


def run_speed(tree, tools, runs, results, jobs):
    """results[(workload, measure, tool)] = [measure.Run, ...]"""
    e = env()
    hdr = tree.info.get("header")
    for i in range(runs):
        for t in tools:
            w = tree.fresh(t)
            rec = lambda m, r: results.setdefault((tree.name, m, t.name), []).append(r)
            rec("dry", measure.run([t.path, "-n", "-j", str(jobs)], w, e))
            rec("load", measure.run([t.path, "-t", "targets", "all"], w, e))
            full = measure.run([t.path, "-j", str(jobs)], w, e)
            rec("full", full)
            if not full.ok():
                print("  %s: full build failed (%d): %s" % (t.name, full.status,
                      full.out[-500:]), file=sys.stderr)
                continue
            rec("noop", measure.run([t.path, "-j", str(jobs)], w, e))
            if hdr:
                p = os.path.join(w, hdr)
                os.utime(p)  # now: after this tool's outputs, before the next's
                # src/ is shared: the next tool starts from clean anyway
                rec("touch", measure.run([t.path, "-j", str(jobs)], w, e))
            print("  run %d/%d %s: full %.1fs" % (i + 1, runs, t.name, full.wall),
                  file=sys.stderr, flush=True)


# ---- report -----------------------------------------------------------------------

def fmt_s(x):
    return "%.2f s" % x if x < 10 else "%.1f s" % x


def speed_table(results, workloads, tools):
    ref = tools[1].name if len(tools) > 1 else None
    lines = ["| workload | measure | " + " | ".join(
        "%s wall / own CPU / RSS" % t.name for t in tools) +
        (" | nj/%s wall | CPU | RSS |" % ref if ref else " |"),
        "|---|---|" + "---|" * len(tools) + ("---|---|---|" if ref else "")]
    for wl in workloads:
        for m in MEASURES:
            cells = []
            med = {}
            for t in tools:
                rs = results.get((wl, m, t.name), [])
                if not rs:
                    cells.append("-")
                    continue
                okr = [r for r in rs if r.ok()]
                if not okr:
                    cells.append("failed (%d)" % rs[0].status)
                    continue
                walls = [r.wall for r in okr]
                cpus = [r.cpu for r in okr]
                rss = [r.rss for r in okr]
                med[t.name] = (measure.median(walls), measure.median(cpus),
                               measure.median(rss))
                cells.append("%s ±%d%% / %s / %d MiB" % (
                    fmt_s(med[t.name][0]), round(100 * measure.spread(walls)),
                    fmt_s(med[t.name][1]), med[t.name][2] / 2**20))
            row = "| %s | %s | %s |" % (wl, m, " | ".join(cells))
            if ref:
                a, b = med.get(tools[0].name), med.get(ref)
                if a and b:
                    row += " %s | %s | %s |" % tuple(
                        "%.2f" % (x / y) if y > 0 else "-" for x, y in zip(a, b))
                else:
                    row += " - | - | - |"
            lines.append(row)
    return "\n".join(lines)


def runs_said(speed_runs, mem_runs):
    """How many runs the medians are of: the memory builds run one fewer
    than the speed measures (each takes minutes)."""
    said = []
    if speed_runs:
        said.append("%d run%s" % (speed_runs, "" if speed_runs == 1 else "s"))
    if mem_runs:
        said.append("%d run%s of each memory build" %
                    (mem_runs, "" if mem_runs == 1 else "s"))
    return ", ".join(said) or "0 runs"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="small workloads, one run each (CI)")
    ap.add_argument("--nj", default=os.path.join(REPO, "nj"))
    ap.add_argument("--tool", action="append", default=[],
                    metavar="NAME=PATH", help="another tool to compare")
    ap.add_argument("--runs", type=int, help="runs per measure (default 3; "
                    "1 with --quick)")
    ap.add_argument("--jobs", "-j", type=int, default=4)
    ap.add_argument("--only", action="append", default=[],
                    help="run only the workloads whose names contain this")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--work", help="where trees are generated (default: "
                    "a temporary directory, removed after)")
    ap.add_argument("--out", default=os.path.join(HERE, "results"),
                    help="where <date>.md and <date>.svg go ('' for none)")
    a = ap.parse_args()

    tools = [Tool("nj", a.nj)]
    for spec in a.tool:
        name, _, path = spec.partition("=")
        if not path:
            ap.error("--tool takes NAME=PATH")
        tools.append(Tool(name, path))
    if len(tools) == 1:
        tools.append(Tool("ninja", shutil.which("ninja") or "/usr/bin/ninja"))
    for t in tools:
        if not os.access(t.path, os.X_OK):
            ap.error("%s: %s is not an executable" % (t.name, t.path))
    runs = a.runs or (1 if a.quick else 3)

    work = a.work or tempfile.mkdtemp(prefix="nj-bench-")
    os.makedirs(work, exist_ok=True)
    # Run copies: a rebuild of a tool during a long run must not change
    # what is measured half-way.
    os.makedirs(os.path.join(work, "bin"), exist_ok=True)
    for t in tools:
        t.shown = t.path
        copy = os.path.join(work, "bin", t.name)
        shutil.copy2(t.path, copy)
        t.path = copy
    results = {}
    speed = [n for n, (_, q) in SPEED.items() if q == a.quick and
             (not a.only or any(o in n for o in a.only))]
    mem_names = [n for n in memory.WORKLOADS if
                 (not a.only or any(o in n for o in a.only))]
    if a.no_memory:
        mem_names = []
    try:
        for name in speed:
            print("== %s: generating" % name, file=sys.stderr, flush=True)
            tree = Tree(work, name, SPEED[name][0])
            print("== %s: %d edges, %d runs" % (name, tree.info["edges"], runs),
                  file=sys.stderr, flush=True)
            run_speed(tree, tools, runs, results, a.jobs)
            shutil.rmtree(os.path.dirname(tree.base), True)
        mem_runs = 1 if a.quick else max(1, runs - 1)
        mem_results = memory.run_all(mem_names, tools, work, a.quick,
                                     runs=mem_runs, keep=a.out)
    finally:
        if not a.work:
            shutil.rmtree(work, True)

    date = datetime.date.today().isoformat()
    host = "%d cores, %.0f GiB" % (os.cpu_count(),
                                   os.sysconf("SC_PAGE_SIZE") *
                                   os.sysconf("SC_PHYS_PAGES") / 2**30)
    head = ["# nj benchmark, %s%s" % (date, " (--quick)" if a.quick else ""),
            "",
            "`python3 bench/run.py %s` on %s. Tools: %s. Medians of %s "
            "(± half the range); ratio = nj / %s, below 1 is nj ahead. "
            "Own CPU excludes children; RSS is the tool's peak." % (
                " ".join(sys.argv[1:]), host,
                ", ".join("%s (`%s`)" % (t.name, t.shown) for t in tools),
                runs_said(runs if speed else 0,
                          mem_runs if mem_names else 0),
                tools[1].name), ""]
    body = []
    if speed:
        body += ["## Speed", "", speed_table(results, speed, tools), ""]
    if mem_names:
        body += ["## Memory builds", "", memory.table(mem_results, tools), ""]
    text = "\n".join(head + body)
    print(text)
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        stem = os.path.join(a.out, date + ("-quick" if a.quick else ""))
        svg = chart.svg(results, speed, MEASURES, tools, mem_results)
        with open(stem + ".svg", "w") as f:
            f.write(svg)
        with open(stem + ".md", "w") as f:
            f.write(text + "\n![chart](%s)\n" % os.path.basename(stem + ".svg"))
        print("\nwritten: %s.md, %s.svg" % (stem, stem), file=sys.stderr)
    failed = [k for k, rs in results.items() if any(not r.ok() for r in rs)
              and k[2] == "nj"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
