""".ninja_log and .ninja_deps, and taking turns with ninja in one directory."""

import os
import re
import subprocess
import unittest

from harness import (NjTestCase, nj_only, not_ninja, IS_NINJA, OLD_NINJA,
                     SYSTEM_NINJA,
                     base_env, TIMEOUT)

CC = """\
rule cc
  command = echo "$out: $in hdr.h" > $out.d; cp $in $out; echo $out >> runs
  depfile = $out.d
  deps = gcc
  description = CC $out
build x.o: cc x.c
build y.o: cc y.c
"""


def log_version(text):
    m = re.match(r"# ninja log v(\d+)\n", text)
    return int(m.group(1)) if m else None


class BuildLog(NjTestCase):
    def setUp(self):
        super().setUp()
        for f in ("x.c", "y.c", "hdr.h"):
            self.write(f, f)
        self.manifest(CC)

    def test_log_header(self):
        self.build()
        v = log_version(self.read(".ninja_log"))
        self.assertIn(v, (5, 6, 7), self.read(".ninja_log")[:40])

    @unittest.skipUnless(OLD_NINJA, "ninja 1.11 writes v5; nj and ninja "
                         "1.13 and later write v7")
    def test_ninja_writes_v5(self):
        self.build()
        self.assertTrue(self.read(".ninja_log").startswith("# ninja log v5\n"))

    @nj_only("a new log is written as version 7 (ninja 1.13)")
    def test_new_log_is_v7(self):
        self.build()
        self.assertTrue(self.read(".ninja_log").startswith("# ninja log v7\n"))

    def test_log_records_outputs(self):
        self.build()
        lines = self.read(".ninja_log").splitlines()[1:]
        outs = sorted(l.split("\t")[3] for l in lines)
        self.assertEqual(outs, ["x.o", "y.o"])
        for l in lines:
            f = l.split("\t")
            self.assertEqual(len(f), 5, l)
            int(f[0]), int(f[1]), int(f[2])
            self.assertRegex(f[4], r"^[0-9a-f]+$")

    def test_log_records_every_output_of_edge(self):
        self.manifest("rule w\n  command = touch $out\nbuild a b: w\n")
        self.build()
        outs = sorted(l.split("\t")[3]
                      for l in self.read(".ninja_log").splitlines()[1:])
        self.assertEqual(outs, ["a", "b"])

    def test_dry_run_writes_no_entries(self):
        self.build("-n")
        if self.exists(".ninja_log"):
            self.assertEqual(self.read(".ninja_log").splitlines()[1:], [])

    def test_failed_edge_not_logged(self):
        self.manifest("rule f\n  command = touch $out; false\nbuild a: f\n")
        self.fails()
        if self.exists(".ninja_log"):
            self.assertNotIn("\ta\t", self.read(".ninja_log"))

    def test_torn_last_line(self):
        self.build()
        with open(self.path(".ninja_log"), "a") as f:
            f.write("123\t45")
        r = self.build()
        self.assertIn("ninja: no work to do.", r.out)
        os.unlink(self.path("y.o"))
        r = self.build()
        self.assertRan(r, 1)
        self.assertNoWork()

    def test_garbage_line_in_log(self):
        self.build()
        with open(self.path(".ninja_log"), "a") as f:
            f.write("this is not a log line\n")
        r = self.build()
        self.assertEqual(r.rc, 0)
        self.assertNoWork()

    def test_deleted_log_rebuilds_all(self):
        self.build()
        os.unlink(self.path(".ninja_log"))
        r = self.build()
        # without a log nothing is known about the commands: all rebuilt
        self.assertRan(r, 2)
        self.assertNoWork()

    def test_old_log_version_starts_over(self):
        self.build()
        self.write(".ninja_log", "# ninja log v3\n", dedent=False)
        r = self.build()
        self.assertEqual(r.rc, 0)
        self.assertNoWork()

    def test_log_in_builddir_created(self):
        self.manifest("builddir = b/d\n", CC)
        self.build()
        self.assertTrue(self.exists("b/d/.ninja_log"))
        self.assertTrue(self.exists("b/d/.ninja_deps"))
        self.assertNoWork()


    def test_a_build_that_runs_nothing_leaves_no_build_log(self):
        # As ninja's current source (its log is opened at the first
        # record): nothing run, no .ninja_log; a failed command is not
        # logged either; the first command that succeeds makes it.
        self.manifest("""\
            rule fail
              command = false
            rule touch
              command = touch $out
            build a: phony
            build b: fail
            build c: touch
            """)
        self.build("a")
        self.assertFalse(self.exists(".ninja_log"))
        self.fails("b")
        self.assertFalse(self.exists(".ninja_log"))
        self.build("c")
        log = self.read(".ninja_log")
        self.assertRegex(log, r"^# ninja log v\d+\n\d+\t\d+\t\d+\tc\t")

    def test_a_log_that_cannot_be_made_stops_the_build_at_the_first_record(self):
        # ninja's words, once a command has succeeded and must be logged;
        # a dangling link, since root may write in any directory
        self.manifest("""\
            rule touch
              command = touch $out
            build c: touch
            """)
        os.symlink("nodir/x", self.path(".ninja_log"))
        r = self.fails("c")
        self.assertIn("ninja: build stopped: Error writing to build log: "
                      "No such file or directory.", r.out + r.err, r)


class DepsLog(NjTestCase):
    def setUp(self):
        super().setUp()
        for f in ("x.c", "y.c", "hdr.h"):
            self.write(f, f)
        self.manifest(CC)

    def test_deps_log_header(self):
        self.build()
        data = self.readb(".ninja_deps")
        self.assertTrue(data.startswith(b"# ninjadeps\n"), data[:16])
        self.assertEqual(int.from_bytes(data[12:16], "little"), 4)

    def test_a_build_that_records_no_deps_leaves_no_deps_log(self):
        # As ninja's (its deps log is opened at the first record): no
        # .ninja_deps from a build without deps =, and one from a build
        # with it.
        self.manifest("""\
            rule cp
              command = cp $in $out
            build x.o: cp x.c
            """)
        self.build()
        self.assertTrue(self.exists("x.o"))
        self.assertFalse(self.exists(".ninja_deps"))
        self.manifest(CC)
        self.build()
        self.assertTrue(self.exists(".ninja_deps"))

    def test_truncated_deps_log(self):
        self.build()
        data = self.readb(".ninja_deps")
        with open(self.path(".ninja_deps"), "wb") as f:
            f.write(data[:-5])
        r = self.build()
        self.assertEqual(r.rc, 0)
        self.assertNotIn("error", r.err)
        # a second run settles to no work, and deps work again
        self.assertNoWork()
        self.touch_newer("hdr.h")
        r = self.build()
        self.assertRan(r, 2)
        self.assertNoWork()

    def test_truncated_to_header(self):
        self.build()
        data = self.readb(".ninja_deps")
        with open(self.path(".ninja_deps"), "wb") as f:
            f.write(data[:16])
        r = self.build()
        self.assertRan(r, 2)  # deps missing: both rebuilt
        self.assertNoWork()

    def test_garbage_deps_log(self):
        self.build()
        self.write(".ninja_deps", "garbage garbage garbage", dedent=False)
        r = self.build()
        self.assertEqual(r.rc, 0)
        self.assertNoWork()

    def test_deleted_deps_log_rebuilds(self):
        self.build()
        os.unlink(self.path(".ninja_deps"))
        r = self.build()
        self.assertRan(r, 2)
        self.assertNoWork()

    def test_deps_survive_many_builds(self):
        self.build()
        for i in range(3):
            self.touch_newer("x.c", "x%d" % i)
            r = self.build()
            self.assertRan(r, 1)
        self.touch_newer("hdr.h")
        r = self.build()
        self.assertRan(r, 2)

    def test_no_depfile_is_left_after_the_build(self):
        # nj deletes read depfiles later than ninja (scheduler/depfiles.c),
        # but by the end of the build every one is gone.
        self.build()
        self.assertFalse(self.exists("x.o.d"))
        self.assertFalse(self.exists("y.o.d"))
        self.touch_newer("hdr.h")
        self.assertRan(self.build(), 2)

    def test_a_depfile_two_edges_share_keeps_each_ones_deps(self):
        # a_out, then b_out, write the same shared.d. b_out writes it and
        # waits while 1100 more depfiles are read: more than nj keeps to
        # delete later (DEPFILES_BACKLOG, 1024). a_out's shared.d, queued
        # first, must not be deleted from under b_out then: b_out keeps
        # its own deps.
        n = 1100
        parts = ["""\
rule a
  command = echo "$out: a_dep" > shared.d; touch $out
  depfile = shared.d
  deps = gcc
rule b
  command = echo "$out: b_dep" > shared.d; touch b_started; while [ ! -f marker ]; do sleep 0.05; done; touch $out
  depfile = shared.d
  deps = gcc
rule small
  command = $wait echo "$out:" > $out.d; touch $out
  depfile = $out.d
  deps = gcc
rule mark
  command = touch marker $out
build a_out: a
build b_out: b || a_out
build s0: small || a_out
  wait = while [ ! -f b_started ]; do sleep 0.05; done;
"""]
        parts += ["build s%d: small || s%d\n" % (i, i - 1) for i in range(1, n)]
        parts.append("build m: mark || s%d\ndefault b_out m\n" % (n - 1))
        self.write("build.ninja", "".join(parts), dedent=False)
        self.write("a_dep", "a")
        self.write("b_dep", "b")
        self.build("-j2")
        r = self.build("-t", "deps", "b_out")
        self.assertIn("b_dep", r.out, r)
        self.assertFalse(self.exists("shared.d"))
        self.assertFalse(self.exists("s0.d"))
        self.assertFalse(self.exists("s%d.d" % (n - 1)))


@not_ninja("needs nj and ninja side by side")
class TakingTurns(NjTestCase):
    """nj and /usr/bin/ninja alternate in one build directory."""

    def setUp(self):
        super().setUp()
        for f in ("x.c", "y.c", "hdr.h"):
            self.write(f, f)
        self.manifest(CC, "rule w\n  command = touch $out\n  restat = 1\nbuild z: w x.o\n")

    def ninja(self, *args):
        return self.build(*args, binary=SYSTEM_NINJA)

    def test_ninja_then_nj_no_work(self):
        self.ninja()
        r = self.build()
        self.assertEqual(r.out, "ninja: no work to do.\n", r)

    def test_ninja_then_nj_deps_still_work(self):
        self.ninja()
        self.touch_newer("hdr.h")
        r = self.build()
        self.assertRan(r, 3)
        self.assertNoWork()

    def test_nj_writes_into_ninja_log_then_ninja_no_work(self):
        # nj keeps the log version ninja wrote, so ninja understands its records
        self.ninja()
        v = log_version(self.read(".ninja_log"))
        self.touch_newer("y.c")
        r = self.build()
        self.assertRan(r, 1)
        self.assertEqual(log_version(self.read(".ninja_log")), v)
        r = self.ninja()
        self.assertEqual(r.out, "ninja: no work to do.\n", r)

    def test_nj_fresh_then_ninja_no_work(self):
        ver = subprocess.run([SYSTEM_NINJA, "--version"], capture_output=True,
                             text=True, timeout=TIMEOUT).stdout.strip()
        if tuple(int(x) for x in ver.split(".")[:2]) < (1, 13):
            self.skipTest("ninja %s cannot read the v7 log nj writes" % ver)
        self.build()
        r = self.ninja()
        self.assertEqual(r.out, "ninja: no work to do.\n", r)

    def test_old_ninja_appends_to_nj_log_then_nj_no_work(self):
        # ninja 1.11 rebuilds once on nj's v7 log and appends its own
        # MurmurHash lines to it; nj recognises those, so no second rebuild
        self.build()
        self.assertEqual(log_version(self.read(".ninja_log")), 7)
        self.ninja()
        r = self.build()
        self.assertEqual(r.out, "ninja: no work to do.\n", r)
        self.touch_newer("y.c")
        r = self.build()
        self.assertRan(r, 1)
        # nj now writes ninja 1.11's hash into this log: ninja has no work
        r = self.ninja()
        self.assertEqual(r.out, "ninja: no work to do.\n", r)

    def test_alternate_several_times(self):
        self.ninja()
        for i, tool in enumerate(["nj", "ninja", "nj", "ninja"]):
            self.touch_newer("x.c", "x%d" % i)
            r = self.build(binary=None if tool == "nj" else SYSTEM_NINJA)
            self.assertRan(r, 2)
            self.assertEqual(self.read("x.o"), "x%d" % i)
        self.assertNoWork()
        r = self.ninja()
        self.assertEqual(r.out, "ninja: no work to do.\n", r)


if __name__ == "__main__":
    unittest.main()
