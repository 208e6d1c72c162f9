"""-t commands, -t rules, -t targets, -t compdb and -t compdb-targets."""

import json
import os
import unittest

from harness import NjTestCase, nj_only, since_1_14

MANIFEST = """\
rule cc
  command = cc -c $in -o $out
  description = CC ${out} $$x $in:foo $
      more
rule link
  command = ld @$out.rsp -o $out
  rspfile = $out.rsp
  rspfile_content = $in_newline -lm
rule gen
  command = touch $out
  generator = 1
  description =
build a.o: cc a.c
build b.o: cc b.c | h.h || order
build prog: link a.o b.o
build gen.ninja: gen
build all: phony prog
build nothing: gen
subninja sub.ninja
"""

SUB = """\
rule subr
  command = echo sub $in
build s: subr a.o
"""


class Base(NjTestCase):
    def setUp(self):
        super().setUp()
        self.manifest(MANIFEST)
        self.write("sub.ninja", SUB)

    def out(self, *args):
        r = self.build(*args)
        self.assertEqual(r.err, "", r)
        return r.out


class Rules(Base):
    def test_sorted_with_phony_and_no_subninja_rules(self):
        self.assertEqual(self.out("-t", "rules"), "cc\ngen\nlink\nphony\n")

    def test_descriptions_unparsed(self):
        self.assertEqual(self.out("-t", "rules", "-d"),
                         "cc: CC ${out} $x ${in}:foo more\n"
                         "gen: \nlink\nphony\n")

    def test_usage(self):
        r = self.fails("-t", "rules", "-h")
        self.assertEqual(r.out, "usage: ninja -t rules [options]\n\noptions:\n"
                         "  -d     also print the description of the rule\n"
                         "  -h     print this message\n")


class Targets(Base):
    def test_default_is_depth_one_over_roots(self):
        want = "gen.ninja: gen\nall: phony\nnothing: gen\ns: subr\n"
        self.assertEqual(self.out("-t", "targets"), want)
        self.assertEqual(self.out("-t", "targets", "depth"), want)
        self.assertEqual(self.out("-t", "targets", "depth", "1"), want)

    def test_depth(self):
        self.assertEqual(self.out("-t", "targets", "depth", "2"),
                         "gen.ninja: gen\nall: phony\n  prog: link\n"
                         "nothing: gen\ns: subr\n  a.o: cc\n")
        self.assertEqual(self.out("-t", "targets", "depth", "0"),
                         "gen.ninja: gen\nall: phony\n  prog: link\n"
                         "    a.o: cc\n      a.c\n    b.o: cc\n      b.c\n"
                         "      h.h\n      order\n"
                         "nothing: gen\ns: subr\n  a.o: cc\n    a.c\n")

    def test_rule(self):
        self.assertEqual(self.out("-t", "targets", "rule", "gen"),
                         "gen.ninja\nnothing\n")
        self.assertEqual(self.out("-t", "targets", "rule", "nope"), "")
        # "rule" alone: source files, once per use
        self.assertEqual(self.out("-t", "targets", "rule"),
                         "a.c\nb.c\nh.h\norder\n")

    def test_all(self):
        self.assertEqual(self.out("-t", "targets", "all"),
                         "a.o: cc\nb.o: cc\nprog: link\ngen.ninja: gen\n"
                         "all: phony\nnothing: gen\ns: subr\n")

    def test_unknown_mode(self):
        r = self.fails("-t", "targets", "rul")
        self.assertEqual(r.err, "ninja: error: unknown target tool mode "
                         "'rul', did you mean 'rule'?\n")
        r = self.fails("-t", "targets", "-h")
        self.assertEqual(r.err, "ninja: error: unknown target tool mode "
                         "'-h', did you mean 'all'?\n")
        r = self.fails("-t", "targets", "xyzzyq")
        self.assertEqual(r.err, "ninja: error: unknown target tool mode "
                         "'xyzzyq'\n")
        self.assertEqual(r.out, "")

    def test_cycle_has_no_roots(self):
        self.manifest("rule r\n  command = x\nbuild a: r b\nbuild b: r a\n")
        r = self.fails("-t", "targets")
        self.assertEqual(r.err, "ninja: error: could not determine root "
                         "nodes of build graph\n")


class Commands(Base):
    def test_default_targets_inputs_first_each_once(self):
        self.assertEqual(self.out("-t", "commands"),
                         "touch gen.ninja\ncc -c a.c -o a.o\ncc -c b.c -o b.o\n"
                         "ld @prog.rsp -o prog\ntouch nothing\necho sub a.o\n")

    def test_single_and_named(self):
        self.assertEqual(self.out("-t", "commands", "-s", "prog", "all", "s"),
                         "ld @prog.rsp -o prog\necho sub a.o\n")
        self.assertEqual(self.out("-t", "commands", "s", "prog"),
                         "cc -c a.c -o a.o\necho sub a.o\ncc -c b.c -o b.o\n"
                         "ld @prog.rsp -o prog\n")
        self.assertEqual(self.out("-t", "commands", "a.c^"),
                         "cc -c a.c -o a.o\n")

    def test_unknown_target(self):
        r = self.fails("-t", "commands", "prgo")
        self.assertEqual(r.err, "ninja: error: unknown target 'prgo', "
                         "did you mean 'prog'?\n")
        self.assertEqual(r.out, "")

    def test_usage(self):
        r = self.fails("-t", "commands", "-h")
        self.assertEqual(r.out, "usage: ninja -t commands [options] [targets]\n"
                         "\noptions:\n  -s     only print the final command "
                         "to build [target], not the whole chain\n")


def entry(d, command, file, output):
    return ('  {\n    "directory": "%s",\n    "command": "%s",\n'
            '    "file": "%s",\n    "output": "%s"\n  }'
            % (d, command, file, output))


class Compdb(Base):
    @since_1_14("ninja 1.13 listed each edge's first input only")
    def test_every_edge_with_inputs(self):
        # one entry per input, implicit and order-only ones too (ninja
        # 3eeda8fd; 1.13 listed the first input only)
        d = os.path.realpath(self.dir)
        out = self.out("-t", "compdb")
        self.assertEqual(out, "[\n" + ",\n".join([
            entry(d, "cc -c a.c -o a.o", "a.c", "a.o"),
            entry(d, "cc -c b.c -o b.o", "b.c", "b.o"),
            entry(d, "cc -c b.c -o b.o", "h.h", "b.o"),
            entry(d, "cc -c b.c -o b.o", "order", "b.o"),
            entry(d, "ld @prog.rsp -o prog", "a.o", "prog"),
            entry(d, "ld @prog.rsp -o prog", "b.o", "prog"),
            entry(d, "", "prog", "all"),
            entry(d, "echo sub a.o", "a.o", "s"),
        ]) + "\n]\n")
        self.assertEqual(len(json.loads(out)), 8)

    @since_1_14("ninja 1.13 listed each edge's first input only")
    def test_rules_and_expanded_rspfiles(self):
        d = os.path.realpath(self.dir)
        self.assertEqual(self.out("-t", "compdb", "-x", "link", "subr", "link"),
                         "[\n" + ",\n".join([
                             entry(d, "ld a.o b.o -lm -o prog", "a.o", "prog"),
                             entry(d, "ld a.o b.o -lm -o prog", "b.o", "prog"),
                             entry(d, "ld a.o b.o -lm -o prog", "a.o", "prog"),
                             entry(d, "ld a.o b.o -lm -o prog", "b.o", "prog"),
                             entry(d, "echo sub a.o", "a.o", "s"),
                         ]) + "\n]\n")
        self.assertEqual(self.out("-t", "compdb", "nope"), "[\n]\n")

    def test_rspfile_not_after_at_is_kept(self):
        self.manifest("""\
            rule r
              command = tool $rspfile
              rspfile = x.rsp
              rspfile_content = $in
            build o: r i
            """)
        out = json.loads(self.out("-t", "compdb", "-x"))
        self.assertEqual(out[0]["command"], "tool x.rsp")

    def test_escaping(self):
        self.manifest("""\
            rule r
              command = echo "a\\b" > $out
            build o$ "q": r i
            """)
        out = self.out("-t", "compdb")
        self.assertIn('"command": "echo \\"a\\\\b\\" > \'o \\"q\\"\'"', out)
        self.assertIn('"output": "o \\"q\\""', out)
        self.assertEqual(json.loads(out)[0]["output"], 'o "q"')

    @nj_only("ninja 1.12+ escapes control characters in JSON strings")
    def test_control_characters(self):
        self.manifest("rule r\n  command = printf 'a\tb\x01'\nbuild o: r i\n")
        out = self.out("-t", "compdb")
        self.assertIn('"command": "printf \'a\\tb\\u0001\'"', out)
        self.assertEqual(json.loads(out)[0]["command"], "printf 'a\tb\x01'")

    def test_usage(self):
        r = self.fails("-t", "compdb", "-h")
        self.assertEqual(r.out, "usage: ninja -t compdb [options] [rules]\n\n"
                         "options:\n  -x     expand @rspfile style response "
                         "file invocations\n")


CT_USAGE = """\
usage: ninja -t compdb [-hx] target [targets]

options:
  -h     display this help message
  -x     expand @rspfile style response file invocations
"""


@nj_only("-t compdb-targets is new in ninja 1.13")
class CompdbTargets(NjTestCase):
    def setUp(self):
        super().setUp()
        self.manifest("""\
            rule cat
              command = cat $in $out
            build out1 : cat in1
            build out2 : cat in2 out1
            build out3 : cat out2 out1
            build out4 : cat in4
            build all: phony out3 out4
            """)

    @since_1_14("ninja 1.13 listed each edge's first input only")
    def test_edges_needed_inputs_first(self):
        d = os.path.realpath(self.dir)
        r = self.build("-t", "compdb-targets", "out3")
        # one entry per input (ninja 3eeda8fd)
        self.assertEqual(r.out, "[\n" + ",\n".join([
            entry(d, "cat in1 out1", "in1", "out1"),
            entry(d, "cat in2 out1 out2", "in2", "out2"),
            entry(d, "cat in2 out1 out2", "out1", "out2"),
            entry(d, "cat out2 out1 out3", "out2", "out3"),
            entry(d, "cat out2 out1 out3", "out1", "out3"),
        ]) + "\n]\n")
        r = self.build("-t", "compdb-targets", "out1", "all")
        self.assertEqual([e["output"] for e in json.loads(r.out)],
                         ["out1", "out2", "out2", "out3", "out3", "out4"])

    def test_errors(self):
        r = self.fails("-t", "compdb-targets")
        self.assertEqual(r.err, "ninja: error: compdb-targets expects the "
                         "name of at least one target\n")
        self.assertEqual(r.out, CT_USAGE)
        r = self.fails("-t", "compdb-targets", "-h")
        self.assertEqual(r.out, CT_USAGE)
        r = self.fails("-t", "compdb-targets", "in1")
        self.assertEqual(r.err, "ninja: fatal: 'in1' is not a target (i.e. it "
                         "is not an output of any `build` statement)\n")
        self.assertEqual(r.out, "")
        r = self.fails("-t", "compdb-targets", "nonexistent_target")
        self.assertEqual(r.err, "ninja: fatal: unknown target "
                         "'nonexistent_target'\n")


class ToolList(NjTestCase):
    @nj_only("ninja 1.13 lists compdb-targets")
    def test_listed(self):
        r = self.build("-t", "list")
        for line in ["      clean  clean built files",
                     "   commands  list all commands required to rebuild "
                     "given targets",
                     "    targets  list targets by their rule or depth in "
                     "the DAG",
                     "     compdb  dump JSON compilation database to stdout",
                     "compdb-targets  dump JSON compilation database for a "
                     "given list of targets to stdout",
                     "      rules  list all rules",
                     "  cleandead  clean built files that are no longer "
                     "produced by the manifest"]:
            # the width of the name column is tools.c's business
            self.assertIn(line.lstrip(), [l.lstrip() for l in r.lines])


if __name__ == "__main__":
    unittest.main()
