"""nj's memory extensions as a user meets them: `mem =` in manifests, the
flags, -t mem and the history file. (The behaviour under real memory
pressure is in tests/scenarios.)"""
import json
import os
import shutil
import subprocess
import unittest

from harness import NJ, REPO, NjTestCase, base_env, nj_only

ONLY = "mem = and the memory flags are nj's"


class MemBindings(NjTestCase):
    def test_edge_rule_and_pool_sizes_accepted(self):
        self.manifest("""\
            pool link
              depth = 1
              mem = 1.5G
            rule cc
              command = touch $out
              mem = 300M
            build a: cc
              mem = 2GiB
            build b: cc
              pool = link
            build c: cc
              mem = 0
            """)
        if not self.is_ninja():
            self.build()
            for f in "abc":
                self.assertTrue(self.exists(f))

    def is_ninja(self):
        from harness import IS_NINJA
        return IS_NINJA

    @nj_only(ONLY)
    def test_bad_edge_size_is_an_error_with_file_and_line(self):
        self.manifest("""\
            rule cc
              command = touch $out
            build a: cc
              mem = lots
            """)
        r = self.fails()
        self.assertIn("build.ninja:4: invalid mem size 'lots'", r.err)
        self.assertFalse(self.exists("a"))

    @nj_only(ONLY)
    def test_bad_edge_size_after_other_bindings_names_its_own_line(self):
        # the error used to name the line after the statement
        self.manifest("""\
            rule cc
              command = touch $out
            build a: cc
              mem = zz
              other = 1

            build b: cc
            """)
        r = self.fails()
        self.assertIn("build.ninja:4: invalid mem size 'zz'", r.err)

    @nj_only(ONLY)
    def test_bad_size_from_the_rule_names_the_build_line(self):
        self.manifest("""\
            rule cc
              command = touch $out
              mem = $size
            build a: cc
              size = 12Q
            """)
        r = self.fails()
        self.assertIn("build.ninja:4: invalid mem size '12Q'", r.err)

    def test_file_scope_mem_is_the_manifests_own_variable(self):
        # ninja builds this; nj used to call 'banana' an invalid size
        self.manifest("""\
            mem = banana
            rule cc
              command = echo $mem > $out
            build a: cc
            """)
        self.build()
        self.assertEqual(self.read("a"), "banana\n")

    @nj_only(ONLY)
    def test_file_scope_mem_declares_nothing(self):
        self.manifest("""\
            mem = 4G
            rule cc
              command = touch $out
            rule big
              command = touch $out
              mem = $mem
            build a: cc
            build b: big
            subninja sub.ninja
            """)
        self.write("sub.ninja", "mem = 3G\nbuild c: cc\n")
        r = self.build("-t", "mem")
        rows = {l.split()[-1]: l.split() for l in r.lines[1:]}
        self.assertEqual(rows["a"][:2], ["256M", "default"])
        self.assertEqual(rows["c"][:2], ["256M", "default"])
        # a rule that binds mem to the variable declares it
        self.assertEqual(rows["b"][:2], ["4.0G", "declared"])

    @nj_only(ONLY)
    def test_empty_mem_declares_nothing_on_a_rule_an_edge_or_a_pool(self):
        self.manifest("""\
            pool p
              depth = 1
              mem =
            rule cc
              command = touch $out
              mem =
            rule dd
              command = touch $out
            build a: cc
            build b: dd
              mem =
            build c: dd
              pool = p
            """)
        r = self.build("-t", "mem")
        rows = {l.split()[-1]: l.split() for l in r.lines[1:]}
        for f in "abc":
            self.assertEqual(rows[f][:2], ["256M", "default"], r)
        self.build()

    @nj_only(ONLY)
    def test_bad_rule_size_points_at_the_rule(self):
        self.manifest("""\
            rule cc
              command = touch $out
              mem = 12Q
            build a: cc
            """)
        r = self.fails()
        self.assertIn("build.ninja:3: invalid mem size '12Q'", r.err)

    @nj_only(ONLY)
    def test_bad_pool_size(self):
        self.manifest("""\
            pool p
              depth = 2
              mem = -1G
            """)
        r = self.fails()
        self.assertIn("build.ninja:3: invalid mem size '-1G'", r.err)
        self.assertIn("^ near here", r.err)

    def test_ninja_rejects_mem_in_pool_nj_accepts(self):
        # documents the one non-portable place: a pool's mem
        self.manifest("pool p\n  depth = 1\n  mem = 1G\n")
        from harness import IS_NINJA
        if IS_NINJA:
            r = self.fails()
            self.assertIn("unexpected variable 'mem'", r.err)
        else:
            r = self.build()
            self.assertIn("no work to do", r.out)


class MemFlags(NjTestCase):
    def setUp(self):
        super().setUp()
        self.manifest("""\
            rule cc
              command = touch $out
            build a: cc
            build b: cc
              mem = 64M
            """)

    @nj_only(ONLY)
    def test_mem_off_builds_like_ninja(self):
        self.build("--mem=off")
        self.assertTrue(self.exists("a") and self.exists("b"))

    @nj_only(ONLY)
    def test_mem_limit_and_floor(self):
        self.build("-m", "4G", "--mem-floor", "256M")
        self.assertTrue(self.exists("a") and self.exists("b"))

    @nj_only(ONLY)
    def test_bad_mem_limit(self):
        r = self.fails("--mem-limit", "plenty")
        self.assertIn("invalid --mem-limit 'plenty'", r.err)

    @nj_only(ONLY)
    def test_bad_mem_switch(self):
        r = self.fails("--mem=maybe")
        self.assertIn("invalid --mem 'maybe'", r.err)

    @nj_only(ONLY)
    def test_history_records_each_run(self):
        self.build()
        lines = [l for l in self.read(".nj_history").splitlines()
                 if not l.startswith("#")]
        keys = sorted(l.split("\t")[-1] for l in lines)
        self.assertEqual(keys, ["a", "b"])
        for l in lines:
            peak, cpu, wall, rise, code, killed = l.split("\t")[:6]
            self.assertGreater(int(peak), 0)
            self.assertLessEqual(int(rise), int(wall))
            self.assertEqual((code, killed), ("0", "0"))

    @nj_only(ONLY)
    def test_history_goes_to_builddir(self):
        self.manifest("builddir = out\nrule cc\n  command = touch $out\nbuild a: cc\n")
        self.build()
        self.assertTrue(self.exists("out/.nj_history"))
        self.assertFalse(self.exists(".nj_history"))

    @nj_only(ONLY)
    def test_dry_run_writes_no_history(self):
        self.build("-n")
        self.assertFalse(self.exists(".nj_history"))


class MemTool(NjTestCase):
    @nj_only(ONLY)
    def test_sources_of_estimates(self):
        self.manifest("""\
            rule cc
              command = touch $out
            build a: cc
            build b: cc
              mem = 64M
            build c: phony a
            """)
        r = self.build("-t", "mem")
        rows = {l.split()[-1]: l.split() for l in r.lines[1:]}
        self.assertEqual(rows["a"][:2], ["256M", "default"])
        self.assertEqual(rows["b"][:2], ["64.0M", "declared"])
        self.assertNotIn("c", rows, "phony edges need no memory")
        self.build()
        r = self.build("-t", "mem")
        rows = {l.split()[-1]: l.split() for l in r.lines[1:]}
        self.assertEqual(rows["a"][1], "history")
        self.assertEqual(rows["b"][1], "history")
        self.assertNotEqual(rows["a"][4], "-", "a recent peak is listed")


if __name__ == "__main__":
    unittest.main()


class InputSizes(NjTestCase):
    """Within a first build, a link's memory is judged by what it links once
    two links of its rule have shown the same memory per byte of input."""

    MANIFEST = """\
        rule obj
          command = truncate -s $bytes $out
        rule link
          command = %s $size --step 5M --step-ms 10 --hold-ms 100 --touch-file $out
        build s1.o: obj
          bytes = 1048576
        build s2.o: obj
          bytes = 1048576
        build s3.o: obj
          bytes = %d
        build b.o: obj
          bytes = 4194304
        build small1: link s1.o s2.o
          size = 40M
        build small2: link s2.o s3.o
          size = 40M
        build big: link b.o s1.o || small1 small2
          size = 100M
        """

    def estimates(self, s3_bytes):
        memhog = os.path.join(REPO, "build", "memhog")
        if not os.path.exists(memhog):
            self.skipTest("build/memhog (./nj all builds it)")
        self.manifest(self.MANIFEST % (memhog, s3_bytes))
        # 240M to use: a job of 30M or more is large, its rule looked at
        self.build("-j2", "-m", "256M", "--mem-floor", "16M")
        tr = json.loads(self.build("-t", "trace").out)
        return {e["name"]: e["args"]["estimate"] for e in tr["traceEvents"]
                if e.get("ph") == "X" and e.get("cat") == "job"}

    @nj_only(ONLY)
    def test_a_link_of_five_megabytes_after_two_of_two(self):
        est = self.estimates(1 << 20)
        # 40M per 2 MiB: 5 MiB is 100M and the margin (the other links'
        # peaks, the rule's percentile, are 40M and a little)
        self.assertGreater(est["big"], 95 << 20, est)
        self.assertLess(est["big"], 130 << 20, est)

    @nj_only(ONLY)
    def test_explain_names_input_sizes_as_the_source(self):
        memhog = os.path.join(REPO, "build", "memhog")
        if not os.path.exists(memhog):
            self.skipTest("build/memhog (./nj all builds it)")
        # `big` is held back by `gate` until `pad`, which reserves 60M of
        # the 144M, runs: then big's ~105M waits, and says why
        self.manifest((self.MANIFEST % (memhog, 1 << 20)).replace(
            "|| small1 small2", "|| small1 small2 gate").rstrip(" ") + """\
        rule pad
          command = sleep 2 && touch $out
          mem = 60M
        rule gate
          command = sleep 0.3 && touch $out
          mem = 1M
        build pad: pad || small1 small2
        build gate: gate || small1 small2
        """)
        r = self.build("-j3", "-m", "160M", "--mem-floor", "16M", "-d",
                       "explain")
        self.assertRegex(r.err, r"big waits for memory: needs [0-9.]+M "
                         r"\(input sizes\)", r.err)

    @nj_only(ONLY)
    def test_sizes_that_say_nothing_are_not_used(self):
        # small2 links 5 MiB for the same 40M: memory is not by size here
        est = self.estimates(4 << 20)
        self.assertLess(est["big"], 60 << 20, est)


class PerJobCost(NjTestCase):
    """What nj asks the kernel per job, counted with strace (counts, never
    times): the cgroup's OOM count and the jobs' token pipes are read per
    sample and per sub-build, not per job."""

    @nj_only(ONLY)
    def test_oom_count_and_token_pipes_are_not_read_per_job(self):
        strace = shutil.which("strace")
        if not strace:
            self.skipTest("strace is not installed")
        n = 300
        self.write("build.ninja", "rule t\n  command = : > $out\n" +
                   "".join("build o%d: t\n" % i for i in range(n)),
                   dedent=False)
        log = os.path.join(self.dir, "strace.out")
        env = base_env()
        # LeakSanitizer cannot run under ptrace (the ASan build's e2e run)
        env["ASAN_OPTIONS"] = ":".join(
            o for o in (env.get("ASAN_OPTIONS"), "detect_leaks=0") if o)
        p = subprocess.run([strace, "-o", log, "-e", "trace=openat,ioctl",
                            NJ, "-j4"], cwd=self.dir, env=env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
        self.assertTrue(self.exists("o%d" % (n - 1)))
        calls = self.read("strace.out").splitlines()
        oom = [c for c in calls if c.startswith("openat(") and
               ("oom_control" in c or "memory.events" in c or
                "/proc/vmstat" in c)]
        polls = [c for c in calls if "FIONREAD" in c]
        # one per sample (every 250 ms) and one at the start: before, two
        # per job (600); the token pipes: once per slot every 50 ms and at
        # a job's start (about 180 here): before, 12 and then 5 per job
        self.assertLess(len(oom), n // 4, "%d reads of the OOM count for "
                        "%d jobs" % (len(oom), n))
        self.assertLess(len(polls), 5 * n, "%d FIONREADs for %d jobs" % (
            len(polls), n))
