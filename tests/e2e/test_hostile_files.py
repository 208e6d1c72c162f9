"""Build-directory files that are not what they should be (issue 13): never
read without bound, never a crash; the build goes on as ninja's does."""

import os
import unittest

from harness import NjTestCase, nj_only


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
