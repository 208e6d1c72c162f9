"""Interrupting a build: SIGINT / SIGTERM / SIGHUP to the build process."""

import os
import signal
import subprocess
import time
import unittest

from harness import NjTestCase, pid_alive, TIMEOUT

# While `block` exists, the command records the pid of a foreground `sleep`
# (run by a nested shell in the job's process group) and waits for it.
M = """\
rule slow
  command = touch $out.started; {pre}if [ -e block ]; then sh -c 'echo $$$$ > sleep.pid; exec sleep 30'; fi; {post}
  description = SLOW $out
rule w
  command = touch $out
build fast: w
build out: slow in
build final: w out
"""


class Interrupt(NjTestCase):
    def setUp(self):
        super().setUp()
        self.write("in", "")
        self.write("block", "")

    def start(self, pre="", post="touch $out", args=()):
        self.manifest(M.format(pre=pre, post=post))
        p = self.spawn("-j", "2", *args)
        self.addCleanup(self._reap, p)
        self.wait_for("sleep.pid")
        # the pid is written before exec; wait until it has been written fully
        deadline = time.time() + 10
        while time.time() < deadline:
            txt = self.read("sleep.pid").strip()
            if txt.isdigit():
                break
            time.sleep(0.01)
        self.sleep_pid = int(txt)
        self.addCleanup(self._kill_sleep)
        time.sleep(0.1)  # let the exec happen
        return p

    def _reap(self, p):
        if p.poll() is None:
            p.kill()
            p.wait()

    def _kill_sleep(self):
        if pid_alive(self.sleep_pid):
            try:
                os.kill(self.sleep_pid, signal.SIGKILL)
            except OSError:
                pass

    def finish(self, p):
        try:
            out, err = p.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            self.fail("build did not stop after the signal:\n" + out.decode())
        return p.returncode, out.decode(), err.decode()

    def assert_sleep_gone(self):
        deadline = time.time() + 5
        while time.time() < deadline and pid_alive(self.sleep_pid):
            time.sleep(0.02)
        self.assertFalse(pid_alive(self.sleep_pid),
                         "the job's sleep (pid %d) is still running" % self.sleep_pid)

    def interrupted(self, sig, **kw):
        p = self.start(**kw)
        p.send_signal(sig)
        rc, out, err = self.finish(p)
        self.assertEqual(rc, 130, out + err)
        self.assertIn("ninja: build stopped: interrupted by user.", out + err)
        self.assert_sleep_gone()
        return out, err

    def test_sigint(self):
        self.interrupted(signal.SIGINT)

    def test_sigterm(self):
        self.interrupted(signal.SIGTERM)

    def test_sighup(self):
        self.interrupted(signal.SIGHUP)

    def test_created_output_removed(self):
        # the command created its output before being interrupted
        self.interrupted(signal.SIGINT, pre="touch $out; ", post="true")
        self.assertFalse(self.exists("out"))
        self.assertTrue(self.exists("out.started"))

    def test_created_output_removed_sigterm(self):
        self.interrupted(signal.SIGTERM, pre="echo partial > $out; ", post="true")
        self.assertFalse(self.exists("out"))

    def test_untouched_output_kept(self):
        # an older output the command has not yet touched stays in place
        self.write("out", "old")
        self.set_mtime("out", time.time() - 100)
        self.set_mtime("in", time.time() - 50)
        self.manifest(M.format(pre="", post="touch $out"))
        self.interrupted(signal.SIGINT)
        self.assertEqual(self.read("out"), "old")

    def test_dependents_not_run(self):
        self.interrupted(signal.SIGINT)
        self.assertFalse(self.exists("final"))

    def test_rerun_finishes(self):
        self.interrupted(signal.SIGINT)
        os.unlink(self.path("block"))
        r = self.build()
        self.assertTrue(self.exists("out"))
        self.assertTrue(self.exists("final"))
        self.assertNoWork()

    def test_rerun_after_sigterm_finishes(self):
        self.interrupted(signal.SIGTERM, pre="touch $out; ", post="true")
        os.unlink(self.path("block"))
        self.build()
        self.assertTrue(self.exists("final"))
        self.assertNoWork()

    def test_finished_jobs_kept(self):
        self.interrupted(signal.SIGINT)
        self.assertTrue(self.exists("fast"))
        os.unlink(self.path("block"))
        r = self.build()
        # `fast` finished before the interrupt: not run again
        self.assertEqual(sorted(l.split("] ", 1)[1] for l in r.lines if l.startswith("[")),
                         ["SLOW out", "touch final"])

    def test_interrupted_with_k0(self):
        self.interrupted(signal.SIGINT, args=())
        # same again with -k 0: still stops, still exit status 130
        self.write("sleep.pid.old", self.read("sleep.pid"))
        os.unlink(self.path("sleep.pid"))
        p = self.start(args=("-k", "0"))
        p.send_signal(signal.SIGINT)
        rc, out, err = self.finish(p)
        self.assertEqual(rc, 130, out + err)
        self.assert_sleep_gone()


if __name__ == "__main__":
    unittest.main()
