"""Build-directory files that are not what they should be (issue 13): never
read without bound, never a crash; the build goes on as ninja's does."""

import os
import unittest

from harness import NjTestCase, nj_only, NJ as NJ_BIN


class HostileStateFiles(NjTestCase):
    def setUp(self):
        super().setUp()
        self.manifest("""\
            rule cc
              command = echo "$out: $in" > $out.d; cp $in $out
              depfile = $out.d
              deps = gcc
            build x.o: cc x.c
            """)
        self.write("x.c", "int x;\n")

    def check_device(self, name, dev):
        os.symlink(dev, self.path(name))
        r = self.build()
        self.assertIn("ninja: warning: %s is not a regular file; starting "
                      "over" % name, r.err)
        self.assertTrue(os.path.isfile(self.path(name)) and
                        not os.path.islink(self.path(name)), name)
        self.assertTrue(os.path.exists(dev), "only the symlink went")
        r = self.build()
        self.assertEqual(r.err, "")
        self.assertIn("no work to do", r.out)

    # ninja reads /dev/zero's endless first line and warns that the version
    # is too old; nj refuses it before reading (the same outcome).
    @nj_only("ninja words the warning as a bad version")
    def test_build_log_is_dev_zero(self):
        self.check_device(".ninja_log", "/dev/zero")

    @nj_only("ninja words the warning as a bad version")
    def test_build_log_is_dev_full(self):
        self.check_device(".ninja_log", "/dev/full")

    @nj_only("ninja words the warning as a bad version")
    def test_deps_log_is_dev_zero(self):
        self.check_device(".ninja_deps", "/dev/zero")

    @nj_only("ninja words the warning as a bad version")
    def test_deps_log_is_dev_full(self):
        self.check_device(".ninja_deps", "/dev/full")

    @nj_only(".nj_history is nj's")
    def test_history_is_dev_zero(self):
        self.check_device(".nj_history", "/dev/zero")

    @nj_only(".nj_history is nj's")
    def test_history_is_dev_full(self):
        self.check_device(".nj_history", "/dev/full")

    @nj_only("ninja would block on the FIFO")
    def test_build_log_is_a_fifo(self):
        os.mkfifo(self.path(".ninja_log"))
        r = self.build()
        self.assertIn(".ninja_log is not a regular file", r.err)

    @nj_only(".nj_history is nj's")
    def test_history_is_a_directory_warns_once_and_builds(self):
        os.mkdir(self.path(".nj_history"))
        r = self.build()
        self.assertEqual(r.err.count(".nj_history"), 1, r)
        self.assertIn("ninja: warning: .nj_history: Is a directory", r.err)
        self.assertTrue(self.exists("x.o"))

    @nj_only("ninja runs the first command, then fails writing the log")
    def test_build_log_is_a_directory_is_an_error_naming_it_once(self):
        os.mkdir(self.path(".ninja_log"))
        r = self.fails()
        self.assertIn("ninja: error: loading build log .ninja_log: Is a "
                      "directory", r.err)
        self.assertEqual(r.err.count(".ninja_log"), 1, r)

    def test_header_torn_before_its_version_warns_as_ninja(self):
        self.write(".ninja_log", "# ninja l")
        r = self.build()
        self.assertIn("ninja: warning: build log version is too old; "
                      "starting over", r.err)
        self.assertNoWork()

    @nj_only("ninja appends its first record to the torn header line, so "
             "its next run starts over and rebuilds")
    def test_header_torn_after_its_version_is_kept_quietly(self):
        self.write(".ninja_log", "# ninja log v7")
        r = self.build()
        self.assertEqual(r.err, "")
        self.assertNoWork()


if __name__ == "__main__":
    unittest.main()


# Runs argv with stdout to a file; prints the peak RSS (KiB) of the largest
# process it waited for: nj (the job's processes are small).
PEAK = ("import resource, subprocess, sys\n"
        "with open(sys.argv[1], 'wb') as f:\n"
        "    rc = subprocess.run(sys.argv[2:], stdout=f).returncode\n"
        "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")


class HostileCommands(NjTestCase):
    def test_command_too_long_to_start_is_elided_in_the_message(self):
        # 2 MB of arguments: posix_spawn fails with E2BIG
        self.manifest("rule r\n  command = echo $x > $out\nbuild a: r\n"
                      "  x = " + "y" * 2000000 + "\n")
        r = self.fails()
        self.assertIn("Argument list too long", r.out + r.err)
        self.assertLess(len(r.out + r.err), 4096, r.out[:300])

    @nj_only("ninja holds the whole output twice (~100 MB)")
    def test_job_printing_50_mb_costs_no_heap(self):
        self.manifest("rule r\n"
                      "  command = head -c 52428800 /dev/zero | tr '\\0' x;"
                      " touch $out\n"
                      "build a: r\n")
        import subprocess, sys
        p = subprocess.run([sys.executable, "-c", PEAK, self.path("out"), NJ_BIN],
                           cwd=self.dir, capture_output=True, text=True,
                           timeout=120)
        rc, peak_kb = (int(x) for x in p.stdout.split())
        self.assertEqual(rc, 0, p.stderr)
        with open(self.path("out"), "rb") as f:
            out = f.read()
        self.assertEqual(out.count(b"x" * 1024), 51200, "all of it, whole")
        # 166 MB before: the pipe's buffer, a copy, the printer's copy.
        # Now the heap holds 256K at most; what remains is the mapped
        # file's pages while they are written out, and nj itself.
        self.assertLess(peak_kb, 90 * 1024, "peak %d KiB" % peak_kb)
