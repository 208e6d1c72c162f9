#!/usr/bin/env python3
"""Memory scenarios: nj (and Debian's ninja) under a real memory cgroup.

    NJ=/path/to/nj python3 tests/scenarios/run.py [-j N] [-v] [FILTER...]

Each scenario gets a fresh temporary directory and its own memory cgroup,
made by the test under this process's cgroup (v1 as root, or v2 delegated),
with a hard limit and no swap (NJ_SCENARIO_SWAP=BYTES allows that much, for
measuring paging out with bench/memory.py). The build tool is started inside
it; the cgroup's oom_kill count tells whether the kernel's OOM killer had to act.
The jobs are tests/memhog.c (build/memhog): it allocates and touches memory,
optionally in steps, and holds it.

  1. compile- and link-sized jobs whose sum at -j 4 exceeds a 1.5 GiB cgroup:
     ninja fails (or is OOM-killed); nj finishes, every output correct, and
     the kernel killed nothing.
  2. the same build again with .nj_history kept: nj kills nothing.
  3. a job that outgrows its declared `mem` beside an older long job: nj
     pauses the younger one, never the older, resumes it once the older is
     done, and kills nothing.
  4. a job larger than the whole cgroup: a clear "ran out of memory" failure
     naming it, no retry storm, the other jobs' outputs intact, and the logs
     load on the next run.
  5. plenty of memory: nj runs exactly -j jobs at once (measured from the
     stamps the jobs write, not from timing).
  7. as 3, but the older job holds its memory past the pause bound: the
     paused job is killed then, and retried once it fits.
  8. as 3, and nj gets SIGTERM while the younger job is paused: every
     process of both jobs ends, their partial outputs are removed, status
     130; a normal run then builds everything, its logs loading without a
     warning, and does not rerun what was logged as done.
  9. the same with SIGKILL: the kernel hangs up the paused group nj
     orphaned, the other job finishes on its own, and the normal run is as
     in 8.

tests/scenarios/jobserver.py adds the jobserver scenarios (GNU make
sub-builds, nj under make and under nj); they need no cgroup.

When no memory cgroup can be made here, every scenario is reported as
skipped with the reason, never as passed. -j is accepted for tests/run.py's
sake, but the scenarios run one at a time: they share two CPUs, and the
measurements of one must not be disturbed by another. The last line is
exactly `N passed, N failed` (`, N skipped` when some were skipped); the exit
status is 1 when any failed.
"""

import argparse
import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
import png  # noqa: E402  tests/e2e/png.py: Chromium's screenshots, decoded

NJ = os.path.abspath(os.environ.get("NJ") or os.path.join(REPO, "nj"))
MEMHOG = os.path.join(REPO, "build", "memhog")
NINJA = shutil.which("ninja") or "/usr/bin/ninja"
RUN_TIMEOUT = float(os.environ.get("NJ_SCENARIO_TIMEOUT", "120"))
KEEP = bool(os.environ.get("NJ_SCENARIO_KEEP"))  # leave the build dirs
SWAP = int(os.environ.get("NJ_SCENARIO_SWAP") or 0)  # swap each cgroup allows
MEM_MAX_RETRIES = 3  # POLICY_MAX_RETRIES, policy/policy.h

M = 1 << 20
G = 1 << 30


# ---- memory cgroups ----------------------------------------------------------

def _mounts():
    """(mount point, fstype, super options, mount root) of every mount."""
    out = []
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                pre, _, post = line.partition(" - ")
                a, b = pre.split(), post.split()
                if len(a) >= 5 and len(b) >= 3:
                    out.append((a[4], b[0], b[2].split(","), a[3]))
    except OSError:
        pass
    return out


def _own_cgroup(version):
    """This process's cgroup path for the memory controller (v1) or the
    unified hierarchy (v2), from /proc/self/cgroup."""
    with open("/proc/self/cgroup") as f:
        for line in f:
            hid, ctrls, path = line.rstrip("\n").split(":", 2)
            if version == 1 and "memory" in ctrls.split(","):
                return path
            if version == 2 and hid == "0" and ctrls == "":
                return path
    return None


def _join(mount, root, path):
    # In a cgroup namespace the mount root is usually "/" and the path is
    # relative to it; when the mount root is a sub-tree, strip it.
    if root != "/" and (path == root or path.startswith(root + "/")):
        path = path[len(root):]
    return os.path.join(mount, path.lstrip("/"))


def _read(path):
    with open(path) as f:
        return f.read()


def _write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def find_cgroup_parent():
    """(version, directory under which a memory cgroup may be made) or raise
    unittest.SkipTest saying why not."""
    reasons = []
    mounts = _mounts()
    # v1: a cgroup file system with the memory controller.
    for mnt, fstype, opts, root in mounts:
        if fstype == "cgroup" and "memory" in opts:
            path = _own_cgroup(1)
            if path is None:
                reasons.append("no memory line in /proc/self/cgroup")
                break
            base = _join(mnt, root, path)
            if os.path.exists(os.path.join(base, "memory.limit_in_bytes")):
                return 1, base
            reasons.append("%s has no memory.limit_in_bytes" % base)
            break
    # v2: the unified hierarchy, memory enabled for our children.
    for mnt, fstype, opts, root in mounts:
        if fstype == "cgroup2":
            path = _own_cgroup(2)
            if path is None:
                continue
            base = _join(mnt, root, path)
            try:
                ctl = _read(os.path.join(base, "cgroup.subtree_control")).split()
                if "memory" not in ctl:
                    # Only possible when no process lives in `base` itself
                    # (the no-internal-process rule); try anyway.
                    _write(os.path.join(base, "cgroup.subtree_control"), "+memory")
                return 2, base
            except OSError as e:
                reasons.append("cgroup v2 at %s: memory controller not "
                               "delegated here (%s)" % (base, e.strerror))
            break
    if not reasons:
        reasons.append("no memory cgroup hierarchy is mounted")
    raise unittest.SkipTest("; ".join(reasons))


_serial = [0]


class Cgroup:
    """A memory cgroup made for one run: limit (None: unlimited), no swap
    (or SWAP)."""

    def __init__(self, limit):
        self.version, parent = find_cgroup_parent()
        _serial[0] += 1
        self.path = os.path.join(parent, "nj-scenario-%d-%d"
                                 % (os.getpid(), _serial[0]))
        try:
            os.mkdir(self.path)
        except OSError as e:
            raise unittest.SkipTest("cannot create a memory cgroup under %s: %s"
                                    % (parent, e.strerror))
        try:
            self._configure(limit)
        except OSError as e:
            self.remove()
            raise unittest.SkipTest("cannot limit a memory cgroup (%s): %s"
                                    % (self.path, e))
        self.oom_before = self.oom_kills()

    def _file(self, name):
        return os.path.join(self.path, name)

    def _configure(self, limit):
        if self.version == 1:
            try:
                _write(self._file("memory.swappiness"), 60 if SWAP else 0)
            except OSError:
                pass  # not writable under some hierarchies; memsw covers it
            if limit is not None:
                _write(self._file("memory.limit_in_bytes"), limit)
                if os.path.exists(self._file("memory.memsw.limit_in_bytes")):
                    _write(self._file("memory.memsw.limit_in_bytes"),
                           limit + SWAP)
                got = int(_read(self._file("memory.limit_in_bytes")))
                if got > limit:
                    raise OSError("memory.limit_in_bytes reads %d" % got)
        else:
            if not os.path.exists(self._file("memory.max")):
                raise OSError("no memory.max: the memory controller is "
                              "not enabled for children")
            if limit is not None:
                _write(self._file("memory.max"), limit)
                if os.path.exists(self._file("memory.swap.max")):
                    _write(self._file("memory.swap.max"), SWAP)

    def oom_kills(self):
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        try:
            text = _read(self._file(name))
        except OSError:
            return 0
        m = re.search(r"^oom_kill (\d+)", text, re.M)
        return int(m.group(1)) if m else 0

    def new_oom_kills(self):
        return self.oom_kills() - self.oom_before

    def max_usage(self):
        name = ("memory.max_usage_in_bytes" if self.version == 1
                else "memory.peak")
        try:
            return int(_read(self._file(name)))
        except (OSError, ValueError):
            return -1

    def pids(self):
        try:
            return [int(p) for p in _read(self._file("cgroup.procs")).split()]
        except OSError:
            return []

    def command(self, argv):
        """argv run inside this cgroup: a shell moves itself in, then execs."""
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"',
                self._file("cgroup.procs")] + list(argv)

    def remove(self):
        """Kill whatever we started that is still inside, then remove it."""
        deadline = time.time() + 10
        while True:
            pids = self.pids()
            if not pids:
                break
            for p in pids:
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
            if time.time() > deadline:
                break
            time.sleep(0.05)
        for _ in range(100):
            try:
                os.rmdir(self.path)
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.05)


# ---- runs ---------------------------------------------------------------------

class Result:
    def __init__(self, tool, args, rc, out, err, wall, oom, peak):
        self.tool, self.args, self.rc = tool, args, rc
        self.out, self.err, self.wall = out, err, wall
        self.oom_kills = oom  # kernel OOM kills in the cgroup during the run
        self.peak = peak      # the cgroup's maximum usage, bytes

    @property
    def text(self):
        return self.out + self.err

    def lines_with(self, prefix):
        return [l for l in self.text.splitlines() if l.startswith(prefix)]

    def __repr__(self):
        return ("%s %s: rc=%r in %.1fs, kernel OOM kills %d, cgroup peak %s\n"
                "--- stdout ---\n%s--- stderr ---\n%s"
                % (self.tool, " ".join(self.args), self.rc, self.wall,
                   self.oom_kills, size(self.peak), self.out[-6000:],
                   self.err[-6000:]))


def size(n):
    if n < 0:
        return "?"
    return "%.0fM" % (n / M) if n < G else "%.2fG" % (n / G)


def env():
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("NINJA_") and k not in ("NJ_FLAGS", "MAKEFLAGS",
                                                     "MFLAGS")}
    e.update(TERM="dumb", LC_ALL="C", NINJA_STATUS="[%f/%t] ")
    return e


class Scenario(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        for exe, what in ((NJ, "nj (set NJ=, or build it: ./nj all)"),
                          (MEMHOG, "build/memhog (./nj all builds it)")):
            if not os.access(exe, os.X_OK):
                self.fail("%s not found: %s" % (exe, what))
        # Make (and remove) one cgroup first: when that is impossible here,
        # the scenario is skipped with the reason, before it runs anything.
        Cgroup(64 * M).remove()
        self.dir = self.new_dir()

    def new_dir(self):
        d = tempfile.mkdtemp(prefix="nj-scenario-")
        if KEEP:
            # To read a failure's .nj_trace and output afterwards.
            self.addCleanup(print, "kept %s" % d, file=sys.stderr)
        else:
            self.addCleanup(shutil.rmtree, d, True)
        return d

    def path(self, name, d=None):
        return os.path.join(d or self.dir, name)

    def write(self, name, text, d=None):
        with open(self.path(name, d), "w") as f:
            f.write(textwrap.dedent(text))

    def read(self, name, d=None):
        with open(self.path(name, d)) as f:
            return f.read()

    def exists(self, name, d=None):
        return os.path.exists(self.path(name, d))

    def run_in_cgroup(self, tool, args, limit, d=None):
        """Run `tool args` in dir d inside a fresh cgroup of `limit` bytes."""
        cg = Cgroup(limit)
        try:
            argv = [tool] + [str(a) for a in args]
            t0 = time.time()
            p = subprocess.Popen(cg.command(argv), cwd=d or self.dir, env=env(),
                                 stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                out, err = p.communicate(timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                cg.remove()
                out, err = p.communicate()
                self.fail("timeout after %ss: %s %s\n%s" % (
                    RUN_TIMEOUT, tool, " ".join(argv[1:]),
                    (out + err).decode(errors="replace")[-6000:]))
            wall = time.time() - t0
            # Let the job processes that outlive the tool (there should be
            # none) show up before reading the counters.
            return Result(os.path.basename(tool), argv[1:], p.returncode,
                          out.decode(errors="replace"),
                          err.decode(errors="replace"), wall,
                          cg.new_oom_kills(), cg.max_usage())
        finally:
            cg.remove()

    def nj(self, *args, limit=None, d=None):
        r = self.run_in_cgroup(NJ, args, limit, d)
        # nj itself must never be what the kernel killed.
        self.assertNotEqual(r.rc, -signal.SIGKILL,
                            "nj itself was killed (OOM?)\n%r" % r)
        return r

    def trace(self):
        """The last build's `nj -t trace`, parsed."""
        p = subprocess.run([NJ, "-t", "trace"], cwd=self.dir, env=env(),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def assert_trace_counts_as_summary(self, r, tr):
        """The trace's pauses and stops are the ones the summary counts."""
        runs = [e["args"] for e in tr["traceEvents"] if e.get("cat") == "job"]
        line = (r.lines_with("ninja: memory:") or [""])[0]
        said = re.search(r"(\d+) pauses?\b", line)
        self.assertEqual(sum(a["pauses"] for a in runs),
                         int(said.group(1)) if said else 0, line)
        said = re.search(r"(\d+) stopped", line)
        self.assertEqual(sum(a["stopped"] for a in runs),
                         int(said.group(1)) if said else 0, line)

    def timeline_picture(self):
        """(picture, geometry) of `nj -t timeline`, as headless Chromium
        draws it; skips saying why when Chromium cannot."""
        p = subprocess.run([NJ, "-t", "timeline"], cwd=self.dir, env=env(),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        html = self.path("timeline.html")
        with open(html, "w") as f:
            f.write(p.stdout)
        m = re.search(r"<svg [^>]*>", p.stdout)
        g = {k: float(v) for k, v in re.findall(r'([\w-]+)="([0-9.]+)"',
                                                m.group(0))}
        data, why = png.screenshot(html, int(g["width"]), int(g["height"]))
        if data is None:
            self.skipTest(why)
        return png.decode(data), g

    def verbose(self, r):
        if VERBOSE:
            print("    %s: rc=%s %.1fs, OOM kills %d, peak %s" % (
                r.tool, r.rc, r.wall, r.oom_kills, size(r.peak)), flush=True)
            for l in r.text.splitlines():
                if l.startswith(("nj:", "ninja explain")) or "FAILED" in l:
                    print("      " + l, flush=True)


def hog(total, step=None, step_ms=None, hold_ms=None, extra=""):
    cmd = MEMHOG + " " + total
    if step:
        cmd += " --step %s --step-ms %d" % (step, step_ms)
    if hold_ms:
        cmd += " --hold-ms %d" % hold_ms
    return cmd + extra


# ---- 1 and 2: compiles and links in 1.5 GiB --------------------------------------

COMPILES = 8
LINKS = 3
BUILD_LIMIT = 1536 * M
# A compile: 150M in 25M steps over ~0.3s, held 0.3s. A link: 700M in 50M steps
# over ~1.4s, held 1s. Eight compiles at -j 4 use 600M; the three links that
# all wait for them, started together as ninja does, need 2.1G of 1.5G.
COMPILE = hog("150M", "25M", 50, 300)
LINK = hog("700M", "50M", 100, 1000)


def compile_link_manifest():
    m = ["rule cc\n  command = %s && echo cc $out > $out\n" % COMPILE,
         "rule link\n  command = %s && echo link $out > $out\n" % LINK]
    objs = ["obj%d.o" % i for i in range(COMPILES)]
    for o in objs:
        m.append("build %s: cc\n" % o)
    for i in range(LINKS):
        m.append("build bin%d: link %s\n" % (i, " ".join(objs)))
    return "".join(m)


def check_compile_link_outputs(t, d=None):
    for i in range(COMPILES):
        t.assertEqual(t.read("obj%d.o" % i, d), "cc obj%d.o\n" % i)
    for i in range(LINKS):
        t.assertEqual(t.read("bin%d" % i, d), "link bin%d\n" % i)


class CompileAndLink(Scenario):
    """Scenarios 1 and 2 share a build directory: 2 needs 1's history."""
    shared = None  # the directory scenario 1 built in, once it succeeded

    def test_1_more_than_fits(self):
        # Debian's ninja first, to show the build really does not fit.
        nd = self.new_dir()
        self.write("build.ninja", compile_link_manifest(), nd)
        rn = self.run_in_cgroup(NINJA, ["-j", "4"], BUILD_LIMIT, nd)
        self.verbose(rn)
        self.assertTrue(rn.rc != 0 or rn.oom_kills > 0,
                        "ninja fit in the cgroup: the scenario proves "
                        "nothing; make the links bigger\n%r" % rn)

        d = tempfile.mkdtemp(prefix="nj-scenario-")
        self.write("build.ninja", compile_link_manifest(), d)
        r = self.nj("-j", "4", limit=BUILD_LIMIT, d=d)
        self.verbose(r)
        try:
            self.assertEqual(r.rc, 0, r)
            self.assertEqual(r.oom_kills, 0,
                             "the kernel's OOM killer acted\n%r" % r)
            check_compile_link_outputs(self, d)
            self.assertTrue(os.path.exists(os.path.join(d, ".nj_history")), r)
        except BaseException:
            shutil.rmtree(d, True)
            raise
        CompileAndLink.shared = d
        # Removed by scenario 2, or at exit when it does not run.
        atexit.register(shutil.rmtree, d, True)

    def test_2_again_with_history(self):
        d = CompileAndLink.shared
        if d is None:
            self.fail("scenario 1 did not leave a build with history")
        self.addCleanup(shutil.rmtree, d, True)
        CompileAndLink.shared = None
        for i in range(COMPILES):
            os.unlink(os.path.join(d, "obj%d.o" % i))
        for i in range(LINKS):
            os.unlink(os.path.join(d, "bin%d" % i))
        r = self.nj("-j", "4", "-d", "explain", limit=BUILD_LIMIT, d=d)
        self.verbose(r)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.lines_with("nj: memory:"), [],
                         "with history nj should not need to kill\n%r" % r)
        self.assertEqual(r.lines_with("ninja explain: paused"), [],
                         "with history nj should not need to pause\n%r" % r)
        self.assertEqual(r.oom_kills, 0, "the kernel's OOM killer acted\n%r" % r)
        check_compile_link_outputs(self, d)


# ---- 3: a job outgrows its weight beside an older one -------------------------------

PAUSE_RGB = (0xff, 0xb0, 0x00)  # cli/tool_timeline.c: a pause


class Outgrows(Scenario):
    MANIFEST = """\
        rule old
          command = echo start >> old.starts && %s && echo old > $out
          mem = 400M
        rule young
          command = echo start >> young.starts && %s && echo young > $out
          mem = 200M
        rule run
          command = sleep 0.5 && touch $out
        build old.out: old
        build gate: run
        build young.out: young || gate
        """

    def build(self, old_hold_ms):
        # old: 400M held for a while, declared honestly. gate: a short job
        # so that young surely starts after old. young: declares 200M,
        # grows to 750M at ~250M/s. 400M + 750M do not fit in 1G; 750M
        # alone does.
        self.write("build.ninja", self.MANIFEST % (
            hog("400M", "100M", 20, old_hold_ms),
            hog("750M", "25M", 100, 500)))
        r = self.nj("-j", "3", "-d", "explain", limit=1 * G)
        self.verbose(r)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.oom_kills, 0, "the kernel's OOM killer acted\n%r" % r)
        self.assertEqual(self.read("old.out"), "old\n")
        self.assertEqual(self.read("old.starts"), "start\n",
                         "the older job was stopped or restarted\n%r" % r)
        self.assertEqual(self.read("young.out"), "young\n")
        for l in r.lines_with("ninja explain: paused"):
            self.assertIn("young.out", l, r)
        return r

    def test_3_a_pause_saves_a_kill(self):
        # young is paused as free nears the floor, old finishes, young
        # resumes: nothing is killed and young runs once.
        r = self.build(5000)
        self.assertTrue(r.lines_with("ninja explain: paused young.out"),
                        "nothing was paused: the scenario proves nothing\n%r"
                        % r)
        self.assertTrue(r.lines_with("ninja explain: resumed young.out"), r)
        self.assertEqual(r.lines_with("nj: memory:"), [], r)
        self.assertEqual(self.read("young.starts"), "start\n", r)
        summary = r.lines_with("ninja: memory:")
        self.assertTrue(summary, r)
        self.assertIn("1 pause", summary[0], r)
        self.assertNotIn("stopped", summary[0], "no stop: not counted\n%r" % r)
        # in plain words, as it ended and in the summary
        said = r"young.out paused [0-9.]+ s at [0-9.]+[KMG]$"
        self.assertTrue(any(re.match("ninja explain: " + said, l)
                            for l in r.text.splitlines()), r)
        self.assertTrue(any(re.match("ninja: memory: " + said, l)
                            for l in summary), r)
        # the trace: the pause as an instant event, and on the job
        tr = self.trace()
        pauses = [e for e in tr["traceEvents"]
                  if e.get("ph") == "i" and e["name"] == "pause"]
        self.assertEqual([e["args"]["output"] for e in pauses],
                         ["young.out"], pauses)
        (young,) = [e for e in tr["traceEvents"] if e.get("cat") == "job"
                    and e["name"] == "young.out"]
        self.assertTrue(young["args"]["paused"], young)
        self.assert_trace_counts_as_summary(r, tr)
        self.assertGreater(young["args"]["paused_ms"], 0, young)
        self.assertFalse(young["args"]["stopped"], young)
        # the history's wall time is the job's own: the pause left out
        # (counted, it made a paused job the longest, first the next time)
        (rec,) = [l.split("\t") for l in self.read(".nj_history").splitlines()
                  if l.endswith("\tyoung.out")]
        ran_ms = young["dur"] / 1000 - young["args"]["paused_ms"]
        self.assertLess(abs(int(rec[2]) - ran_ms), 50,
                        "history wall %s ms, ran %d ms, paused %d ms" % (
                            rec[2], ran_ms, young["args"]["paused_ms"]))
        # the timeline marks it: the pause's colour on young.out's row
        pause = pauses[0]
        if pause["args"]["ms"] >= 300:
            img, g = self.timeline_picture()
            x = g["data-left"] + g["data-width"] * (
                pause["ts"] / 1000 + pause["args"]["ms"] / 2) / g["data-wall-ms"]
            y = g["data-rows-top"] + g["data-row-h"] * (young["tid"] + 0.45)
            self.assertEqual(img.pixel(int(x), int(y)), PAUSE_RGB,
                             "no pause drawn at %d,%d" % (x, y))

    def test_7_a_bounded_pause_ends_in_a_kill(self):
        # old holds its memory longer than a pause may last: young, still
        # not fitting, is killed at the bound and retried once old is done.
        r = self.build(25000)
        self.assertTrue(r.lines_with("ninja explain: paused young.out"), r)
        kills = r.lines_with("nj: memory: stopped")
        self.assertEqual(len(kills), 1, r)
        self.assertIn("young.out", kills[0], r)
        self.assertEqual(self.read("young.starts"), "start\nstart\n", r)
        self.assertTrue(any(re.match(r"ninja: memory: young.out paused .*; "
                                     r"stopped after [0-9.]+ s at "
                                     r"[0-9.]+[KMG], retried$", l)
                            for l in r.lines_with("ninja: memory:")), r)
        tr = self.trace()
        runs = sorted((e for e in tr["traceEvents"] if e.get("cat") == "job"
                       and e["name"] == "young.out"), key=lambda e: e["ts"])
        self.assertEqual(len(runs), 2, runs)
        self.assertTrue(runs[0]["args"]["stopped"], runs)
        self.assertEqual((runs[1]["args"]["retry"], runs[1]["args"]["stopped"]),
                         (1, False), runs)
        names = [(e["name"], e["args"]["output"]) for e in tr["traceEvents"]
                 if e.get("ph") == "i"]
        for what in ("pause", "stop", "retry"):
            self.assertIn((what, "young.out"), names)
        self.assert_trace_counts_as_summary(r, tr)
        self.assertEqual(runs[0]["args"]["pauses"],
                         len(r.lines_with("ninja explain: paused young.out")),
                         "a stopped job is not paused again as it dies")


class Steep(Scenario):
    def test_3_jobs_rising_together_are_paused_as_fast_as_they_rise(self):
        # Eight jobs of unknown size start together and rise 20M every 10
        # ms each, in 1.5G. Pausing one job per sample let free reach zero
        # between two samples (a kernel OOM kill in 4 runs of 4); nj must
        # pause as many as the fall needs at once and lose nothing to the
        # kernel.
        self.write("build.ninja", "rule hog\n  command = %s && echo $out > $out\n"
                   % hog("400M", "20M", 10, 500) +
                   "".join("build o%d: hog\n" % i for i in range(8)))
        r = self.nj("-j", "8", limit=BUILD_LIMIT)
        self.verbose(r)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.oom_kills, 0, "the kernel's OOM killer acted\n%r" % r)
        self.assertTrue(r.lines_with("ninja: memory:"), "nothing was paused: "
                        "the scenario proves nothing\n%r" % r)
        for i in range(8):
            self.assertEqual(self.read("o%d" % i), "o%d\n" % i)


# ---- 4: a job larger than the whole cgroup -----------------------------------------

class TooBig(Scenario):
    def test_4_clear_failure(self):
        # big grows at ~1G/s; the small jobs run beside it (-k 0: the
        # failure must not stop them) and must all come out right.
        smalls = ["small%d" % i for i in range(8)]
        m = ["rule big\n  command = %s && echo big > $out\n"
             % hog("3G", "50M", 50),
             "rule small\n  command = %s && echo small $out > $out\n"
             % hog("50M", hold_ms=500),
             "build big.out: big\n"]
        m += ["build %s: small\n" % s for s in smalls]
        self.write("build.ninja", "".join(m))
        r = self.nj("-j", "3", "-k", "0", limit=1 * G)
        self.verbose(r)
        # as ninja 1.14, the failed job's own status: killed (128 + 9)
        self.assertEqual(r.rc, 137, r)
        oom = [l for l in r.text.splitlines() if "ran out of memory" in l]
        self.assertTrue(oom, r)
        self.assertTrue(any("big.out" in l for l in oom), r)
        retries = [l for l in r.lines_with("nj: memory:") if "big.out" in l]
        self.assertLessEqual(len(retries), MEM_MAX_RETRIES,
                             "a retry storm\n%r" % r)
        self.assertFalse(self.exists("big.out"), r)
        for s in smalls:
            self.assertEqual(self.read(s), "small %s\n" % s, r)
        # Nothing lost: the logs load, and only big.out is left to do.
        r2 = self.nj("-n", "-d", "explain", limit=1 * G)
        self.assertEqual(r2.rc, 0, r2)
        self.assertNotIn("warning", r2.text.lower(), r2)
        self.assertNotRegex(r2.text, r"(?i)corrupt|torn|cannot|error", r2)
        ran = [l for l in r2.out.splitlines() if l.startswith("[")]
        self.assertEqual(len(ran), 1, r2)
        r3 = self.nj(*smalls, limit=1 * G)
        self.assertEqual(r3.rc, 0, r3)
        self.assertIn("no work to do", r3.out, r3)


# ---- 8 and 9: stopped while a job is paused ------------------------------------------

class StopsUnderPressure(Scenario):
    """nj stopped while memory pressure has it pausing a job (SIGSTOP of the
    job's group): SIGTERM ends every job, the paused one too; SIGKILL leaves
    the jobs to the kernel, which hangs up a stopped group nj orphaned. Then
    a normal run builds everything right, and its logs load without a
    warning."""
    # as scenario 3, but each command writes a partial output first
    MANIFEST = """\
        rule old
          command = echo partial > $out && %s && echo old > $out
          mem = 400M
        rule young
          command = echo partial > $out && %s && echo young > $out
          mem = 200M
        rule run
          command = sleep 0.5 && touch $out
        build old.out: old
        build gate: run
        build young.out: young || gate
        """

    def stopped_pids(self, cg):
        out = []
        for p in cg.pids():
            try:
                with open("/proc/%d/stat" % p) as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "T":
                        out.append(p)
            except OSError:
                pass
        return out

    def stop_while_paused(self, sig):
        self.write("build.ninja", self.MANIFEST % (
            hog("400M", "100M", 20, 5000), hog("750M", "25M", 100, 500)))
        cg = Cgroup(1 * G)
        self.addCleanup(cg.remove)
        p = subprocess.Popen(cg.command([NJ, "-j", "3", "-d", "explain"]),
                             cwd=self.dir, env=env(),
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
        deadline = time.time() + RUN_TIMEOUT
        while time.time() < deadline and not self.stopped_pids(cg):
            if p.poll() is not None:
                break
            time.sleep(0.02)
        if not self.stopped_pids(cg):
            out, err = p.communicate()
            self.fail("no job was paused: the scenario proves nothing\n%s"
                      % (out + err).decode(errors="replace")[-4000:])
        self.assertTrue(self.exists("old.out") and self.exists("young.out"))
        p.send_signal(sig)
        out, err = p.communicate(timeout=RUN_TIMEOUT)
        text = (out + err).decode(errors="replace")
        # every process of every job ends: none is left stopped for good
        deadline = time.time() + 20
        while time.time() < deadline and cg.pids():
            time.sleep(0.05)
        self.assertEqual(cg.pids(), [], "processes left in the cgroup\n"
                         + text[-4000:])
        self.assertEqual(cg.new_oom_kills(), 0, text[-4000:])
        return p.returncode, text

    def rebuild(self):
        r = self.nj("-j", "3", limit=1 * G)
        self.verbose(r)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.err, "", "the logs load without a warning\n%r" % r)
        self.assertEqual(self.read("old.out"), "old\n")
        self.assertEqual(self.read("young.out"), "young\n")
        self.assertNotIn("] sleep 0.5", r.out, "gate was logged as done\n%r"
                         % r)
        r = self.nj(limit=1 * G)
        self.assertIn("no work to do", r.out, r)

    def test_8_sigterm_while_a_job_is_paused(self):
        rc, text = self.stop_while_paused(signal.SIGTERM)
        self.assertEqual(rc, 130, text[-4000:])
        self.assertIn("interrupted by user", text)
        # both jobs wrote a partial output: both removed
        self.assertFalse(self.exists("old.out"), text[-4000:])
        self.assertFalse(self.exists("young.out"), text[-4000:])
        self.rebuild()

    def test_9_sigkill_while_a_job_is_paused(self):
        rc, text = self.stop_while_paused(signal.SIGKILL)
        self.assertEqual(rc, -signal.SIGKILL)
        # The kernel sent the paused group SIGHUP and SIGCONT when nj's
        # death orphaned it (POSIX): it ended there. The old job ran on and
        # finished; nothing logged it.
        self.rebuild()


# ---- 5: plenty of memory -------------------------------------------------------------

class Plenty(Scenario):
    JOBS = 12
    J = 4

    def test_5_as_parallel_as_j(self):
        m = ["rule hold\n  command = echo +$out >> conc.log && %s && "
             "echo -$out >> conc.log && echo $out > $out\n"
             % hog("50M", hold_ms=1000)]
        m += ["build out%d: hold\n" % i for i in range(self.JOBS)]
        self.write("build.ninja", "".join(m))
        r = self.nj("-j", self.J, limit=None)
        self.verbose(r)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.lines_with("nj: memory:"), [], r)
        cur = peak = 0
        for l in self.read("conc.log").splitlines():
            if l.startswith("+"):
                cur += 1
                peak = max(peak, cur)
            elif l.startswith("-"):
                cur -= 1
        self.assertEqual(peak, self.J, "jobs at once, from conc.log\n%r" % r)
        for i in range(self.JOBS):
            self.assertEqual(self.read("out%d" % i), "out%d\n" % i)


# ---- 6: two builds, one machine: the shared memory budget ----------------------------

class SharedBudget(Scenario):
    """nj builds under one memory limit publish their reservations to each
    other (docs/DESIGN.md, "The shared budget")."""

    def start_in(self, cg, args, d):
        return subprocess.Popen(cg.command([NJ] + [str(a) for a in args]),
                                cwd=d, env=env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def finish(self, p, what):
        try:
            out = p.communicate(timeout=RUN_TIMEOUT)[0]
        except subprocess.TimeoutExpired:
            p.kill()
            out = p.communicate()[0]
            self.fail("%s: timeout\n%s" % (what, out.decode(errors="replace")[-6000:]))
        return p.returncode, out.decode(errors="replace")

    def test_6_two_builds_in_one_cgroup_share_it(self):
        # Each build alone fits in 1.5G (scenario 1); two at once would
        # each admit into the same free memory. Sharing, both finish, the
        # kernel kills nothing, and no job is said to have run "alone".
        dirs = [self.new_dir() for _ in range(2)]
        for d in dirs:
            self.write("build.ninja", compile_link_manifest(), d)
        cg = Cgroup(BUILD_LIMIT)
        try:
            ps = [self.start_in(cg, ["-j", "4"], d) for d in dirs]
            res = [self.finish(p, "build %d" % i) for i, p in enumerate(ps)]
            oom = cg.new_oom_kills()
        finally:
            cg.remove()
        both = "\n".join("--- build %d: rc %d\n%s" % (i, rc, out[-4000:])
                         for i, (rc, out) in enumerate(res))
        self.assertEqual([rc for rc, _ in res], [0, 0], both)
        self.assertEqual(oom, 0, "the kernel's OOM killer acted\n" + both)
        self.assertNotIn("running alone", both)
        for d in dirs:
            check_compile_link_outputs(self, d)

    def test_6_nested_nj_reserves_inside_its_parents_job(self):
        # The outer build runs a 700M link beside a job that is itself an
        # nj whose two 700M links cannot both fit beside the outer's in
        # 1.5G. The inner nj is a build of the same budget, linked to the
        # outer's job: the outer never pauses or stops that job whole, and
        # nothing is killed by the kernel.
        inner = self.new_dir()
        self.write("build.ninja", "".join(
            ["rule link\n  command = %s && echo link $out > $out\n" % LINK] +
            ["build in%d: link\n" % i for i in range(2)]), inner)
        self.write("build.ninja", (
            "rule link\n  command = %s && echo link $out > $out\n"
            "rule sub\n  command = %s -C %s -d explain && echo sub > $out\n"
            "build out0: link\n"
            "build sub.stamp: sub\n") % (LINK, NJ, inner))
        r = self.nj("-j", "4", "-d", "explain", limit=BUILD_LIMIT)
        self.verbose(r)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.oom_kills, 0, "the kernel's OOM killer acted\n%r" % r)
        for l in r.text.splitlines():
            self.assertFalse(re.match(r"ninja explain: (paused|resumed) sub.stamp", l), r)
            self.assertFalse(re.match(r"nj: memory: stopped sub.stamp", l), r)
        self.assertEqual(self.read("out0"), "link out0\n")
        for i in range(2):
            self.assertEqual(self.read("in%d" % i, inner), "link in%d\n" % i)

    def test_6_a_killed_builds_reservation_vanishes(self):
        # Build A declares a 1G job that holds 100M for a minute; build B,
        # in the same 1.5G, needs 800M and waits for A's reservation. kill
        # -9 of A (its job lives on, orphaned): B must start at its next
        # sample instead of waiting out A's job. The bound below is not a
        # speed test: it only tells "at the next sample" from "after A's
        # job" (60 s).
        a, b = self.new_dir(), self.new_dir()
        self.write("build.ninja",
                   "rule hold\n  command = %s\n  mem = 1G\n"
                   "build a.out: hold\n" % hog("100M", hold_ms=60000), a)
        self.write("build.ninja",
                   "rule need\n  command = %s && echo b > $out\n  mem = 800M\n"
                   "build b.out: need\n" % hog("100M"), b)
        cg = Cgroup(BUILD_LIMIT)
        try:
            pa = self.start_in(cg, ["-j", "1"], a)
            # A has published once it runs its job.
            deadline = time.time() + 20
            while time.time() < deadline and not any(
                    "memhog" in _read("/proc/%d/cmdline" % q).replace("\0", " ")
                    for q in cg.pids() if os.path.exists("/proc/%d/cmdline" % q)):
                time.sleep(0.05)
            time.sleep(0.5)
            pb = self.start_in(cg, ["-j", "1", "-d", "explain"], b)
            time.sleep(2)
            if pb.poll() is not None:
                self.fail("B did not wait for A's reservation:\n%s"
                          % pb.communicate()[0].decode(errors="replace"))
            t_kill = time.time()
            pa.kill()
            pa.wait()
            rc, out = self.finish(pb, "build B")
            took = time.time() - t_kill
        finally:
            cg.remove()
        self.assertEqual(rc, 0, out)
        self.assertIn("b.out waits for memory", out)
        self.assertLess(took, 20, "B waited for A's job, not A:\n" + out)
        self.assertEqual(self.read("b.out", b), "b\n")


# ---- runner ----------------------------------------------------------------------------

VERBOSE = False


def main():
    global VERBOSE
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-j", type=int, default=1,
                    help="accepted; scenarios run one at a time")
    ap.add_argument("-v", action="store_true", help="say more about each run")
    ap.add_argument("filters", nargs="*")
    a = ap.parse_args()
    VERBOSE = a.v

    print("scenarios: NJ=%s, memhog=%s, ninja=%s" % (NJ, MEMHOG, NINJA),
          flush=True)
    loader = unittest.TestLoader()
    tests = []
    sys.path.insert(0, HERE)
    import jobserver  # tests/scenarios/jobserver.py: GNU make sub-builds
    for cls in (CompileAndLink, Outgrows, Steep, TooBig, Plenty, SharedBudget,
                StopsUnderPressure) + jobserver.CLASSES:
        for t in loader.loadTestsFromTestCase(cls):
            if not a.filters or any(f in t.id() for f in a.filters):
                tests.append(t)

    passed = failed = skipped = 0
    for t in tests:
        res = unittest.TestResult()
        t0 = time.time()
        t(res)
        dt = time.time() - t0
        name = t.id().split(".", 1)[1]
        if res.skipped:
            skipped += 1
            print("SKIP  %s: %s" % (name, res.skipped[0][1]), flush=True)
        elif res.failures or res.errors:
            failed += 1
            print("FAIL  %s (%.1fs)" % (name, dt), flush=True)
            for _, tb in res.failures + res.errors:
                print(tb, flush=True)
        else:
            passed += 1
            print("ok    %s (%.1fs)" % (name, dt), flush=True)

    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
