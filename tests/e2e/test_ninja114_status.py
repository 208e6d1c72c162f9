"""What ninja 1.14 (its current source) changed in what a user sees: the
status line and the terminal (-v, --quiet, --status, %P), exit statuses and
the FAILED line, NO_COLOR / FORCE_COLOR / CLICOLOR_FORCE, and where -d
explain's explanations go. Each test passes with ninja's current source too
(NJ=/path/to/ninja), except the @nj_only ones: the memory nj adds to the
status line while memory governs the build.
"""

import os
import re
import signal
import subprocess
import time
import unittest

from harness import NjTestCase, nj_only, pid_alive, REPO, TIMEOUT
from test_terminal import TerminalTestCase

MEM = "memory on the status line is nj's"

TOUCH3 = """\
rule touch
  command = touch $out
build foo: touch
build bar: touch foo
build zoo: touch bar
"""

RED = """\
rule red
  command = printf '\\033[31mred\\033[0m\\n'; exit $code
  description = RED $out
build ok: red
  code = 0
build bad: red
  code = 1
"""

# ninja's default line; NJ_FLAGS (nj's, ninja ignores it) keeps free memory
# far above twice the floor, whatever the machine has, so that nj's line
# is exactly ninja's. A flag on the command line still wins.
NO_ENV_STATUS = {"NINJA_STATUS": None, "NJ_FLAGS": "--mem-floor 1K"}


# ---- 1. the status line ---------------------------------------------------

class DefaultStatusLine(TerminalTestCase):
    def test_terminal_line_is_ninjas(self):
        self.manifest(TOUCH3)
        r = self.pty_build("-j", "1", "zoo", env=NO_ENV_STATUS)
        self.assertEqual(r.raw.split(b"\r"), [
            b"",
            b"[0/3] touch foo\x1b[K",
            b"[1/3] touch foo\x1b[K",
            b"[1/3] touch bar\x1b[K",
            b"[2/3] touch bar\x1b[K",
            b"[2/3] touch zoo\x1b[K",
            b"[3/3] touch zoo\x1b[K\n",
        ], r)

    def test_terminal_line_is_ninjas_with_default_memory_settings(self):
        # The default floor is at most an eighth of memory: under a 64M
        # limit, 8M; free (64M) is far above twice that.
        self.manifest(TOUCH3)
        r = self.pty_build("-j", "1", "zoo", env={
            "NINJA_STATUS": None, "NJ_FLAGS": "--mem-limit 64M"})
        self.assertEqual(r.status_lines()[-1], "[3/3] touch zoo", r)
        self.assertTrue(all(re.match(r"^\[\d/3\] touch ", l)
                            for l in r.status_lines()), r)

    @nj_only(MEM)
    def test_memory_shown_while_free_under_twice_the_floor(self):
        # 64M free is above the 40M floor but under twice it: shown on every
        # line, as "[f/t used/capacity] ".
        self.manifest(TOUCH3)
        r = self.pty_build("-j", "1", "-m", "64M", "--mem-floor", "40M",
                           "zoo", env=NO_ENV_STATUS)
        lines = r.status_lines()
        self.assertEqual(len(lines), 6, r)
        for l in lines:
            self.assertRegex(l, r"^\[\d/3 [0-9.]+[BKM]?/64\.0M\] touch ", r)

    @nj_only(MEM)
    def test_memory_not_shown_at_twice_the_floor_or_more(self):
        # floor 28M: 64M free (less the few hundred K a touch takes) is
        # more than twice it.
        self.manifest(TOUCH3)
        r = self.pty_build("-j", "1", "-m", "64M", "--mem-floor", "28M",
                           "zoo", env=NO_ENV_STATUS)
        self.assertEqual(r.status_lines()[-1], "[3/3] touch zoo", r)
        self.assertNotIn(b"/64.0M", r.raw, r)

    @nj_only(MEM)
    def test_memory_shown_while_a_job_waits_for_it_then_dropped(self):
        # Two 600M jobs under a 1G limit: b waits while a runs. a's last
        # line is printed while b waits; b's own lines once it is admitted.
        self.manifest("""\
            rule big
              command = sleep 0.3; touch $out
              mem = 600M
            build a: big
            build b: big
            """)
        r = self.pty_build("-j", "2", "-m", "1G", "--mem-floor", "64M",
                           env=NO_ENV_STATUS)
        lines = r.status_lines()
        self.assertEqual(lines[0], "[0/2] sleep 0.3; touch a", r)
        self.assertRegex(lines[1], r"^\[1/2 [0-9.]+[BKM]?/1\.0G\] sleep 0\.3; "
                                   r"touch a$", r)
        self.assertEqual(lines[2:], ["[1/2] sleep 0.3; touch b",
                                     "[2/2] sleep 0.3; touch b"], r)

    @nj_only(MEM)
    def test_memory_shown_after_a_job_is_stopped_for_it(self):
        memhog = os.path.join(REPO, "build", "memhog")
        if not os.path.exists(memhog):
            self.skipTest("build/memhog (./nj all builds it)")
        # Declared 0, so both hogs start; together they need 300M of a
        # 300M limit with a 60M floor: nj stops the younger one, which
        # then waits for the other to end. `slow`, started before them (so
        # never the one stopped), ends once a child of nj's is stopped
        # (state T; a timer would race a loaded machine): its line shows
        # memory. The 30 s bound only keeps a broken nj from hanging it.
        self.manifest("""\
            rule hog
              command = %s 150M --step 10M --step-ms 30 --hold-ms 1500 --touch-file $out
              description = HOG $out
              mem = 0
            rule t
              command = $wait touch $out
              description = T $out
              mem = 0
            build first: t
            build slow: t
              wait = i=0; while [ $$i -lt 600 ] && ! cat /proc/[0-9]*/stat 2>/dev/null | grep -q ") T $$PPID "; do sleep 0.05; i=$$((i+1)); done;
            build a: hog || first
            build b: hog || first
            """ % memhog)
        r = self.pty_build("-j", "3", "-m", "300M", "--mem-floor", "60M",
                           env=NO_ENV_STATUS)
        self.assertIn(b"nj: memory: stopped ", r.raw, r)
        lines = r.status_lines()
        # not before memory governs...
        self.assertEqual(sorted(lines[:2]), ["[0/4] T first", "[0/4] T slow"], r)
        # ...but while it does
        self.assertIn(b"nj: memory: stopped ", r.raw.split(b"T slow", 1)[1], r)
        done = [l for l in lines if l.endswith("] T slow")][-1]
        self.assertRegex(done, r"^\[2/4 [0-9.]+[BKM]?/300M\] T slow$", r)
        # and dropped once it is over
        self.assertEqual(lines[-1][:6], "[4/4] ", r)

    @nj_only(MEM)
    def test_percent_M_shows_memory_always(self):
        self.manifest(TOUCH3)
        r = self.build("-j", "1", "-m", "64M", "--mem-floor", "1M", "zoo",
                       env={"NINJA_STATUS": "[%f %M] "})
        self.assertEqual(len(r.lines), 3, r)
        for l in r.lines:
            self.assertRegex(l, r"^\[\d [0-9.]+[BKM]?/64\.0M\] touch ", r)

    @nj_only(MEM)
    def test_piped_line_stays_ninjas_while_memory_governs(self):
        self.manifest(TOUCH3)
        r = self.build("-j", "1", "-m", "64M", "--mem-floor", "40M", "zoo",
                       env=NO_ENV_STATUS)
        self.assertEqual(r.lines, ["[1/3] touch foo", "[2/3] touch bar",
                                   "[3/3] touch zoo"])


# ---- 2. -v and --quiet ------------------------------------------------------

class VerboseAndQuiet(TerminalTestCase):
    def test_verbose_on_terminal_is_not_smart_but_keeps_colour(self):
        self.manifest(RED)
        r = self.run_pty("-v", "-j", "1", "ok", "bad", env=NO_ENV_STATUS)
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(r.raw, (
            b"[1/2] printf '\\033[31mred\\033[0m\\n'; exit 0\n"
            b"\x1b[31mred\x1b[0m\n"
            b"[2/2] printf '\\033[31mred\\033[0m\\n'; exit 1\n"
            b"\x1b[31mFAILED: [code=1] \x1b[0mbad \n"
            b"printf '\\033[31mred\\033[0m\\n'; exit 1\n"
            b"\x1b[31mred\x1b[0m\n"
            b"ninja: build stopped: subcommand failed.\n"), r)

    def test_quiet_on_terminal_prints_output_and_failures_only(self):
        self.manifest(RED)
        r = self.run_pty("--quiet", "-j", "1", "ok", "bad", env=NO_ENV_STATUS)
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(r.raw, (
            b"\x1b[31mred\x1b[0m\n"
            b"\x1b[31mFAILED: [code=1] \x1b[0mbad \n"
            b"printf '\\033[31mred\\033[0m\\n'; exit 1\n"
            b"\x1b[31mred\x1b[0m\n"
            b"ninja: build stopped: subcommand failed.\n"), r)

    def test_quiet_says_no_no_work_to_do(self):
        self.manifest(TOUCH3)
        self.build()
        r = self.build("--quiet")
        self.assertEqual(r.out, "", r)
        r = self.run_pty("--quiet")
        self.assertEqual((r.rc, r.raw), (0, b""), r)

    def test_quiet_says_no_entering_directory(self):
        self.write("sub/build.ninja", TOUCH3)
        r = self.build("--quiet", "-C", "sub")
        self.assertEqual(r.out, "", r)
        self.assertTrue(self.exists("sub/zoo"))
        r = self.build("-C", "sub")
        self.assertEqual(r.out, "ninja: Entering directory `sub'\n"
                                "ninja: no work to do.\n", r)


# ---- 3. --status --------------------------------------------------------------

ECHO = """\
rule echo
  command = sleep 0.05; printf "do thing $out\\n"
  description = echo $out
build a: echo
build b: echo
build c: echo
"""


class StatusFlag(NjTestCase):
    def test_counts(self):
        self.manifest(ECHO)
        r = self.build("-j", "1", "--status",
                       "<$finished/$total s$started r$running u$remaining "
                       "${progress}> ")
        self.assertEqual(r.lines, [
            "<1/3 s1 r1 u2  33%> ", "do thing a",
            "<2/3 s2 r1 u1  66%> ", "do thing b",
            "<3/3 s3 r1 u0 100%> ", "do thing c"], r)

    def test_description_only_where_written(self):
        self.manifest(ECHO)
        r = self.build("-j", "1", "--status", "[$description] (${finished}/$total)",
                       "a")
        self.assertEqual(r.lines, ["[echo a] (1/1)", "do thing a"], r)
        r = self.build("-j", "1", "--status", "$finished:", "b")
        self.assertEqual(r.lines, ["1:", "do thing b"], r)

    def test_description_is_the_command_with_v(self):
        self.manifest(ECHO)
        r = self.build("-v", "--status", "> $description <", "a")
        self.assertEqual(r.lines, ['> sleep 0.05; printf "do thing a\\n" <',
                                   "do thing a"], r)

    def test_status_wins_over_NINJA_STATUS(self):
        self.manifest(ECHO)
        r = self.build("--status", "<$finished> ", "a",
                       env={"NINJA_STATUS": "[%f/%t] "})
        self.assertEqual(r.lines, ["<1> ", "do thing a"], r)

    def test_escapes_and_times(self):
        self.manifest(ECHO)
        r = self.build("--status", "$$ a$ b$:c|d ${elapsed} $elapsed_seconds "
                       "$eta_seconds $rate", "a")
        self.assertRegex(r.lines[0],
                         r"^\$ a b:c\|d 00:00 \d+\.\d{3} 0\.000 \d+\.\d$", r)

    def test_predicted_progress_and_percent_P(self):
        # No previous times: the prediction is the fraction finished.
        self.manifest(ECHO)
        r = self.build("-j", "1", "--status", "$predicted_progress ")
        self.assertEqual(r.lines[::2], [" 33% ", " 66% ", "100% "], r)
        self.build("-t", "clean")
        # Previous times now known for all three, about a third each, and
        # the first that finishes took about as long as the others will.
        r = self.build("-j", "1", env={"NINJA_STATUS": "[%P %f/%t] "})
        p = [(int(l[1:4]), l[6:10]) for l in r.lines[::2]]
        self.assertEqual([f for _, f in p], ["1/3]", "2/3]", "3/3]"], r)
        self.assertTrue(20 <= p[0][0] <= 45 and 50 <= p[1][0] <= 80, r)
        self.assertEqual(p[2][0], 100, r)

    def test_unknown_variable_is_fatal(self):
        self.manifest(ECHO)
        r = self.fails("--status", "[$finished $nope] ")
        self.assertEqual(r.out, "", r)
        self.assertEqual(r.err,
                         "ninja: fatal: unknown variable 'nope' in --status format\n")

    def test_unknown_variable_harmless_without_status_lines(self):
        self.manifest(ECHO)
        r = self.build("--quiet", "--status", "$nope", "a")
        self.assertEqual(r.out, "do thing a\n", r)

    def test_invalid_status(self):
        self.manifest(ECHO)
        r = self.fails("--status", "a ${b")
        self.assertEqual(r.err, "ninja: fatal: invalid --status: --status:1: "
                                "bad $-escape (literal $ must be written as $$)\n"
                                "a ${b\n  ^ near here\n")
        r = self.fails("--status", "oops $")
        self.assertEqual(r.err, "ninja: fatal: invalid --status: --status:2: "
                                "unexpected EOF\n\n")
        # before anything else: -C is not even entered
        r = self.fails("-C", "nowhere", "--status", "${}")
        self.assertEqual(r.out, "", r)
        self.assertTrue(r.err.startswith("ninja: fatal: invalid --status: "), r)

    def test_usage(self):
        r = self.fails("-h")
        self.assertIn("  --quiet        don't show progress status, just "
                      "command output\n"
                      "  --status FMT   progress status format using "
                      "Ninja-style $vars\n"
                      "                 (e.g. --status '[$finished/$total] ')\n",
                      r.err)


# ---- 4. exit statuses and FAILED ------------------------------------------------

class ExitStatus(NjTestCase):
    def test_failed_command_status_and_line(self):
        self.manifest("""\
            rule f
              command = exit 42
            build out1 out2: f
            """)
        r = self.fails(rc=42)
        self.assertEqual(r.out, "[1/1] exit 42\n"
                                "FAILED: [code=42] out1 out2 \n"
                                "exit 42\n"
                                "ninja: build stopped: subcommand failed.\n")

    def keep_going(self, a, b):
        # -k 0: the later failure's status wins (b ends 0.5s after a)
        self.manifest("""\
            rule f
              command = sleep $delay; exit $code
            build a: f
              delay = 0
              code = %d
            build b: f
              delay = 0.5
              code = %d
            """ % (a, b))
        r = self.fails("-k", "0", "-j", "2", rc=b)
        self.assertIn("FAILED: [code=%d] a \n" % a, r.out)
        self.assertIn("FAILED: [code=%d] b \n" % b, r.out)
        self.assertTrue(r.out.endswith("ninja: build stopped: cannot make "
                                       "progress due to previous errors.\n"), r)

    def test_keep_going_last_failure_3_then_5(self):
        self.keep_going(3, 5)

    def test_keep_going_last_failure_5_then_3(self):
        self.keep_going(5, 3)

    def test_killed_command_128_plus_signal(self):
        self.manifest("rule k\n  command = kill -9 $$$$\nbuild k: k\n")
        r = self.fails(rc=137)
        self.assertIn("FAILED: [code=137] k \n", r.out)

    def test_command_exiting_130_is_an_interrupt(self):
        self.manifest("""\
            rule f
              command = sleep $delay; exit $code
            build a: f
              delay = 0
              code = 3
            build b: f
              delay = 0.3
              code = 130
            """)
        r = self.fails("-k", "0", "-j", "2", rc=130)
        self.assertIn("FAILED: [code=3] a \n", r.out)
        self.assertNotIn("[code=130]", r.out)
        self.assertTrue(r.out.endswith(
            "ninja: build stopped: interrupted by user.\n"), r)

    def interrupted(self, sig):
        self.manifest("""\
            rule slow
              command = touch $out.started; exec sleep 30
            build out: slow
            """)
        p = self.spawn()
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
        self.wait_for("out.started")
        time.sleep(0.1)
        p.send_signal(sig)
        out, err = p.communicate(timeout=TIMEOUT)
        self.assertEqual(p.returncode, 130, out + err)
        self.assertEqual(out.decode(), "ninja: build stopped: interrupted by "
                                       "user.\n")

    def test_sigint_130(self):
        self.interrupted(signal.SIGINT)

    def test_sigterm_130(self):
        self.interrupted(signal.SIGTERM)

    def test_sighup_130(self):
        self.interrupted(signal.SIGHUP)

    def test_interrupted_manifest_rebuild_is_an_error(self):
        # ninja's RebuildManifest reports it as an error, status 1.
        self.manifest("""\
            rule regen
              command = touch regen.started; sleep 30; cp build.in $out
              generator = 1
            build build.ninja: regen build.in
            """)
        self.touch_newer("build.in", "rule t\n  command = touch $out\n"
                                     "build x: t\n")
        p = self.spawn()
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
        self.wait_for("regen.started")
        time.sleep(0.1)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=TIMEOUT)
        self.assertEqual(p.returncode, 1, out + err)
        self.assertEqual(out, b"")
        self.assertEqual(err.decode(), "ninja: error: rebuilding 'build.ninja': "
                                       "interrupted by user\n")


# ---- 5. colour ----------------------------------------------------------------------

class Colour(TerminalTestCase):
    def pty(self, env):
        self.manifest(RED)
        r = self.run_pty("-j", "1", "ok", "bad", env=dict(NO_ENV_STATUS, **env))
        self.assertEqual(r.rc, 1, r)
        return r.raw

    def piped(self, env):
        self.manifest(RED)
        return self.fails("-j", "1", "ok", "bad", env=env).out

    def test_no_color_on_terminal_strips(self):
        for v in ("1", ""):
            raw = self.pty({"NO_COLOR": v})
            self.assertIn(b"\r[2/2] RED bad\x1b[K\nFAILED: [code=1] bad \n", raw)
            self.assertEqual(raw.count(b"\x1b["), raw.count(b"\x1b[K"), raw)
            self.assertIn(b"\nred\n", raw)

    def test_no_color_0_keeps_colour(self):
        raw = self.pty({"NO_COLOR": "0"})
        self.assertIn(b"\x1b[31mFAILED: [code=1] \x1b[0mbad \n", raw)
        self.assertIn(b"\n\x1b[31mred\x1b[0m\n", raw)

    def test_force_color_beats_no_color(self):
        raw = self.pty({"NO_COLOR": "1", "FORCE_COLOR": "1"})
        self.assertIn(b"\x1b[31mFAILED: [code=1] \x1b[0mbad \n", raw)
        out = self.piped({"NO_COLOR": "1", "FORCE_COLOR": "1"})
        self.assertIn("\n\x1b[31mred\x1b[0m\n", out)

    def test_force_color_when_piped(self):
        out = self.piped({"FORCE_COLOR": "yes"})
        self.assertEqual(out, "[1/2] RED ok\n\x1b[31mred\x1b[0m\n"
                              "[2/2] RED bad\n\x1b[31mFAILED: [code=1] \x1b[0mbad \n"
                              "printf '\\033[31mred\\033[0m\\n'; exit 1\n"
                              "\x1b[31mred\x1b[0m\n"
                              "ninja: build stopped: subcommand failed.\n")
        self.assertNotIn("\x1b", self.piped({"FORCE_COLOR": "0"}))

    def test_clicolor_force_only_without_no_color(self):
        self.assertIn("\x1b[31mred", self.piped({"CLICOLOR_FORCE": "1"}))
        out = self.piped({"CLICOLOR_FORCE": "1", "NO_COLOR": "1"})
        self.assertNotIn("\x1b", out)

    def test_force_color_on_dumb_terminal_colours_but_is_not_smart(self):
        raw = self.pty({"TERM": "dumb", "FORCE_COLOR": "1"})
        self.assertNotIn(b"\r", raw)
        self.assertNotIn(b"\x1b[K", raw)
        self.assertIn(b"[2/2] RED bad\n\x1b[31mFAILED: [code=1] \x1b[0mbad \n",
                      raw)


# ---- 6. -d explain ------------------------------------------------------------------

class Explain(TerminalTestCase):
    def test_said_before_the_edge_runs_and_only_if_it_does(self):
        self.manifest("""\
            build .FORCE: phony
            rule create_if_non_exist
              command = [ -e $out ] || touch $out
              restat = true
            rule write
              command = cp $in $out
            build input : create_if_non_exist .FORCE
            build mid : write input
            build output : write mid
            default output
            """)
        r = self.build("-v", "-d", "explain", env=NO_ENV_STATUS)
        # nothing about .FORCE's own phony edge, which prints no line
        self.assertEqual(r.err, "ninja explain: .FORCE is dirty\n"
                                "ninja explain: input is dirty\n"
                                "ninja explain: mid is dirty\n")
        # restat prunes mid and output: their explanations are not said
        self.assertEqual(self.merged("-v", "-d", "explain"),
                         "ninja explain: .FORCE is dirty\n"
                         "[1/3] [ -e input ] || touch input\n")
        os.unlink(self.path("input"))
        self.assertEqual(self.merged("-v", "-d", "explain"),
                         "ninja explain: .FORCE is dirty\n"
                         "[1/3] [ -e input ] || touch input\n"
                         "ninja explain: input is dirty\n"
                         "[2/3] cp input mid\n"
                         "ninja explain: mid is dirty\n"
                         "[3/3] cp mid output\n")

    def test_edge_stopped_by_a_failure_explains_nothing(self):
        self.manifest("""\
            rule t
              command = touch $out
            rule fail
              command = exit 1
            build bad: fail
            build later: t bad
            """)
        r = self.fails("-d", "explain", env=NO_ENV_STATUS)
        self.assertEqual(r.err, "ninja explain: output bad doesn't exist\n")
        self.assertNotIn("later", r.out)

    def merged(self, *args):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("NINJA_") and k not in
               ("NJ_FLAGS", "NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE")}
        env["TERM"] = "dumb"
        from harness import NJ
        p = subprocess.run([NJ] + list(args), cwd=self.dir, env=env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stdout)
        return p.stdout.decode()

    def test_dyndep_load_is_said_at_once(self):
        self.manifest("""\
            rule scan
              command = printf 'ninja_dyndep_version = 1\\nbuild out | out.imp: dyndep\\n' > $out
            rule touch
              command = touch $out $out.imp
            build dd: scan
            build out: touch || dd
              dyndep = dd
            default out
            """)
        self.assertEqual(self.merged("-v", "-d", "explain"),
                         "ninja explain: output dd doesn't exist\n"
                         "[1/2] printf 'ninja_dyndep_version = 1\\nbuild out | "
                         "out.imp: dyndep\\n' > dd\n"
                         "ninja explain: loading dyndep file 'dd'\n"
                         "ninja explain: output out doesn't exist\n"
                         "ninja explain: output out doesn't exist\n"
                         "[2/2] touch out out.imp\n")
        self.assertEqual(self.merged("-v", "-d", "explain"),
                         "ninja explain: loading dyndep file 'dd'\n"
                         "ninja: no work to do.\n")

    def test_on_terminal_on_a_line_of_its_own(self):
        self.manifest(TOUCH3)
        r = self.pty_build("-j", "1", "-d", "explain", "foo",
                           env=NO_ENV_STATUS)
        # before the edge's line each time it is printed (start and end)
        self.assertEqual(r.raw, b"ninja explain: output foo doesn't exist\n"
                                b"\r[0/1] touch foo\x1b[K\n"
                                b"ninja explain: output foo doesn't exist\n"
                                b"\r[1/1] touch foo\x1b[K\n", r)

    def test_explained_with_quiet_too(self):
        self.manifest(TOUCH3)
        r = self.build("--quiet", "-d", "explain", "foo")
        self.assertEqual((r.out, r.err),
                         ("", "ninja explain: output foo doesn't exist\n"), r)


if __name__ == "__main__":
    unittest.main()
