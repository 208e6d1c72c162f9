"""Errors, reported exactly as ninja reports them."""

import unittest

from harness import NjTestCase, not_ninja


class ParseErrors(NjTestCase):
    """Manifest errors: `ninja: error: FILE:LINE: message`, the offending line
    and a caret under the place (nothing more when the column is 0)."""

    def check(self, manifest, expected, *args):
        self.write("build.ninja", manifest, dedent=False)
        r = self.fails(*args)
        self.assertEqual(r.err, expected, r)
        self.assertEqual(r.out, "", r)

    def test_unknown_rule(self):
        self.check("build a: nope\n",
                   "ninja: error: build.ninja:1: unknown build rule 'nope'\n"
                   "build a: nope\n"
                   "         ^ near here\n")

    def test_missing_command(self):
        self.check("rule r\n  description = x\nbuild a: r\n",
                   "ninja: error: build.ninja:3: expected 'command =' line\n\n")

    def test_bad_dollar_escape(self):
        self.check("rule r\n  command = echo $%x\nbuild a: r\n",
                   "ninja: error: build.ninja:2: bad $-escape (literal $ must be written as $$)\n"
                   "  command = echo $%x\n"
                   "                 ^ near here\n")

    def test_unexpected_indent_at_start(self):
        self.check("  x = 1\n",
                   "ninja: error: build.ninja:1: unexpected indent\n\n")

    def test_unexpected_indent_after_blank(self):
        self.check("rule r\n  command = a\n\n  x = 1\n",
                   "ninja: error: build.ninja:4: unexpected indent\n\n")

    def test_duplicate_rule(self):
        self.check("rule r\n  command = a\nrule r\n  command = b\n",
                   "ninja: error: build.ninja:3: duplicate rule 'r'\n"
                   "rule r\n"
                   "      ^ near here\n")

    def test_undefined_pool(self):
        self.check("rule r\n  command = a\nbuild a: r\n  pool = nope\nbuild b: r\n",
                   "ninja: error: build.ninja:5: unknown pool name 'nope'\n\n")

    def test_bad_pool_depth(self):
        self.check("pool p\n  depth = -1\n",
                   "ninja: error: build.ninja:2: invalid pool depth\n"
                   "  depth = -1\n"
                   "            ^ near here\n")

    def test_pool_without_depth(self):
        self.write("build.ninja", "pool p\n\nrule r\n  command = a\n", dedent=False)
        r = self.fails()
        self.assertIn("expected 'depth =' line", r.err)

    def test_unexpected_pool_variable(self):
        self.check("pool p\n  dep = 1\n",
                   "ninja: error: build.ninja:2: unexpected variable 'dep'\n"
                   "  dep = 1\n"
                   "         ^ near here\n")

    def test_expected_newline(self):
        self.check("rule r r\n",
                   "ninja: error: build.ninja:1: expected newline, got identifier\n"
                   "rule r r\n"
                   "       ^ near here\n")

    def test_unexpected_rule_variable(self):
        self.check("rule r\n  command = a\n  unknown = 1\n",
                   "ninja: error: build.ninja:3: unexpected variable 'unknown'\n"
                   "  unknown = 1\n"
                   "             ^ near here\n")

    def test_expected_colon(self):
        self.check("build = x\n",
                   "ninja: error: build.ninja:1: expected ':', got newline ($ also escapes ':')\n"
                   "build = x\n"
                   "         ^ near here\n")

    def test_expected_equals(self):
        self.check("rule r\n  command = a\nbuild a: r\n default\n",
                   "ninja: error: build.ninja:4: expected '=', got newline\n"
                   " default\n"
                   "        ^ near here\n")

    def test_expected_path(self):
        self.check("build: phony\n",
                   "ninja: error: build.ninja:1: expected path\n"
                   "build: phony\n"
                   "     ^ near here\n")

    def test_expected_rule_name(self):
        self.check("rule\n",
                   "ninja: error: build.ninja:1: expected rule name\n"
                   "rule\n"
                   "    ^ near here\n")

    def test_unexpected_eof(self):
        self.check("x = $\n",
                   "ninja: error: build.ninja:2: unexpected EOF\n\n")

    def test_default_unknown_target(self):
        self.check("rule r\n  command = x\nbuild a: r\ndefault nope\n",
                   "ninja: error: build.ninja:4: unknown target 'nope'\n"
                   "default nope\n"
                   "            ^ near here\n")

    def test_missing_include(self):
        self.check("include nope.ninja\n",
                   "ninja: error: build.ninja:1: loading 'nope.ninja': No such file or directory\n"
                   "include nope.ninja\n"
                   "                  ^ near here\n")

    def test_error_in_included_file_names_it(self):
        self.write("inc.ninja", "build a: nope\n", dedent=False)
        self.check("include inc.ninja\n",
                   "ninja: error: inc.ninja:1: unknown build rule 'nope'\n"
                   "build a: nope\n"
                   "         ^ near here\n")

    def test_missing_manifest(self):
        r = self.fails()
        self.assertEqual(r.err, "ninja: error: loading 'build.ninja': "
                                "No such file or directory\n")

    def test_missing_manifest_f(self):
        r = self.fails("-f", "other.ninja")
        self.assertEqual(r.err, "ninja: error: loading 'other.ninja': "
                                "No such file or directory\n")


class DupBuild(NjTestCase):
    M = "rule r\n  command = touch $out\nbuild a: r\nbuild a: r\n"

    def test_default_is_error(self):
        self.write("build.ninja", self.M, dedent=False)
        r = self.fails()
        self.assertEqual(r.err, "ninja: error: build.ninja:5: multiple rules generate a\n\n")

    def test_explicit_err(self):
        self.write("build.ninja", self.M, dedent=False)
        r = self.fails("-w", "dupbuild=err")
        self.assertIn("multiple rules generate a", r.err)

    def test_warn_is_deprecated_and_still_an_error(self):
        # ninja's current source: -w dupbuild= only warns that it is
        # deprecated; a duplicate output is always an error.
        self.write("build.ninja", self.M, dedent=False)
        r = self.fails("-w", "dupbuild=warn")
        self.assertEqual(r.err, "ninja: warning: deprecated warning 'dupbuild'\n"
                                "ninja: error: build.ninja:5: multiple rules "
                                "generate a\n\n")
        self.assertFalse(self.exists("a"))

    def test_depfilemulti_is_deprecated(self):
        self.write("build.ninja", "rule r\n  command = touch $out\nbuild a: r\n",
                   dedent=False)
        r = self.build("-w", "depfilemulti=warn")
        self.assertIn("ninja: warning: deprecated warning 'depfilemulti'\n", r.err)
        self.assertTrue(self.exists("a"))

    def test_an_output_named_twice_by_one_edge(self):
        for outs in ("a a", "b | b"):
            self.write("build.ninja", "rule r\n  command = touch $out\n"
                       "build %s: r\n" % outs, dedent=False)
            r = self.fails()
            self.assertIn("ninja: error: build.ninja:4: %s is defined as an "
                          "output multiple times" % outs[0], r.err)

    def test_bad_warning_flag(self):
        self.write("build.ninja", self.M, dedent=False)
        r = self.fails("-w", "dupbuild=bogus")
        self.assertIn("ninja: error: unknown warning flag 'dupbuild=bogus'", r.err)


class Cycles(NjTestCase):
    def test_two_cycle(self):
        self.manifest("""\
            rule r
              command = touch $out
            build a: r b
            build b: r a
            build all: phony a
            default all
            """)
        r = self.fails()
        self.assertEqual(r.err, "ninja: error: dependency cycle: a -> b -> a\n")

    def test_three_cycle(self):
        self.manifest("""\
            rule r
              command = touch $out
            build a: r b
            build b: r c
            build c: r a
            build top: phony a
            """)
        r = self.fails("top")
        self.assertEqual(r.err, "ninja: error: dependency cycle: a -> b -> c -> a\n")

    def test_self_cycle(self):
        self.manifest("""\
            rule r
              command = touch $out
            build a: r a
            """)
        r = self.fails("a")
        self.assertEqual(r.err, "ninja: error: dependency cycle: a -> a\n")

    def test_cycle_through_implicit(self):
        self.manifest("""\
            rule r
              command = touch $out
            build a: r | b
            build b: r || a
            """)
        r = self.fails("a")
        self.assertIn("ninja: error: dependency cycle: a -> b -> a", r.err)

    def test_no_roots(self):
        self.manifest("""\
            rule r
              command = touch $out
            build a: r b
            build b: r a
            """)
        r = self.fails()
        self.assertIn("ninja: error: could not determine root nodes of build graph",
                      r.err)

    def test_phony_self_reference_warns(self):
        self.manifest("""\
            build a: phony a
            build all: phony a
            """)
        r = self.build("all")
        self.assertIn("ninja: warning: phony target 'a' names itself as an input; "
                      "ignoring [-w phonycycle=warn]", r.err)

    def test_phonycycle_warn_flag(self):
        self.manifest("""\
            build a: phony a
            build all: phony a
            """)
        r = self.build("all", "-w", "phonycycle=warn")
        self.assertIn("phony target 'a' names itself as an input", r.err)

    def test_phonycycle_err(self):
        self.manifest("""\
            build a: phony a
            build all: phony a
            """)
        r = self.fails("all", "-w", "phonycycle=err")
        self.assertIn("ninja: error: dependency cycle: a -> a [-w phonycycle=err]",
                      r.err)


class Targets(NjTestCase):
    M = """\
        rule r
          command = touch $out
        build abc: r
        """

    def test_unknown_target(self):
        self.manifest(self.M)
        r = self.fails("nothing")
        self.assertEqual(r.err, "ninja: error: unknown target 'nothing'\n")

    def test_unknown_target_did_you_mean(self):
        self.manifest(self.M)
        r = self.fails("abd")
        self.assertEqual(r.err, "ninja: error: unknown target 'abd', did you mean 'abc'?\n")

    def test_missing_input_no_rule(self):
        self.manifest("""\
            rule r
              command = touch $out
            build a: r missing
            """)
        r = self.fails()
        self.assertEqual(r.err, "ninja: error: 'missing', needed by 'a', "
                                "missing and no known rule to make it\n")
        self.assertFalse(self.exists("a"))

    def test_unknown_tool(self):
        self.manifest(self.M)
        r = self.fails("-t", "nosuchtool")
        self.assertRegex(r.err, r"ninja: (fatal|error): unknown tool 'nosuchtool'")

    def test_unknown_debug_mode(self):
        self.manifest(self.M)
        r = self.fails("-d", "bogus")
        self.assertIn("ninja: error: unknown debug setting 'bogus'", r.err)

    @not_ninja("ninja exits fatally at the first such edge, once its "
               "command ran, and leaves .ninja_lock and no .ninja_log")
    def test_unknown_deps_type_fails_its_edge_and_the_build_goes_on(self):
        # a departure (DESIGN.md): the edge fails with ninja's words, -k
        # goes on to the next, and what succeeded is in the log
        self.manifest("""\
            rule r
              command = touch $out
              deps = foo
              depfile = $out.d
            rule ok
              command = touch $out
            build a: r
            build b: r
            build c: ok
            """)
        r = self.fails("-k", "0", "-j", "1")
        self.assertEqual(r.out.count("unknown deps type 'foo'"), 2, r)
        self.assertEqual(r.out.count("FAILED: "), 2, r)
        self.assertTrue(self.exists("c"), r)
        self.assertFalse(self.exists(".ninja_lock"), r)
        log = self.read(".ninja_log")
        self.assertIn("\tc\t", log)
        self.assertNotIn("\ta\t", log)
        self.assertNotIn("\tb\t", log)

    # ninja's current source suggests the closest name within 3 edits, and
    # nothing when none is that close.
    def test_misspelt_tool_debug_mode_and_warning_get_a_hint(self):
        self.manifest(self.M)
        for args, err in (
                (("-t", "comands"), "ninja: fatal: unknown tool 'comands', "
                 "did you mean 'commands'?\n"),
                (("-t", "nosuchtool"),
                 "ninja: fatal: unknown tool 'nosuchtool'\n"),
                (("-d", "explian"), "ninja: error: unknown debug setting "
                 "'explian', did you mean 'explain'?\n"),
                (("-d", "keepdepfil"), "ninja: error: unknown debug setting "
                 "'keepdepfil', did you mean 'keepdepfile'?\n"),
                (("-d", "bogus"),
                 "ninja: error: unknown debug setting 'bogus'\n"),
                (("-w", "phonycycle=er"), "ninja: error: unknown warning "
                 "flag 'phonycycle=er', did you mean 'phonycycle=err'?\n"),
                # the deprecated flags are not offered
                (("-w", "dupbuld=err"),
                 "ninja: error: unknown warning flag 'dupbuld=err'\n")):
            r = self.fails(*args)
            self.assertEqual(r.rc, 1, (args, r))
            self.assertEqual(r.err, err, (args, r))


if __name__ == "__main__":
    unittest.main()
