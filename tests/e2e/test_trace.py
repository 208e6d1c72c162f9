"""Seeing the build: -t trace (Chrome trace-event JSON), -t timeline (one
HTML page, rendered here by headless Chromium and checked pixel by pixel
against the trace), -t mem's --json and --sort, and the plain words nj says
when memory changed the plan. (Pauses and stops under real memory pressure
are in tests/scenarios.)"""
import json
import os
import re
import unittest

import png
from harness import NjTestCase, nj_only

ONLY = "the trace, the timeline and -t mem are nj's"

# Three jobs on two slots; c follows a. Long enough that each is many
# pixels wide on the timeline.
THREE = """\
    rule s
      command = sleep $t && echo $out > $out
    build a: s
      t = 0.6
    build b: s
      t = 1.2
    build c: s a
      t = 0.4
    """

# Under -m 1G with a floor of 256M, two 600M jobs cannot run together: the
# second waits for the first, whatever the machine has free (a --mem-limit
# counts nj's own jobs only).
WAITS = """\
    rule s
      command = sleep $t && echo $out > $out
      mem = 600M
    build a: s
      t = 0.8
    build b: s
      t = 0.5
    """
WAIT_FLAGS = ("-j", "2", "-m", "1G", "--mem-floor", "256M")


class Trace(NjTestCase):
    def trace(self):
        r = self.build("-t", "trace")
        return json.loads(r.out)

    def jobs(self, tr):
        return [e for e in tr["traceEvents"]
                if e.get("ph") == "X" and e.get("cat") == "job"]

    @nj_only(ONLY)
    def test_an_event_per_job_on_slot_tracks(self):
        self.manifest(THREE)
        self.build("-j", "2")
        tr = self.trace()
        jobs = self.jobs(tr)
        self.assertEqual(sorted(j["name"] for j in jobs), ["a", "b", "c"])
        for j in jobs:
            a = j["args"]
            self.assertEqual(a["output"], j["name"])
            self.assertGreater(a["peak"], 0)
            self.assertGreaterEqual(a["cpu_ms"], 0)
            self.assertEqual(a["exit"], 0)
            self.assertEqual((a["paused"], a["stopped"], a["retried"]),
                             (False, False, False))
            self.assertGreater(j["dur"], 0)
        # one track per slot, named; runs on a track never overlap
        names = {e["tid"]: e["args"]["name"] for e in tr["traceEvents"]
                 if e.get("ph") == "M" and e["name"] == "thread_name"}
        tids = {j["tid"] for j in jobs}
        self.assertEqual(len(tids), 2, jobs)
        for t in tids:
            self.assertTrue(names[t].startswith("slot "), names)
            runs = sorted((j["ts"], j["ts"] + j["dur"]) for j in jobs
                          if j["tid"] == t)
            for (_, end), (start, _) in zip(runs, runs[1:]):
                self.assertLessEqual(end, start, runs)
        by = {j["name"]: j for j in jobs}
        self.assertGreaterEqual(by["c"]["ts"], by["a"]["ts"] + by["a"]["dur"])
        # memory over time: free, the floor, what nj's jobs held
        counters = {e["name"] for e in tr["traceEvents"] if e.get("ph") == "C"}
        self.assertLessEqual({"free memory", "floor", "nj in use",
                              "nj expected"}, counters)
        self.assertEqual(tr["otherData"]["jobs"], 3)

    @nj_only(ONLY)
    def test_a_failed_job_has_its_exit_status(self):
        self.manifest("""\
            rule fail
              command = exit 3
            build x: fail
            """)
        self.fails(rc=3)
        (j,) = self.jobs(self.trace())
        self.assertEqual((j["name"], j["args"]["exit"]), ("x", 3))

    @nj_only(ONLY)
    def test_waits_are_events_and_plain_words(self):
        self.manifest(WAITS)
        r = self.build(*WAIT_FLAGS, "-d", "explain")
        tr = self.trace()
        waits = [e for e in tr["traceEvents"]
                 if e.get("ph") == "i" and e["name"] == "wait for memory"]
        self.assertEqual(len(waits), 1, waits)
        w = waits[0]
        by = {j["name"]: j for j in self.jobs(tr)}
        waiter = w["args"]["output"]
        self.assertIn(waiter, ("a", "b"))
        self.assertEqual(w["args"]["need_text"], "600M")
        self.assertGreater(by[waiter]["args"]["waited_ms"], 0)
        # the waiter started once the other had ended
        other = by["b" if waiter == "a" else "a"]
        self.assertGreaterEqual(by[waiter]["ts"], other["ts"] + other["dur"])
        # plain words: in -d explain when the wait is over, and in the summary
        said = r"%s waited [0-9.]+ s for 600M" % waiter
        self.assertRegex(r.err, r"(?m)^ninja explain: " + said + "$", r)
        self.assertIn("ninja: memory: 1 job waited for memory\n", r.out, r)
        self.assertRegex(r.out, r"(?m)^ninja: memory: " + said + "$", r)
        self.assertRegex(by[waiter]["args"]["memory"], "^waited ")

    @nj_only(ONLY)
    def test_the_summary_is_silent_when_memory_did_nothing(self):
        self.manifest(THREE)
        r = self.build("-j", "2")
        self.assertNotIn("memory", r.out + r.err, r)

    @nj_only(ONLY)
    def test_no_trace_before_a_build_and_none_from_a_dry_run(self):
        self.manifest(THREE)
        r = self.fails("-t", "trace")
        self.assertIn("no trace", r.err)
        self.build("-n")
        self.assertFalse(self.exists(".nj_trace"))
        self.fails("-t", "timeline")

    @nj_only(ONLY)
    def test_a_no_op_keeps_the_last_builds_trace(self):
        self.manifest(THREE)
        self.build("-j", "2")
        self.assertNoWork()
        self.assertEqual(len(self.jobs(self.trace())), 3)

    @nj_only(ONLY)
    def test_trace_goes_to_builddir(self):
        self.manifest("builddir = out\n", THREE)
        self.build("-j", "2")
        self.assertTrue(self.exists("out/.nj_trace"))
        self.assertFalse(self.exists(".nj_trace"))
        self.assertEqual(len(self.jobs(self.trace())), 3)


class MemTool(NjTestCase):
    @nj_only(ONLY)
    def test_json_with_cpu_and_wall_and_sorting(self):
        self.manifest("""\
            rule s
              command = sleep $t && echo $out > $out
            build short: s
              t = 0.1
              mem = 64M
            build long: s
              t = 0.5
              mem = 16M
            build phony_one: phony short
            """)
        rows = json.loads(self.build("-t", "mem", "--json").out)
        self.assertEqual([r["output"] for r in rows], ["short", "long"])
        self.assertEqual(rows[0]["source"], "declared")
        self.assertEqual(rows[0]["estimate"], 64 << 20)
        self.assertEqual((rows[0]["cpu_ms"], rows[0]["wall_ms"]), (-1, -1))
        self.build()
        rows = json.loads(self.build("-t", "mem", "--json").out)
        for r in rows:
            self.assertEqual(r["source"], "history")
            self.assertGreaterEqual(r["cpu_ms"], 0)
            self.assertGreater(r["wall_ms"], 0)
            self.assertEqual(len(r["recent_peaks"]), 1)
        by = {r["output"]: r for r in rows}
        self.assertGreater(by["long"]["wall_ms"], by["short"]["wall_ms"])
        by_time = json.loads(self.build("-t", "mem", "--json",
                                        "--sort=time").out)
        self.assertEqual([r["output"] for r in by_time], ["long", "short"])
        by_mem = json.loads(self.build("-t", "mem", "--json",
                                       "--sort=mem").out)
        ests = [r["estimate"] for r in by_mem]
        self.assertEqual(ests, sorted(ests, reverse=True))
        # the table: estimate, source, cpu, wall, peaks, output
        r = self.build("-t", "mem", "--sort=time")
        self.assertEqual(r.lines[0].split(), ["estimate", "source", "cpu",
                                              "wall", "recent", "peaks",
                                              "output"])
        self.assertEqual([l.split()[-1] for l in r.lines[1:]],
                         ["long", "short"])
        self.assertRegex(r.lines[1], r"^\S+ +history +[0-9.]+s +[0-9.]+s ")

    @nj_only(ONLY)
    def test_bad_sort(self):
        self.manifest("rule s\n  command = true\nbuild a: s\n")
        r = self.fails("-t", "mem", "--sort=size")
        self.assertIn("--sort takes mem or time", r.err)


# ---- the timeline, as a person sees it -------------------------------------

def geometry(html):
    m = re.search(r"<svg [^>]*>", html)
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', m.group(0)))
    return {k: float(attrs[k]) for k in ("width", "height", "data-left",
                                         "data-width", "data-wall-ms",
                                         "data-rows-top", "data-row-h")}


def is_background(rgb):
    # white, or the faint vertical grid lines
    return min(rgb) >= 225 and max(rgb) - min(rgb) <= 8


class Timeline(NjTestCase):
    def render(self, *build_flags, manifest=THREE):
        self.manifest(manifest)
        self.build(*build_flags)
        tr = json.loads(self.build("-t", "trace").out)
        html = self.build("-t", "timeline").out
        return (tr, html) + self.screenshot(html)

    def screenshot(self, html):
        """The page's geometry and its picture (skipped without Chromium)."""
        self.write("timeline.html", html, dedent=False)
        g = geometry(html)
        data, why = png.screenshot(self.path("timeline.html"),
                                   int(g["width"]), int(g["height"]))
        if data is None:
            self.skipTest(why)
        return g, png.decode(data)

    def x(self, g, ms):
        return g["data-left"] + g["data-width"] * ms / g["data-wall-ms"]

    def row_y(self, g, row):
        """The middle of row `row` (0: waits, slot s: s + 1)."""
        return g["data-rows-top"] + g["data-row-h"] * (row + 0.45)

    @nj_only(ONLY)
    def test_self_contained(self):
        self.manifest(THREE)
        self.build("-j", "2")
        html = self.build("-t", "timeline").out
        self.assertTrue(html.startswith("<!DOCTYPE html>"))
        self.assertNotRegex(html, r"<script|<link|<img|@import|url\(")
        self.assertEqual(re.findall(r"https?://[^\"']*", html),
                         ["http://www.w3.org/2000/svg"])

    @nj_only(ONLY)
    def test_bars_are_where_the_trace_says(self):
        tr, html, g, img = self.render("-j", "2")
        self.assertEqual((img.width, img.height),
                         (int(g["width"]), int(g["height"])))
        # not blank: many pixels drawn, in many colours
        colours, drawn = set(), 0
        for y in range(0, img.height, 3):
            for x in range(0, img.width, 3):
                p = img.pixel(x, y)
                colours.add(p)
                drawn += not is_background(p)
        self.assertGreater(drawn, img.width * img.height / 9 * 0.05)
        self.assertGreater(len(colours), 20)
        jobs = [e for e in tr["traceEvents"]
                if e.get("ph") == "X" and e.get("cat") == "job"]
        self.assertEqual(len(jobs), 3)
        for j in jobs:
            slot = j["tid"] - 1
            y = int(self.row_y(g, slot + 1))
            x0, x1 = self.x(g, j["ts"] / 1000), self.x(g, (j["ts"] + j["dur"]) / 1000)
            for f in (0.2, 0.5, 0.8):
                p = img.pixel(int(x0 + (x1 - x0) * f), y)
                self.assertFalse(is_background(p),
                                 "no bar for %s at %.0f%% (%d,%d): %r"
                                 % (j["name"], f * 100, x0 + (x1 - x0) * f, y, p))
        # where the trace has no run on a slot, its row is empty
        for slot in {j["tid"] - 1 for j in jobs}:
            runs = sorted((j["ts"] / 1000, (j["ts"] + j["dur"]) / 1000)
                          for j in jobs if j["tid"] - 1 == slot)
            gaps = [(e0, s1) for (_, e0), (s1, _) in zip(runs, runs[1:])]
            gaps.append((runs[-1][1], g["data-wall-ms"]))
            y = int(self.row_y(g, slot + 1))
            for a, b in gaps:
                if self.x(g, b) - self.x(g, a) < 8:
                    continue
                p = img.pixel(int((self.x(g, a) + self.x(g, b)) / 2), y)
                self.assertTrue(is_background(p), "slot %d is drawn at "
                                "%.0f-%.0f ms where the trace has no run: %r"
                                % (slot, a, b, p))
        # the waiting row is empty: nothing waited
        p = img.pixel(int(self.x(g, g["data-wall-ms"] / 2)), int(self.row_y(g, 0)))
        self.assertTrue(is_background(p), p)

    @nj_only(ONLY)
    def test_a_wait_is_drawn_on_the_waiting_row(self):
        tr, html, g, img = self.render(*WAIT_FLAGS, manifest=WAITS)
        (w,) = [e for e in tr["traceEvents"]
                if e.get("ph") == "i" and e["name"] == "wait for memory"]
        x0 = self.x(g, w["ts"] / 1000)
        x1 = self.x(g, w["ts"] / 1000 + w["args"]["ms"])
        self.assertGreater(x1 - x0, 20, "a wait too short to see")
        p = img.pixel(int((x0 + x1) / 2), int(g["data-rows-top"] + g["data-row-h"] * 0.5))
        self.assertEqual(p, (0x99, 0x99, 0x99), "the wait's grey bar")

    @nj_only(ONLY)
    def test_a_hundred_thousand_runs_are_merged_and_said_so(self):
        # A trace as a 100k-job build leaves it (the format is
        # log/trace.c's): 8 slots of back-to-back 1 ms runs, and one long
        # run per slot. The page stays small and says what it merged.
        self.manifest("rule s\n  command = true\nbuild a: s\n")
        n, slots = 100000, 8
        lines = ["# nj trace v1",
                 "B\t0\t%d\t%d\t%d\t8\t1\t0" % (n // slots + 1000, 8 << 30,
                                                1 << 28)]
        for i in range(n):
            s, k = i % slots, i // slots
            lines.append("J\t%d\t%d\t%d\t%d\t-1\t1\t0\t0\t0\t0\t0\t-1\t0\t0"
                         "\tobj/f%d.o" % (s, k, k + 1, (i % 97 + 1) << 20, i))
        for s in range(slots):
            t = n // slots
            lines.append("J\t%d\t%d\t%d\t%d\t-1\t900\t0\t0\t0\t0\t0\t-1\t0"
                         "\t0\tlink%d" % (s, t, t + 1000, 2 << 30, s))
        self.write(".nj_trace", "\n".join(lines) + "\n", dedent=False)
        html = self.build("-t", "timeline").out
        self.assertLess(len(html), 200000)
        self.assertLess(html.count("<rect"), 400)
        self.assertRegex(html, r"100000 runs shorter than a pixel are drawn "
                               r"merged into \d+ bars")
        g, img = self.screenshot(html)
        # each slot's row is drawn across the merged runs and the link
        for s in range(slots):
            y = int(self.row_y(g, s + 1))
            for ms in (n // slots / 2, n // slots + 500):
                self.assertFalse(is_background(img.pixel(int(self.x(g, ms)), y)))

    @nj_only(ONLY)
    def test_a_page_out_to_swap_is_marked_and_said(self):
        # A trace as a build with swap leaves it (CI machines have none):
        # link paused at 1.4G 3 s in, paged out a second later, resumed at
        # 7 s. The pause's words, the trace's instant, the timeline's count
        # and its blue mark under the bar all say so.
        self.manifest("rule s\n  command = true\nbuild a: s\n")
        g14 = 1503238553  # 1.4G
        lines = ["# nj trace v1",
                 "B\t0\t10000\t%d\t%d\t4\t1\t0" % (6 << 30, 300 << 20),
                 "J\t0\t0\t10000\t%d\t-1\t9000\t0\t0\t16\t1\t4000\t%d"
                 "\t0\t0\tlink" % (3 << 30, g14),
                 "J\t1\t0\t10000\t%d\t-1\t9000\t0\t0\t0\t0\t0\t-1"
                 "\t0\t0\tother" % (2 << 30),
                 "E\tP\t0\t3000\t4000\t%d" % g14,
                 "E\tO\t0\t4000\t-1\t%d" % g14]
        self.write(".nj_trace", "\n".join(lines) + "\n", dedent=False)
        tr = json.loads(self.build("-t", "trace").out)
        (o,) = [e for e in tr["traceEvents"]
                if e.get("ph") == "i" and e["name"] == "page out to swap"]
        self.assertEqual((o["ts"], o["tid"]), (4000 * 1000, 1))
        html = self.build("-t", "timeline").out
        self.assertIn("1 paged out to swap (blue marks)", html)
        self.assertIn("link: paged out to swap at 1.4G</title>", html)
        self.assertIn("paused 4.0 s at 1.4G, paged out to swap", html)
        g, img = self.screenshot(html)
        x = int(self.x(g, 4000))
        bar_h = g["data-row-h"] - 2
        y = int(g["data-rows-top"] + g["data-row-h"] + bar_h + 3)
        self.assertEqual(img.pixel(x, y), (0x1f, 0x5f, 0xd0), "the blue mark")
        self.assertNotEqual(img.pixel(int(self.x(g, 8000)), y), (0x1f, 0x5f, 0xd0),
                            "only where it was paged out")


if __name__ == "__main__":
    unittest.main()
