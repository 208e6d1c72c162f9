"""Jobserver scenarios (issue 5) with real GNU make sub-builds.

  1. make sub-builds (`make -C subN`, no -j in the recipe) under nj -j4 never
     run more than 4 recipes at once in total, and do reach 4; with
     --jobserver=off each make runs its recipes one at a time.
  2. a sub-build SIGKILLed while holding tokens does not cost the rest of the
     build any parallelism (and under make -j4 itself, it does: the control).
  3. nj under `make -j3` (recipe `+nj ...`) and nj under `nj -j3` (an edge
     `nj -C sub -j8`) stay within 3 and reach 3.
  5. Ctrl-C (SIGINT to nj) in the middle: exit 2, nothing left running, and
     under make the tokens nj held go back, so make still reaches its -j.

Concurrency comes from "+name" / "-name" lines appended (O_APPEND) by every
recipe to one log, never from timing. No memory cgroup is needed.
"""

import os
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
NJ = os.path.abspath(os.environ.get("NJ") or os.path.join(REPO, "nj"))
MAKE = shutil.which("make")
TIMEOUT = float(os.environ.get("NJ_SCENARIO_TIMEOUT", "120"))
PY = sys.executable

# A Python jobserver client for the pipe transport: takes K tokens (blocking),
# says so, then SIGKILLs itself while holding them.
GRAB_PY = r"""
import os, re, signal, sys
m = re.search(r"--jobserver-auth=(\d+),(\d+)", os.environ["MAKEFLAGS"])
r = int(m.group(1))
for _ in range(int(sys.argv[1])):
    os.read(r, 1)
with open("grabbed", "w") as f:
    f.write("yes\n")
os.kill(os.getpid(), signal.SIGKILL)
"""


def env(marker, **extra):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("NINJA_") and k not in ("NJ_FLAGS", "MAKEFLAGS",
                                                     "MFLAGS", "MAKELEVEL")}
    e.update(TERM="dumb", LC_ALL="C", NINJA_STATUS="[%f/%t] ")
    e[marker] = "1"
    e.update(extra)
    return e


def peak(lines):
    cur = top = 0
    for l in lines:
        if l.startswith("+"):
            cur += 1
            top = max(top, cur)
        elif l.startswith("-"):
            cur -= 1
    return top


def leftovers(marker, timeout=10):
    deadline = time.time() + timeout
    while True:
        found = []
        for p in os.listdir("/proc"):
            if not p.isdigit() or int(p) == os.getpid():
                continue
            try:
                with open("/proc/%s/environ" % p, "rb") as f:
                    e = f.read()
                with open("/proc/%s/stat" % p) as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                        continue
            except OSError:
                continue
            if marker.encode() in e:
                found.append(int(p))
        if not found or time.time() > deadline:
            return found
        time.sleep(0.05)


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Jobserver(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        if not os.access(NJ, os.X_OK):
            self.fail("%s not found (set NJ=, or ./nj all)" % NJ)
        if not MAKE:
            raise unittest.SkipTest("GNU make is not installed")
        self.dir = tempfile.mkdtemp(prefix="nj-js-scenario-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.log = os.path.join(self.dir, "conc.log")
        self.marker = "NJ_JS_SCENARIO_%d_%d" % (os.getpid(), id(self))
        self.addCleanup(self._kill_leftovers)

    def _kill_leftovers(self):
        for pid in leftovers(self.marker, 0):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def path(self, *p):
        return os.path.join(self.dir, *p)

    def write(self, name, text):
        p = self.path(name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(textwrap.dedent(text))

    def lines(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            return f.read().splitlines()

    def running(self, prefix=""):
        ls = [l for l in self.lines() if l[1:].startswith(prefix)]
        return (sum(1 for l in ls if l[0] == "+") -
                sum(1 for l in ls if l[0] == "-"))

    def peak(self, prefix=""):
        return peak([l for l in self.lines() if l[1:].startswith(prefix)])

    def reset(self):
        if os.path.exists(self.log):
            os.unlink(self.log)

    def sub_make(self, name, n, hold=1, gate=None):
        """sub NAME: n recipes of `hold` seconds, each stamped; a recipe
        first waits for the file `gate` when there is one."""
        wait = ""
        if gate:
            wait = ("i=0; while [ ! -e %s ] && [ $$i -lt 1200 ]; do "
                    "sleep 0.05; i=$$((i+1)); done; " % self.path(gate))
        targets = " ".join("%s.t%d" % (name, i) for i in range(n))
        self.write(name + "/Makefile",
                   ".PHONY: all %s\nall: %s\n%s:\n\t@%secho +$@ >> %s; "
                   "sleep %s; echo -$@ >> %s\n"
                   % (targets, targets, targets, wait, self.log, hold,
                      self.log))

    def run_cmd(self, argv, cwd=None, **extra):
        try:
            p = subprocess.run(argv, cwd=cwd or self.dir,
                               env=env(self.marker, **extra),
                               stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=TIMEOUT)
        except subprocess.TimeoutExpired as ex:
            self.fail("timeout after %ss: %s\n%s" % (
                TIMEOUT, " ".join(argv),
                (ex.stdout or b"").decode(errors="replace")))
        return p.returncode, (p.stdout + p.stderr).decode(errors="replace")

    def spawn(self, argv, cwd=None):
        p = subprocess.Popen(argv, cwd=cwd or self.dir, env=env(self.marker),
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        self.addCleanup(lambda: (p.poll() is None and p.kill(),
                                 p.communicate()))
        return p

    def finish(self, p):
        try:
            out, _ = p.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
            self.fail("did not finish:\n" + out.decode(errors="replace"))
        return p.returncode, out.decode(errors="replace")

    def wait_until(self, cond, what):
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            if cond():
                return
            time.sleep(0.02)
        self.fail("timed out waiting for %s\n%s" % (what,
                                                     "\n".join(self.lines())))

    def assert_no_leftovers(self):
        self.assertEqual(leftovers(self.marker), [],
                         "processes of the build still running")

    def nj(self, *args, cwd=None):
        return self.run_cmd([NJ] + [str(a) for a in args], cwd=cwd)

    def makes_manifest(self, subs, plain=0):
        m = "rule make\n  command = %s -s -C $dir\n" % MAKE
        m += ("rule plain\n  command = echo +$out >> %s; sleep 1; "
              "echo -$out >> %s; touch $out\n" % (self.log, self.log))
        m += "".join("build %s.done: make\n  dir = %s\n" % (s, s)
                     for s in subs)
        m += "".join("build p%d: plain\n" % i for i in range(plain))
        self.write("build.ninja", m)

    # ---- 1 ----------------------------------------------------------------

    def test_1_make_subbuilds_share_j(self):
        # Without a jobserver this reaches only 3: one recipe per make, and
        # nj's own job (ninja 1.11 fails here).
        for s in ("sub1", "sub2"):
            self.sub_make(s, 7)
        self.makes_manifest(["sub1", "sub2"], plain=1)
        rc, out = self.nj("-j4")
        self.assertEqual(rc, 0, out)
        ls = self.lines()
        self.assertEqual(sum(1 for l in ls if l.startswith("+")), 15, ls)
        self.assertEqual(self.peak(), 4, "recipes at once under nj -j4\n%s"
                         % "\n".join(ls))

    def test_1_control_without_jobserver_makes_are_serial(self):
        for s in ("sub1", "sub2"):
            self.sub_make(s, 3)
        self.makes_manifest(["sub1", "sub2"])
        rc, out = self.nj("-j4", "--jobserver=off")
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.peak(), 2, "\n".join(self.lines()))
        self.reset()
        rc, out = self.nj("-t", "clean")
        rc, out = self.nj("-j4")
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.peak(), 4, "\n".join(self.lines()))

    # ---- 2 ----------------------------------------------------------------

    def test_2_killed_holder_costs_nothing(self):
        self.write("grab.py", GRAB_PY)
        for s in ("sub1", "sub2"):
            self.sub_make(s, 6)
        self.write("build.ninja", """\
            rule grab
              command = %s grab.py 3; touch $out
            rule make
              command = %s -s -C $dir
            build grab: grab
            build sub1.done: make || grab
              dir = sub1
            build sub2.done: make || grab
              dir = sub2
            """ % (PY, MAKE))
        rc, out = self.nj("-j4")
        self.assertEqual(rc, 0, out)
        self.assertTrue(os.path.exists(self.path("grabbed")), out)
        self.assertEqual(self.peak(), 4, "\n".join(self.lines()))

    def test_2_killed_make_while_others_run(self):
        # A make that kills itself once it runs 3 recipes (so it holds 2
        # tokens), beside another make; afterwards a third make still
        # reaches -j on its own.
        self.sub_make("sub1", 6)
        self.sub_make("late", 8)
        self.write("dies/Makefile", """\
            all: a b c
            a b:
            \t@echo +dies.$@ >> %(log)s; sleep 3
            c:
            \t@sleep 0.5; kill -9 $$PPID; sleep 1
            """ % {"log": self.log})
        self.write("build.ninja", """\
            rule make
              command = %s -s -C $dir; touch $out
            build dies.done: make
              dir = dies
            build sub1.done: make
              dir = sub1
            build late.done: make || dies.done sub1.done
              dir = late
            """ % MAKE)
        rc, out = self.nj("-j4")
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.peak("late."), 4, "\n".join(self.lines()))

    def test_2_control_make_loses_the_tokens(self):
        # The same as the first, under GNU make -j4 itself: the grabbed
        # tokens are gone for good, the sub-builds reach only 2. (When this
        # reaches 4, the scenario above proves nothing.)
        self.write("grab.py", GRAB_PY)
        for s in ("sub1", "sub2"):
            self.sub_make(s, 6)
        self.write("Makefile", """\
            all: sub1 sub2
            grab:
            \t+-%s grab.py 3
            sub1 sub2: grab
            \t+@$(MAKE) -s -C $@
            .PHONY: all grab sub1 sub2
            """ % PY)
        rc, out = self.run_cmd([MAKE, "-j4"])
        self.assertEqual(rc, 0, out)
        self.assertTrue(os.path.exists(self.path("grabbed")), out)
        self.assertLess(self.peak(), 4, "\n".join(self.lines()))

    # ---- 3 ----------------------------------------------------------------

    def inner(self, d, n=9, hold=1):
        m = ("rule s\n  command = echo +$out >> %s; sleep %s; "
             "echo -$out >> %s; touch $out\n" % (self.log, hold, self.log))
        m += "".join("build %s%d: s\n" % (d, i) for i in range(n))
        self.write(d + "/build.ninja", m)

    def test_3_nj_under_make(self):
        # make's tokens replace nj's default -j (3 on two cores): under
        # -j4 and -j8 nj alone reaches 4 and 8 (its implicit slot plus the
        # tokens), and beside a sub-make they share the pool.
        for j in (4, 8):
            self.reset()
            self.inner("inner%d" % j, 12)
            self.write("Makefile", """\
                all:
                \t+%s -C inner%d >/dev/null
                """ % (NJ, j))
            rc, out = self.run_cmd([MAKE, "-j%d" % j])
            self.assertEqual(rc, 0, out)
            self.assertEqual(self.peak(), j, "\n".join(self.lines()))
        self.reset()
        self.inner("inner", 9)
        self.sub_make("m", 4)
        self.write("Makefile", """\
            all: nj m
            nj:
            \t+%s -C inner >/dev/null
            m:
            \t+@$(MAKE) -s -C m
            .PHONY: all nj m
            """ % NJ)
        rc, out = self.run_cmd([MAKE, "-j4"])
        self.assertEqual(rc, 0, out)
        self.assertEqual(sum(1 for l in self.lines() if l[0] == "+"), 13)
        self.assertEqual(self.peak(), 4, "\n".join(self.lines()))

    def test_3_explicit_j_under_make_wins(self):
        # As ninja: -j2 ignores make's jobserver.
        self.inner("inner", 6)
        self.write("Makefile", "all:\n\t+%s -C inner -j2 >/dev/null\n" % NJ)
        rc, out = self.run_cmd([MAKE, "-j8"])
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.peak(), 2, "\n".join(self.lines()))

    def test_3_submake_under_nj_under_make_shares_the_pool(self):
        # make -j4 runs nj, whose commands are sub-makes: they see make's
        # jobserver unchanged, so all of them together stay at 4.
        for s in ("sub1", "sub2"):
            self.sub_make(s, 6)
        self.makes_manifest(["sub1", "sub2"])
        self.write("Makefile", "all:\n\t+%s >/dev/null\n" % NJ)
        rc, out = self.run_cmd([MAKE, "-j4"])
        self.assertEqual(rc, 0, out)
        self.assertEqual(sum(1 for l in self.lines() if l[0] == "+"), 12)
        self.assertEqual(self.peak(), 4, "\n".join(self.lines()))

    def test_3_nj_under_nj(self):
        self.inner("inner", 8)
        self.write("build.ninja", """\
            rule nj
              command = %s -C inner >/dev/null
            rule s
              command = echo +$out >> %s; sleep 1; echo -$out >> %s; touch $out
            build inner.done: nj
            build a: s
            build b: s
            """ % (NJ, self.log, self.log))
        rc, out = self.nj("-j3")
        self.assertEqual(rc, 0, out)
        self.assertEqual(sum(1 for l in self.lines() if l[0] == "+"), 10)
        self.assertEqual(self.peak(), 3, "\n".join(self.lines()))

    # ---- 5 ----------------------------------------------------------------

    def test_5_sigint_nj_over_make_subbuilds(self):
        for s in ("sub1", "sub2"):
            self.sub_make(s, 40)
        self.makes_manifest(["sub1", "sub2"])
        p = self.spawn([NJ, "-j4"])
        self.wait_until(lambda: self.running() >= 4, "4 recipes running")
        p.send_signal(signal.SIGINT)
        rc, out = self.finish(p)
        self.assertEqual(rc, 130, out)  # interrupted, as ninja 1.14
        self.assertIn("interrupted by user", out)
        self.assert_no_leftovers()
        self.assertLessEqual(self.peak(), 4)

    def test_5_sigint_nj_under_make_gives_tokens_back(self):
        # make -j3 -k: nj (a recipe) takes what tokens it can, then is
        # interrupted; the `late` recipes, which start their stamps only
        # after that, must still run 3 at once: make got its tokens back.
        self.inner("inner", 8, hold=60)
        self.sub_make("late", 6, gate="interrupted")
        self.write("Makefile", """\
            all: nj late
            nj:
            \t+@echo $$$$ > nj.pid; exec %s -C inner >/dev/null
            late: wait-nj
            \t+@$(MAKE) -s -C late
            wait-nj:
            \t@while [ ! -s nj.pid ] || [ $$(cat %s 2>/dev/null | grep -c '^+') -lt 2 ]; do sleep 0.05; done
            .PHONY: all nj late wait-nj
            """ % (NJ, self.log))
        p = self.spawn([MAKE, "-k", "-j3"])
        self.wait_until(lambda: self.running("inner") >= 2 and
                        os.path.exists(self.path("nj.pid")),
                        "nj running 2 jobs")
        with open(self.path("nj.pid")) as f:
            njpid = int(f.read())
        time.sleep(0.5)  # let nj take the token wait-nj gives back, if it can
        held = self.running("inner") - 1
        os.kill(njpid, signal.SIGINT)
        self.wait_until(lambda: not pid_alive(njpid), "nj to stop")
        self.write("interrupted", "")
        rc, out = self.finish(p)
        self.assertNotEqual(rc, 0, out)  # the nj recipe failed
        self.assertGreaterEqual(held, 1, "nj held no token when interrupted")
        self.assertEqual(self.peak("late"), 3, "\n".join(self.lines()))
        self.assert_no_leftovers()

    def test_5_sigint_nj_under_nj(self):
        self.inner("inner", 8, hold=60)
        self.write("build.ninja", """\
            rule nj
              command = %s -C inner >/dev/null
            build inner.done: nj
            """ % NJ)
        p = self.spawn([NJ, "-j3"])
        self.wait_until(lambda: self.running() >= 3, "3 jobs running")
        p.send_signal(signal.SIGINT)
        rc, out = self.finish(p)
        self.assertEqual(rc, 130, out)  # interrupted, as ninja 1.14
        self.assert_no_leftovers()
        self.assertEqual(self.peak(), 3, "\n".join(self.lines()))


CLASSES = (Jobserver,)


if __name__ == "__main__":
    unittest.main()
