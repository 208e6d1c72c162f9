"""Dirty checking: what gets rebuilt and what does not."""

import os
import unittest

from harness import NjTestCase

CP = """\
rule cp
  command = cp $in $out
  description = CP $out
"""


class Basic(NjTestCase):
    def setUp(self):
        super().setUp()
        self.write("in", "1")
        self.manifest(CP, """\
            build mid: cp in
            build out: cp mid
            """)

    def test_first_build_then_no_work(self):
        r = self.build()
        self.assertRan(r, 2)
        self.assertEqual(self.read("out"), "1")
        self.assertNoWork()

    def test_missing_output_rebuilt(self):
        self.build()
        os.unlink(self.path("out"))
        r = self.build()
        self.assertEqual(r.lines, ["[1/1] CP out"])

    def test_missing_intermediate_rebuilds_chain(self):
        self.build()
        os.unlink(self.path("mid"))
        r = self.build()
        # mid is rebuilt; out is then older than mid and is rebuilt too
        self.assertEqual(r.lines, ["[1/2] CP mid", "[2/2] CP out"])

    def test_newer_input_rebuilds(self):
        self.build()
        self.touch_newer("in", "2")
        r = self.build()
        self.assertRan(r, 2)
        self.assertEqual(self.read("out"), "2")
        self.assertNoWork()

    def test_older_input_no_rebuild(self):
        self.build()
        # moving the input back in time does not make anything dirty
        self.set_mtime("in", 1000)
        self.assertNoWork()

    def test_only_requested_target(self):
        self.build("mid")
        self.assertFalse(self.exists("out"))
        self.assertNoWork("mid")
        r = self.build("out")
        self.assertRan(r, 1)

    def test_explain_to_stderr(self):
        self.build()
        self.touch_newer("in", "3")
        r = self.build("-d", "explain")
        self.assertIn("ninja explain:", r.err)
        self.assertIn("older than most recent input", r.err)
        self.assertNotIn("ninja explain", r.out)

    def test_explain_missing_output(self):
        self.build()
        os.unlink(self.path("out"))
        r = self.build("-d", "explain")
        self.assertIn("ninja explain: output out doesn't exist", r.err)


class CommandChange(NjTestCase):
    def test_command_change_rebuilds(self):
        self.manifest("""\
            rule w
              command = echo one > $out
            build a: w
            """)
        self.build()
        self.assertNoWork()
        self.manifest("""\
            rule w
              command = echo two > $out
            build a: w
            """)
        r = self.build()
        self.assertRan(r, 1)
        self.assertEqual(self.read("a"), "two\n")
        self.assertNoWork()

    def test_variable_change_rebuilds(self):
        self.manifest("""\
            flags = -a
            rule w
              command = echo $flags > $out
            build a: w
            build b: w
              flags = -b
            """)
        self.build()
        self.manifest("""\
            flags = -a
            rule w
              command = echo $flags > $out
            build a: w
            build b: w
              flags = -c
            """)
        r = self.build()
        self.assertRan(r, 1)
        self.assertEqual(self.read("b"), "-c\n")

    def test_description_change_no_rebuild(self):
        self.manifest("""\
            rule w
              command = touch $out
              description = one
            build a: w
            """)
        self.build()
        self.manifest("""\
            rule w
              command = touch $out
              description = two
            build a: w
            """)
        self.assertNoWork()

    def test_explain_command_line_changed(self):
        self.manifest("rule w\n  command = touch $out\nbuild a: w\n")
        self.build()
        self.manifest("rule w\n  command = touch $out  \nbuild a: w\n")
        r = self.build("-d", "explain")
        self.assertIn("command line changed for a", r.err)

    def test_output_without_log_entry_rebuilt(self):
        # an output present on disk but never built by us is dirty
        self.write("a", "stale")
        self.manifest("rule w\n  command = echo new > $out\nbuild a: w\n")
        r = self.build()
        self.assertRan(r, 1)
        self.assertEqual(self.read("a"), "new\n")

    def test_generator_not_rebuilt_on_command_change(self):
        self.manifest("rule g\n  command = echo 1 > $out\n  generator = 1\nbuild a: g\n")
        self.build()
        self.manifest("rule g\n  command = echo 2 > $out\n  generator = 1\nbuild a: g\n")
        self.assertNoWork()
        self.assertEqual(self.read("a"), "1\n")

    def test_generator_rebuilt_when_input_newer(self):
        self.write("tmpl", "")
        self.manifest("rule g\n  command = echo 1 > $out\n  generator = 1\nbuild a: g tmpl\n")
        self.build()
        self.touch_newer("tmpl")
        r = self.build()
        self.assertRan(r, 1)


class Restat(NjTestCase):
    M = """\
        rule maybe
          command = cmp -s $in $out || cp $in $out
          restat = 1
        rule cp
          command = cp $in $out; echo $out >> runs
        build mid: maybe in
        build out: cp mid
        """

    def test_restat_unchanged_output_stops_downstream(self):
        self.write("in", "A")
        self.manifest(self.M)
        self.build()
        self.assertEqual(self.read("runs"), "out\n")
        self.touch_newer("in", "A")  # newer, same content
        r = self.build()
        self.assertEqual(self.read("runs"), "out\n")
        # the status reflects that one edge was skipped
        self.assertIn("[1/2]", r.out)
        self.assertNoWork()

    def test_restat_changed_output_rebuilds_downstream(self):
        self.write("in", "A")
        self.manifest(self.M)
        self.build()
        self.touch_newer("in", "B")
        self.build()
        self.assertEqual(self.read("runs"), "out\nout\n")
        self.assertEqual(self.read("out"), "B")
        self.assertNoWork()

    def test_without_restat_downstream_rebuilds(self):
        self.write("in", "A")
        self.manifest(self.M.replace("restat = 1", "description = x"))
        self.build()
        self.touch_newer("in", "A")
        self.build()
        self.assertEqual(self.read("runs"), "out\nout\n")

    def test_restat_missing_output_after_command(self):
        # a restat edge that does not create its output: downstream still runs
        self.manifest("""\
            rule nothing
              command = true
              restat = 1
            rule w
              command = echo ran >> runs; touch $out
            build gen: nothing
            build out: w || gen
            """)
        self.build("out")
        self.assertEqual(self.read("runs"), "ran\n")


class Phony(NjTestCase):
    def test_phony_no_inputs_missing_file_always_dirty(self):
        self.manifest("""\
            rule w
              command = echo ran >> runs; touch $out
            build force: phony
            build out: w force
            """)
        self.build("out")
        self.build("out")
        self.assertEqual(self.read("runs"), "ran\nran\n")

    def test_phony_no_inputs_existing_file_not_dirty(self):
        self.write("force", "")
        self.manifest("""\
            rule w
              command = echo ran >> runs; touch $out
            build force: phony
            build out: w force
            """)
        self.build("out")
        self.assertNoWork("out")

    def test_phony_alias_no_rebuild(self):
        self.manifest("""\
            rule w
              command = echo ran >> runs; touch $out
            build out: w
            build all: phony out
            """)
        self.build("all")
        self.assertNoWork("all")
        self.assertEqual(self.read("runs"), "ran\n")

    def test_phony_input_newer_propagates(self):
        self.write("src", "")
        self.manifest("""\
            rule w
              command = echo ran >> runs; touch $out
            build srcs: phony src
            build out: w srcs
            """)
        self.build("out")
        self.touch_newer("src")
        self.build("out")
        self.assertEqual(self.read("runs"), "ran\nran\n")

    def test_phony_alone_no_work(self):
        self.manifest("build all: phony\n")
        self.assertNoWork()


class OrderOnly(NjTestCase):
    M = """\
        rule w
          command = echo $out >> runs; touch $out
        rule cp
          command = echo $out >> runs; cp $in $out
        build gen: w
        build out: cp in || gen
        """

    def test_built_first(self):
        self.write("in", "")
        self.manifest(self.M)
        self.build("out")
        self.assertEqual(self.read("runs"), "gen\nout\n")

    def test_newer_order_only_no_rebuild(self):
        self.write("in", "")
        self.manifest(self.M)
        self.build("out")
        self.touch_newer("gen")
        self.assertNoWork("out")

    def test_missing_order_only_rebuilt_alone(self):
        self.write("in", "")
        self.manifest(self.M)
        self.build("out")
        os.unlink(self.path("gen"))
        r = self.build("out")
        self.assertRan(r, 1)
        self.assertEqual(self.read("runs"), "gen\nout\ngen\n")


class Depfiles(NjTestCase):
    CC = """\
        rule cc
          command = echo "$out: $in hdr.h" > $out.d; cp $in $out; echo $out >> runs
          depfile = $out.d
        """

    def test_depfile_header_change_rebuilds(self):
        self.write("x.c", "")
        self.write("hdr.h", "")
        self.manifest(self.CC, "build x.o: cc x.c\n")
        self.build()
        self.assertNoWork()
        self.touch_newer("hdr.h")
        self.build()
        self.assertEqual(self.read("runs"), "x.o\nx.o\n")

    def test_depfile_kept_without_deps(self):
        self.write("x.c", "")
        self.write("hdr.h", "")
        self.manifest(self.CC, "build x.o: cc x.c\n")
        self.build()
        self.assertTrue(self.exists("x.o.d"))

    def test_missing_depfile_header_is_not_error(self):
        # a header named in a depfile that later disappears just rebuilds
        self.write("x.c", "")
        self.write("hdr.h", "")
        self.manifest(self.CC, "build x.o: cc x.c\n")
        self.build()
        os.unlink(self.path("hdr.h"))
        self.manifest("""\
            rule cc
              command = echo "$out: $in" > $out.d; cp $in $out; echo $out >> runs
              depfile = $out.d
            build x.o: cc x.c
            """)
        self.build()

    def test_deps_gcc_deletes_depfile_and_records(self):
        self.write("x.c", "")
        self.write("hdr.h", "")
        self.manifest(self.CC, "  deps = gcc\nbuild x.o: cc x.c\n")
        self.build()
        self.assertFalse(self.exists("x.o.d"))
        self.assertTrue(self.exists(".ninja_deps"))
        self.assertIn(b"hdr.h", self.readb(".ninja_deps"))
        self.assertNoWork()

    def test_deps_gcc_header_change_rebuilds(self):
        self.write("x.c", "")
        self.write("hdr.h", "")
        self.manifest(self.CC, "  deps = gcc\nbuild x.o: cc x.c\n")
        self.build()
        self.touch_newer("hdr.h")
        r = self.build()
        self.assertRan(r, 1)
        self.assertNoWork()
        self.assertEqual(self.read("runs"), "x.o\nx.o\n")

    def test_deps_gcc_keepdepfile(self):
        self.write("x.c", "")
        self.write("hdr.h", "")
        self.manifest(self.CC, "  deps = gcc\nbuild x.o: cc x.c\n")
        self.build("-d", "keepdepfile")
        self.assertTrue(self.exists("x.o.d"))

    def test_deps_gcc_missing_depfile_ok(self):
        self.write("x.c", "")
        self.manifest("""\
            rule cc
              command = touch $out
              depfile = $out.d
              deps = gcc
            build x.o: cc x.c
            """)
        # ninja treats a missing depfile as no dependencies
        self.build()

    def test_depfile_with_escaped_spaces(self):
        self.write("x.c", "")
        self.write("my hdr.h", "")
        self.manifest("""\
            rule cc
              command = printf '%s: %s my\\\\ hdr.h\\n' $out $in > $out.d; touch $out; echo $out >> runs
              depfile = $out.d
              deps = gcc
            build x.o: cc x.c
            """)
        self.build()
        self.assertNoWork()
        self.touch_newer("my hdr.h")
        self.build()
        self.assertEqual(self.read("runs"), "x.o\nx.o\n")

    def test_depfile_multiline_continuations(self):
        self.write("x.c", "")
        self.write("a.h", "")
        self.write("b.h", "")
        self.manifest("""\
            rule cc
              command = printf '%s: %s \\\\\\n a.h \\\\\\n b.h\\n' $out $in > $out.d; touch $out; echo $out >> runs
              depfile = $out.d
              deps = gcc
            build x.o: cc x.c
            """)
        self.build()
        self.touch_newer("b.h")
        self.build()
        self.assertEqual(self.read("runs"), "x.o\nx.o\n")


class ManifestRegeneration(NjTestCase):
    def test_manifest_rebuilt_and_reloaded(self):
        # build.ninja is produced from build.ninja.in; the template adds a target
        tmpl_v1 = (
            "rule gen\n"
            "  command = cp $in $out\n"
            "  generator = 1\n"
            "rule w\n"
            "  command = touch $out\n"
            "build build.ninja: gen build.ninja.in\n"
            "build a: w\n")
        self.write("build.ninja.in", tmpl_v1, dedent=False)
        self.write("build.ninja", tmpl_v1, dedent=False)
        self.build()
        self.assertTrue(self.exists("a"))
        # no work: the manifest is up to date (its log entry may be missing on
        # the first run, so build once more)
        self.build()
        self.assertNoWork()
        self.touch_newer("build.ninja.in", tmpl_v1 + "build b: w\n")
        r = self.build()
        self.assertTrue(self.exists("b"), r)
        self.assertEqual(self.read("build.ninja"), tmpl_v1 + "build b: w\n")
        self.assertNoWork()

    def test_manifest_regenerated_before_other_targets(self):
        tmpl = (
            "rule gen\n"
            "  command = cp $in $out; echo gen >> runs\n"
            "  generator = 1\n"
            "rule w\n"
            "  command = echo $out >> runs; touch $out\n"
            "build build.ninja: gen build.ninja.in\n"
            "build a: w\n")
        self.write("build.ninja.in", tmpl, dedent=False)
        self.write("build.ninja", tmpl, dedent=False)
        self.build()
        os.unlink(self.path("runs"))
        new = tmpl.replace("echo $out >> runs; touch $out",
                           "echo new-$out >> runs; touch $out")
        self.touch_newer("build.ninja.in", new)
        self.build()
        # regenerated first, then the command change rebuilt a with the new command
        self.assertEqual(self.read("runs"), "gen\nnew-a\n")


if __name__ == "__main__":
    unittest.main()
