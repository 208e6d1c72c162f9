"""Running commands and the command line."""

import os
import re
import unittest

from harness import NjTestCase, NJ, concurrency, nj_only, IS_NINJA

FAIL = """\
rule fail
  command = echo out-$out; echo err-$out >&2; exit 3
  description = FAIL $out
rule ok
  command = touch $out
"""

FAILED_RE = r"FAILED: (\[code=\d+\] )?%s ?"


class Commands(NjTestCase):
    def test_runs_through_sh(self):
        self.manifest("""\
            rule w
              command = if [ -n "$$0" ]; then echo "$$0" > $out; fi
            build a: w
            """)
        self.build()
        self.assertIn("sh", self.read("a"))

    def test_shell_features(self):
        self.manifest("""\
            rule w
              command = for i in 1 2 3; do echo $$i; done | tr -d '\\n' > $out && test -s $out
            build a: w
            """)
        self.build()
        self.assertEqual(self.read("a"), "123")

    def test_output_printed_after_status(self):
        self.manifest("""\
            rule w
              command = echo hello from $out; touch $out
              description = W $out
            build a: w
            """)
        r = self.build()
        self.assertEqual(r.lines, ["[1/1] W a", "hello from a"])

    def test_stdout_and_stderr_together_on_stdout(self):
        self.manifest("""\
            rule w
              command = echo one; echo two >&2; echo three; touch $out
            build a: w
            """)
        r = self.build()
        self.assertEqual(r.lines[1:], ["one", "two", "three"])
        self.assertEqual(r.err, "")

    def test_output_of_parallel_jobs_not_interleaved(self):
        self.manifest("""\
            rule w
              command = echo ${out}-1; sleep 0.2; echo ${out}-2; touch $out
            build a: w
            build b: w
            """)
        r = self.build("-j", "2")
        lines = [l for l in r.lines if not l.startswith("[")]
        self.assertIn(lines, (["a-1", "a-2", "b-1", "b-2"],
                              ["b-1", "b-2", "a-1", "a-2"]))

    def test_stdin_is_not_terminal_input(self):
        # commands must not be able to read the user's terminal / our stdin
        self.manifest("""\
            rule w
              command = cat > $out
            build a: w
            """)
        self.build(input="should-not-be-read\n")
        self.assertEqual(self.read("a"), "")

    def test_command_env_inherited(self):
        self.manifest("""\
            rule w
              command = echo $$NJ_TEST_VAR > $out
            build a: w
            """)
        self.build(env={"NJ_TEST_VAR": "inherited"})
        self.assertEqual(self.read("a"), "inherited\n")

    def test_cwd_is_build_dir(self):
        self.manifest("""\
            rule w
              command = pwd > $out
            build a: w
            """)
        self.build()
        self.assertEqual(os.path.realpath(self.read("a").strip()),
                         os.path.realpath(self.dir))


class Failures(NjTestCase):
    def test_failed_edge(self):
        self.manifest(FAIL, "build a: fail\n")
        r = self.fails(rc=3)  # the command's own status, as ninja 1.14
        self.assertEqual(r.lines[0], "[1/1] FAIL a")
        self.assertRegex(r.lines[1], "^" + FAILED_RE % "a" + "$")
        self.assertEqual(r.lines[2], "echo out-a; echo err-a >&2; exit 3")
        self.assertEqual(r.lines[3:5], ["out-a", "err-a"])
        self.assertEqual(r.lines[-1], "ninja: build stopped: subcommand failed.")

    def test_failure_stops_dependents(self):
        self.manifest(FAIL, "build a: fail\nbuild d: ok a\n")
        self.fails(rc=3)
        self.assertFalse(self.exists("d"))

    def test_failed_output_not_marked_built(self):
        self.manifest("""\
            rule w
              command = touch $out; exit 1
            build a: w
            """)
        self.fails()
        r = self.fails()
        self.assertRan(r, 1)

    def test_k0_runs_all_independent_failures(self):
        self.manifest(FAIL, "build a: fail\nbuild b: fail\nbuild c: ok\nbuild d: ok a\n")
        r = self.fails("-k", "0", "-j", "1", rc=3)
        self.assertEqual(len([l for l in r.lines if re.match(FAILED_RE % "[ab]", l)]), 2)
        self.assertTrue(self.exists("c"))
        self.assertFalse(self.exists("d"))
        self.assertEqual(r.lines[-1], "ninja: build stopped: cannot make progress "
                                      "due to previous errors.")

    def test_k2_stops_after_two(self):
        self.manifest(FAIL, "build a: fail\nbuild b: fail\nbuild c: fail\n")
        r = self.fails("-k", "2", "-j", "1", rc=3)
        self.assertEqual(len([l for l in r.lines if l.startswith("FAILED:")]), 2)
        self.assertEqual(r.lines[-1], "ninja: build stopped: subcommands failed.")

    def test_k1_default_stops_at_first(self):
        self.manifest(FAIL, "build a: fail\nbuild b: fail\nbuild c: fail\n")
        r = self.fails("-j", "1", rc=3)
        self.assertEqual(len([l for l in r.lines if l.startswith("FAILED:")]), 1)

    def test_exit_status_nonzero_from_signal(self):
        self.manifest("""\
            rule w
              command = kill -9 $$$$
            build a: w
            """)
        r = self.fails(rc=137)  # 128 + SIGKILL, as ninja
        self.assertIn("FAILED: [code=137] a ", r.lines, r)


class Flags(NjTestCase):
    M = """\
        rule w
          command = echo $out >> runs; touch $out
          description = W $out
        build a: w
        build b: w a
        """

    def test_dry_run_runs_nothing(self):
        self.manifest(self.M)
        r = self.build("-n")
        self.assertRan(r, 2)
        self.assertFalse(self.exists("a"))
        self.assertFalse(self.exists("runs"))

    def test_dry_run_does_not_record(self):
        self.manifest(self.M)
        self.build("-n")
        r = self.build()
        self.assertRan(r, 2)

    def test_verbose_prints_commands(self):
        self.manifest(self.M)
        r = self.build("-v", "-j", "1")
        self.assertEqual(r.lines, ["[1/2] echo a >> runs; touch a",
                                   "[2/2] echo b >> runs; touch b"])

    def test_description_shown_without_verbose(self):
        self.manifest(self.M)
        r = self.build("-j", "1")
        self.assertEqual(r.lines, ["[1/2] W a", "[2/2] W b"])

    def test_quiet(self):
        self.manifest("""\
            rule w
              command = echo said $out; touch $out
              description = W $out
            build a: w
            """)
        r = self.build("--quiet")
        self.assertEqual(r.out, "said a\n")

    def test_quiet_failure_still_reported(self):
        self.manifest(FAIL, "build a: fail\n")
        r = self.fails("--quiet", rc=3)
        self.assertNotIn("[1/1]", r.out)
        self.assertTrue(any(l.startswith("FAILED:") for l in r.lines), r)

    def test_C_changes_directory(self):
        self.write("sub/build.ninja", self.M)
        r = self.build("-C", "sub")
        self.assertTrue(self.exists("sub/a"))
        self.assertIn("ninja: Entering directory `sub'", r.out)

    def test_C_missing_directory(self):
        r = self.fails("-C", "nope")
        self.assertIn("ninja: fatal: chdir to 'nope'", r.err)

    def test_f_other_manifest(self):
        self.write("other.ninja", self.M)
        self.build("-f", "other.ninja")
        self.assertTrue(self.exists("b"))

    def test_C_and_f_combined(self):
        self.write("sub/other.ninja", self.M)
        self.build("-C", "sub", "-f", "other.ninja")
        self.assertTrue(self.exists("sub/b"))

    def test_j_parallel(self):
        self.manifest("""\
            rule conc
              command = echo +$out >> conc.log; sleep 0.3; echo -$out >> conc.log; touch $out
            build a: conc
            build b: conc
            build c: conc
            build d: conc
            """)
        self.build("-j", "2")
        self.assertEqual(concurrency(self.read("conc.log").splitlines()), 2)

    def test_j_attached_form(self):
        self.manifest(self.M)
        self.build("-j1")
        self.assertTrue(self.exists("b"))

    def test_version(self):
        r = self.build("--version")
        self.assertRegex(r.out, r"^1\.\d+\.\d+\S*\n$")

    @nj_only("nj matches ninja's development source (1.14.0.git) and says so")
    def test_version_is_1_14(self):
        r = self.build("--version")
        self.assertEqual(r.out, "1.14.0.git\n", r)

    @nj_only("--nj-version is nj's own flag")
    def test_nj_version(self):
        r = self.build("--nj-version")
        lines = dict(l.split(": ", 1) for l in r.out.splitlines()[1:])
        self.assertRegex(r.out.splitlines()[0],
                         r"^nj \d+\.\d+\.\d+ \(ninja 1\.14\.0\.git compatible\)$")
        # --version stays ninja's
        self.assertEqual(self.build("--version").out, "1.14.0.git\n")
        # zstd: the version the headers in /usr/include say, at build time
        # and (the same library) at run time
        with open("/usr/include/zstd.h") as f:
            h = f.read()
        ver = ".".join(re.search(r"#define ZSTD_VERSION_%s +(\d+)" % k,
                                 h).group(1)
                       for k in ("MAJOR", "MINOR", "RELEASE"))
        self.assertEqual(lines["zstd"], "%s (built against %s)" % (ver, ver),
                         r)
        # mimalloc: linked into the release nj and then really malloc;
        # the sanitizer build keeps the system allocator (ASan needs it)
        self.assertRegex(lines["mimalloc"],
                         r"^(\d+\.\d+\.\d+ \(built against \d+\.\d+\.\d+; "
                         r"malloc is mimalloc's\)|not linked \(the system "
                         r"allocator\))$")
        if "/asan/" not in NJ:
            self.assertNotIn("not linked", lines["mimalloc"], r)
        # the cgroup: the one this test (nj's parent) is in, as
        # /proc/self/cgroup names it (v2 line, else v1's memory line)
        mine = None
        with open("/proc/self/cgroup") as f:
            for line in f:
                hid, ctrls, path = line.rstrip("\n").split(":", 2)
                if hid == "0" and os.path.exists(
                        "/sys/fs/cgroup/cgroup.controllers"):
                    mine = mine or ("v2", path)
                elif "memory" in ctrls.split(","):
                    mine = ("v1", path)
        if mine is None:
            self.assertEqual(lines["cgroup"], "no memory cgroup found", r)
        else:
            ver, path = lines["cgroup"].split(" ", 1)
            self.assertEqual(ver, mine[0], r)
            self.assertTrue(os.path.isdir(path), r)
            self.assertTrue(path.rstrip("/").endswith(mine[1].rstrip("/")) or
                            path.startswith("/sys/fs/cgroup"), r)
        self.assertRegex(lines["memory"], r"^\S+ physical, capacity \S+$")

    def test_help(self):
        r = self.run_nj("-h")
        self.assertEqual(r.rc, 1, r)
        text = r.out + r.err
        # nj names itself; the rest of the text is ninja's
        self.assertRegex(text, r"usage: (ninja|nj) \[options\] \[targets\.\.\.\]")
        for opt in ("-C DIR", "-f FILE", "-j N", "-k N", "-n", "-d MODE", "-t TOOL",
                    "-w FLAG", "--version", "--quiet"):
            self.assertIn(opt, text)

    def test_bad_option(self):
        r = self.run_nj("--no-such-option")
        self.assertNotEqual(r.rc, 0)
        self.assertIn("usage:", r.out + r.err)

    def test_d_list(self):
        r = self.run_nj("-d", "list")
        self.assertIn("explain", r.out + r.err)
        self.assertIn("keepdepfile", r.out + r.err)
        self.assertIn("keeprsp", r.out + r.err)

    def test_w_list(self):
        r = self.run_nj("-w", "list")
        self.assertIn("phonycycle={err,warn}", r.out + r.err)

    def test_multiple_targets_on_command_line(self):
        self.manifest("""\
            rule w
              command = touch $out
            build a: w
            build b: w
            build c: w
            """)
        self.build("a", "c")
        self.assertTrue(self.exists("a"))
        self.assertFalse(self.exists("b"))
        self.assertTrue(self.exists("c"))

    def test_target_path_canonicalised(self):
        self.manifest("""\
            rule w
              command = touch $out
            build sub/a: w
            """)
        self.build("./sub/../sub/a")
        self.assertTrue(self.exists("sub/a"))


class Rspfiles(NjTestCase):
    def test_rspfile_exists_during_command(self):
        self.manifest("""\
            rule link
              command = cat $rspfile > $out.seen; touch $out
              rspfile = $out.rsp
              rspfile_content = x y z
            build out: link
            """)
        self.build()
        self.assertEqual(self.read("out.seen"), "x y z")
        self.assertFalse(self.exists("out.rsp"))

    def test_rspfile_content_change_rebuilds(self):
        self.manifest("""\
            rule link
              command = cp $rspfile $out
              rspfile = $out.rsp
              rspfile_content = one
            build out: link
            """)
        self.build()
        self.manifest("""\
            rule link
              command = cp $rspfile $out
              rspfile = $out.rsp
              rspfile_content = two
            build out: link
            """)
        r = self.build()
        self.assertRan(r, 1)
        self.assertEqual(self.read("out"), "two")


if __name__ == "__main__":
    unittest.main()
