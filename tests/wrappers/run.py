#!/usr/bin/env python3
"""Compiler wrappers under nj: distcc, ccache and icecream, each as CMake's
CMAKE_<LANG>_COMPILER_LAUNCHER and in a hand-written manifest.

    NJ=/path/to/nj python3 tests/wrappers/run.py [-j N] [-v] [FILTER...]

  Distcc.test_manifest_server_then_fallback
        a distccd on loopback (--listen 127.0.0.1 --allow 127.0.0.1, a free
        port), started and stopped by the test. Real C compiles through
        distcc: the first three reach the server (its log names each
        source); then an edge of the build itself kills the server (the
        other compiles wait on it, order-only), so it disappears mid-build,
        deterministically; the other four (three and main.c) fall back to
        local compiles (distcc says "running locally instead" for each) and the link, which
        is always local, gives a program that prints the right sum.
  Distcc.test_cmake_launcher
        CMake with CMAKE_C_COMPILER_LAUNCHER=distcc and
        CMAKE_CXX_COMPILER_LAUNCHER=distcc, built by nj: every object is
        compiled by the server (its log); with the server stopped, a clean
        rebuild falls back to local compiles and still works.
  Distcc.test_fallback_in_memory_cgroup
        what a build that counted on remote compiles does when every
        compile comes home. The "compiler" is a stand-in (a shell script
        that preprocesses with cat and "compiles" by allocating a known
        size with build/memhog, then writes the object): memory that real
        compilers use varies too much to size a cgroup by. Every compile
        goes through distcc, whose DISTCC_HOSTS names a loopback port that
        nothing listens on (a server that is gone), so distcc falls back to
        running each one locally. In a memory cgroup of 1 GiB, six compiles
        of 400 MiB at -j 4, each growing by 25 MiB every 100 ms (250 MiB/s,
        1.6 s to its peak, held 0.7 s): Debian's ninja -j 4 is run first and must fail
        or be OOM-killed (else the test proves nothing); nj -j 4 must
        finish with every object and no kernel OOM kill, with no hint (no
        history, no `mem`), and again with the compiles in a "remote" pool
        that says `mem = 0` (the README's advice for distcc builds), where
        nj learns the truth only from the running compiles. With no hint,
        no kernel OOM kill is allowed. With the mem = 0 pool nj starts all
        four at once, and the kernel has been seen to OOM-kill one of them
        (about 1 run in 7) before nj's pauses caught up; nj retried it and
        finished: that variant allows at most one kill, and says so when it
        happens (a known limit, in the README). nj's memory
        summary line must show that memory governed the build. What is not
        tested: real compilers' memory, and faster growth: compiles that
        reach 400 MiB in 0.3 s (1.25 GiB/s) outran nj's sampling here once
        (one kernel OOM kill, which nj retried; the build still finished).
  Ccache.test_manifest_cold_dir_warm_cache / test_cmake_launcher
        a first build fills a fresh CCACHE_DIR; a second build in a new,
        empty build directory is all cache hits (ccache's own statistics:
        hits equal to the compiles, no miss).
  Icecc.test_manifest_server_then_fallback / test_cmake_launcher
        the same as distcc's first two, with icecream: icecc-scheduler, a
        local iceccd (--no-remote -m 0) and a "remote" iceccd, started and
        stopped by the test in a network namespace whose only interface is
        loopback (iceccd listens on every interface, and its -i lo fails
        here; see the Icecc class). Compiles reach the remote daemon,
        according to its log (and the scheduler's); when the scheduler and
        the remote daemon disappear mid-build (an edge of the build kills
        them), icecc falls back to local compiles. Where no network
        namespace can be made, they are skipped saying why.
  Icecc.test_fallback_in_memory_cgroup
        distcc's memory test with icecc: no scheduler, only the local
        iceccd (-m 4), a real environment so that icecc tries to send each
        stand-in compile out and falls back to compiling it here.

A test whose tools (distcc, distccd, ccache, cmake, cc, icecc) are missing,
or that needs a memory cgroup where none can be made, is skipped with the
reason, never passed. The last line is exactly `N passed, N failed`
(`, N skipped` when some were skipped); the exit status is 1 when any failed.
"""

import argparse
import ctypes
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
NJ = os.path.abspath(os.environ.get("NJ") or os.path.join(REPO, "nj"))
MEMHOG = os.path.join(REPO, "build", "memhog")
NINJA = "/usr/bin/ninja" if os.access("/usr/bin/ninja", os.X_OK) \
    else shutil.which("ninja")
TIMEOUT = 180
M = 1 << 20

# tests/scenarios/run.py makes the memory cgroups
_spec = importlib.util.spec_from_file_location(
    "nj_scenarios", os.path.join(REPO, "tests", "scenarios", "run.py"))
scenarios = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scenarios)


def need(*tools):
    for t in tools:
        if not shutil.which(t):
            raise unittest.SkipTest("%s is not installed" % t)


def env(**extra):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith(("NINJA_", "DISTCC_", "CCACHE_", "ICECC"))
         and k not in ("NJ_FLAGS", "MAKEFLAGS", "MFLAGS")}
    e.update(TERM="dumb", LC_ALL="C", NINJA_STATUS="[%f/%t] ")
    e.update(extra)
    return e


def run(cmd, cwd=None, check=True, **kw):
    p = subprocess.run(cmd, cwd=cwd, env=kw.pop("env", env()),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=TIMEOUT, **kw)
    if check and p.returncode != 0:
        raise AssertionError("exit %d: %s\n%s" % (
            p.returncode, " ".join(cmd), p.stdout[-6000:]))
    return p


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, what, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError("%s exited (%s) before listening" %
                                 (what, proc.returncode))
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("%s is not listening on 127.0.0.1:%d" % (what, port))


def become_subreaper():
    """Daemons that fork (distccd's preforked children) are reparented to
    this process when their parent dies, so they can be reaped here."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def reap_orphans():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


class Daemon:
    """A server started in its own process group; stop() ends the group."""

    def __init__(self, argv, port, what, cwd):
        self.what = what
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env(),
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        self.pgid = self.proc.pid
        if port:
            try:
                wait_listening(port, self.proc, what)
            except BaseException:
                self.stop()
                raise

    def stop(self):
        try:
            os.killpg(self.pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.pgid, signal.SIGKILL)
            self.proc.wait()
        # the group's other members, if SIGTERM left any
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                os.killpg(self.pgid, 0)
            except ProcessLookupError:
                break
            reap_orphans()
            time.sleep(0.05)
        else:
            try:
                os.killpg(self.pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        reap_orphans()


class Base(unittest.TestCase):
    def setUp(self):
        if not os.access(NJ, os.X_OK):
            self.fail("%s not found (build it: ./nj all)" % NJ)
        # world-readable: distccd runs as nobody and writes its log here
        self.dir = os.path.realpath(tempfile.mkdtemp(prefix="nj-wrappers-"))
        os.chmod(self.dir, 0o755)
        self.addCleanup(shutil.rmtree, self.dir, True)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def write(self, name, text):
        p = self.path(name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(textwrap.dedent(text))
        return p

    def nj(self, *args, cwd=None, check=True, **envx):
        return run([NJ] + [str(a) for a in args], cwd=cwd or self.dir,
                   check=check, env=env(**envx))


# ---- compiles that come home, in a memory cgroup -----------------------------

# A compile that takes a known amount of memory: see the docstring. The
# stand-in is named cc, so that icecc takes it for a C compiler.
FAKECC = """\
    #!/bin/sh
    # a stand-in compiler for distcc and icecc (-E preprocesses with cat;
    # -c allocates $FAKECC_MEM with memhog, then writes the object)
    out= src= pre=
    while [ $# -gt 0 ]; do
      case $1 in
        -o) out=$2; shift ;;
        -E) pre=1 ;;
        *.c) src=$1 ;;
      esac
      shift
    done
    if [ -n "$pre" ]; then
      if [ -n "$out" ]; then exec cat "$src" > "$out"; fi
      exec cat "$src"
    fi
    %s $FAKECC_MEM --step 25M --step-ms 100 --hold-ms 700 || exit
    echo "object of $src" > "$out"
    """
FALLBACK_COMPILES = 6
FALLBACK_COMPILE_MEM = "400M"
FALLBACK_LIMIT = 1024 * M


def fallback_manifest(d, launcher, cc, pool):
    os.makedirs(d)
    m = []
    if pool:
        m.append("pool remote\n  depth = 4\n  mem = 0\n")
    m.append("rule cc\n  command = %s %s -c $in -o $out\n"
             "  description = CC $out\n%s" % (
                 launcher, cc, "  pool = remote\n" if pool else ""))
    for i in range(FALLBACK_COMPILES):
        with open(os.path.join(d, "s%d.c" % i), "w") as f:
            f.write("int s%d;\n" % i)
        m.append("build s%d.o: cc s%d.c\n" % (i, i))
    with open(os.path.join(d, "build.ninja"), "w") as f:
        f.write("".join(m))


def run_in_cgroup(tool, d, extra_env):
    cg = scenarios.Cgroup(FALLBACK_LIMIT)
    try:
        e = env(FAKECC_MEM=FALLBACK_COMPILE_MEM, **extra_env)
        p = subprocess.run(cg.command([tool, "-j", "4"]), cwd=d, env=e,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True,
                           timeout=TIMEOUT)
        return p.returncode, p.stdout, cg.new_oom_kills()
    finally:
        cg.remove()


def fallback_in_memory_cgroup(t, launcher, env_for, check_fell_back):
    """Debian's ninja -j 4 must fail or be OOM-killed in the cgroup; nj -j 4
    must finish with no kernel OOM kill, with no hint and with a mem = 0
    pool. env_for(dir) gives the wrapper's environment; check_fell_back(
    what, output) checks the wrapper says it compiled locally."""
    if not os.access(MEMHOG, os.X_OK):
        t.fail("%s not found (./nj all builds it)" % MEMHOG)
    scenarios.Cgroup(64 * M).remove()  # skips, with why, if impossible
    fake = t.write("fakebin/cc", FAKECC % MEMHOG)
    os.chmod(fake, 0o755)
    if NINJA:
        d = t.path("ninja")
        fallback_manifest(d, launcher, fake, pool=False)
        rc, out, oom = run_in_cgroup(NINJA, d, env_for(d))
        t.assertTrue(rc != 0 or oom > 0, "ninja -j 4 fit in the cgroup: the "
                     "test proves nothing\n" + out)
    for pool in (False, True):
        d = t.path("nj-pool" if pool else "nj")
        fallback_manifest(d, launcher, fake, pool)
        rc, out, oom = run_in_cgroup(NJ, d, env_for(d))
        what = "with a mem = 0 pool" if pool else "with no hint"
        t.assertEqual(rc, 0, "%s:\n%s" % (what, out))
        if not pool:
            t.assertEqual(oom, 0, "%s: the kernel's OOM killer acted\n%s"
                          % (what, out))
        else:
            # A known limit, not a pass: told the compiles cost nothing
            # here, nj starts four at once, and when all four grow at
            # 250 MiB/s the kernel is sometimes faster than nj's pauses
            # (one OOM kill in about 1 run of 7 here, which nj retried).
            # The build must still finish, and at most one kill.
            t.assertLessEqual(oom, 1, "%s: the kernel's OOM killer acted "
                              "%d times\n%s" % (what, oom, out))
            if oom:
                print("note: %s: the kernel OOM-killed one compile; nj "
                      "retried it (a known limit)" % what, flush=True)
        check_fell_back(what, out)
        t.assertRegex(out, r"(?m)^ninja: memory: \d+ jobs? waited",
                      "%s: memory did not govern the build\n%s" % (what, out))
        for i in range(FALLBACK_COMPILES):
            with open(os.path.join(d, "s%d.o" % i)) as f:
                t.assertEqual(f.read(), "object of s%d.c\n" % i)


# ---- distcc ------------------------------------------------------------------

CMAKE = {
    "CMakeLists.txt": """\
        cmake_minimum_required(VERSION 3.20)
        project(wrap C CXX)
        add_library(util STATIC util.c twice.cpp)
        add_executable(app main.c)
        target_link_libraries(app util)
        """,
    "util.c": "int util(void) { return 40; }\n",
    "twice.cpp": 'extern "C" int twice(int x) { return 2 * x; }\n',
    "main.c": """\
        #include <stdio.h>
        int util(void);
        int twice(int);
        int main(void) { printf("%d\\n", util() + twice(1)); return 0; }
        """,
}

def cmake_project(t, launcher, build="build"):
    """A C and C++ CMake project in t.dir/src, configured in t.dir/build
    with `launcher` for both languages and nj as the make program."""
    need("cmake", "c++")
    for name, text in CMAKE.items():
        t.write(os.path.join("src", name), text)
    b = t.path(build)
    run(["cmake", "-G", "Ninja", "-DCMAKE_MAKE_PROGRAM=" + NJ,
         "-DCMAKE_C_COMPILER_LAUNCHER=" + launcher,
         "-DCMAKE_CXX_COMPILER_LAUNCHER=" + launcher,
         "-S", t.path("src"), "-B", b])
    return b



class Distcc(Base):
    def setUp(self):
        need("distcc", "distccd", "cc")
        super().setUp()
        self.distcc_dir = self.path("distcc-home")
        os.mkdir(self.distcc_dir)

    def start_server(self):
        self.port = free_port()
        self.log = self.path("distccd.log")
        with open(self.log, "w"):
            pass
        os.chmod(self.log, 0o666)
        argv = ["distccd", "--daemon", "--no-detach", "--listen",
                "127.0.0.1", "--allow", "127.0.0.1", "--port",
                str(self.port), "--jobs", "2", "--log-file", self.log,
                "--log-level", "info"]
        if os.geteuid() == 0:
            argv += ["--user", "nobody"]  # distccd will not run as root
        self.server = Daemon(argv, self.port, "distccd", self.dir)
        self.addCleanup(self.server.stop)

    def server_compiled(self):
        """The sources the server compiled, from its log."""
        with open(self.log) as f:
            text = f.read()
        return re.findall(r"compile from (\S+) to ", text), text

    def distcc_env(self, port=None):
        return dict(DISTCC_DIR=self.distcc_dir,
                    DISTCC_HOSTS="127.0.0.1:%d/2" % (port or self.port))

    def test_manifest_server_then_fallback(self):
        self.start_server()
        first, second = ["a1", "a2", "a3"], ["b1", "b2", "b3"]
        m = ["rule cc\n  command = distcc cc -c $in -o $out\n"
             "  description = CC $out\n",
             "rule link\n  command = cc $in -o $out\n"
             "  description = LINK $out\n",
             # an edge of the build makes the server disappear
             "rule vanish\n  command = %s vanish.py && touch $out\n"
             % sys.executable]
        # the server's whole process group gets SIGTERM; gone once nothing
        # accepts on its port
        self.write("vanish.py", """\
            import os, signal, socket, time
            os.killpg(%d, signal.SIGTERM)
            for _ in range(200):
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", %d)) != 0:
                        break
                time.sleep(0.05)
            else:
                raise SystemExit("distccd still accepts connections")
            """ % (self.server.pgid, self.port))
        for i, s in enumerate(first + second):
            self.write(s + ".c", "int %s(void) { return %d; }\n" % (s, i + 1))
            dep = " || server-gone" if s in second else ""
            m.append("build %s.o: cc %s.c%s\n" % (s, s, dep))
        m.append("build server-gone: vanish %s\n" %
                 " ".join(s + ".o" for s in first))
        names = first + second
        self.write("main.c", "#include <stdio.h>\n%s\nint main(void) { "
                   "printf(\"%%d\\n\", %s); return 0; }\n" % (
                       "".join("int %s(void);\n" % s for s in names),
                       " + ".join("%s()" % s for s in names)))
        m.append("build main.o: cc main.c || server-gone\n")
        m.append("build prog: link main.o %s\n" %
                 " ".join(s + ".o" for s in names))
        self.write("build.ninja", "".join(m))
        r = self.nj("-j", "2", **self.distcc_env())
        self.assertEqual(run([self.path("prog")]).stdout, "21\n")
        compiled, log = self.server_compiled()
        self.assertEqual(sorted(compiled), [s + ".c" for s in first],
                         "the server's log:\n" + log)
        self.assertEqual(len(re.findall(r"running locally instead",
                                        r.stdout)), 4, r.stdout)
        self.assertIn("COMPILE_OK", log)

    def test_cmake_launcher(self):
        self.start_server()
        b = cmake_project(self, "distcc")
        r = run(["cmake", "--build", b], env=env(**self.distcc_env()))
        self.assertEqual(run([os.path.join(b, "app")]).stdout, "42\n")
        compiled, log = self.server_compiled()
        self.assertEqual(sorted(compiled), ["main.c", "twice.cpp", "util.c"],
                         "the server's log:\n%s\nthe build:\n%s" % (
                             log, r.stdout))
        self.assertNotIn("running locally", r.stdout)
        # the server goes away: a clean rebuild falls back to local
        self.server.stop()
        self.nj("-C", b, "-t", "clean")
        r = run(["cmake", "--build", b], env=env(**self.distcc_env()))
        self.assertEqual(len(re.findall(r"running locally instead",
                                        r.stdout)), 3, r.stdout)
        self.assertEqual(run([os.path.join(b, "app")]).stdout, "42\n")
        compiled, _ = self.server_compiled()
        self.assertEqual(len(compiled), 3)

    def test_fallback_in_memory_cgroup(self):
        port = free_port()  # nothing listens there: the server is gone
        fallback_in_memory_cgroup(
            self, "distcc", lambda d: dict(
                DISTCC_DIR=self.distcc_dir,
                DISTCC_HOSTS="127.0.0.1:%d/4" % port),
            lambda what, out: self.assertEqual(
                len(re.findall(r"running locally instead", out)),
                FALLBACK_COMPILES, "%s: not every compile fell back\n%s" % (
                    what, out)))


# ---- ccache ------------------------------------------------------------------

class Ccache(Base):
    def setUp(self):
        need("ccache", "cc")
        super().setUp()
        self.cache = self.path("ccache-dir")
        os.mkdir(self.cache)

    def ccache_env(self):
        # a cache of its own, in the default (direct) mode, no config file
        return dict(CCACHE_DIR=self.cache, CCACHE_CONFIGPATH=os.devnull)

    def stats(self):
        out = run(["ccache", "--print-stats"], env=env(**self.ccache_env()))
        st = {}
        for line in out.stdout.splitlines():
            k, _, v = line.partition("\t")
            if v.strip().isdigit():
                st[k] = int(v)
        return st

    def assert_all_hits(self, n, what):
        st = self.stats()
        hits = st.get("direct_cache_hit", 0) + \
            st.get("preprocessed_cache_hit", 0)
        self.assertEqual((hits, st.get("cache_miss", 0)), (n, 0),
                         "%s: ccache statistics %s" % (what, st))

    def test_manifest_cold_dir_warm_cache(self):
        srcs = ["s%d" % i for i in range(5)]
        for i, s in enumerate(srcs):
            self.write("src/%s.c" % s, "int %s(void) { return %d; }\n" %
                       (s, i))
        m = ["rule cc\n  command = ccache cc -c $in -o $out\n",
             "rule ar\n  command = rm -f $out && ar rcs $out $in\n"]
        m += ["build %s.o: cc ../src/%s.c\n" % (s, s) for s in srcs]
        m.append("build lib.a: ar %s\n" % " ".join(s + ".o" for s in srcs))
        for b in ("b1", "b2"):
            self.write(b + "/build.ninja", "".join(m))
        run(["ccache", "-z"], env=env(**self.ccache_env()))
        self.nj(cwd=self.path("b1"), **self.ccache_env())
        st = self.stats()
        self.assertEqual(st.get("cache_miss"), len(srcs), st)
        run(["ccache", "-z"], env=env(**self.ccache_env()))
        self.nj(cwd=self.path("b2"), **self.ccache_env())
        self.assert_all_hits(len(srcs), "second build, cold directory")
        self.assertTrue(os.path.exists(self.path("b2", "lib.a")))

    def test_cmake_launcher(self):
        b1 = cmake_project(self, "ccache", "b1")
        run(["ccache", "-z"], env=env(**self.ccache_env()))
        run(["cmake", "--build", b1], env=env(**self.ccache_env()))
        self.assertEqual(self.stats().get("cache_miss"), 3)
        b2 = cmake_project(self, "ccache", "b2")
        run(["ccache", "-z"], env=env(**self.ccache_env()))
        run(["cmake", "--build", b2], env=env(**self.ccache_env()))
        self.assert_all_hits(3, "CMake, second build directory")
        self.assertEqual(run([os.path.join(b2, "app")]).stdout, "42\n")


# ---- icecream ----------------------------------------------------------------
#
# icecc-scheduler and iceccd listen on every interface, and iceccd's -i lo
# fails here (it binds the interface twice: "Failed to bind address to TCP
# listen socket (Address already in use)"). So the icecream tests run in a
# network namespace of their own, where loopback is the only interface: a
# child of this script that unshares its network namespace first
# (--icecc-netns), and whose results are counted with the others. As in
# icecream's own tests, the daemons find each other through a scheduler on
# 127.0.0.1, the client reaches the local daemon through ICECC_TEST_SOCKET,
# and ICECC_TEST_REMOTEBUILD=1 with -m 0 on the local daemon sends every
# compile to the other daemon, the "remote" one.

CLONE_NEWNET = 0x40000000


def enter_netns():
    """Unshare the network namespace and bring lo up; None, or why not."""
    import fcntl
    import struct
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        return "unshare(CLONE_NEWNET) failed: %s" % os.strerror(
            ctypes.get_errno())
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        ifr = struct.pack("16sH14s", b"lo", 0, b"\0" * 14)
        flags = struct.unpack("16sH14s", fcntl.ioctl(s, 0x8913, ifr))[1]
        fcntl.ioctl(s, 0x8914, struct.pack("16sH14s", b"lo", flags | 1,
                                           b"\0" * 14))  # SIOCSIFFLAGS, IFF_UP
        s.close()
    except OSError as e:
        return "cannot bring up lo in the new network namespace: %s" % e
    return None


SCHED_PORT = 8767
REMOTE_PORT = 10246


class Icecc(Base):
    """Runs only inside the child's network namespace (see above)."""

    def setUp(self):
        need("icecc", "icecc-scheduler", "iceccd", "cc")
        super().setUp()
        os.chmod(self.dir, 0o777)  # the scheduler drops to user icecc
        self.sock = self.path("iceccd-local.socket")

    def log(self, name):
        p = self.path(name + ".log")
        return open(p).read() if os.path.exists(p) else ""

    def start_icecream(self):
        # (no probe of the scheduler's port: a connection that says
        # nothing leaves icecc-scheduler 1.4 deaf to the daemons)
        self.sched = Daemon(["icecc-scheduler", "-p", str(SCHED_PORT), "-l",
                             self.path("scheduler.log"), "-vvv"], None,
                            "icecc-scheduler", self.dir)
        self.addCleanup(self.sched.stop)
        deadline = time.time() + 10
        while "scheduler ready" not in self.log("scheduler"):
            if time.time() > deadline:
                self.fail("icecc-scheduler did not start:\n" +
                          self.log("scheduler"))
            time.sleep(0.05)
        local = ["env", "ICECC_TEST_SOCKET=" + self.sock,
                 "ICECC_TEST_REMOTEBUILD=1", "iceccd", "--no-remote", "-m",
                 "0", "-s", "127.0.0.1:%d" % SCHED_PORT, "-b",
                 self.path("envs-local"), "-l", self.path("local.log"), "-N",
                 "localice", "-vvv"]
        self.local = Daemon(local, None, "iceccd (local)", self.dir)
        self.addCleanup(self.local.stop)
        remote = ["env", "ICECC_TEST_SOCKET=" + self.path("iceccd-remote."
                                                          "socket"),
                  "iceccd", "-p", str(REMOTE_PORT), "-m", "2", "-s",
                  "127.0.0.1:%d" % SCHED_PORT, "-b", self.path("envs-remote"),
                  "-l", self.path("remote.log"), "-N", "remoteice", "-vvv"]
        self.remote = Daemon(remote, REMOTE_PORT, "iceccd (remote)", self.dir)
        self.addCleanup(self.remote.stop)
        deadline = time.time() + 30
        while time.time() < deadline:
            text = self.log("scheduler")
            if "login localice" in text and "login remoteice" in text:
                return
            time.sleep(0.1)
        self.fail("the daemons did not log in to the scheduler:\n%s\n"
                  "local daemon:\n%s\nremote daemon:\n%s" % (
                      self.log("scheduler")[-3000:], self.log("local")[-3000:],
                      self.log("remote")[-3000:]))

    def icecc_env(self):
        return dict(ICECC_TEST_SOCKET=self.sock, ICECC_TEST_REMOTEBUILD="1")

    def remote_compiled(self):
        return re.findall(r"remote compile for file (\S+)",
                          self.log("remote"))

    def test_manifest_server_then_fallback(self):
        self.start_icecream()
        first, second = ["a1", "a2", "a3"], ["b1", "b2", "b3"]
        m = ["rule cc\n  command = icecc cc -c $in -o $out\n"
             "  description = CC $out\n",
             "rule link\n  command = cc $in -o $out\n",
             "rule vanish\n  command = %s vanish.py && touch $out\n"
             % sys.executable]
        # the scheduler and the remote daemon go; the local one stays, as
        # the machine's own daemon would
        self.write("vanish.py", """\
            import os, signal, socket, time
            for g in (%d, %d):
                os.killpg(g, signal.SIGTERM)
            for port in (%d, %d):
                for _ in range(200):
                    with socket.socket() as s:
                        if s.connect_ex(("127.0.0.1", port)) != 0:
                            break
                    time.sleep(0.05)
                else:
                    raise SystemExit("port %%d still accepts" %% port)
            """ % (self.remote.pgid, self.sched.pgid, REMOTE_PORT,
                   SCHED_PORT))
        for i, s in enumerate(first + second):
            self.write(s + ".c", "int %s(void) { return %d; }\n" % (s, i + 1))
            dep = " || server-gone" if s in second else ""
            m.append("build %s.o: cc %s.c%s\n" % (s, s, dep))
        m.append("build server-gone: vanish %s\n" %
                 " ".join(s + ".o" for s in first))
        names = first + second
        self.write("main.c", "#include <stdio.h>\n%s\nint main(void) { "
                   "printf(\"%%d\\n\", %s); return 0; }\n" % (
                       "".join("int %s(void);\n" % s for s in names),
                       " + ".join("%s()" % s for s in names)))
        m.append("build main.o: cc main.c || server-gone\n")
        m.append("build prog: link main.o %s\n" %
                 " ".join(s + ".o" for s in names))
        self.write("build.ninja", "".join(m))
        r = self.nj("-j", "2", **self.icecc_env())
        self.assertEqual(run([self.path("prog")]).stdout, "21\n", r.stdout)
        self.assertEqual(sorted(self.remote_compiled()),
                         [s + ".c" for s in first],
                         "the remote daemon's log:\n" +
                         self.log("remote")[-4000:])
        # the scheduler saw exactly those jobs (none after it was gone)
        self.assertEqual(len(re.findall(r"server=remoteice", self.log(
            "scheduler"))), 2 * len(first), self.log("scheduler")[-4000:])

    def test_cmake_launcher(self):
        self.start_icecream()
        b = cmake_project(self, "icecc")
        r = run(["cmake", "--build", b], env=env(**self.icecc_env()))
        self.assertEqual(run([os.path.join(b, "app")]).stdout, "42\n")
        self.assertEqual(sorted(os.path.basename(f) for f in
                                self.remote_compiled()),
                         ["main.c", "twice.cpp", "util.c"],
                         "the remote daemon's log:\n%s\nthe build:\n%s" % (
                             self.log("remote")[-4000:], r.stdout))
        # the servers go away: a clean rebuild falls back to local
        self.remote.stop()
        self.sched.stop()
        self.nj("-C", b, "-t", "clean")
        run(["cmake", "--build", b], env=env(**self.icecc_env()))
        self.assertEqual(run([os.path.join(b, "app")]).stdout, "42\n")
        self.assertEqual(len(self.remote_compiled()), 3)


def _icecc_fallback(self):
    """The scheduler and every other daemon are gone: only the machine's
    own iceccd is left, allowed 4 local compiles at once (-m 4; its default
    is one per CPU, which would itself keep ninja from running 4). icecc is
    given a real environment (icecc --build-native, for /usr/bin/cc) so that
    it tries to send each compile out, finds no scheduler, and compiles
    locally: with the stand-in compiler of the distcc test."""
    r = run(["icecc", "--build-native"], cwd=self.dir)
    tar = re.search(r"^creating (\S+\.tar\.gz)$", r.stdout, re.M)
    self.assertTrue(tar, r.stdout[-2000:])
    envtar = self.path(tar.group(1))
    local = Daemon(["env", "ICECC_TEST_SOCKET=" + self.sock, "iceccd", "-m",
                    "4", "-s", "127.0.0.1:%d" % SCHED_PORT, "-b",
                    self.path("envs-local"), "-l", self.path("local.log"),
                    "-N", "localice", "-vvv"], None, "iceccd (local)",
                   self.dir)
    self.addCleanup(local.stop)
    deadline = time.time() + 10
    while not os.path.exists(self.sock):
        if time.time() > deadline:
            self.fail("iceccd made no socket:\n" + self.log("local"))
        time.sleep(0.05)

    def fell_back(what, out):
        log = self.log("local")
        self.assertIn("scheduler not yet found", log)
        self.assertNotIn("login", self.log("scheduler"))
        # each compile asked the local daemon, and ran here
        self.assertGreaterEqual(len(re.findall(r"handle_end \d+ local unix",
                                               log)), FALLBACK_COMPILES,
                                "%s:\n%s" % (what, log[-3000:]))

    fallback_in_memory_cgroup(
        self, "icecc", lambda d: dict(ICECC_TEST_SOCKET=self.sock,
                                      ICECC_VERSION=envtar), fell_back)


Icecc.test_fallback_in_memory_cgroup = _icecc_fallback


def run_tests(classes, filters):
    """Run the tests of classes one at a time; prints ok/FAIL/SKIP lines,
    returns (passed, failed, skipped)."""
    loader = unittest.TestLoader()
    tests = [t for cls in classes for t in loader.loadTestsFromTestCase(cls)
             if not filters or any(f in t.id() for f in filters)]
    passed = failed = skipped = 0
    for t in tests:
        res = unittest.TestResult()
        t0 = time.time()
        t(res)
        dt = time.time() - t0
        name = t.id().split(".", 1)[1]
        if res.skipped:
            skipped += 1
            print("SKIP  %s: %s" % (name, res.skipped[0][1]), flush=True)
        elif res.failures or res.errors:
            failed += 1
            print("FAIL  %s (%.1fs)" % (name, dt), flush=True)
            for _, tb in res.failures + res.errors:
                print(tb, flush=True)
        else:
            passed += 1
            print("ok    %s (%.1fs)" % (name, dt), flush=True)
        reap_orphans()
    return passed, failed, skipped


def icecc_in_netns(filters):
    """The Icecc tests, in a child with a network namespace of its own;
    when one cannot be made, each is skipped saying why."""
    wanted = [t for t in unittest.TestLoader().getTestCaseNames(Icecc)
              if not filters or any(f in "Icecc." + t for f in filters)]
    if not wanted:
        return 0, 0, 0
    p = subprocess.run([sys.executable, os.path.abspath(__file__),
                        "--icecc-netns"] + filters, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True,
                       timeout=2 * TIMEOUT)
    out = p.stdout
    m = re.search(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$", out,
                  re.M)
    if m:
        sys.stdout.write(out[:m.start()])
        return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    print("FAIL  Icecc: the namespace child ended without a summary "
          "(exit %s)\n%s" % (p.returncode, out[-4000:]), flush=True)
    return 0, 1, 0


# ---- runner ------------------------------------------------------------------

CLASSES = [Distcc, Ccache]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-j", type=int, default=1, help="accepted; one at a time")
    ap.add_argument("-v", action="store_true")
    ap.add_argument("--icecc-netns", action="store_true",
                    help=argparse.SUPPRESS)
    ap.add_argument("filters", nargs="*")
    a = ap.parse_args()
    become_subreaper()
    if a.icecc_netns:
        why = enter_netns()
        if why:
            n = 0
            for t in unittest.TestLoader().getTestCaseNames(Icecc):
                if not a.filters or any(f in "Icecc." + t for f in a.filters):
                    n += 1
                    print("SKIP  Icecc.%s: icecc-scheduler and iceccd listen "
                          "on every interface (iceccd -i lo cannot bind "
                          "here), so they run only in a network namespace "
                          "of their own, and none can be made: %s" % (t, why),
                          flush=True)
            print("0 passed, 0 failed, %d skipped" % n, flush=True)
            return 0
        res = run_tests([Icecc], a.filters)
    else:
        print("wrappers: NJ=%s, ninja=%s" % (NJ, NINJA), flush=True)
        res = run_tests(CLASSES, a.filters)
        ice = icecc_in_netns(a.filters)
        res = tuple(x + y for x, y in zip(res, ice))
    passed, failed, skipped = res
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
