"""The manifest language as the ninja manual defines it."""

import os
import unittest

from harness import NjTestCase, CONC_RULE, concurrency, IS_NINJA


class Variables(NjTestCase):
    def test_file_scope_variable(self):
        self.manifest("""\
            greeting = hello
            rule echo
              command = echo $greeting > $out
            build out: echo
            """)
        self.build()
        self.assertEqual(self.read("out"), "hello\n")

    def test_variable_evaluated_at_definition(self):
        # Top-level variables are expanded immediately, in order.
        self.manifest("""\
            a = one
            b = $a two
            a = three
            rule echo
              command = echo $b $a > $out
            build out: echo
            """)
        self.build()
        self.assertEqual(self.read("out"), "one two three\n")

    def test_rule_variable_lazy_edge_binding_shadows(self):
        self.manifest("""\
            flags = -global
            rule echo
              command = echo $flags > $out
            build a: echo
            build b: echo
              flags = -edge
            """)
        self.build()
        self.assertEqual(self.read("a"), "-global\n")
        self.assertEqual(self.read("b"), "-edge\n")

    def test_edge_binding_can_refer_to_outer(self):
        self.manifest("""\
            flags = -O2
            rule echo
              command = echo $flags > $out
            build a: echo
              flags = $flags -g
            """)
        self.build()
        self.assertEqual(self.read("a"), "-O2 -g\n")

    def test_edge_bindings_evaluated_in_file_scope(self):
        # an edge binding sees neither $in nor the edge's earlier bindings
        self.manifest("""\
            rule echo
              command = echo [$extra] [$flags] > $out
            build a: echo x
              extra = $in
              flags = 1
            build b: echo x
              flags = 2
              extra = $flags
            build x: phony
            """)
        self.build()
        self.assertEqual(self.read("a"), "[] [1]\n")
        self.assertEqual(self.read("b"), "[] [2]\n")

    def test_subninja_scope_is_child_of_parent(self):
        # parse-time expansion in the child sees only what the parent had so
        # far; rule variables are expanded later, through the scope chain
        self.write("sub.ninja", """\
            snap = [$late]
            build b: echo
            """)
        self.manifest("""\
            rule echo
              command = echo [$early] [$late] $snap > $out
            early = yes
            subninja sub.ninja
            late = later
            """)
        self.build("b")
        self.assertEqual(self.read("b"), "[yes] [later] []\n")

    def test_rule_scope_sees_edge_variables(self):
        # A rule variable referring to another rule variable and to edge vars.
        self.manifest("""\
            rule echo
              command = echo $description > $out
              description = [$who]
            build a: echo
              who = edge
            """)
        self.build()
        self.assertEqual(self.read("a"), "[edge]\n")

    def test_edge_binding_wins_over_rule_binding(self):
        self.manifest("""\
            rule echo
              command = echo $description > $out
              description = rule
            build a: echo
              description = edge
            """)
        self.build()
        self.assertEqual(self.read("a"), "edge\n")

    def test_undefined_variable_is_empty(self):
        self.manifest("""\
            rule echo
              command = echo x${nothing}y > $out
            build a: echo
            """)
        self.build()
        self.assertEqual(self.read("a"), "xy\n")

    def test_in_and_out_with_spaces_are_shell_quoted(self):
        self.write("src 1", "one\n")
        self.write("src2", "two\n")
        self.manifest("""\
            rule cat
              command = cat $in > $out
            build a$ b.txt: cat src$ 1 src2
            """)
        self.build()
        self.assertEqual(self.read("a b.txt"), "one\ntwo\n")

    def test_in_newline(self):
        self.write("x", "")
        self.write("y", "")
        self.manifest("""\
            rule nl
              command = printf '%s\\n' "$in_newline" > $out
            build list: nl x y
            """)
        self.build()
        self.assertEqual(self.read("list"), "x\ny\n")

    def test_in_excludes_implicit_and_order_only(self):
        for f in ("e", "i", "o"):
            self.write(f, "")
        self.manifest("""\
            rule echo
              command = echo $in > $out
            build out: echo e | i || o
            """)
        self.build()
        self.assertEqual(self.read("out"), "e\n")

    def test_out_excludes_implicit_outputs(self):
        self.manifest("""\
            rule w
              command = echo $out > list; touch $out extra
            build a | extra: w
            """)
        self.build()
        self.assertEqual(self.read("list"), "a\n")
        self.assertTrue(self.exists("extra"))

    def test_multiple_outputs_in_out(self):
        self.manifest("""\
            rule w
              command = touch $out; echo $out > list
            build a b: w
            """)
        self.build("a")
        self.assertEqual(self.read("list"), "a b\n")


class Escapes(NjTestCase):
    def test_dollar_dollar(self):
        self.manifest("""\
            rule echo
              command = echo 'x$$y' > $out
            build a: echo
            """)
        self.build()
        self.assertEqual(self.read("a"), "x$y\n")

    def test_dollar_space_and_colon_in_paths(self):
        self.manifest("""\
            rule touch
              command = touch $out
            build a$ b: touch
            build c$:d: touch
            """)
        self.build()
        self.assertTrue(self.exists("a b"))
        self.assertTrue(self.exists("c:d"))

    def test_line_continuation(self):
        self.manifest("""\
            rule echo
              command = echo one $
                  two $
                  three > $out
            build a: $
                echo
            """)
        self.build()
        self.assertEqual(self.read("a"), "one two three\n")

    def test_braced_variable(self):
        self.manifest("""\
            v = mid
            rule echo
              command = echo pre${v}post > $out
            build a: echo
            """)
        self.build()
        self.assertEqual(self.read("a"), "premidpost\n")

    def test_variable_name_stops_at_non_identifier(self):
        self.manifest("""\
            v = mid
            rule echo
              command = echo $v.x ${v}-y [$v-y] > $out
            build a: echo
            """)
        self.build()
        # '-' is part of a variable name, '.' is not
        self.assertEqual(self.read("a"), "mid.x mid-y []\n")

    def test_comments_ignored(self):
        self.manifest("""\
            # a comment
            rule echo
              # comment inside rule
              command = echo hi > $out
            # build b: echo
            build a: echo
            """)
        self.build()
        self.assertEqual(self.read("a"), "hi\n")
        self.assertFalse(self.exists("b"))


class Edges(NjTestCase):
    def test_implicit_input_rebuilds(self):
        self.write("in", "")
        self.write("dep", "")
        self.manifest("""\
            rule cp
              command = cp $in $out
            build out: cp in | dep
            """)
        self.build()
        self.assertNoWork()
        self.touch_newer("dep")
        r = self.build()
        self.assertRan(r, 1)

    def test_implicit_outputs_are_targets(self):
        self.manifest("""\
            rule w
              command = touch $out imp
            build a | imp: w
            """)
        r = self.build("imp")
        self.assertRan(r, 1)
        self.assertTrue(self.exists("a"))
        # missing implicit output makes the edge dirty
        os.unlink(self.path("imp"))
        r = self.build()
        self.assertRan(r, 1)

    def test_order_only_built_first(self):
        self.manifest("""\
            rule w
              command = echo $out >> order; touch $out
            build gen: w
            build out: w || gen
            """)
        self.build("out")
        self.assertEqual(self.read("order"), "gen\nout\n")

    def test_validations_built(self):
        self.manifest("""\
            rule w
              command = touch $out
            build out: w |@ check
            build check: w
            """)
        r = self.build("out")
        self.assertTrue(self.exists("check"))
        self.assertRan(r, 2)

    def test_validation_not_a_dependency(self):
        # a failing validation does not stop the edge itself from running
        self.manifest("""\
            rule w
              command = touch $out
            rule fail
              command = false
            build out: w |@ check
            build check: fail
            """)
        r = self.fails("out")
        self.assertTrue(self.exists("out"))

    def test_phony_alias(self):
        self.manifest("""\
            rule w
              command = touch $out
            build real: w
            build alias: phony real
            """)
        r = self.build("alias")
        self.assertTrue(self.exists("real"))
        self.assertFalse(self.exists("alias"))
        self.assertNoWork("alias")

    def test_default_targets(self):
        self.manifest("""\
            rule w
              command = touch $out
            build a: w
            build b: w
            build c: w
            default a
            default c
            """)
        self.build()
        self.assertTrue(self.exists("a"))
        self.assertFalse(self.exists("b"))
        self.assertTrue(self.exists("c"))

    def test_no_default_builds_all_roots(self):
        self.manifest("""\
            rule w
              command = touch $out
            build a: w
            build b: w a
            build c: w
            """)
        r = self.build()
        self.assertRan(r, 3)
        for f in "abc":
            self.assertTrue(self.exists(f))

    def test_explicit_target_on_command_line(self):
        self.manifest("""\
            rule w
              command = touch $out
            build a: w
            build b: w
            default a
            """)
        self.build("b")
        self.assertFalse(self.exists("a"))
        self.assertTrue(self.exists("b"))

    def test_target_caret_builds_outputs_of_input(self):
        self.write("src.c", "")
        self.manifest("""\
            rule w
              command = touch $out
            build src.o: w src.c
            build other: w
            """)
        self.build("src.c^")
        self.assertTrue(self.exists("src.o"))
        self.assertFalse(self.exists("other"))

    def test_paths_canonicalised(self):
        self.manifest("""\
            rule w
              command = touch $out
            build ./sub/../a: w
            build b: w a
            """)
        r = self.build("b")
        self.assertRan(r, 2)
        self.assertNoWork("./a")

    def test_output_directory_created(self):
        self.manifest("""\
            rule w
              command = touch $out
            build deep/er/out: w
            """)
        self.build()
        self.assertTrue(self.exists("deep/er/out"))


class Pools(NjTestCase):
    def test_pool_depth_limits_concurrency(self):
        self.conc_manifest("""\
            pool p
              depth = 1
            build a: conc
              pool = p
            build b: conc
              pool = p
            build c: conc
              pool = p
            """)
        self.build("-j", "3")
        self.assertEqual(concurrency(self.read("conc.log").splitlines()), 1)

    def test_pool_on_rule(self):
        self.conc_manifest("""\
            pool p
              depth = 2
            rule pconc
              command = echo +$out >> conc.log; sleep 0.3; echo -$out >> conc.log; touch $out
              pool = p
            build a: pconc
            build b: pconc
            build c: pconc
            build d: pconc
            """)
        self.build("-j", "4")
        self.assertLessEqual(concurrency(self.read("conc.log").splitlines()), 2)

    def test_without_pool_runs_in_parallel(self):
        self.conc_manifest("""\
            build a: conc
            build b: conc
            """)
        self.build("-j", "2")
        self.assertEqual(concurrency(self.read("conc.log").splitlines()), 2)

    def test_j1_serialises(self):
        self.conc_manifest("""\
            build a: conc
            build b: conc
            build c: conc
            """)
        self.build("-j", "1")
        self.assertEqual(concurrency(self.read("conc.log").splitlines()), 1)

    def test_console_pool_depth_one(self):
        self.manifest("""\
            rule conc
              command = echo +$out >> conc.log; sleep 0.3; echo -$out >> conc.log; touch $out
              pool = console
            build a: conc
            build b: conc
            """)
        self.build("-j", "2")
        self.assertEqual(concurrency(self.read("conc.log").splitlines()), 1)

    def test_console_pool_output_goes_direct(self):
        self.manifest("""\
            rule con
              command = echo from-console
              pool = console
            build a: con
            """)
        r = self.build()
        self.assertIn("from-console", r.out)

    def test_pool_depth_zero_unlimited(self):
        self.conc_manifest("""\
            pool p
              depth = 0
            build a: conc
              pool = p
            build b: conc
              pool = p
            """)
        self.build("-j", "2")
        self.assertEqual(concurrency(self.read("conc.log").splitlines()), 2)


class IncludeSubninja(NjTestCase):
    def test_include_shares_scope(self):
        self.write("inc.ninja", """\
            v = from-include
            rule echo
              command = echo $v > $out
            """)
        self.manifest("""\
            include inc.ninja
            build a: echo
            """)
        self.build()
        self.assertEqual(self.read("a"), "from-include\n")

    def test_subninja_child_scope(self):
        # subninja sees the parent's variables, its own don't leak back.
        self.write("sub.ninja", """\
            v = child
            build b: echo
            """)
        self.manifest("""\
            v = parent
            rule echo
              command = echo $v > $out
            subninja sub.ninja
            build a: echo
            """)
        self.build()
        self.assertEqual(self.read("a"), "parent\n")
        self.assertEqual(self.read("b"), "child\n")

    def test_subninja_rules_are_local(self):
        self.write("sub.ninja", """\
            rule local
              command = echo sub > $out
            build b: local
            """)
        self.manifest("""\
            subninja sub.ninja
            rule local
              command = echo top > $out
            build a: local
            """)
        self.build()
        self.assertEqual(self.read("a"), "top\n")
        self.assertEqual(self.read("b"), "sub\n")

    def test_include_path_with_variable(self):
        self.write("parts/p.ninja", """\
            rule w
              command = touch $out
            build a: w
            """)
        self.manifest("""\
            dir = parts
            include $dir/p.ninja
            """)
        self.build()
        self.assertTrue(self.exists("a"))

    def test_missing_include_is_error(self):
        self.manifest("""\
            include nope.ninja
            """)
        r = self.fails()
        self.assertIn("nope.ninja", r.out + r.err)

    # Found by the manifest fuzzer's long run: a value that names itself
    # twice doubles with every line (ninja runs out of memory).
    @unittest.skipIf(IS_NINJA, "ninja runs out of memory on this")
    def test_a_variable_that_doubles_is_an_error_not_out_of_memory(self):
        self.manifest("a = xy\n" + "a = $a$a\n" * 30 +
                      "rule r\n  command = echo $a\nbuild o: r\n")
        r = self.fails()
        self.assertIn("build.ninja:27: variable 'a' would be 134217728 "
                      "bytes long, more than 64M", r.err)
        # 32M is still a value (not used in the command: too long to run)
        self.manifest("a = x\n" + "a = $a$a\n" * 25 +
                      "rule r\n  command = touch $out\nbuild o: r\n")
        self.build()
        self.assertTrue(self.exists("o"))

    # ninja recurses until its stack overflows (SIGSEGV) on these.
    @unittest.skipIf(IS_NINJA, "ninja crashes on include cycles")
    def test_include_of_itself_is_an_error_with_file_and_line(self):
        self.manifest("x = 1\ninclude build.ninja\n")
        r = self.fails()
        self.assertIn("build.ninja:2: include cycle: build.ninja -> "
                      "build.ninja", r.err)

    @unittest.skipIf(IS_NINJA, "ninja crashes on include cycles")
    def test_subninja_of_itself_is_an_error(self):
        self.manifest("x = 1\nsubninja build.ninja\n")
        r = self.fails()
        self.assertIn("build.ninja:2: include cycle", r.err)

    @unittest.skipIf(IS_NINJA, "ninja crashes on include cycles")
    def test_cycle_through_other_files_and_spellings(self):
        self.write("a.ninja", "include ./b.ninja\n")
        self.write("b.ninja", "\nsubninja ./build.ninja\n")
        self.manifest("include a.ninja\n")
        r = self.fails()
        self.assertIn("b.ninja:2: include cycle: build.ninja -> a.ninja -> "
                      "./b.ninja -> ./build.ninja", r.err)

    @unittest.skipIf(IS_NINJA, "ninja has no depth limit")
    def test_include_depth_is_bounded(self):
        for i in range(100):
            self.write("i%d.ninja" % i, "include i%d.ninja\n" % (i + 1))
        self.write("i100.ninja", "")
        self.manifest("include i0.ninja\n")
        r = self.fails()
        self.assertIn("i63.ninja:1: includes nested more than 64 deep, at "
                      "'i64.ninja'", r.err)
        # a deep chain within the bound is fine
        self.manifest("include i40.ninja\n")
        self.build()

    def test_same_file_included_twice_is_no_cycle(self):
        self.write("v.ninja", "v = 1\n")
        self.manifest("""\
            include v.ninja
            include v.ninja
            subninja v.ninja
            rule w
              command = echo $v > $out
            build a: w
            """)
        self.build()
        self.assertEqual(self.read("a"), "1\n")


class Misc(NjTestCase):
    def test_required_version_ok(self):
        self.manifest("""\
            ninja_required_version = 1.5
            rule w
              command = touch $out
            build a: w
            """)
        self.build()

    def test_required_version_too_new(self):
        self.manifest("""\
            ninja_required_version = 99.0
            """)
        r = self.fails()
        self.assertRegex(r.err + r.out, r"ninja: (fatal|error): ninja version \(")
        self.assertIn("incompatible with build file ninja_required_version version (99.0)",
                      r.err + r.out)

    def test_builddir_holds_logs(self):
        self.manifest("""\
            builddir = out
            rule w
              command = touch $out
            build a: w
            """)
        self.build()
        self.assertTrue(self.exists("out/.ninja_log"))
        self.assertFalse(self.exists(".ninja_log"))

    def test_builddir_deps_log(self):
        self.write("x.c", "")
        self.write("x.h", "")
        self.manifest("""\
            builddir = bd
            rule cc
              command = echo "$out: $in x.h" > $out.d; touch $out
              depfile = $out.d
              deps = gcc
            build x.o: cc x.c
            """)
        self.build()
        self.assertTrue(self.exists("bd/.ninja_deps"))

    def test_generator_rule_not_rebuilt_on_command_change(self):
        self.manifest("""\
            rule gen
              command = touch $out
              generator = 1
            build a: gen
            """)
        self.build()
        self.manifest("""\
            rule gen
              command = touch $out # changed
              generator = 1
            build a: gen
            """)
        self.assertNoWork()

    def test_rspfile(self):
        self.manifest("""\
            rule link
              command = cp $out.rsp $out.copy && touch $out
              rspfile = $out.rsp
              rspfile_content = $in extra
            build out: link a b
            build a: phony
            build b: phony
            """)
        self.build()
        self.assertEqual(self.read("out.copy"), "a b extra")
        self.assertFalse(self.exists("out.rsp"))

    def test_rspfile_in_newline(self):
        self.write("a", "")
        self.write("b", "")
        self.manifest("""\
            rule link
              command = cp $rspfile $out
              rspfile = $out.rsp
              rspfile_content = $in_newline
            build out: link a b
            """)
        self.build()
        self.assertEqual(self.read("out"), "a\nb")

    def test_rspfile_kept_on_failure(self):
        self.manifest("""\
            rule link
              command = false
              rspfile = $out.rsp
              rspfile_content = hello
            build out: link
            """)
        self.fails()
        self.assertEqual(self.read("out.rsp"), "hello")

    def test_keeprsp(self):
        self.manifest("""\
            rule link
              command = touch $out
              rspfile = $out.rsp
              rspfile_content = hello
            build out: link
            """)
        self.build("-d", "keeprsp")
        self.assertEqual(self.read("out.rsp"), "hello")

    def test_dyndep_adds_implicit_input(self):
        self.write("extra.in", "1")
        self.manifest("""\
            rule gen_dd
              command = printf 'ninja_dyndep_version = 1\\nbuild out: dyndep | extra.in\\n' > $out
            rule w
              command = echo ran >> runs; touch $out
            build out.dd: gen_dd
            build out: w || out.dd
              dyndep = out.dd
            """)
        r = self.build()
        self.assertEqual(self.read("runs"), "ran\n")
        self.assertNoWork()
        self.touch_newer("extra.in")
        self.build()
        self.assertEqual(self.read("runs"), "ran\nran\n")
        self.assertNoWork()

    def test_dyndep_adds_implicit_output(self):
        self.manifest("""\
            rule gen_dd
              command = printf 'ninja_dyndep_version = 1\\nbuild out | out.imp: dyndep\\n' > $out
            rule w
              command = touch $out out.imp
            rule cp
              command = cp $in $out
            build out.dd: gen_dd
            build out: w || out.dd
              dyndep = out.dd
            """)
        self.build()
        self.assertTrue(self.exists("out.imp"))
        self.assertNoWork()
        # the implicit output is now known: its absence makes the edge dirty
        os.unlink(self.path("out.imp"))
        r = self.build()
        self.assertRan(r, 1)
        self.assertTrue(self.exists("out.imp"))

    def test_dyndep_restat(self):
        self.manifest("""\
            rule gen_dd
              command = printf 'ninja_dyndep_version = 1\\nbuild out: dyndep\\n  restat = 1\\n' > $out
            rule w
              command = test -e $out || touch $out
            rule cp
              command = cp $in $out; echo x >> cpruns
            build out.dd: gen_dd
            build out: w in || out.dd
              dyndep = out.dd
            build final: cp out
            """)
        self.write("in", "")
        self.build("final")
        self.assertEqual(self.read("cpruns"), "x\n")
        self.touch_newer("in")
        self.build("final")
        self.assertEqual(self.read("cpruns"), "x\n")


if __name__ == "__main__":
    unittest.main()
