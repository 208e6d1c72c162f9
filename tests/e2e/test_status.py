"""The status line on a dumb terminal (TERM=dumb, output piped)."""

import re
import unittest

from harness import NjTestCase, nj_only

M = """\
rule w
  command = touch $out
  description = W $out
build a: w
build b: w
build c: w a
"""


class StatusLine(NjTestCase):
    def status(self, fmt, *args):
        self.manifest(M)
        return self.build("-j", "1", *args, env={"NINJA_STATUS": fmt})

    def test_default_format(self):
        self.manifest(M)
        r = self.build("-j", "1", env={"NINJA_STATUS": None})
        self.assertEqual(r.lines, ["[1/3] W a", "[2/3] W b", "[3/3] W c"])

    def test_one_line_per_edge_no_escape_codes(self):
        self.manifest(M)
        r = self.build("-j", "2")
        self.assertEqual(len(r.lines), 3)
        self.assertNotIn("\x1b", r.out)
        self.assertNotIn("\r", r.out)

    def test_empty_status(self):
        r = self.status("")
        self.assertEqual(r.lines, ["W a", "W b", "W c"])

    def test_finished_total(self):
        r = self.status("%f/%t ")
        self.assertEqual(r.lines, ["1/3 W a", "2/3 W b", "3/3 W c"])

    def test_started(self):
        r = self.status("%s|")
        self.assertEqual([l.split("|")[0] for l in r.lines], ["1", "2", "3"])

    def test_unstarted(self):
        r = self.status("%u|")
        self.assertEqual([l.split("|")[0] for l in r.lines], ["2", "1", "0"])

    def test_running(self):
        r = self.status("%r|")
        # -j1: at most one running; ninja 1.11 counts the finishing edge
        for l in r.lines:
            self.assertIn(l.split("|")[0], ("0", "1"), r)

    def test_percentage(self):
        r = self.status("%p|")
        self.assertEqual([l.split("|")[0] for l in r.lines], [" 33%", " 66%", "100%"])

    def test_percent_literal(self):
        r = self.status("%%%f%% ")
        self.assertEqual(r.lines, ["%1% W a", "%2% W b", "%3% W c"])

    def test_overall_rate(self):
        r = self.status("%o|")
        for l in r.lines:
            self.assertRegex(l, r"^(\d+\.\d|\?)\|W ")

    def test_current_rate(self):
        r = self.status("%c|")
        for l in r.lines:
            self.assertRegex(l, r"^(\d+\.\d|\?)\|W ")

    def test_elapsed_seconds(self):
        r = self.status("%e|")
        for l in r.lines:
            self.assertRegex(l, r"^\d+\.\d{3}\|W ")

    def test_all_11_codes_together(self):
        r = self.status("<%s|%t|%r|%u|%f|%o|%c|%p|%e|%%> ")
        for i, l in enumerate(r.lines):
            m = re.match(r"^<(\d+)\|(\d+)\|(\d+)\|(\d+)\|(\d+)\|([\d.?]+)\|([\d.?]+)\|"
                         r"([ \d]{3})%\|(\d+\.\d{3})\|%> W [abc]$", l)
            self.assertTrue(m, l)
            self.assertEqual(int(m.group(2)), 3)
            self.assertEqual(int(m.group(5)), i + 1)

    def test_unknown_placeholder_is_fatal(self):
        self.manifest(M)
        r = self.fails(env={"NINJA_STATUS": "%z "})
        self.assertIn("unknown placeholder '%z' in $NINJA_STATUS", r.err)

    @nj_only("%w (elapsed [h:]mm:ss) and %E (ETA) were added after 1.11")
    def test_elapsed_clock_and_eta(self):
        r = self.status("%w|%E| ")
        for l in r.lines:
            self.assertRegex(l, r"^[\d:.]+\|[\d:.?]+\| W [abc]$")

    def test_status_counts_only_needed_edges(self):
        self.manifest(M)
        self.build()
        import os
        os.unlink(self.path("b"))
        r = self.build(env={"NINJA_STATUS": "%f/%t "})
        self.assertEqual(r.lines, ["1/1 W b"])

    def test_description_with_variables(self):
        self.manifest("""\
            rule cc
              command = touch $out
              description = CC $in -> $out
            build x.o: cc x.c
            build x.c: phony
            """)
        r = self.build()
        self.assertEqual(r.lines, ["[1/1] CC x.c -> x.o"])

    def test_command_shown_when_no_description(self):
        self.manifest("""\
            rule w
              command = touch $out
            build a: w
            """)
        r = self.build()
        self.assertEqual(r.lines, ["[1/1] touch a"])

    def test_no_work_message(self):
        self.manifest(M)
        self.build()
        r = self.build()
        self.assertEqual(r.out, "ninja: no work to do.\n")

    def test_no_work_message_on_phony_only(self):
        self.manifest("build all: phony\n")
        r = self.build()
        self.assertEqual(r.out, "ninja: no work to do.\n")

    def test_quiet_no_status(self):
        self.manifest(M)
        r = self.build("--quiet")
        self.assertEqual(r.out, "")

    def test_dry_run_status(self):
        self.manifest(M)
        r = self.build("-n", "-j", "1")
        self.assertEqual(r.lines, ["[1/3] W a", "[2/3] W b", "[3/3] W c"])

    def test_console_pool_status(self):
        self.manifest("""\
            rule con
              command = echo console-out; touch $out
              description = CON $out
              pool = console
            build a: con
            """)
        r = self.build()
        self.assertIn("CON a", r.out)
        self.assertIn("console-out", r.out)
        self.assertLess(r.out.index("CON a"), r.out.index("console-out"))


class ExitCodes(NjTestCase):
    def test_success_zero(self):
        self.manifest(M)
        self.assertEqual(self.run_nj().rc, 0)

    def test_failure_one(self):
        self.manifest("rule f\n  command = false\nbuild a: f\n")
        r = self.run_nj()
        self.assertEqual(r.rc, 1)
        self.assertEqual(r.lines[-1], "ninja: build stopped: subcommand failed.")
        self.assertRegex(r.out, r"(?m)^FAILED: (\[code=\d+\] )?a ?$\nfalse$")

    def test_manifest_error_one(self):
        self.manifest("build a: nope\n")
        self.assertEqual(self.run_nj().rc, 1)


if __name__ == "__main__":
    unittest.main()
