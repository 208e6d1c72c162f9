"""Shared helpers for nj's end-to-end tests.

Every test gets a fresh temporary directory, writes a manifest into it and runs
the binary named by $NJ (default: the repository's ./nj) with a deterministic
environment (TERM=dumb, output piped, a fixed NINJA_STATUS), always with a
timeout so that a hang fails the test instead of blocking the suite.

Tests that check behaviour where nj deliberately follows ninja 1.13 rather than
the installed ninja 1.11 are decorated with @nj_only(reason); they are skipped
when $NJ is ninja itself. Those of behaviour new in ninja's development source
(1.14.0.git) are decorated with @since_1_14(reason): skipped for an older
ninja, run for one built from that source.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import textwrap
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

NJ = os.path.abspath(os.environ.get("NJ") or os.path.join(REPO, "nj"))
TIMEOUT = float(os.environ.get("NJ_TEST_TIMEOUT", "60"))
SYSTEM_NINJA = shutil.which("ninja") or "/usr/bin/ninja"


def _is_ninja(path):
    """True when the binary under test is ninja itself (not nj)."""
    base = os.path.basename(os.path.realpath(path))
    if base.startswith("ninja"):
        return True
    if base.startswith("nj"):
        return False
    try:
        out = subprocess.run([path, "--version"], capture_output=True,
                             text=True, timeout=10).stdout.strip()
    except Exception:
        return False
    return out.startswith("1.11") or out.startswith("1.10")


IS_NINJA = _is_ninja(NJ)


def nj_only(reason):
    """Skip a test when the binary under test is ninja 1.11 (nj follows 1.13 here)."""
    return unittest.skipIf(IS_NINJA, "ninja 1.11 differs: " + reason)


def not_ninja(reason):
    """Skip a test when the binary under test is ninja (test needs nj and ninja)."""
    return unittest.skipIf(IS_NINJA, reason)


def _version(path):
    """(major, minor) of `path --version`, (0, 0) if unreadable."""
    try:
        out = subprocess.run([path, "--version"], capture_output=True,
                             text=True, timeout=10).stdout.strip()
        return tuple(int(x) for x in out.split(".")[:2])
    except (OSError, ValueError, subprocess.SubprocessError):
        return (0, 0)


OLD_NINJA = IS_NINJA and _version(NJ) < (1, 14)


def since_1_14(reason):
    """Skip a test when the binary under test is a ninja older than 1.14:
    nj and ninja's development source (1.14.0.git) pass it."""
    return unittest.skipIf(OLD_NINJA, "ninja < 1.14 differs: " + reason)


# Each test's nj builds share a memory budget among themselves only (their
# own XDG_RUNTIME_DIR): the suite runs tests in parallel, and one test's
# declared gigabytes must not make another's exact output say it waited.
_local = threading.local()


def base_env(**extra):
    env = {}
    for k, v in os.environ.items():
        if k.startswith("NINJA_") or k in ("NJ_FLAGS", "MAKEFLAGS", "MFLAGS",
                                           "CLICOLOR_FORCE", "CLICOLOR",
                                           "NO_COLOR", "FORCE_COLOR",
                                           "NJ_BUDGET_PARENT"):
            continue
        env[k] = v
    env["TERM"] = "dumb"
    env["LC_ALL"] = "C"
    env["NINJA_STATUS"] = "[%f/%t] "
    if getattr(_local, "budget_dir", None):
        env["XDG_RUNTIME_DIR"] = _local.budget_dir
    for k, v in extra.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


class Result:
    def __init__(self, args, rc, out, err):
        self.args = args
        self.rc = rc
        self.out = out
        self.err = err

    @property
    def lines(self):
        return self.out.splitlines()

    def __repr__(self):
        return ("Result(args=%r, rc=%r)\n--- stdout ---\n%s--- stderr ---\n%s"
                % (self.args, self.rc, self.out, self.err))


class NjTestCase(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="nj-e2e-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        _local.budget_dir = tempfile.mkdtemp(prefix="nj-e2e-budget-")
        self.addCleanup(shutil.rmtree, _local.budget_dir, True)

    # ---- files -----------------------------------------------------------
    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, content="", dedent=True):
        if dedent:
            content = textwrap.dedent(content)
        p = self.path(name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(content)
        return p

    def manifest(self, *parts, name="build.ninja"):
        """Write build.ninja from parts, each dedented on its own."""
        return self.write(name, "".join(textwrap.dedent(p) for p in parts),
                          dedent=False)

    def read(self, name):
        with open(self.path(name)) as f:
            return f.read()

    def readb(self, name):
        with open(self.path(name), "rb") as f:
            return f.read()

    def exists(self, name):
        return os.path.lexists(self.path(name))

    def mtime_ns(self, name):
        return os.stat(self.path(name)).st_mtime_ns

    def set_mtime(self, name, t):
        """Set a file's mtime to t (seconds, may be float) explicitly."""
        ns = int(t * 1e9)
        os.utime(self.path(name), ns=(ns, ns))

    def touch_newer(self, name, content=None):
        """Make `name` newer than every file made so far and older than every
        file made from now on: its mtime is set to the current time, then we
        wait (a few ms at most) until the file system's clock has passed it."""
        if content is not None or not self.exists(name):
            self.write(name, content or "")
        t = time.time_ns()
        os.utime(self.path(name), ns=(t, t))
        wait_fs_clock_past(t, self.dir + ".probe")

    def age_all(self, seconds=100.0):
        """Move every file's mtime back by `seconds` (keeps relative order)."""
        for root, _, files in os.walk(self.dir):
            for f in files:
                p = os.path.join(root, f)
                st = os.lstat(p)
                d = int(seconds * 1e9)
                os.utime(p, ns=(st.st_atime_ns - d, st.st_mtime_ns - d))

    # ---- running ---------------------------------------------------------
    def run_nj(self, *args, env=None, cwd=None, timeout=None, binary=None,
               input=None):
        e = base_env(**(env or {}))
        cmd = [binary or NJ] + [str(a) for a in args]
        try:
            p = subprocess.run(cmd, cwd=cwd or self.dir, env=e,
                               stdin=subprocess.DEVNULL if input is None else None,
                               input=input.encode() if input is not None else None,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=timeout or TIMEOUT)
        except subprocess.TimeoutExpired as ex:
            self.fail("timeout after %ss: %r\nstdout so far:\n%s" % (
                ex.timeout, cmd, (ex.stdout or b"").decode(errors="replace")))
        return Result(cmd, p.returncode,
                      p.stdout.decode(errors="replace"),
                      p.stderr.decode(errors="replace"))

    def build(self, *args, **kw):
        """Run and assert success."""
        r = self.run_nj(*args, **kw)
        self.assertEqual(r.rc, 0, r)
        return r

    def fails(self, *args, rc=1, **kw):
        r = self.run_nj(*args, **kw)
        self.assertEqual(r.rc, rc, r)
        return r

    def assertNoWork(self, *args, **kw):
        r = self.build(*args, **kw)
        self.assertIn("ninja: no work to do.", r.out, r)
        self.assertNotIn("[1/", r.out, r)
        return r

    def assertRan(self, r, n):
        """Assert that exactly n commands ran (counted by status lines)."""
        count = sum(1 for l in r.lines if l.startswith("["))
        self.assertEqual(count, n, r)

    def conc_manifest(self, body):
        """Write build.ninja = CONC_RULE + body (body is dedented)."""
        return self.write("build.ninja", CONC_RULE + textwrap.dedent(body),
                          dedent=False)

    def spawn(self, *args, env=None):
        e = base_env(**(env or {}))
        return subprocess.Popen([NJ] + [str(a) for a in args], cwd=self.dir,
                                env=e, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def wait_for(self, name, timeout=None):
        deadline = time.time() + (timeout or TIMEOUT)
        while time.time() < deadline:
            if self.exists(name):
                return True
            time.sleep(0.02)
        self.fail("timed out waiting for %s" % name)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); look at /proc when we can.
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except OSError:
        return True


def wait_fs_clock_past(t, probe):
    """Wait until a file written now gets an mtime strictly greater than t."""
    deadline = time.time() + 5
    try:
        while time.time() < deadline:
            with open(probe, "w") as f:
                f.write("x")
            if os.stat(probe).st_mtime_ns > t:
                return
            time.sleep(0.001)
    finally:
        try:
            os.unlink(probe)
        except OSError:
            pass


def concurrency(log_lines):
    """Max number of simultaneously running jobs from '+x'/'-x' lines."""
    cur = peak = 0
    for l in log_lines:
        if l.startswith("+"):
            cur += 1
            peak = max(peak, cur)
        elif l.startswith("-"):
            cur -= 1
    return peak


# A command that records its start/end in conc.log (append is atomic for short
# writes) and sleeps, used to measure concurrency without timing assertions.
CONC_RULE = """\
rule conc
  command = echo +$out >> conc.log; sleep 0.3; echo -$out >> conc.log; touch $out
"""
