"""-t clean and -t cleandead: what is removed, what is kept, what is said."""

import unittest

from harness import NjTestCase, since_1_14

MANIFEST = """\
rule cc
  command = touch $out
  depfile = $out.d
rule link
  command = touch $out
  rspfile = $out.rsp
  rspfile_content = $in
rule gen
  command = touch $out
  generator = 1
build a.o: cc a.c
build b.o: cc b.c
build prog: link a.o b.o
build gen.ninja: gen
build all: phony prog
"""

OUTPUTS = ["a.o", "a.o.d", "b.o", "b.o.d", "prog", "prog.rsp", "gen.ninja"]

CLEAN_USAGE = """\
usage: ninja -t clean [options] [targets]

options:
  -g     also clean files marked as ninja generator output
  -r     interpret targets as a list of rules to clean instead
"""


class Clean(NjTestCase):
    def setUp(self):
        super().setUp()
        self.manifest(MANIFEST)
        for f in ["a.c", "b.c"] + OUTPUTS:
            self.write(f)

    def left(self):
        return [f for f in OUTPUTS if self.exists(f)]

    def test_all_keeps_generator_outputs_and_sources(self):
        r = self.build("-t", "clean")
        self.assertEqual(r.out, "Cleaning... 6 files.\n")
        self.assertEqual(r.err, "")
        self.assertEqual(self.left(), ["gen.ninja"])
        self.assertTrue(self.exists("a.c") and self.exists("b.c"))
        self.assertTrue(self.exists("build.ninja"))

    def test_generator_flag(self):
        r = self.build("-t", "clean", "-g")
        self.assertEqual(r.out, "Cleaning... 7 files.\n")
        self.assertEqual(self.left(), [])

    def test_missing_files_are_not_counted(self):
        self.build("-t", "clean")
        r = self.build("-t", "clean")
        self.assertEqual(r.out, "Cleaning... 0 files.\n")

    def test_verbose_lists_in_edge_order(self):
        r = self.build("-v", "-t", "clean")
        self.assertEqual(r.lines, ["Cleaning...", "Remove a.o", "Remove a.o.d",
                                   "Remove b.o", "Remove b.o.d", "Remove prog",
                                   "Remove prog.rsp", "6 files."])

    def test_dry_run_lists_and_removes_nothing(self):
        self.write("b.o.d", "")
        import os
        os.unlink(self.path("b.o.d"))
        r = self.build("-n", "-t", "clean", "-g")
        self.assertEqual(r.lines, ["Cleaning...", "Remove a.o", "Remove a.o.d",
                                   "Remove b.o", "Remove prog",
                                   "Remove prog.rsp", "Remove gen.ninja",
                                   "6 files."])
        self.assertEqual(self.left(), [f for f in OUTPUTS if f != "b.o.d"])

    def test_targets_walk_inputs(self):
        r = self.build("-v", "-t", "clean", "all")
        self.assertEqual(r.lines, ["Cleaning...", "Target all", "Remove prog",
                                   "Remove prog.rsp", "Remove a.o",
                                   "Remove a.o.d", "Remove b.o",
                                   "Remove b.o.d", "6 files."])

    def test_target_cleans_generator_output_and_only_itself(self):
        r = self.build("-t", "clean", "gen.ninja", "a.o")
        self.assertEqual(r.out, "Cleaning... 3 files.\n")
        self.assertEqual(self.left(), ["b.o", "b.o.d", "prog", "prog.rsp"])

    def test_unknown_and_empty_targets_fail_but_others_are_cleaned(self):
        r = self.fails("-t", "clean", "nope", "", "./a.o")
        self.assertEqual(r.out, "Cleaning... 2 files.\n")
        self.assertEqual(r.err, "ninja: error: unknown target 'nope'\n"
                         "ninja: error: failed to canonicalize '': empty path\n")
        self.assertFalse(self.exists("a.o"))

    def test_rules(self):
        r = self.build("-v", "-t", "clean", "-r", "cc")
        self.assertEqual(r.lines, ["Cleaning...", "Rule cc", "Remove a.o",
                                   "Remove a.o.d", "Remove b.o",
                                   "Remove b.o.d", "4 files."])
        r = self.fails("-t", "clean", "-r", "nope", "gen")
        self.assertEqual(r.out, "Cleaning... 1 files.\n")
        self.assertEqual(r.err, "ninja: error: unknown rule 'nope'\n")

    def test_rules_need_a_rule(self):
        r = self.fails("-t", "clean", "-r")
        self.assertEqual(r.out, "")
        self.assertEqual(r.err, "ninja: error: expected a rule to clean\n")

    def test_usage(self):
        r = self.fails("-t", "clean", "-h")
        self.assertEqual(r.out, CLEAN_USAGE)
        r = self.fails("-t", "clean", "-v")
        self.assertEqual(r.out, CLEAN_USAGE)
        self.assertEqual(len(self.left()), len(OUTPUTS))

    def test_directory_output(self):
        self.manifest("""\
            rule mk
              command = mkdir -p $out
            build d: mk
            build e: mk
            """)
        self.write("d/x", "")
        import os
        os.mkdir(self.path("e"))
        r = self.fails("-t", "clean")
        self.assertEqual(r.out, "Cleaning... 1 files.\n")
        self.assertEqual(r.err, "ninja: error: remove(d): Directory not empty\n")
        self.assertTrue(self.exists("d/x"))
        self.assertFalse(self.exists("e"))

    @since_1_14("ninja 1.13 cleaned only the named output")
    def test_dyndep_outputs_are_cleaned(self):
        self.manifest("""\
            rule touch
              command = touch $out
            build out: touch || dd
              dyndep = dd
            build dd: touch
            """)
        self.write("dd", "ninja_dyndep_version = 1\nbuild out | extra: dyndep\n")
        self.write("out")
        self.write("extra")
        # every output of the target's edge goes (ninja 2ae7caf0)
        r = self.build("-v", "-t", "clean", "out")
        self.assertEqual(r.lines, ["Cleaning...", "Target out", "Remove out",
                                   "Remove extra", "Remove dd", "3 files."])
        # the first clean took the dyndep file with it
        self.write("dd", "ninja_dyndep_version = 1\nbuild out | extra: dyndep\n")
        self.write("out")
        self.write("extra")
        r = self.build("-v", "-t", "clean")
        self.assertEqual(r.lines, ["Cleaning...", "Remove out",
                                   "Remove extra", "Remove dd", "3 files."])

    def test_subninja_rule_of_the_same_name(self):
        self.manifest(MANIFEST, "subninja sub.ninja\n")
        self.write("sub.ninja", "rule cc\n  command = touch $out\n"
                   "build s.o: cc\n")
        self.write("s.o")
        r = self.build("-t", "clean", "-r", "cc")
        self.assertEqual(r.out, "Cleaning... 5 files.\n")
        self.assertFalse(self.exists("s.o"))


class CleanDead(NjTestCase):
    def test_removes_outputs_no_longer_built(self):
        self.manifest("""\
            rule touch
              command = touch $out
            build a: touch
            build b: touch
            build c: touch a
            """)
        self.build()
        self.manifest("""\
            rule touch
              command = touch $out
            build a: touch
            build c: touch a
            """)
        r = self.build("-n", "-t", "cleandead")
        self.assertEqual(r.lines, ["Cleaning...", "Remove b", "1 files."])
        self.assertTrue(self.exists("b"))
        r = self.build("-t", "cleandead")
        self.assertEqual(r.out, "Cleaning... 1 files.\n")
        self.assertFalse(self.exists("b"))
        self.assertTrue(self.exists("a") and self.exists("c"))
        r = self.build("-v", "-t", "cleandead")
        self.assertEqual(r.lines, ["Cleaning...", "0 files."])

    def test_an_output_turned_source_is_kept(self):
        self.manifest("""\
            rule touch
              command = touch $out
            build a: touch
            build c: touch a
            """)
        self.build()
        self.manifest("""\
            rule touch
              command = touch $out
            build c: touch a
            """)
        r = self.build("-t", "cleandead")
        self.assertEqual(r.out, "Cleaning... 0 files.\n")
        self.assertTrue(self.exists("a"))

    def test_without_a_log(self):
        self.manifest("build a: phony\n")
        r = self.build("-t", "cleandead", "-h")
        self.assertEqual(r.out, "Cleaning... 0 files.\n")
        self.assertFalse(self.exists(".ninja_log"))

    def test_builddir(self):
        self.manifest("""\
            builddir = out
            rule touch
              command = touch $out
            build a: touch
            build b: touch
            """)
        self.build()
        self.manifest("""\
            builddir = out
            rule touch
              command = touch $out
            build a: touch
            """)
        r = self.build("-t", "cleandead")
        self.assertEqual(r.out, "Cleaning... 1 files.\n")
        self.assertFalse(self.exists("b"))


if __name__ == "__main__":
    unittest.main()
