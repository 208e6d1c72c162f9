"""The GNU make jobserver (issue 5): what commands are told, the FIFO
transport with a client written in Python, and nj as a client of a jobserver
the test itself runs (a pipe or a FIFO holding tokens the test can count).

Concurrency is measured from "+name" / "-name" lines the jobs append to one
file, never from timing. The longer scenarios with GNU make sub-builds, nj
under make and nj under nj are in tests/scenarios/jobserver.py.
"""

import errno
import fcntl
import os
import re
import select
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest

from harness import (NjTestCase, base_env, concurrency, not_ninja, pid_alive,
                     NJ, TIMEOUT)

# The exit status of an interrupted build.
INTERRUPTED = 130

PY = sys.executable

# Lists the descriptors open in the process, and what MAKEFLAGS says.
FDS_PY = r"""
import os, stat, sys
fds = []
for fd in range(1024):
    try:
        st = os.fstat(fd)
    except OSError:
        continue
    fds.append("%d:%s" % (fd, "pipe" if stat.S_ISFIFO(st.st_mode) else "other"))
with open(sys.argv[1], "w") as f:
    f.write(" ".join(fds) + "\n" + os.environ.get("MAKEFLAGS", "<unset>") + "\n")
"""

# A jobserver client for the FIFO transport, in a few lines: runs N work
# items, the first on the token every job has, each further one on a token
# read from the FIFO named in MAKEFLAGS (non-blocking first, then waiting),
# and writes every token back. Each item stamps +name.i / -name.i into LOG.
# It also records the FIFO's path and modes in NAME.fifo. Without a FIFO in
# MAKEFLAGS it runs the items one at a time.
FIFO_CLIENT_PY = r"""
import os, re, select, sys, threading, time
log, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
hold = float(sys.argv[4]) if len(sys.argv) > 4 else 0.3
m = re.search(r"--jobserver-auth=fifo:(\S+)", os.environ.get("MAKEFLAGS", ""))
def stamp(s):
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, (s + "\n").encode())
    os.close(fd)
def note(text):
    with open(name + ".fifo.tmp", "w") as f:
        f.write(text)
    os.rename(name + ".fifo.tmp", name + ".fifo")
if not m:
    note("none\n")
    for i in range(n):
        stamp("+%s.%d" % (name, i)); time.sleep(hold); stamp("-%s.%d" % (name, i))
    sys.exit(0)
path = m.group(1)
st, dst = os.stat(path), os.stat(os.path.dirname(path))
note("%s %o %d %o %d\n" % (path, st.st_mode, st.st_uid, dst.st_mode, dst.st_uid))
r = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
w = os.open(path, os.O_WRONLY)
lock = threading.Lock()
free = [True]  # the token every job has
def work(i, tok):
    stamp("+%s.%d" % (name, i)); time.sleep(hold); stamp("-%s.%d" % (name, i))
    with lock:
        if tok is None:
            free[0] = True
        else:
            os.write(w, tok)
threads = []
for i in range(n):
    tok = None
    while True:
        with lock:
            if free[0]:
                free[0] = False
                break
        try:
            tok = os.read(r, 1)
            if tok:
                break
        except BlockingIOError:
            pass
        select.select([r], [], [], 0.05)
    t = threading.Thread(target=work, args=(i, tok))
    t.start()
    threads.append(t)
for t in threads:
    t.join()
"""

# Takes K tokens from the FIFO in MAKEFLAGS, says so, then waits forever.
FIFO_HOG_PY = r"""
import os, re, sys, time
m = re.search(r"--jobserver-auth=fifo:(\S+)", os.environ["MAKEFLAGS"])
path = m.group(1)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%s %d\n" % (path, os.getpid()))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
r = os.open(path, os.O_RDONLY)
for _ in range(int(sys.argv[2])):
    os.read(r, 1)
with open(sys.argv[1] + ".took", "w") as f:
    f.write("yes\n")
time.sleep(120)
"""

# A job that stamps itself and holds for a while.
STAMP = "echo +$out >> conc.log; sleep {hold}; echo -$out >> conc.log; touch $out"


def stamp_rule(name="conc", hold="0.3"):
    return "rule %s\n  command = %s\n" % (name, STAMP.format(hold=hold))


def leftovers(marker, timeout=10):
    """Pids of processes (other than this one) whose environment holds
    marker, after waiting up to timeout seconds for them to go."""
    deadline = time.time() + timeout
    while True:
        found = []
        for p in os.listdir("/proc"):
            if not p.isdigit() or int(p) == os.getpid():
                continue
            try:
                with open("/proc/%s/environ" % p, "rb") as f:
                    env = f.read()
                with open("/proc/%s/stat" % p) as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                        continue
            except OSError:
                continue
            if marker.encode() in env:
                found.append(int(p))
        if not found or time.time() > deadline:
            return found
        time.sleep(0.05)


def high_dup(fd, low=20):
    n = fcntl.fcntl(fd, fcntl.F_DUPFD, low)
    os.close(fd)
    return n


def drain(fd):
    """Every byte readable from fd now, without blocking."""
    fl = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, fl | os.O_NONBLOCK)
    out = b""
    while True:
        try:
            b = os.read(fd, 64)
        except BlockingIOError:
            break
        if not b:
            break
        out += b
    fcntl.fcntl(fd, fcntl.F_SETFL, fl)
    return out


class JobserverCase(NjTestCase):
    def setUp(self):
        super().setUp()
        self.marker = "NJ_JS_TEST_%d_%d" % (os.getpid(), id(self))
        # FIFO directories go here, so the test sees exactly nj's own.
        self.tmp = tempfile.mkdtemp(prefix="nj-e2e-tmp-")
        self.addCleanup(self._rmtmp)
        self.write("fds.py", FDS_PY)
        self.write("client.py", FIFO_CLIENT_PY)
        self.write("hog.py", FIFO_HOG_PY)
        self.addCleanup(self._kill_leftovers)

    def _rmtmp(self):
        import shutil
        shutil.rmtree(self.tmp, True)

    def _kill_leftovers(self):
        for pid in leftovers(self.marker, timeout=0):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def env(self, **extra):
        e = {"TMPDIR": self.tmp, self.marker: "1"}
        e.update(extra)
        return e

    def run_js(self, *args, env=None, pass_fds=(), timeout=None):
        e = base_env(**self.env(**(env or {})))
        cmd = [NJ] + [str(a) for a in args]
        try:
            p = subprocess.run(cmd, cwd=self.dir, env=e, pass_fds=pass_fds,
                               stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=timeout or TIMEOUT)
        except subprocess.TimeoutExpired as ex:
            self.fail("timeout after %ss: %r\n%s" % (
                ex.timeout, cmd, (ex.stdout or b"").decode(errors="replace")))
        from harness import Result
        return Result(cmd, p.returncode, p.stdout.decode(errors="replace"),
                      p.stderr.decode(errors="replace"))

    def spawn_js(self, *args, env=None, pass_fds=()):
        e = base_env(**self.env(**(env or {})))
        p = subprocess.Popen([NJ] + [str(a) for a in args], cwd=self.dir,
                             env=e, pass_fds=pass_fds,
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(self._reap, p)
        return p

    def _reap(self, p):
        if p.poll() is None:
            p.kill()
        p.communicate()

    def finish(self, p):
        try:
            out, err = p.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            self.fail("nj did not stop:\n" + (out + err).decode(errors="replace"))
        return p.returncode, (out + err).decode(errors="replace")

    def wait_until(self, cond, what, timeout=None):
        deadline = time.time() + (timeout or TIMEOUT)
        while time.time() < deadline:
            if cond():
                return
            time.sleep(0.02)
        self.fail("timed out waiting for " + what)

    def running(self, log="conc.log"):
        """Jobs started and not yet ended, from the stamps."""
        if not self.exists(log):
            return 0
        lines = self.read(log).splitlines()
        return (sum(1 for l in lines if l.startswith("+")) -
                sum(1 for l in lines if l.startswith("-")))

    def peak(self, log="conc.log"):
        return concurrency(self.read(log).splitlines())

    def fifo_dirs(self):
        return sorted(d for d in os.listdir(self.tmp)
                      if d.startswith("nj-jobserver-"))

    def fifo_note(self, name):
        """(path, fifo mode, fifo uid, dir mode, dir uid) a client recorded."""
        f = self.read(name + ".fifo").split()
        if f == ["none"]:
            return None
        return f[0], int(f[1], 8), int(f[2]), int(f[3], 8), int(f[4])

    def assert_no_leftovers(self):
        left = leftovers(self.marker)
        self.assertEqual(left, [], "processes of the build left running")


# ---- what commands are told --------------------------------------------------

@not_ninja("nj's jobserver")
class Told(JobserverCase):
    def fds_manifest(self, n=4):
        m = "rule fds\n  command = %s fds.py $out\n" % PY
        m += "".join("build f%d: fds\n" % i for i in range(n))
        self.write("build.ninja", m)

    def outputs(self, n=4):
        res = []
        for i in range(n):
            fds, flags = self.read("f%d" % i).splitlines()
            res.append((dict(x.split(":") for x in fds.split()), flags))
        return res

    def baseline(self):
        """The descriptors a process started the way the test starts nj
        has: what nj itself inherits from the harness."""
        subprocess.run([PY, self.path("fds.py"), self.path("base")],
                       cwd=self.dir, env=base_env(), stdin=subprocess.DEVNULL,
                       capture_output=True, check=True)
        fds, _ = self.read("base").splitlines()
        return {int(x.split(":")[0]) for x in fds.split()}

    def test_makeflags_by_transport(self):
        self.fds_manifest(1)
        cases = [(("-j4",), r"^-j4 --jobserver-fds=3,4 --jobserver-auth=3,4$"),
                 (("-j4", "--jobserver=pipe"), r"--jobserver-auth=3,4$"),
                 (("-j5", "--jobserver=fifo"),
                  r"^-j5 --jobserver-auth=fifo:%s/nj-jobserver-\d+-\w+/\S+$"
                  % re.escape(self.tmp)),
                 (("-j4", "--jobserver=off"), r"^<unset>$"),
                 (("-j1",), r"^<unset>$")]
        for args, want in cases:
            self.build("-t", "clean")
            self.assertEqual(self.run_js(*args).rc, 0)
            (fds, flags), = self.outputs(1)
            self.assertRegex(flags, want, args)

    def test_descriptors_only_when_told(self):
        base = self.baseline()
        self.assertTrue({0, 1, 2} <= base, base)
        self.fds_manifest(6)
        for mode in ("pipe", "fifo", "off"):
            self.build("-t", "clean")
            r = self.run_js("-j4", "--jobserver=" + mode)
            self.assertEqual(r.rc, 0, r)
            for fds, flags in self.outputs(6):
                told = "--jobserver-auth=3,4" in flags
                self.assertEqual(told, mode == "pipe", flags)
                want = base | ({3, 4} if told else set())
                self.assertEqual(set(map(int, fds)), want,
                                 "%s: %s (MAKEFLAGS %s)" % (mode, fds, flags))
                if told:
                    self.assertEqual((fds["3"], fds["4"]), ("pipe", "pipe"))

    def test_dry_run_and_tools_start_no_server(self):
        # A TMPDIR that does not exist: a FIFO server cannot start there
        # and says so. First show that it does say so...
        self.tmp_gone = os.path.join(self.tmp, "missing")
        self.manifest(stamp_rule(), "build a: conc\nbuild b: conc\n")
        r = self.run_js("-j4", "--jobserver=fifo",
                        env={"TMPDIR": self.tmp_gone})
        self.assertIn("jobserver", r.out + r.err, r)
        os.unlink(self.path("conc.log"))
        # ...then that -n and the tools never try.
        self.build("-t", "clean")
        for args in (["-n"], ["-n", "-d", "explain"], ["-t", "commands"],
                     ["-t", "targets", "all"], ["-t", "query", "a"],
                     ["-t", "clean"], ["-t", "recompact"]):
            r = self.run_js("-j4", "--jobserver=fifo", *args,
                            env={"TMPDIR": self.tmp_gone})
            self.assertEqual(r.rc, 0, r)
            self.assertNotIn("jobserver", r.out + r.err, r)
            self.assertFalse(self.exists("conc.log"), r)
        self.assertEqual(self.fifo_dirs(), [])

    def test_stale_fifo_dir_survives_dry_run(self):
        # nj -n must not even do the server's start-up clean-up.
        stale = os.path.join(self.tmp, "nj-jobserver-%d-abcdef" % dead_pid())
        os.mkdir(stale, 0o700)
        self.manifest(stamp_rule(), "build a: conc\n")
        r = self.run_js("-j4", "--jobserver=fifo", "-n")
        self.assertEqual(r.rc, 0, r)
        self.assertTrue(os.path.isdir(stale))
        r = self.run_js("-j4", "--jobserver=fifo")
        self.assertEqual(r.rc, 0, r)
        self.assertFalse(os.path.exists(stale), "a real build removes it")


def dead_pid():
    """A pid that no process has now."""
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


# ---- the FIFO transport, with a Python client ------------------------------------

@not_ninja("nj's jobserver")
class Fifo(JobserverCase):
    def clients_manifest(self, clients=2, items=6, extra=""):
        m = "rule client\n  command = %s client.py %s $out %d && touch $out\n" % (
            PY, self.path("conc.log"), items)
        m += stamp_rule()
        m += "".join("build c%d: client\n" % i for i in range(clients))
        self.manifest(m, extra)

    def test_python_client_concurrency_and_privacy(self):
        self.clients_manifest(2, 6)
        r = self.run_js("-j4", "--jobserver=fifo")
        self.assertEqual(r.rc, 0, r)
        log = self.read("conc.log").splitlines()
        self.assertEqual(sum(1 for l in log if l.startswith("+")), 12)
        self.assertEqual(self.peak(), 4, "items at once under -j4\n%s" % log)
        for c in ("c0", "c1"):
            path, fmode, fuid, dmode, duid = self.fifo_note(c)
            self.assertTrue(stat.S_ISFIFO(fmode))
            self.assertEqual(stat.S_IMODE(fmode), 0o600, oct(fmode))
            self.assertTrue(stat.S_ISDIR(dmode))
            self.assertEqual(stat.S_IMODE(dmode), 0o700, oct(dmode))
            self.assertEqual((fuid, duid), (os.geteuid(), os.geteuid()))
            self.assertEqual(os.path.dirname(os.path.dirname(path)), self.tmp)
            self.assertFalse(os.path.exists(os.path.dirname(path)),
                             "the FIFO directory outlived nj")
        self.assertNotEqual(self.fifo_note("c0")[0], self.fifo_note("c1")[0],
                            "each job has its own FIFO")
        self.assertEqual(self.fifo_dirs(), [])

    def test_python_client_without_jobserver_is_serial(self):
        # The same build with --jobserver=off: each client runs one item at
        # a time, which is what the test above must beat.
        self.clients_manifest(2, 4)
        r = self.run_js("-j4", "--jobserver=off")
        self.assertEqual(r.rc, 0, r)
        self.assertIsNone(self.fifo_note("c0"))
        self.assertEqual(self.peak(), 2)

    def test_own_jobs_and_clients_share_j(self):
        # nj's own jobs and tokens together never go over -j.
        self.clients_manifest(3, 5, "".join("build s%d: conc\n" % i
                                            for i in range(6)))
        r = self.run_js("-j5", "--jobserver=fifo")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(self.peak(), 5, self.read("conc.log"))
        self.assertEqual(self.fifo_dirs(), [])

    def test_fifo_removed_after_failure(self):
        self.clients_manifest(1, 3, "rule fail\n  command = sleep 0.5; exit 1\n"
                              "build bad: fail\n")
        r = self.run_js("-j4", "--jobserver=fifo")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("FAILED", r.out)
        self.assertEqual(self.fifo_dirs(), [], r)

    def test_fifo_removed_after_sigint(self):
        self.clients_manifest(2, 40, "")
        p = self.spawn_js("-j4", "--jobserver=fifo")
        self.wait_until(lambda: self.running() >= 4, "4 items running")
        dirs = self.fifo_dirs()
        self.assertEqual(len(dirs), 1, dirs)
        p.send_signal(signal.SIGINT)
        rc, out = self.finish(p)
        self.assertEqual(rc, 130, out)
        self.assertIn("interrupted by user", out)
        self.assertLessEqual(self.peak(), 4)
        self.assert_no_leftovers()
        self.assertEqual(self.fifo_dirs(), [], out)

    def test_stale_dir_of_killed_nj_removed_on_next_start(self):
        self.manifest("rule hog\n  command = %s hog.py $out 2\n"
                      "build h: hog\n" % PY)
        p = self.spawn_js("-j4", "--jobserver=fifo")
        self.wait_for("h")
        self.wait_for("h.took")
        path, hog_pid = self.read("h").split()
        d = os.path.dirname(path)
        p.send_signal(signal.SIGKILL)
        p.wait()
        # nj is gone; its job lives on (it is in its own process group).
        os.killpg(os.getpgid(int(hog_pid)), signal.SIGKILL)
        p.communicate()
        self.assert_no_leftovers()
        self.assertTrue(os.path.isdir(d), "nothing stale to remove: "
                        "the test proves nothing")
        stale = self.fifo_dirs()
        self.assertEqual(len(stale), 1)
        # A stale directory of someone alive (this test) is left alone.
        alive = os.path.join(self.tmp, "nj-jobserver-%d-keepme" % os.getpid())
        os.mkdir(alive, 0o700)
        self.manifest(stamp_rule(), "build a: conc\n")
        r = self.run_js("-j4", "--jobserver=fifo")
        self.assertEqual(r.rc, 0, r)
        self.assertFalse(os.path.exists(d), "the stale FIFO directory of "
                         "the killed nj is still there")
        self.assertTrue(os.path.isdir(alive))

    def test_token_held_by_killed_client_comes_back(self):
        # A client takes 2 tokens and is SIGKILLed; afterwards the rest of
        # the build still reaches -j.
        m = ("rule hog\n  command = %s hog.py $out 2\n"
             "rule client\n  command = %s client.py %s $out 6 && touch $out\n"
             "build h: hog\n"
             "build c0: client || killer\n"
             "build c1: client || killer\n"
             "rule killer\n  command = while [ ! -e h.took ]; do sleep 0.05; "
             "done; kill -9 $$(cut -d' ' -f2 h); touch $out\n"
             "build killer: killer\n"
             % (PY, PY, self.path("conc.log")))
        self.write("build.ninja", m)
        r = self.run_js("-j4", "--jobserver=fifo", "-k", "0")
        self.assertEqual(r.rc, 137, r)  # h failed: SIGKILL, 128 + 9
        self.assertTrue(self.exists("h.took"))
        self.assertEqual(self.peak(), 4, self.read("conc.log"))


# ---- nj as a client -------------------------------------------------------------

@not_ninja("nj's jobserver client")
class Client(JobserverCase):
    def pipe_server(self, tokens=b"ab"):
        r, w = os.pipe()
        r, w = high_dup(r), high_dup(w)
        self.addCleanup(os.close, r)
        self.addCleanup(os.close, w)
        os.write(w, tokens)
        return r, w

    def fifo_server(self, tokens=b"ab"):
        path = os.path.join(self.tmp, "parent.fifo")
        os.mkfifo(path, 0o600)
        fd = os.open(path, os.O_RDWR)
        self.addCleanup(os.close, fd)
        os.write(fd, tokens)
        return path, fd

    def many(self, n=8, hold="0.3"):
        m = ("rule conc\n  command = echo +$out >> conc.log; %s fds.py $out.fds; "
             "sleep %s; echo -$out >> conc.log; touch $out\n" % (PY, hold))
        m += "".join("build o%d: conc\n" % i for i in range(n))
        self.write("build.ninja", m)

    def check_commands_told(self, n, parent_flags, parent_fds=()):
        # nj's commands share the parent's pool: MAKEFLAGS as nj got it,
        # and the parent's descriptors still open in them.
        for i in range(n):
            fds, flags = self.read("o%d.fds" % i).splitlines()
            self.assertEqual(flags, parent_flags)
            got = {int(x.split(":")[0]) for x in fds.split()}
            for fd in parent_fds:
                self.assertIn(fd, got, "the parent's jobserver did not "
                              "reach a command")

    def test_pipe_parent_replaces_default_j_and_gets_tokens_back(self):
        # Two tokens and the implicit slot: 3 at once, whatever nj's own
        # default -j (3 on two cores, so 5 tokens below tell them apart).
        r, w = self.pipe_server(b"abcde")
        self.many(10)
        flags = " -j6 --jobserver-fds=%d,%d --jobserver-auth=%d,%d" % (r, w, r, w)
        res = self.run_js(env={"MAKEFLAGS": flags}, pass_fds=(r, w))
        self.assertEqual(res.rc, 0, res)
        self.assertEqual(self.peak(), 6, self.read("conc.log"))
        self.assertEqual(sorted(drain(r)), sorted(b"abcde"),
                         "the parent's tokens, back as they were")
        self.check_commands_told(10, flags, (r, w))

    def test_fifo_parent_replaces_default_j(self):
        path, fd = self.fifo_server(b"xyzuvw")
        self.many(10)
        flags = "-j7 --jobserver-auth=fifo:" + path
        res = self.run_js(env={"MAKEFLAGS": flags})
        self.assertEqual(res.rc, 0, res)
        self.assertEqual(self.peak(), 7, self.read("conc.log"))
        self.assertEqual(sorted(drain(fd)), sorted(b"xyzuvw"))
        self.check_commands_told(10, flags)

    def test_explicit_j_wins_over_the_parent(self):
        # As in ninja: -j2 ignores MAKEFLAGS; nj serves its own jobserver.
        r, w = self.pipe_server(b"abcdef")
        self.many(6)
        res = self.run_js("-j2", env={"MAKEFLAGS": "-j7 --jobserver-auth=%d,%d"
                                      % (r, w)}, pass_fds=(r, w))
        self.assertEqual(res.rc, 0, res)
        self.assertEqual(self.peak(), 2, self.read("conc.log"))
        self.assertEqual(sorted(drain(r)), sorted(b"abcdef"), "none taken")

    def test_tokens_back_after_failure(self):
        r, w = self.pipe_server(b"ab")
        self.many(6)
        self.write("build.ninja", self.read("build.ninja") +
                   "rule fail\n  command = sleep 0.4; exit 1\nbuild bad: fail\n")
        for k in ("1", "0"):
            self.build("-t", "clean")
            res = self.run_js("-k", k,
                              env={"MAKEFLAGS": "-j3 --jobserver-auth=%d,%d"
                                   % (r, w)}, pass_fds=(r, w))
            self.assertEqual(res.rc, 1, res)
            self.assertLessEqual(self.peak(), 3)
            self.assertEqual(sorted(drain(r)), sorted(b"ab"), "-k " + k)
            os.write(w, b"ab")

    def test_tokens_back_after_sigint(self):
        r, w = self.pipe_server(b"ab")
        self.many(8, hold="60")
        p = self.spawn_js(env={"MAKEFLAGS": "-j3 --jobserver-auth=%d,%d"
                               % (r, w)}, pass_fds=(r, w))
        self.wait_until(lambda: self.running() >= 3, "3 jobs running")
        # all the parent's tokens are in nj's hands now
        self.assertEqual(drain(r), b"")
        p.send_signal(signal.SIGINT)
        rc, out = self.finish(p)
        self.assertEqual(rc, INTERRUPTED, out)
        self.assertEqual(self.running(), 3)
        self.assert_no_leftovers()
        self.assertEqual(sorted(drain(r)), sorted(b"ab"))

    def test_waits_for_a_token_without_spinning(self):
        # No token at all in the parent's pipe: nj runs one job at a time,
        # on the token it was started with, and finishes.
        r, w = self.pipe_server(b"")
        self.many(3, hold="0.2")
        res = self.run_js(env={"MAKEFLAGS": "-j2 --jobserver-auth=%d,%d"
                               % (r, w)}, pass_fds=(r, w))
        self.assertEqual(res.rc, 0, res)
        self.assertEqual(self.peak(), 1)
        self.assertEqual(drain(r), b"")

    def test_closed_descriptors_are_not_used_and_the_logs_survive(self):
        # make runs a recipe without '+': MAKEFLAGS names descriptors that
        # are closed here. nj must not take the numbers its own logs get.
        self.many(3, hold="0")
        env = {"MAKEFLAGS": "-j4 --jobserver-auth=3,4"}
        res = self.run_js(env=env)
        self.assertEqual(res.rc, 0, res)
        self.assertIn("ninja: warning: jobserver unavailable", res.err)
        self.assertEqual(res.err.count("jobserver unavailable"), 1, res.err)
        for i in range(3):
            # nj serves its own jobserver instead: what a command is told
            # names nj's pipes, never the dead parent's flags
            fds, flags = self.read("o%d.fds" % i).splitlines()
            self.assertNotEqual(flags, env["MAKEFLAGS"])
            m = re.search(r"--jobserver-auth=(\d+),(\d+)", flags)
            self.assertTrue(m, flags)
            for fd in m.groups():
                self.assertIn(fd + ":pipe", fds.split())
        again = self.run_js(env=env)
        self.assertEqual(again.rc, 0, again)
        self.assertIn("no work to do", again.out)
        self.assertNotIn("premature", again.err + again.out)
        self.assertTrue(self.read(".ninja_log").startswith("# ninja log v"))

    def test_descriptors_that_are_not_pipes_are_refused(self):
        # Open, but files: never read or written as a jobserver.
        self.many(2, hold="0")
        f1 = high_dup(os.open(self.path("a.txt"), os.O_RDWR | os.O_CREAT))
        self.addCleanup(os.close, f1)
        res = self.run_js(env={"MAKEFLAGS": "-j4 --jobserver-auth=%d,%d"
                               % (f1, f1)}, pass_fds=(f1,))
        self.assertEqual(res.rc, 0, res)
        self.assertIn("jobserver unavailable", res.err)
        self.assertEqual(self.read("a.txt"), "")

    def test_unopenable_fifo_is_a_warning(self):
        self.many(2, hold="0")
        res = self.run_js(env={"MAKEFLAGS": "-j4 --jobserver-auth=fifo:"
                               + self.path("no-such.fifo")})
        self.assertEqual(res.rc, 0, res)
        self.assertIn("ninja: warning: jobserver unavailable", res.err)
        self.assertNotIn("error", res.err)
        self.assertTrue(self.exists("o0") and self.exists("o1"))

    def test_token_freed_later_is_used(self):
        # The parent's token shows up only while nj's jobs run: nj must
        # notice it, not wait for its own jobs to end first.
        r, w = self.pipe_server(b"")
        m = ("rule conc\n  command = echo +$out >> conc.log; "
             "while [ ! -e $out.go ]; do sleep 0.05; done; "
             "echo -$out >> conc.log; touch $out\n"
             "build o0: conc\nbuild o1: conc\n")
        self.write("build.ninja", m)
        p = self.spawn_js("-j8", env={"MAKEFLAGS": "-j2 --jobserver-auth=%d,%d"
                                      % (r, w)}, pass_fds=(r, w))
        self.wait_until(lambda: self.running() >= 1, "a job running")
        os.write(w, b"t")
        self.wait_until(lambda: self.running() >= 2,
                        "the second job, on the token given meanwhile")
        self.write("o0.go", "")
        self.write("o1.go", "")
        rc, out = self.finish(p)
        self.assertEqual(rc, 0, out)
        self.assertEqual(drain(r), b"t")


if __name__ == "__main__":
    unittest.main()
