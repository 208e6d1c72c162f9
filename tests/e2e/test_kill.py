"""Hard stops (issue 13): nj killed with SIGKILL at random moments of a
200-edge build with depfiles (deps = gcc) and restat, and SIGTERM, SIGINT
and SIGHUP with several jobs running, each a tree of processes."""

import os
import random
import signal
import subprocess
import time
import unittest

from harness import NjTestCase, nj_only, pid_alive, base_env, NJ, TIMEOUT

NSRC, NHDR, NOBJ, NGEN = 50, 10, 100, 50

# 100 compiles (deps = gcc) -> 50 restat steps (each rewrites its output
# only when it changes) -> 49 links -> 1 final: 200 edges. Every command
# writes its output in two steps, so a stop can leave a partial one.
RULES = """\
rule cc
  command = cat $in > $out; sleep 0.01; cat $hdr >> $out; echo "$out: $in $hdr" > $out.d
  depfile = $out.d
  deps = gcc
  description = $out
rule gen
  command = cat $in > $out.tmp; sleep 0.01; cmp -s $out.tmp $out || cp $out.tmp $out; rm -f $out.tmp
  restat = 1
  description = $out
rule link
  command = : > $out; sleep 0.005; cat $in >> $out
  description = $out
"""


def manifest():
    m = [RULES]
    for i in range(NOBJ):
        m.append("build obj/o%d.o: cc src/s%d.c\n  hdr = hdr/h%d.h\n"
                 % (i, i % NSRC, i % NHDR))
    for k in range(NGEN):
        m.append("build gen/g%d.txt: gen obj/o%d.o obj/o%d.o\n"
                 % (k, 2 * k, 2 * k + 1))
    for k in range(NGEN - 1):
        m.append("build out/l%d: link gen/g%d.txt\n" % (k, k))
    m.append("build final: link %s\n"
             % " ".join("out/l%d" % k for k in range(NGEN - 1)))
    return "".join(m)


def log_outputs(text):
    """Outputs of the .ninja_log lines in text (after its header)."""
    outs = []
    for line in text.splitlines():
        f = line.split("\t")
        if len(f) == 5:
            outs.append(f[3])
    return outs


class KillDuringBuild(NjTestCase):
    def procs_in_dir(self):
        """Processes whose working directory is the test's: the jobs a
        killed nj left behind."""
        found = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                if os.readlink("/proc/%s/cwd" % pid) == self.dir:
                    found.append(int(pid))
            except OSError:
                pass
        return found

    def wait_orphans(self):
        # nj cannot end its jobs when it is killed outright (nor can
        # ninja): they finish on their own, as they would after a crash.
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            if not [p for p in self.procs_in_dir() if pid_alive(p)]:
                return
            time.sleep(0.02)
        self.fail("jobs of the killed nj still running")

    def expected(self):
        src = ["s%d\n" % i for i in range(NSRC)]
        hdr = ["h%d %s\n" % (i, self.hdr_version[i]) for i in range(NHDR)]
        obj = [src[i % NSRC] + hdr[i % NHDR] for i in range(NOBJ)]
        gen = [obj[2 * k] + obj[2 * k + 1] for k in range(NGEN)]
        want = {}
        for i in range(NOBJ):
            want["obj/o%d.o" % i] = obj[i]
        for k in range(NGEN):
            want["gen/g%d.txt" % k] = gen[k]
        for k in range(NGEN - 1):
            want["out/l%d" % k] = gen[k]
        want["final"] = "".join(gen[:NGEN - 1])
        return want

    def test_sigkill_at_20_random_moments(self):
        rnd = random.Random(os.environ.get("NJ_KILL_SEED", "13"))
        self.write("build.ninja", manifest(), dedent=False)
        for i in range(NSRC):
            self.write("src/s%d.c" % i, "s%d\n" % i)
        self.hdr_version = [0] * NHDR
        for i in range(NHDR):
            self.write("hdr/h%d.h" % i, "h%d 0\n" % i)
        # How long a whole build takes here, to spread the kills over it.
        t0 = time.time()
        self.build("-j", "4")
        full = time.time() - t0
        self.assertNoWork("-j", "4")
        env = base_env()
        for it in range(20):
            if it % 2 == 0:
                # from nothing: outputs and logs removed
                for d in ("obj", "gen", "out"):
                    for f in os.listdir(self.path(d)):
                        os.unlink(self.path(d + "/" + f))
                for f in ("final", ".ninja_log", ".ninja_deps"):
                    if self.exists(f):
                        os.unlink(self.path(f))
                span = full
            else:
                # incremental: a header changes; some restat steps see
                # their output unchanged (when the header goes back)
                h = rnd.randrange(NHDR)
                self.hdr_version[h] = rnd.choice([0, it])
                self.touch_newer("hdr/h%d.h" % h,
                                 "h%d %s\n" % (h, self.hdr_version[h]))
                span = full * NOBJ / NHDR / 200 + 0.05
            before = self.read(".ninja_log") if self.exists(".ninja_log") \
                else ""
            p = subprocess.Popen([NJ, "-j", "4"], cwd=self.dir, env=env,
                                 stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            time.sleep(rnd.uniform(0, span))
            p.send_signal(signal.SIGKILL)
            p.wait()
            self.wait_orphans()
            after = self.read(".ninja_log") if self.exists(".ninja_log") \
                else ""
            self.assertTrue(after.startswith(before) or not before, it)
            finished = set(log_outputs(after[len(before):]))

            r = self.build("-j", "4")
            # the logs load without a warning
            self.assertEqual(r.err, "", "iteration %d" % it)
            rebuilt = set(l.split("] ", 1)[1] for l in r.lines
                          if l.startswith("["))
            if os.environ.get("NJ_KILL_VERBOSE"):
                print("iteration %d: %d logged before the kill, %d run after"
                      % (it, len(finished), len(rebuilt)))
            self.assertEqual(rebuilt & finished, set(),
                             "iteration %d: logged as finished, rebuilt" % it)
            for path, content in self.expected().items():
                self.assertEqual(self.read(path), content,
                                 "iteration %d: %s" % (it, path))
            self.assertNoWork("-j", "4")


# Each job is a tree: the job's shell, a background sleep, and a nested
# shell running a foreground sleep; every pid is written down.
TREE = """\
rule tree
  command = echo partial > $out; sleep 30 & echo $$! > $out.bg; sh -c 'echo $$$$ > $out.sh; exec sleep 30'; touch $out
  description = TREE $out
build a: tree
build b: tree
build c: tree
build d: tree
"""


class StopSignals(NjTestCase):
    def stop(self, sig):
        self.manifest(TREE)
        p = self.spawn("-j", "4")
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
        pids = []
        deadline = time.time() + TIMEOUT
        for o in "abcd":
            for suffix in (".bg", ".sh"):
                while time.time() < deadline:
                    t = self.read(o + suffix).strip() \
                        if self.exists(o + suffix) else ""
                    if t.isdigit():
                        break
                    time.sleep(0.01)
                pids.append(int(t))
        for pid in pids:
            self.addCleanup(lambda pid=pid: pid_alive(pid) and
                            os.kill(pid, signal.SIGKILL))
        time.sleep(0.1)  # the nested shells exec their sleep
        p.send_signal(sig)
        out, err = p.communicate(timeout=TIMEOUT)
        # ninja's ExitInterrupted for each of the three (build.cc: a
        # command interrupted -> "interrupted by user" -> 130)
        self.assertEqual(p.returncode, 130, out + err)
        self.assertIn(b"ninja: build stopped: interrupted by user.", out)
        deadline = time.time() + 5
        while time.time() < deadline and any(pid_alive(x) for x in pids):
            time.sleep(0.02)
        self.assertEqual([x for x in pids if pid_alive(x)], [],
                         "processes of the jobs still running")
        for o in "abcd":
            self.assertFalse(self.exists(o), "partial output %s kept" % o)
        return out

    def test_sigterm_ends_every_job_tree(self):
        self.stop(signal.SIGTERM)

    @nj_only("ninja passes SIGINT on to each job's group, and sh's "
             "background commands ignore SIGINT: ninja leaves them running")
    def test_sigint_ends_every_job_tree(self):
        self.stop(signal.SIGINT)

    def test_sighup_ends_every_job_tree(self):
        self.stop(signal.SIGHUP)


if __name__ == "__main__":
    unittest.main()
