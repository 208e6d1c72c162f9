"""Behaviour of ninja's development source (1.14.0.git) that is newer than
1.13: the manifest language, target lookup, tools, depfiles, the dirty scan
and dyndep. Each class names the ninja commits it follows. Tests also pass
with NJ set to a ninja built from that source; @since_1_14 ones are skipped
for an older ninja (such as the installed 1.11), @nj_only ones for any ninja
(where ninja's development source still differs, said why)."""

import os
import unittest

from harness import IS_NINJA, NjTestCase, nj_only, since_1_14

NEWLINE_ERR = ("using $^ escape requires specifying 'ninja_required_version' "
               "with version greater or equal 1.14")


class NewlineEscape(NjTestCase):
    """$^ is a newline (d676f9ea), only after ninja_required_version >= 1.14
    in the same file (43cf6b8b, 258ec103)."""

    @since_1_14("$^ is new in ninja 1.14")
    def test_newline_with_required_version(self):
        self.manifest("""\
            ninja_required_version = 1.14
            rule r
              command = cp $out.rsp $out
              rspfile = $out.rsp
              rspfile_content = one$^two$^
            build out: r
            """)
        self.build()
        self.assertEqual(self.read("out"), "one\ntwo\n")

    @since_1_14("$^ is new in ninja 1.14")
    def test_newline_in_file_variable(self):
        self.manifest("""\
            ninja_required_version = 1.14
            lines = a$^b
            rule r
              command = cp $out.rsp $out
              rspfile = $out.rsp
              rspfile_content = $lines
            build out: r
            """)
        self.build()
        self.assertEqual(self.read("out"), "a\nb")

    @since_1_14("ninja 1.13 says bad $-escape")
    def test_without_required_version(self):
        self.manifest("""\
            rule r
              command = printf 'a$^b' > $out
            build out: r
            """)
        r = self.fails()
        self.assertEqual(r.err, "ninja: error: build.ninja:2: " + NEWLINE_ERR +
                         "\n  command = printf 'a$^b' > $out\n"
                         "          ^ near here\n")
        self.assertEqual(r.out, "")

    @since_1_14("ninja 1.13 says bad $-escape")
    def test_required_version_too_old(self):
        self.manifest("""\
            ninja_required_version = 1.13
            x = a b$^c
            """)
        r = self.fails()
        self.assertEqual(r.err, "ninja: error: build.ninja:2: " + NEWLINE_ERR +
                         "\nx = a b$^c\n  ^ near here\n")

    @since_1_14("ninja 1.13 says bad $-escape")
    def test_required_version_must_come_first(self):
        self.manifest("""\
            x = a$^b
            ninja_required_version = 1.14
            """)
        r = self.fails()
        self.assertIn("build.ninja:1: " + NEWLINE_ERR, r.err)

    @since_1_14("ninja 1.13 says bad $-escape")
    def test_version_of_including_file_does_not_count(self):
        self.manifest("""\
            ninja_required_version = 1.14
            rule r
              command = touch $out
            include sub.ninja
            """)
        self.write("sub.ninja", """\
            build out: r
              description = a$^b
            """)
        r = self.fails()
        self.assertEqual(r.err, "ninja: error: sub.ninja:2: " + NEWLINE_ERR +
                         "\n  description = a$^b\n"
                         "              ^ near here\n")

    @since_1_14("$^ is new in ninja 1.14")
    def test_version_in_subninja_counts_there(self):
        self.manifest("""\
            rule r
              command = cp $out.rsp $out
              rspfile = $out.rsp
              rspfile_content = $text
            subninja sub.ninja
            """)
        self.write("sub.ninja", """\
            ninja_required_version = 1.14
            build out: r
              text = x$^y
            """)
        self.build()
        self.assertEqual(self.read("out"), "x\ny")


class RequiredVersion(NjTestCase):
    @since_1_14("ninja 1.13 refuses 1.14")
    def test_1_14_accepted(self):
        self.manifest("""\
            ninja_required_version = 1.14
            rule r
              command = touch $out
            build out: r
            """)
        r = self.build()
        self.assertEqual(r.err, "")
        self.assertTrue(self.exists("out"))

    def test_1_15_refused(self):
        self.manifest("ninja_required_version = 1.15\n")
        r = self.fails()
        self.assertRegex(r.err, r"^ninja: fatal: ninja version \(1\.\d+[^)]*\) "
                         r"incompatible with build file "
                         r"ninja_required_version version \(1\.15\)\.\n$")

    @since_1_14("nj says 1.14.0.git")
    def test_older_major_warns(self):
        self.manifest("""\
            ninja_required_version = 0.9
            rule r
              command = touch $out
            build out: r
            """)
        r = self.build()
        self.assertEqual(r.err, "ninja: warning: ninja executable version "
                         "(1.14.0.git) greater than build file "
                         "ninja_required_version (0.9); versions may be "
                         "incompatible.\n")

    @since_1_14("nj says 1.14.0.git")
    def test_version(self):
        self.assertEqual(self.build("--version").out, "1.14.0.git\n")


class PoolDepth(NjTestCase):
    """The depth is a plain non-negative int, the whole value (bf070e07)."""

    def depth(self, value):
        self.manifest("pool p\n  depth = %s\n" % value, """\
            rule r
              command = touch $out
              pool = p
            build out: r
            """)

    def check_invalid(self, value):
        self.depth(value)
        r = self.fails()
        # the caret points at the end of the line
        line = "  depth = " + value
        self.assertEqual(r.err, "ninja: error: build.ninja:2: invalid pool "
                         "depth\n%s\n%s^ near here\n"
                         % (line, " " * len(line)))

    @since_1_14("ninja 1.13 reads 4x as 4")
    def test_trailing_garbage(self):
        self.check_invalid("4x")

    @since_1_14("ninja 1.13 reads foo as 0")
    def test_word(self):
        self.check_invalid("foo")

    @since_1_14("ninja 1.13 overflows")
    def test_overflow(self):
        self.check_invalid("99999999999999999999")
        self.check_invalid("2147483648")

    @since_1_14("ninja 1.13 reads +4 as 4")
    def test_plus_sign(self):
        self.check_invalid("+4")

    @since_1_14("ninja 1.13 reads an empty depth as 0")
    def test_empty(self):
        self.manifest("pool p\n  depth =\n")
        r = self.fails()
        self.assertIn("build.ninja:2: invalid pool depth\n", r.err)

    def test_negative(self):
        self.check_invalid("-1")

    def test_largest_int(self):
        self.depth("2147483647")
        self.build()
        self.assertTrue(self.exists("out"))

    def test_zero_and_leading_zeros(self):
        self.depth("0")
        self.build()
        os.unlink(self.path("out"))
        self.depth("007")
        self.build()
        self.assertTrue(self.exists("out"))


class BuilddirTarget(NjTestCase):
    """A target not found by name is looked up as $builddir/NAME (93e431ab),
    where ninja has read builddir: for the build and the tools that run
    after the logs are loaded."""

    MANIFEST = """\
        builddir = out
        rule touch
          command = touch $out
        build $builddir/foo: touch
        build out/sub/bar: touch out/foo
        """

    @since_1_14("ninja 1.13 says unknown target")
    def test_build_falls_back(self):
        self.manifest(self.MANIFEST)
        r = self.build("foo")
        self.assertEqual(r.out, "[1/1] touch out/foo\n")
        self.assertTrue(self.exists("out/foo"))

    @since_1_14("ninja 1.13 says unknown target")
    def test_subdirectory(self):
        self.manifest(self.MANIFEST)
        r = self.build("sub/bar")
        self.assertTrue(self.exists("out/sub/bar"), r)

    @since_1_14("ninja 1.13 says unknown target")
    def test_first_dependent(self):
        self.manifest(self.MANIFEST)
        self.build("foo^")
        self.assertTrue(self.exists("out/sub/bar"))

    def test_exact_match_first(self):
        self.manifest("""\
            builddir = out
            rule cp
              command = cp $in $out
            rule touch
              command = touch $out
            build foo: touch
            build $builddir/foo: cp foo
            """)
        self.build("foo")
        self.assertTrue(self.exists("foo"))
        self.assertFalse(self.exists("out/foo"))

    def test_miss_says_the_name_given(self):
        self.manifest(self.MANIFEST)
        r = self.fails("nope")
        self.assertEqual(r.err, "ninja: error: unknown target 'nope'\n")

    def test_no_builddir_no_fallback(self):
        self.manifest("""\
            rule touch
              command = touch $out
            build out/foo: touch
            """)
        r = self.fails("foo")
        self.assertIn("unknown target 'foo'", r.err)

    @since_1_14("ninja 1.13 says unknown target")
    def test_query_falls_back(self):
        self.manifest(self.MANIFEST)
        r = self.build("-t", "query", "foo")
        self.assertEqual(r.out, "out/foo:\n  input: touch\n  outputs:\n"
                         "    out/sub/bar\n")

    def test_tools_run_before_the_logs_do_not(self):
        # ninja reads builddir after the manifest-only tools have run
        self.manifest(self.MANIFEST)
        for tool in ("commands", "inputs", "graph"):
            r = self.fails("-t", tool, "foo")
            self.assertEqual(r.err, "ninja: error: unknown target 'foo'\n",
                             tool)


RESTAT_LOG = "# ninja log v7\n0\t1\t5\t{out}\tacf8056cad1e29a7\n"


class RestatBuilddir(NjTestCase):
    """-t restat [--builddir=DIR] [outputs] reads DIR/.ninja_log, never the
    manifest (3fdd1796)."""

    def log_mtime(self, log, out):
        for line in self.read(log).splitlines()[1:]:
            f = line.split("\t")
            if f[3] == out:
                return int(f[2])
        self.fail("%s not in %s" % (out, log))

    @since_1_14("--builddir is new")
    def test_builddir_option(self):
        self.write("out/.ninja_log", RESTAT_LOG.format(out="foo"))
        self.write("foo")
        self.manifest("")
        self.build("-t", "restat", "--builddir=out")
        self.assertEqual(self.log_mtime("out/.ninja_log", "foo"),
                         self.mtime_ns("foo"))
        t = 1234567890123456789
        os.utime(self.path("foo"), ns=(t, t))
        self.build("-t", "restat", "--builddir", "out", "foo")
        self.assertEqual(self.log_mtime("out/.ninja_log", "foo"), t)

    def test_epoch_first_second_is_1(self):
        # 0 means missing: a file of the epoch's first second is 1
        self.write(".ninja_log", RESTAT_LOG.format(out="foo"))
        self.write("foo")
        os.utime(self.path("foo"), ns=(7, 7))
        self.manifest("")
        self.build("-t", "restat", "foo")
        self.assertEqual(self.log_mtime(".ninja_log", "foo"), 1)

    @since_1_14("ninja 1.13 used the manifest's builddir")
    def test_manifest_builddir_not_used(self):
        self.write("out/.ninja_log", RESTAT_LOG.format(out="foo"))
        self.write("foo")
        self.manifest("builddir = out\n")
        r = self.build("-t", "restat")
        self.assertEqual(r.out + r.err, "")
        self.assertEqual(self.log_mtime("out/.ninja_log", "foo"), 5)

    @since_1_14("the usage names --builddir")
    def test_usage(self):
        self.manifest("")
        r = self.fails("-t", "restat", "-h")
        self.assertEqual(r.out,
                         "usage: ninja -t restat [--builddir=DIR] [outputs]\n")

    @since_1_14("ninja 1.13 read the manifest first")
    def test_no_manifest_read(self):
        self.write("out/.ninja_log", RESTAT_LOG.format(out="foo"))
        self.write("foo")
        self.manifest("this is not a manifest\n")
        self.build("-t", "restat", "--builddir=out")
        self.assertEqual(self.log_mtime("out/.ninja_log", "foo"),
                         self.mtime_ns("foo"))

    @since_1_14("ninja 1.13 made builddir")
    def test_builddir_not_created(self):
        self.manifest("builddir = out\n")
        self.build("-t", "restat")
        self.assertFalse(self.exists("out"))


class CleanTarget(NjTestCase):
    """-t clean TARGET removes every output of each edge it cleans, not just
    the one named (2ae7caf0)."""

    MANIFEST = """\
        rule gen
          command = touch $out
        rule link
          command = touch $out
        build a.c | a.h: gen in.txt
        build x y: gen
        build prog: link a.c y
        """

    def setUp(self):
        super().setUp()
        self.manifest(self.MANIFEST)
        for f in ("in.txt", "a.c", "a.h", "x", "y", "prog"):
            self.write(f)

    @since_1_14("ninja 1.13 removed only the named output")
    def test_implicit_output_goes_too(self):
        r = self.build("-v", "-t", "clean", "a.c")
        self.assertEqual(r.lines, ["Cleaning...", "Target a.c", "Remove a.c",
                                   "Remove a.h", "2 files."])
        self.assertTrue(self.exists("in.txt"))

    @since_1_14("ninja 1.13 removed only the named output")
    def test_sibling_output_goes_too(self):
        r = self.build("-t", "clean", "y")
        self.assertEqual(r.out, "Cleaning... 2 files.\n")
        self.assertFalse(self.exists("x") or self.exists("y"))
        self.assertTrue(self.exists("a.c") and self.exists("prog"))

    @since_1_14("ninja 1.13 removed only the named outputs")
    def test_edges_built_from(self):
        r = self.build("-v", "-t", "clean", "prog")
        self.assertEqual(r.lines, ["Cleaning...", "Target prog", "Remove prog",
                                   "Remove a.c", "Remove a.h", "Remove x",
                                   "Remove y", "5 files."])
        self.assertTrue(self.exists("in.txt"))


class Compdb(NjTestCase):
    """-t compdb and -t compdb-targets: an entry per input of an edge,
    implicit and order-only ones included (3eeda8fd); no edge whose outputs
    are only validations (f7da4459)."""

    MANIFEST = """\
        rule cc
          command = cc -c $in -o $out
        rule lint
          command = lint $in > $out
        build gen.h: cc gen.c
        build a.o: cc a.c b.c | a.h || gen.h |@ lint.stamp
        build lint.stamp: lint a.c
        build both.stamp: lint x.c
        build v.o: cc v.c |@ both.stamp
        build w.o: cc w.c || both.stamp
        build all: phony a.o v.o w.o
        """

    def entries(self, *args):
        import json
        return [(e["file"], e["output"], e["command"])
                for e in json.loads(self.build(*args).out)]

    @since_1_14("ninja 1.13 listed the first input, and validations")
    def test_compdb(self):
        self.manifest(self.MANIFEST)
        a = "cc -c a.c b.c -o a.o"
        self.assertEqual(self.entries("-t", "compdb"), [
            ("gen.c", "gen.h", "cc -c gen.c -o gen.h"),
            ("a.c", "a.o", a), ("b.c", "a.o", a), ("a.h", "a.o", a),
            ("gen.h", "a.o", a),
            # lint.stamp: only a validation, left out
            # both.stamp: also an input of w.o, kept
            ("x.c", "both.stamp", "lint x.c > both.stamp"),
            ("v.c", "v.o", "cc -c v.c -o v.o"),
            ("w.c", "w.o", "cc -c w.c -o w.o"),
            ("both.stamp", "w.o", "cc -c w.c -o w.o"),
            ("a.o", "all", ""), ("v.o", "all", ""), ("w.o", "all", ""),
        ])

    @since_1_14("ninja 1.13 listed validations")
    def test_compdb_rule(self):
        self.manifest(self.MANIFEST)
        self.assertEqual(self.entries("-t", "compdb", "lint"), [
            ("x.c", "both.stamp", "lint x.c > both.stamp")])

    @since_1_14("ninja 1.13 listed the first input only")
    def test_compdb_targets_order(self):
        self.manifest(self.MANIFEST)
        a = "cc -c a.c b.c -o a.o"
        # inputs' edges before the edges that use them, each edge once,
        # phony edges walked through but not listed
        self.assertEqual(self.entries("-t", "compdb-targets", "all"), [
            ("gen.c", "gen.h", "cc -c gen.c -o gen.h"),
            ("a.c", "a.o", a), ("b.c", "a.o", a), ("a.h", "a.o", a),
            ("gen.h", "a.o", a),
            ("v.c", "v.o", "cc -c v.c -o v.o"),
            ("x.c", "both.stamp", "lint x.c > both.stamp"),
            ("w.c", "w.o", "cc -c w.c -o w.o"),
            ("both.stamp", "w.o", "cc -c w.c -o w.o"),
        ])

    @since_1_14("ninja 1.13 listed validation-only edges")
    def test_compdb_targets_validation_only(self):
        self.manifest(self.MANIFEST)
        self.assertEqual(self.build("-t", "compdb-targets", "lint.stamp").out,
                         "[\n]\n")


class DepfileDirectory(NjTestCase):
    """The depfile's directory is made before the command runs, like the
    outputs' (2c13023b)."""

    @since_1_14("ninja 1.13 made the outputs' directories only")
    def test_depfile_directory_made(self):
        self.write("in")
        self.manifest("""\
            rule cc
              command = echo "$out: in" > $depfile && touch $out
              depfile = deps/sub/$out.d
            build out: cc in
            """)
        self.build()
        self.assertEqual(self.read("deps/sub/out.d"), "out: in\n")

    @since_1_14("ninja 1.13 made the outputs' directories only")
    def test_with_deps_log(self):
        self.write("in")
        self.manifest("""\
            rule cc
              command = echo "$out: in" > $depfile && touch $out
              depfile = d/$out.d
              deps = gcc
            build o/out: cc in
            """)
        self.build()
        self.assertFalse(self.exists("d/o/out.d"))  # read into the deps log
        self.assertTrue(self.exists("d/o"))
        r = self.build("-t", "deps", "o/out")
        self.assertIn("    in\n", r.out)
        self.assertNoWork()


class DepLoadedNodes(NjTestCase):
    """A node only deps name gets no phony in-edge (ninja since 1.12,
    a744eea2), so a dyndep file may still make it an output."""

    MANIFEST = """\
        rule dd
          command = printf 'ninja_dyndep_version = 1\\nbuild gen | g.h: dyndep\\n' > $out
        rule gen
          command = touch gen g.h
          dyndep = dd.dd
        rule cc
          command = echo "$out: $in g.h" > $out.d; touch $out
          depfile = $out.d
          deps = gcc
        build dd.dd: dd
        build gen: gen || dd.dd
        build a.o: cc a.c
        """

    @since_1_14("nj followed ninja 1.11 here")
    def test_dyndep_output_named_by_deps_first(self):
        self.manifest(self.MANIFEST)
        self.write("a.c")
        self.build("gen")
        self.build("a.o")
        os.unlink(self.path("gen"))
        # a.o's deps are read (g.h) before dd.dd says gen makes g.h
        r = self.build("a.o", "gen")
        self.assertEqual(r.out, "[1/1] touch gen g.h\n")
        # a new g.h: a.o's turn
        r = self.build("a.o", "gen")
        self.assertIn("touch a.o", r.out)
        self.assertNoWork("a.o", "gen")

    def test_missing_header_rebuilds(self):
        self.manifest(self.MANIFEST)
        self.write("a.c")
        self.write("g.h")
        self.build("a.o")
        os.unlink(self.path("g.h"))
        r = self.build("a.o")
        self.assertIn("touch a.o", r.out)


class PhonyWithValidations(NjTestCase):
    """A phony target with no inputs but with validations is not dirty just
    because its output is missing (15c7373b, b5f70eed, 43aa6e3a,
    03ec8c65)."""

    @since_1_14("ninja 1.13 rebuilt out every time")
    def test_anchor_as_input(self):
        self.manifest("""\
            rule touch
              command = touch $out
            build check: touch in
            build anchor: phony |@ check
            build out: touch anchor
            """)
        self.write("in")
        r = self.build("out")
        self.assertEqual(sorted(l.split("] ")[1] for l in r.lines),
                         ["touch check", "touch out"])
        self.assertNoWork("out")
        self.assertFalse(self.exists("anchor"))
        # the validation still runs when its input changes
        self.touch_newer("in")
        r = self.build("out")
        self.assertEqual(r.out, "[1/1] touch check\n")
        self.assertNoWork("out")

    @since_1_14("ninja 1.13 rebuilt out every time")
    def test_anchor_as_order_only_input(self):
        self.manifest("""\
            rule touch
              command = touch $out
            build check: touch in
            build anchor: phony |@ check
            build out: touch || anchor
            """)
        self.write("in")
        self.build("out")
        r = self.build("-d", "explain", "out")
        self.assertEqual(r.out, "ninja: no work to do.\n")

    def test_without_validations_still_dirty(self):
        self.manifest("""\
            rule touch
              command = touch $out
            build anchor: phony
            build out: touch anchor
            """)
        self.build("out")
        r = self.build("out")
        self.assertEqual(r.out, "[1/1] touch out\n")


class PhonyOutputMtime(NjTestCase):
    """A phony output that exists as a file keeps its own mtime; only a
    missing one takes its newest input's (ninja's UpdatePhonyMtime)."""

    MANIFEST = """\
        rule touch
          command = touch $out
        build alias: phony in
        build final: touch alias
        """

    def test_existing_file_keeps_its_mtime(self):
        self.manifest(self.MANIFEST)
        self.write("in")
        self.write("alias")
        self.age_all()
        self.build("final")
        self.touch_newer("in")
        # in is newer than final, but final looks at alias's own mtime
        self.assertNoWork("final")

    def test_missing_file_takes_newest_input(self):
        self.manifest(self.MANIFEST)
        self.write("in")
        self.build("final")
        self.touch_newer("in")
        r = self.build("final")
        self.assertEqual(r.out, "[1/1] touch final\n")


class DepsOnlyWhenClean(NjTestCase):
    """An edge's deps (depfile or deps log) are read only when its outputs
    are clean without them (0b115d88, a6584356, 25018794, 3d872093)."""

    @since_1_14("ninja 1.13 read the stale depfile and saw a cycle")
    def test_stale_depfile_names_no_cycle(self):
        # ninja issue 2666: the depfile of the last run says b needs d
        self.manifest("""\
            rule cp
              command = cp $in $out
            rule cpdeps
              command = cp $in $out && printf 'b: X' > d.d
            build b: cpdeps a
              depfile = d.d
            build c: cp b
            build d: cp c
            """)
        self.write("a", "b: X")
        self.write("X")
        self.build("d")
        self.write("d.d", "b: d")
        self.touch_newer("a")
        r = self.build("d")
        self.assertEqual(r.lines, ["[1/3] cp a b && printf 'b: X' > d.d",
                                   "[2/3] cp b c", "[3/3] cp c d"])
        self.assertEqual(self.read("d.d"), "b: X")

    @nj_only("ninja's development source leaves b stale here: not loading "
             "the depfile of an edge that is dirty only through a restat "
             "input misses its own changed header (a regression of 0b115d88; "
             "1.11 rebuilds b)")
    def test_restat_cleaning_an_edge_still_checks_its_depfile(self):
        self.manifest("""\
            rule rs
              command = test -e $out || touch $out
              restat = 1
            build a: rs src
            rule c
              depfile = $out.d
              command = echo "$out: h.h" > $out.d && cat h.h > $out
            build b: c a
            """)
        self.write("src")
        self.write("h.h", "v1\n")
        self.build()
        self.write("h.h", "v2\n")
        self.touch_newer("h.h")
        self.touch_newer("src")
        r = self.build()
        self.assertIn("cat h.h > b", r.out)
        self.assertEqual(self.read("b"), "v2\n")
        self.assertNoWork()

    @since_1_14("ninja 1.13 explained the missing depfile")
    def test_dirty_edge_does_not_explain_its_depfile(self):
        self.manifest("""\
            rule cc
              command = echo "$out: $in" > $out.d; touch $out
              depfile = $out.d
            build a.o: cc a.c
            """)
        self.write("a.c")
        self.build()
        os.unlink(self.path("a.o.d"))
        self.touch_newer("a.c")
        r = self.build("-d", "explain")
        self.assertIn("output a.o older than most recent input a.c", r.err)
        self.assertNotIn("depfile", r.err)
        # clean without it, the missing depfile is what makes it dirty
        os.unlink(self.path("a.o.d"))
        r = self.build("-d", "explain")
        self.assertIn("ninja explain: depfile 'a.o.d' is missing", r.err)
        self.assertIn("touch a.o", r.out)

    @since_1_14("ninja 1.13 read the deps of a dirty edge")
    def test_validation_found_through_deps_only_when_clean(self):
        # ninja's BuildWithDepsLogTest.ValidationThroughDepfile
        self.manifest("""\
            rule cat
              command = cat $in > $out
            rule catdeps
              command = echo "$out: out" > $out.d; cat $in > $out
              depfile = $out.d
              deps = gcc
            build out: cat in |@ validate
            build validate: cat in2
            build out2: catdeps in3
            """)
        for f in ("in", "in2", "in3"):
            self.write(f)
        self.build("out2")  # the deps log now says out2 needs out
        self.touch_newer("in2")
        self.touch_newer("in")
        r = self.build("out2")
        # out2 is clean by its manifest inputs: its deps name out, whose
        # validation comes along
        self.assertEqual(sorted(l.split("] ")[1] for l in r.lines),
                         ['cat in > out', 'cat in2 > validate',
                          'echo "out2: out" > out2.d; cat in3 > out2'])
        self.touch_newer("in2")
        self.touch_newer("in")
        self.touch_newer("in3")
        r = self.build("out2")
        # dirty by in3: its deps are not read, out is not visited
        self.assertEqual(r.out, '[1/1] echo "out2: out" > out2.d; '
                         'cat in3 > out2\n')

    RESTAT = """\
        rule cc
          command = echo "$out: $in x.h" > $out.d; cat $in x.h > $out
          depfile = $out.d
          deps = gcc
        rule gen
          command = cp gen.in $out.tmp; cmp -s $out.tmp $out || cp $out.tmp $out
          restat = 1
        build gen.h: gen gen.in
        build a.o: cc a.c gen.h
        """

    def restat_setup(self):
        self.manifest(self.RESTAT)
        self.write("a.c", "a\n")
        self.write("x.h", "x\n")
        self.write("gen.in", "g\n")
        self.build()

    def test_restat_cleans_edge_whose_deps_were_not_read(self):
        self.restat_setup()
        self.touch_newer("gen.in")
        r = self.build()
        self.assertEqual(r.lines, ["[1/2] cp gen.in gen.h.tmp; cmp -s "
                                   "gen.h.tmp gen.h || cp gen.h.tmp gen.h"])

    @nj_only("ninja HEAD does not read the deps here and misses the "
             "changed header until the next run")
    def test_restat_sees_header_in_unread_deps(self):
        self.restat_setup()
        self.touch_newer("gen.in")
        self.touch_newer("x.h", "x2\n")
        r = self.build()
        self.assertIn("cat a.c gen.h x.h > a.o", r.out)
        self.assertEqual(self.read("a.o"), "a\ng\nx2\n")


class Dyndep(NjTestCase):
    """dyndep files: several made by one edge (dd1faec2, #2782), inputs
    visited before any is checked (36c1fd98, #2641), validations queued
    first (79482d3b)."""

    @since_1_14("ninja 1.13 ran out2 alongside out1")
    def test_one_edge_makes_two_dyndep_files(self):
        # ninja's BuildTest.DyndepBuildMultiple: dd3 is loaded first, and
        # out2 must still wait for dd2's news that it needs out1
        self.manifest("""\
            rule touch
              command = touch $out
            rule slow
              command = sleep 0.5; touch $out
            rule cp_both
              command = cp dd3-in dd3 ; cp dd2-in dd2
            rule cp_other
              command = cp out1 $out
            build dd3 dd2: cp_both dd3-in dd2-in
            build out3: touch in || dd3
              dyndep = dd3
            build out2: cp_other || dd2
              dyndep = dd2
            build out1: slow in
            """)
        self.write("in")
        self.write("dd3-in", "ninja_dyndep_version = 1\n"
                   "build out3: dyndep | out2\n")
        self.write("dd2-in", "ninja_dyndep_version = 1\n"
                   "build out2: dyndep | out1\n")
        r = self.build("-j4", "out2", "out3")
        self.assertEqual(r.lines, ["[1/3] cp dd3-in dd3 ; cp dd2-in dd2",
                                   "[2/4] sleep 0.5; touch out1",
                                   "[3/4] cp out1 out2", "[4/4] touch out3"])
        self.assertNoWork("out2", "out3")

    DEPENDENT = """\
        rule r
          command = touch $out
        rule r2
          command = touch tmp tmp.imp
        build tmp: r2 in || dd
          dyndep = dd
        """

    def dependent_setup(self, out_edge):
        self.manifest(self.DEPENDENT, out_edge)
        self.write("in")
        self.write("dd", "ninja_dyndep_version = 1\n"
                   "build tmp | tmp.imp: dyndep\n")
        self.build("out")
        self.assertNoWork("out")
        self.touch_newer("in")

    @since_1_14("ninja 1.13 took tmp.imp for a clean source")
    def test_dyndep_output_is_later_input(self):
        # ninja's GraphTest.DyndepOutputIsDependentInput (#2641): tmp.imp
        # is visited before tmp, whose dyndep file says tmp makes it
        self.dependent_setup("build out: r | tmp.imp || tmp\n")
        r = self.build("out")
        self.assertEqual(r.lines, ["[1/2] touch tmp tmp.imp",
                                   "[2/2] touch out"])

    @since_1_14("ninja 1.13 took tmp.imp for a clean source")
    def test_dyndep_output_is_depfile_input(self):
        # ninja's GraphTest.DyndepOutputIsDependentInputFromDepfile
        self.dependent_setup("rule rd\n"
                             "  command = echo 'out: tmp.imp' > $out.d; "
                             "touch $out\n"
                             "  depfile = $out.d\n"
                             "build out: rd || tmp\n")
        r = self.build("out")
        self.assertEqual(r.lines, ["[1/2] touch tmp tmp.imp",
                                   "[2/2] echo 'out: tmp.imp' > out.d; "
                                   "touch out"])


if __name__ == "__main__":
    unittest.main()
