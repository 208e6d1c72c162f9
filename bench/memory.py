"""Memory builds for bench/run.py: memory-test jobs (build/memhog) shaped
like a C++ project, run in a memory cgroup made for each run.

Each workload is a manifest of compiles and links with known peaks and
growth. For every tool it runs:
  - the tool at -j4 as a user would (ninja: usually OOM-killed);
  - for tools other than nj, the same with each link-pool depth, which is
    what a person who hand-tunes ninja does; the best depth that survives
    is the anchor the ratios use;
  - nj's first build (no .nj_history) and its second (history kept,
    outputs removed).
It reports the outcome (ok, failed, OOM-killed), the wall time, kernel OOM
kills, nj's pauses and kills, the cgroup's peak, and the lower bound: the
largest of the critical path, the memory-seconds over capacity, and the
job-seconds over -j, from the job durations of nj's second build's
.ninja_log and the jobs' peaks.
"""
import os
import re
import shutil
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

import measure  # noqa: E402

M = 1 << 20
G = 1 << 30
MEMHOG = os.path.join(REPO, "build", "memhog")


def hog(size, step, step_ms, hold_ms):
    return "%s %d --step %d --step-ms %d --hold-ms %d" % (
        MEMHOG, size, step, step_ms, hold_ms)


class Job:
    def __init__(self, out, rule, size, grow_ms, hold_ms, ins=(),
                 out_bytes=None):
        self.out, self.rule, self.size = out, rule, size
        self.grow_ms, self.hold_ms, self.ins = grow_ms, hold_ms, list(ins)
        self.out_bytes = out_bytes  # the output's size (a sparse file)

    def command(self):
        steps = max(1, self.grow_ms // 100)
        return hog(self.size, max(1, self.size // steps), 100, self.hold_ms)


def equal_links():
    """7 links of 2.5 to 3 GiB, all ready together after a core library."""
    jobs = [Job("core%d.o" % i, "cc", 300 * M, 1000, 1000) for i in range(6)]
    jobs.append(Job("libcore.a", "ar", 100 * M, 200, 300,
                    [j.out for j in jobs]))
    for i in range(7):
        size = int((2.5 + 0.5 * i / 6) * G)
        jobs.append(Job("app%d" % i, "link", size, 4000, 4000, ["libcore.a"]))
    return jobs, 6 * G


def mixed_links():
    """10 links of 0.7 GiB and 3 of 3.6 GiB, with compiles of 300 MiB."""
    jobs = []
    for i in range(12):
        jobs.append(Job("obj%d.o" % i, "cc", 300 * M, 1000, 1500))
    objs = [j.out for j in jobs]
    for i in range(10):
        jobs.append(Job("small%d" % i, "link", int(0.7 * G), 1500, 2500,
                        objs[i:i + 2]))
    for i in range(3):
        jobs.append(Job("big%d" % i, "link", int(3.6 * G), 6000, 6000,
                        objs[4 * i:4 * i + 4]))
    return jobs, 6 * G


def phased_links():
    """No static depth is both safe and fast: first 12 small links of
    0.45 GiB that could run 8 at once, then 4 large links of 2.4 GiB of
    which only 2 fit together. A link pool of depth 2 is safe and slow in
    the first phase; a depth that is fast there is OOM-killed in the second."""
    jobs = [Job("obj%d.o" % i, "cc", 200 * M, 800, 400) for i in range(4)]
    objs = [j.out for j in jobs]
    for i in range(12):
        jobs.append(Job("tool%d" % i, "link", int(0.45 * G), 1500, 1500,
                        objs[i % 4:i % 4 + 1]))
    tools = ["tool%d" % i for i in range(12)]
    for i in range(4):
        jobs.append(Job("app%d" % i, "link", int(2.4 * G), 3000, 3000,
                        tools[3 * i:3 * i + 3]))
    return jobs, 6 * G


def sized_links():
    """Links whose memory grows with what they link, as a linker's does:
    0.4 GiB per MiB of objects. 8 links of 2 MiB (0.8 GiB) and 3 of 8 MiB
    (3.2 GiB), one rule, after compiles of 300 MiB that write objects of 1
    and 4 MiB. Only one large link fits beside the others."""
    per = int(0.4 * G) // M  # bytes of link memory per byte of input
    small = [Job("s%d.o" % i, "cc", 300 * M, 1000, 1000, out_bytes=M)
             for i in range(8)]
    large = [Job("b%d.o" % i, "cc", 300 * M, 1000, 1000, out_bytes=4 * M)
             for i in range(6)]
    jobs = small + large
    for i in range(8):
        ins = [small[i], small[(i + 1) % 8]]
        jobs.append(Job("tool%d" % i, "link",
                        per * sum(j.out_bytes for j in ins), 1500, 2500,
                        [j.out for j in ins]))
    for i in range(3):
        ins = large[2 * i:2 * i + 2]
        jobs.append(Job("app%d" % i, "link",
                        per * sum(j.out_bytes for j in ins), 5000, 5000,
                        [j.out for j in ins]))
    return jobs, 6 * G


def quick_links():
    """A small version for --quick: 3 links of 600M beside compiles, 1.25G."""
    jobs = [Job("obj%d.o" % i, "cc", 100 * M, 300, 200) for i in range(4)]
    for i in range(3):
        jobs.append(Job("bin%d" % i, "link", 600 * M, 600, 400,
                        [j.out for j in jobs[:4]]))
    return jobs, 1280 * M


DEPTHS = (1, 2, 3, 4)  # at -j4 a deeper pool is no pool

WORKLOADS = {
    "mem-equal-links": (equal_links, False),
    "mem-mixed": (mixed_links, False),
    "mem-phases": (phased_links, False),
    "mem-sized": (sized_links, False),
    "mem-quick": (quick_links, True),
    # Two copies of mem-mixed started together in one cgroup (issue 15):
    # nj only, against the same builds one after the other.
    "mem-two-builds": (mixed_links, False),
}
TWO = "mem-two-builds"


def manifest(jobs, depth=None):
    m = []
    if depth:
        m.append("pool link_pool\n  depth = %d\n" % depth)
    sized = {j.rule for j in jobs if j.out_bytes is not None}
    for rule in sorted({j.rule for j in jobs}):
        write = ("truncate -s $bytes $out" if rule in sized
                 else "echo $out > $out")
        m.append("rule %s\n  command = $cmd && %s\n"
                 "  description = %s $out\n" % (rule, write, rule.upper()))
        if rule == "link" and depth:
            m.append("  pool = link_pool\n")
    for j in jobs:
        m.append("build %s: %s %s\n  cmd = %s\n" % (
            j.out, j.rule, " ".join(j.ins), j.command()))
        if j.out_bytes is not None:
            m.append("  bytes = %d\n" % j.out_bytes)
    return "".join(m)


def lower_bound(jobs, durations, capacity, slots):
    """Seconds no scheduler can beat: (bound, critical path, memory-seconds
    over capacity, job-seconds over slots)."""
    by = {j.out: j for j in jobs}
    finish = {}

    def f(o):
        if o not in finish:
            j = by[o]
            finish[o] = durations[o] + max([f(i) for i in j.ins if i in by] or [0])
        return finish[o]
    cp = max(f(j.out) for j in jobs)
    memsec = sum(j.size * durations[j.out] for j in jobs) / capacity
    jobsec = sum(durations.values()) / slots
    return max(cp, memsec, jobsec), cp, memsec, jobsec


def durations_from_log(d):
    """output -> seconds, from .ninja_log (start and end in ms)."""
    out = {}
    with open(os.path.join(d, ".ninja_log")) as f:
        for line in f:
            if line.startswith("#"):
                continue
            p = line.rstrip("\n").split("\t")
            if len(p) >= 4:
                out[p[3]] = (int(p[1]) - int(p[0])) / 1000.0
    return out


class Outcome:
    def __init__(self, label, run, oom, peak, samples, kills, pauses):
        self.label, self.run, self.oom, self.peak = label, run, oom, peak
        self.samples, self.kills, self.pauses = samples, kills, pauses

    def state(self):
        if self.oom:
            return "OOM-killed" if not self.run.ok() else "ok, %d kernel kills" % self.oom
        return "ok" if self.run.ok() else "failed"

    def good(self):
        return self.run.ok() and not self.oom


def _sample(cg, samples, stop, t0):
    name = "memory.usage_in_bytes" if cg.version == 1 else "memory.current"
    path = os.path.join(cg.path, name)
    while not stop.is_set():
        try:
            with open(path) as f:
                samples.append((time.monotonic() - t0, int(f.read())))
        except (OSError, ValueError):
            pass
        stop.wait(0.1)


def run_one(scen, label, tool, args, d, limit):
    cg = scen.Cgroup(limit)
    try:
        samples, stop = [], threading.Event()
        t0 = time.monotonic()
        th = threading.Thread(target=_sample, args=(cg, samples, stop, t0))
        th.start()
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("NINJA_") and k not in ("NJ_FLAGS", "MAKEFLAGS")}
        e.update(TERM="dumb", LC_ALL="C")
        r = measure.run(cg.command([tool.path] + args), d, e, timeout=600)
        stop.set()
        th.join()
        text = r.out
        kills = len(re.findall(r"^nj: memory: (?:stopped|the kernel)", text, re.M))
        # the count line: "ninja: memory: 2 jobs waited for memory, 1 pause"
        # (only the counts that are not 0); the lines after it name jobs
        ps = re.findall(r"^ninja: memory: (?:\d+ jobs? waited for memory, )?"
                        r"(\d+) pauses?\b", text, re.M)
        pauses = int(ps[-1]) if ps else 0
        o = Outcome(label, r, cg.new_oom_kills(), cg.max_usage(), samples,
                    kills, pauses)
    finally:
        cg.remove()
    print("  %s %s: %s in %.1fs" % (tool.name, label, o.state(), r.wall),
          file=sys.stderr, flush=True)
    return o


def run_together(scen, tool, args, dirs, limit):
    """The tool in each of dirs at once, in one cgroup: an Outcome whose
    run is the last to finish (wall: until both are done), status the
    first failure's."""
    cg = scen.Cgroup(limit)
    try:
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("NINJA_") and k not in ("NJ_FLAGS", "MAKEFLAGS")}
        e.update(TERM="dumb", LC_ALL="C")
        rs = [None] * len(dirs)

        def one(i):
            rs[i] = measure.run(cg.command([tool.path] + args), dirs[i], e,
                                timeout=900)
        ths = [threading.Thread(target=one, args=(i,)) for i in range(len(dirs))]
        for t in ths:
            t.start()
        for t in ths:
            t.join()
        text = "\n".join(r.out for r in rs)
        kills = len(re.findall(r"^nj: memory: (?:stopped|the kernel)", text, re.M))
        pauses = sum(int(x) for x in
                     re.findall(r"^ninja: memory: (?:\d+ jobs? waited for memory, )?"
                                r"(\d+) pauses?\b", text, re.M))
        last = max(rs, key=lambda r: r.wall)
        bad = [r for r in rs if not r.ok()]
        run = bad[0] if bad else last
        run.wall = last.wall
        o = Outcome("together", run, cg.new_oom_kills(), cg.max_usage(), [],
                    kills, pauses)
        o.walls = [r.wall for r in rs]
    finally:
        cg.remove()
    print("  %s x%d together %s: %s in %.1fs" % (
        tool.name, len(dirs), " ".join(args), o.state(), o.run.wall),
        file=sys.stderr, flush=True)
    return o


def run_two_builds(scen, tool, jobs, limit, work, keep=None):
    """nj alone (1st and 2nd build), then two at once: 1st builds, 2nd
    builds, and 1st builds with --mem-share=off. keep: as run_all's, for
    the second builds."""
    outs = {}
    base = os.path.join(work, TWO)

    def fresh(*names):
        ds = []
        for n in names:
            d = os.path.join(base, n)
            shutil.rmtree(d, True)
            os.makedirs(d)
            with open(os.path.join(d, "build.ninja"), "w") as f:
                f.write(manifest(jobs))
            ds.append(d)
        return ds

    def clean(ds):
        for d in ds:
            for j in jobs:
                try:
                    os.unlink(os.path.join(d, j.out))
                except OSError:
                    pass
    alone = fresh("alone")
    outs[(tool.name, "alone, 1st build")] = [run_one(scen, "alone 1st", tool, ["-j4"], alone[0], limit)]
    clean(alone)
    save_history(alone[0])
    o = run_one(scen, "alone 2nd", tool, ["-j4"], alone[0], limit)
    keep_trace(alone[0], keep, "%s-alone-2nd-build" % TWO, o)
    outs[(tool.name, "alone, 2nd build")] = [o]
    two = fresh("a", "b")
    outs[(tool.name, "two 1st builds at once")] = [run_together(scen, tool, ["-j4"], two, limit)]
    clean(two)
    for d in two:
        save_history(d)
    o = run_together(scen, tool, ["-j4"], two, limit)
    for d, n in zip(two, "ab"):
        keep_trace(d, keep, "%s-together-2nd-build-%s" % (TWO, n), o)
    outs[(tool.name, "two 2nd builds at once")] = [o]
    off = fresh("c", "d")
    outs[(tool.name, "two 1st builds at once, --mem-share=off")] = [
        run_together(scen, tool, ["-j4", "--mem-share=off"], off, limit)]
    return outs


def two_builds_table(outs):
    rows = ["| run | outcome | wall (both done) | each | vs one after the other | "
            "kernel OOM kills | nj pauses / kills | cgroup peak |",
            "|---|---|---|---|---|---|---|---|"]
    alone = {k[1]: v[0] for k, v in outs.items() if k[1].startswith("alone")}
    for (tool, label), os_ in outs.items():
        o = os_[0]
        seq = None
        if label.startswith("two"):
            a = alone.get("alone, 2nd build" if "2nd" in label else "alone, 1st build")
            seq = 2 * a.run.wall if a and a.good() else None
        each = ", ".join("%.1f s" % w for w in getattr(o, "walls", []))
        rows.append("| %s %s | %s | %.1f s | %s | %s | %d | %d / %d | %.2f GiB |" % (
            tool, label, o.state(), o.run.wall, each or "-",
            "%.2f (%.1f s)" % (o.run.wall / seq, seq) if seq and o.good() else "-",
            o.oom, o.pauses, o.kills, o.peak / G))
    return "\n".join(rows)


def keep_trace(d, keep, stem, o):
    """Copy d's .nj_trace to keep/<stem>.nj_trace if the run stopped a job,
    and the history it started from (d/.nj_history.before, saved by
    save_history) to keep/<stem>.nj_history: a second build's decisions
    come from it, and `nj -t mem` or a rerun with it shows which record
    misled it."""
    src = os.path.join(d, ".nj_trace")
    if not keep or not (o.pauses or o.kills) or not os.path.exists(src):
        return
    os.makedirs(keep, exist_ok=True)
    shutil.copy(src, os.path.join(keep, stem + ".nj_trace"))
    before = os.path.join(d, ".nj_history.before")
    if os.path.exists(before):
        shutil.copy(before, os.path.join(keep, stem + ".nj_history"))
    print("  (its trace: %s)" % os.path.join(keep, stem + ".nj_trace"),
          file=sys.stderr, flush=True)


def save_history(d):
    """Keep d's .nj_history as it is before a second build (keep_trace)."""
    src = os.path.join(d, ".nj_history")
    if os.path.exists(src):
        shutil.copy(src, os.path.join(d, ".nj_history.before"))


def run_all(names, tools, work, quick, runs=1, keep=None):
    """{workload: {"outcomes": {(tool, label): [Outcome]}, "bound": (...)}}

    keep: a directory where the .nj_trace of an nj second build that paused
    or killed a job is copied (the work directory is removed), so what it
    did can be seen (nj -t timeline/trace read it)."""
    if not names:
        return {}
    try:
        import importlib.util
        spec = importlib.util.spec_from_file_location(
            "nj_scenarios", os.path.join(REPO, "tests", "scenarios", "run.py"))
        scen = importlib.util.module_from_spec(spec)  # its memory cgroups
        spec.loader.exec_module(scen)
        scen.find_cgroup_parent()
    except unittest.SkipTest as e:
        print("memory workloads skipped: %s" % e, file=sys.stderr)
        return {"skipped": str(e)}
    if not os.access(MEMHOG, os.X_OK):
        print("memory workloads skipped: no %s (./nj all)" % MEMHOG,
              file=sys.stderr)
        return {"skipped": "build/memhog not built"}
    res = {}
    for name in names:
        make, q = WORKLOADS[name]
        if q != quick:
            continue
        jobs, limit = make()
        print("== %s: %d jobs in %.1f GiB" % (name, len(jobs), limit / G),
              file=sys.stderr, flush=True)
        if name == TWO:
            nj = [t for t in tools if t.name == "nj"]
            if nj:
                res[name] = {"two": run_two_builds(scen, nj[0], jobs, limit, work, keep),
                             "limit": limit}
            continue
        outs = {}
        bound = None
        for _ in range(runs):
            for t in tools:
                d = os.path.join(work, name, t.name)
                shutil.rmtree(d, True)
                os.makedirs(d)
                with open(os.path.join(d, "build.ninja"), "w") as f:
                    f.write(manifest(jobs))
                if t.name == "nj":
                    o1 = run_one(scen, "1st build", t, ["-j4"], d, limit)
                    for j in jobs:
                        try:
                            os.unlink(os.path.join(d, j.out))
                        except OSError:
                            pass
                    save_history(d)
                    o2 = run_one(scen, "2nd build", t, ["-j4"], d, limit)
                    keep_trace(d, keep, "%s-2nd-build-%d" % (
                        name, len(outs.get((t.name, "2nd build"), [])) + 1),
                        o2)
                    outs.setdefault((t.name, "1st build"), []).append(o1)
                    outs.setdefault((t.name, "2nd build"), []).append(o2)
                    if o2.good() and bound is None:
                        bound = lower_bound(jobs, durations_from_log(d), limit, 4)
                    continue
                outs.setdefault((t.name, "-j4"), []).append(
                    run_one(scen, "-j4", t, ["-j4"], d, limit))
                for depth in DEPTHS:
                    shutil.rmtree(d, True)
                    os.makedirs(d)
                    with open(os.path.join(d, "build.ninja"), "w") as f:
                        f.write(manifest(jobs, depth))
                    o = run_one(scen, "link pool %d" % depth, t, ["-j4"], d, limit)
                    outs.setdefault((t.name, "link pool %d" % depth), []).append(o)
        res[name] = {"outcomes": outs, "bound": bound, "limit": limit}
    return res


def table(res, tools):
    if "skipped" in res:
        return "Skipped: %s" % res["skipped"]
    lines = []
    for name, r in res.items():
        if "two" in r:
            lines += ["### %s (%.1f GiB cgroup)" % (name, r["limit"] / G), "",
                      "Two copies of mem-mixed started together in one cgroup, "
                      "against the same build run twice one after the other "
                      "(twice nj's time alone, measured here).", "",
                      two_builds_table(r["two"]), ""]
            continue
        outs, bound = r["outcomes"], r["bound"]
        anchor = None
        for t in tools[1:2]:
            for depth in DEPTHS:
                os_ = outs.get((t.name, "link pool %d" % depth), [])
                if os_ and all(o.good() for o in os_):
                    w = measure.median([o.run.wall for o in os_])
                    if anchor is None or w < anchor[1]:
                        anchor = ("%s link pool %d" % (t.name, depth), w)
        lines.append("### %s (%.1f GiB cgroup)" % (name, r["limit"] / G))
        lines.append("")
        if bound:
            lines.append("Lower bound %.1f s: critical path %.1f s, "
                         "memory-seconds / capacity %.1f s, job-seconds / 4 "
                         "slots %.1f s." % bound)
        if anchor:
            lines.append("Anchor: %s, %.1f s (the best hand-tuned depth "
                         "that survives)." % anchor)
        lines.append("")
        lines.append("| tool | run | outcome | wall | vs anchor | vs bound | "
                     "kernel OOM kills | nj pauses / kills | cgroup peak |")
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for (tool, label), os_ in outs.items():
            w = measure.median([o.run.wall for o in os_])
            good = all(o.good() for o in os_)
            lines.append("| %s | %s | %s | %.1f s | %s | %s | %d | %s | %.2f GiB |" % (
                tool, label, ", ".join(sorted({o.state() for o in os_})), w,
                "%.2f" % (w / anchor[1]) if anchor and good else "-",
                "%.2f" % (w / bound[0]) if bound and good else "-",
                sum(o.oom for o in os_),
                "%d / %d" % (sum(o.pauses for o in os_), sum(o.kills for o in os_))
                if tool == "nj" else "-",
                max(o.peak for o in os_) / G))
        lines.append("")
    return "\n".join(lines)
