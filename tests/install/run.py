#!/usr/bin/env python3
"""The install tree: `./configure.py --prefix=DIR --ninja-symlink` and
`DESTDIR=... ./nj install`, on a fresh copy of the source tree.

    python3 tests/install/run.py [-j N] [-v] [FILTER...]

The copy is bootstrapped (`./configure.py --bootstrap`, cc alone) and
configured with a prefix that does not exist; `./nj install` runs with
DESTDIR, so nothing is written outside the temporary directory. Then:

  tree          exactly the files and symlinks misc/install.sh promises, with
                their modes; nothing under the real prefix
  binary        the installed nj runs: --version (ninja's), --nj-version
  manpage       `man -l` renders share/man/man1/nj.1 with no warning, and it
                covers every flag of `nj -h`, --nj-version, the `mem`
                extension, the files, exit statuses and examples
  bash          the bash completion, sourced in bash (with the
                bash-completion package's framework and without), lists the
                targets of the manifest named by -C, the tools after -t, the
                modes after -d, the flags; sourced as .../completions/ninja it
                completes `ninja` too
  zsh           the zsh completion, in an interactive zsh driven through
                zsh/zpty with compinit, lists the targets after TAB
  ninja         bin/ninja -> nj: called as `ninja` it behaves as `nj` (the
                same output and exit status for a build, a no-op, a tool,
                --version, -h, a failing command)
  regenerate    after configure.py changes, `./nj install` regenerates
                build.ninja with the same --prefix and --ninja-symlink
  prefix        without DESTDIR, into a prefix given relative to where
                configure.py ran

A test whose tool (man, bash, zsh, the bash-completion package) is missing is
skipped with the reason. The last line is exactly `N passed, N failed`
(`, N skipped` when some were skipped); the exit status is 1 when any failed.
"""

import argparse
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TIMEOUT = 300
PREFIX = "/opt/nj-install-test-prefix"  # never created: DESTDIR is used
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"

# What misc/install.sh installs with --ninja-symlink: path -> mode, or
# "-> target" for a symlink.
EXPECTED = {
    "bin/nj": 0o755,
    "bin/ninja": "-> nj",
    "share/man/man1/nj.1": 0o644,
    "share/bash-completion/completions/nj": 0o644,
    "share/bash-completion/completions/ninja": "-> nj",
    "share/zsh/site-functions/_nj": 0o644,
    "share/doc/nj/README.md": 0o644,
    "share/doc/nj/DESIGN.md": 0o644,
}

PROJECT = """\
rule cp
  command = cp $in $out
  description = CP $out
rule fail
  command = echo failing $out; exit 3
build alpha.out: cp src.txt
build beta.out: cp alpha.out
build sub/gamma.o: cp src.txt
build broken: fail
build all: phony alpha.out beta.out sub/gamma.o
default all
"""
TARGETS = {"alpha.out", "beta.out", "sub/gamma.o", "broken", "all"}


def env(**extra):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("NINJA_") and k not in (
             "NJ_FLAGS", "MAKEFLAGS", "MFLAGS", "DESTDIR")}
    e.update(TERM="dumb", LC_ALL="C")
    e.update(extra)
    return e


def run(cmd, cwd=None, check=True, **kw):
    p = subprocess.run(cmd, cwd=cwd, env=kw.pop("env", env()),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=kw.pop("timeout", TIMEOUT), **kw)
    if check and p.returncode != 0:
        raise AssertionError("exit %d: %s\n%s%s" % (
            p.returncode, " ".join(cmd), p.stdout[-4000:], p.stderr[-4000:]))
    return p


def need(*tools):
    for t in tools:
        if not shutil.which(t):
            raise unittest.SkipTest("%s is not installed" % t)


class Installed(unittest.TestCase):
    """One copy, one bootstrap, one install for the whole class."""
    tmp = src = dest = root = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = os.path.realpath(tempfile.mkdtemp(prefix="nj-install-"))
        cls.src = os.path.join(cls.tmp, "src")
        # the source tree as git sees it, committed or not (not ./nj,
        # build/ or build.ninja: .gitignore)
        files = run(["git", "ls-files", "-z", "--cached", "--others",
                     "--exclude-standard"], cwd=REPO).stdout.split("\0")
        for f in files:
            if f and os.path.isfile(os.path.join(REPO, f)):
                d = os.path.join(cls.src, f)
                os.makedirs(os.path.dirname(d), exist_ok=True)
                shutil.copy2(os.path.join(REPO, f), d)
        run([sys.executable, "configure.py", "--bootstrap"], cwd=cls.src)
        run([sys.executable, "configure.py", "--prefix=" + PREFIX,
             "--ninja-symlink"], cwd=cls.src)
        cls.dest = os.path.join(cls.tmp, "dest")
        cls.install_out = run(["./nj", "install"], cwd=cls.src,
                              env=env(DESTDIR=cls.dest)).stdout
        cls.root = cls.dest + PREFIX
        cls.bin = os.path.join(cls.root, "bin")
        cls.proj = os.path.join(cls.tmp, "proj")
        os.makedirs(cls.proj)
        with open(os.path.join(cls.proj, "build.ninja"), "w") as f:
            f.write(PROJECT)
        with open(os.path.join(cls.proj, "src.txt"), "w") as f:
            f.write("x\n")

    @classmethod
    def tearDownClass(cls):
        if cls.tmp:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def nj(self, *args, name="nj", cwd=None, check=False):
        """The installed nj, found on PATH under `name` (nj or ninja)."""
        e = env(PATH=self.bin + ":" + os.environ["PATH"])
        return run([name] + list(args), cwd=cwd or self.proj, env=e,
                   check=check)

    # ---- tree -------------------------------------------------------------

    def test_tree(self):
        got = {}
        for d, dirs, files in os.walk(self.dest):
            for n in dirs + files:
                p = os.path.join(d, n)
                rel = os.path.relpath(p, self.root)
                st = os.lstat(p)
                if stat.S_ISLNK(st.st_mode):
                    got[rel] = "-> " + os.readlink(p)
                elif stat.S_ISREG(st.st_mode):
                    got[rel] = stat.S_IMODE(st.st_mode)
        self.assertEqual(got, EXPECTED, "installed tree (listing):\n" +
                         "\n".join("%s %s" % (k, v if isinstance(v, str)
                                              else oct(v))
                                   for k, v in sorted(got.items())))
        self.assertFalse(os.path.exists(PREFIX),
                         "DESTDIR ignored: %s was written" % PREFIX)
        self.assertIn("INSTALL " + PREFIX, self.install_out)
        for doc, orig in (("README.md", "README.md"),
                          ("DESIGN.md", "docs/DESIGN.md")):
            with open(os.path.join(self.root, "share/doc/nj", doc)) as a, \
                    open(os.path.join(REPO, orig)) as b:
                self.assertEqual(a.read(), b.read(), doc)

    def test_binary(self):
        self.assertEqual(self.nj("--version").stdout, "1.14.0.git\n")
        out = self.nj("--nj-version").stdout
        self.assertRegex(out, r"^nj \d+\.\d+\.\d+ \(ninja 1\.14\.0\.git "
                         r"compatible\)\n")
        self.assertRegex(out, r"\nmimalloc: \d+\.\d+\.\d+ .*malloc is "
                         r"mimalloc's\)\n")
        self.assertRegex(out, r"\nzstd: \d+\.\d+\.\d+ ")
        self.assertRegex(out, r"\ncgroup: ")

    # ---- man page ---------------------------------------------------------

    def test_manpage(self):
        need("man")
        page = os.path.join(self.root, "share/man/man1/nj.1")
        p = run(["man", "--warnings", "-l", page],
                env=env(MANPAGER="cat", PAGER="cat", MANWIDTH="80"))
        self.assertEqual(p.stderr, "", "man -l warned")
        text = re.sub(r".\x08", "", p.stdout)  # overstrike, if any
        text = text.replace("\u2010", "-").replace("\u2212", "-")
        for head in ("NAME", "SYNOPSIS", "OPTIONS", "THE mem EXTENSION",
                     "ENVIRONMENT", "FILES", "EXIT STATUS", "EXAMPLES"):
            self.assertRegex(text, r"(?m)^%s$" % head, head)
        # every flag `nj -h` lists, and every long option nj accepts
        usage = self.nj("-h").stderr
        flags = set(re.findall(r"(?m)^\s+(-\w|--[\w-]+)", usage))
        flags |= set(re.findall(r", (--[\w-]+)", usage))
        flags |= {"--nj-version", "--help", "--mem=off", "--jobserver"}
        self.assertGreater(len(flags), 15, usage)
        for f in sorted(flags):
            self.assertRegex(text, r"(?<![\w-])%s(?![\w])" % re.escape(f),
                             "the man page does not cover " + f)
        # the page's footer names the version --nj-version prints
        ver = re.match(r"nj (\S+) ", self.nj("--nj-version").stdout).group(1)
        self.assertRegex(text.rstrip().splitlines()[-1],
                         r"^nj %s\s" % re.escape(ver))
        for word in (".ninja_log", ".ninja_deps", ".nj_history", "NJ_FLAGS",
                     "NINJA_STATUS", "mem = 2.5G", "130", "distcc"):
            self.assertIn(word, text)
        for tool in ("clean", "compdb", "deps", "graph", "mem", "query",
                     "restat", "targets", "missingdeps"):
            self.assertRegex(text, r"\b%s\b" % tool)

    # ---- completions ------------------------------------------------------

    BASH = r"""
        [ -n "$WITH_FRAMEWORK" ] && . %(framework)s
        . "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
        spec=$(complete -p "${COMP_WORDS[0]}") || exit 7
        fn=${spec#*-F }; fn=${fn%% *}
        "$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" \
            "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%%s\n' "${COMPREPLY[@]}"
        """ % {"framework": BASH_COMPLETION}

    def complete_bash(self, words, framework, name="nj"):
        script = os.path.join(self.tmp, "complete.bash")
        with open(script, "w") as f:
            f.write(textwrap.dedent(self.BASH))
        comp = os.path.join(self.root, "share/bash-completion/completions",
                            name)
        e = env(PATH=self.bin + ":" + os.environ["PATH"])
        if framework:
            e["WITH_FRAMEWORK"] = "1"
        p = run(["bash", script, comp] + words, cwd=self.tmp, env=e)
        return set(l for l in p.stdout.splitlines() if l)

    def check_bash(self, framework):
        got = self.complete_bash(["nj", "-C", self.proj, ""], framework)
        self.assertEqual(got, TARGETS)
        got = self.complete_bash(["nj", "-C", self.proj, "-j", "4", "b"],
                                 framework)
        self.assertEqual(got, {"beta.out", "broken"})
        # -f names the manifest
        other = os.path.join(self.proj, "other.ninja")
        with open(other, "w") as f:
            f.write("rule r\n  command = true\nbuild only-here: r\n")
        got = self.complete_bash(["nj", "-C", self.proj, "-f", "other.ninja",
                                  ""], framework)
        self.assertEqual(got, {"only-here"})
        self.assertEqual(self.complete_bash(["nj", "-t", "comp"], framework),
                         {"compdb", "compdb-targets"})
        self.assertIn("mem", self.complete_bash(["nj", "-t", ""], framework))
        self.assertEqual(self.complete_bash(["nj", "-d", "ke"], framework),
                         {"keepdepfile", "keeprsp"})
        got = self.complete_bash(["nj", "--nj"], framework)
        self.assertEqual(got, {"--nj-version"})
        # the ninja name, through the completions/ninja symlink
        got = self.complete_bash(["ninja", "-C", self.proj, "al"], framework,
                                 name="ninja")
        self.assertEqual(got, {"alpha.out", "all"})

    def test_bash_plain(self):
        need("bash")
        self.check_bash(False)

    def test_bash_with_framework(self):
        need("bash")
        if not os.path.exists(BASH_COMPLETION):
            self.skipTest("%s missing: the bash-completion package is not "
                          "installed" % BASH_COMPLETION)
        self.check_bash(True)

    ZSH = r"""
        zmodload zsh/zpty
        zpty z 'env TERM=dumb PATH=%(bin)s:$PATH zsh -f -i'
        zpty -w z 'PS1="READY> "; fpath=(%(fp)s $fpath); autoload -U compinit; compinit -u -D; LISTMAX=1000; setopt nolistambiguous; unsetopt beep'
        zpty -w -n z $'nj -C %(proj)s \t'
        out=
        for i in {1..50}; do
          while zpty -r -t z line; do out+=$line; done
          [[ $out == *gamma* ]] && break
          sleep 0.1
        done
        zpty -d z
        print -r -- "$out"
        """

    def test_zsh(self):
        need("zsh")
        script = os.path.join(self.tmp, "complete.zsh")
        with open(script, "w") as f:
            f.write(textwrap.dedent(self.ZSH) % {
                "bin": self.bin, "proj": self.proj,
                "fp": os.path.join(self.root, "share/zsh/site-functions")})
        out = run(["zsh", "-f", script], cwd=self.tmp, timeout=60).stdout
        # the listing after TAB: the last lines, after the command echo
        listing = out.split("nj -C %s " % self.proj, 1)[-1]
        words = set(re.findall(r"[\w./-]+", listing))
        self.assertTrue(TARGETS <= words, "zsh listed %s\n%s" % (
            sorted(words), out[-2000:]))
        with open(os.path.join(self.root,
                               "share/zsh/site-functions/_nj")) as f:
            self.assertEqual(f.readline(), "#compdef nj ninja\n")

    # ---- called as ninja --------------------------------------------------

    def test_called_as_ninja(self):
        self.assertEqual(os.path.realpath(os.path.join(self.bin, "ninja")),
                         os.path.realpath(os.path.join(self.bin, "nj")))
        runs = {}
        for name in ("nj", "ninja"):
            d = os.path.join(self.tmp, "as-" + name)
            shutil.copytree(self.proj, d)
            runs[name] = [
                # -j1: the order of the status lines is the graph's alone
                self.nj("-j1", "all", name=name, cwd=d),
                self.nj("-j1", "all", name=name, cwd=d),  # no work to do
                self.nj("-t", "targets", "all", name=name, cwd=d),
                self.nj("-j1", "broken", name=name, cwd=d),  # exit 3
                self.nj("--version", name=name, cwd=d),
                self.nj("-h", name=name, cwd=d),
                self.nj("-t", "bogus", name=name, cwd=d),
            ]
        for a, b in zip(runs["nj"], runs["ninja"]):
            self.assertEqual((a.returncode, a.stdout, a.stderr),
                             (b.returncode, b.stdout, b.stderr),
                             "nj %s vs ninja %s" % (a.args, b.args))
        r = runs["ninja"]
        self.assertEqual(r[0].returncode, 0, r[0])
        self.assertIn("no work to do", r[1].stdout)
        self.assertEqual(r[3].returncode, 3, r[3])
        self.assertEqual(r[4].stdout, "1.14.0.git\n")
        self.assertIn("usage:", r[5].stderr)
        self.assertIn("unknown tool 'bogus'", r[6].stderr)
        # getopt names the program as it was called, as ninja's does
        p = self.nj("--bogus", name="ninja")
        self.assertIn("ninja: unrecognized option '--bogus'", p.stderr)

    # ---- configure.py -----------------------------------------------------

    def test_regenerate_keeps_prefix(self):
        # a copy of the configured source: the other tests use this one
        src = os.path.join(self.tmp, "src-regen")
        shutil.copytree(self.src, src, symlinks=True)
        dest = os.path.join(self.tmp, "dest-regen")
        # build.ninja names the configure.py of the tree it was written for
        with open(os.path.join(src, "build.ninja")) as f:
            text = f.read()
        with open(os.path.join(src, "build.ninja"), "w") as f:
            f.write(text.replace(self.src + "/configure.py",
                                 src + "/configure.py"))
        # then configure.py changes
        time.sleep(0.05)
        os.utime(os.path.join(src, "configure.py"))
        out = run(["./nj", "install"], cwd=src, env=env(DESTDIR=dest)).stdout
        self.assertIn("CONFIGURE", out)
        with open(os.path.join(src, "build.ninja")) as f:
            text = f.read()
        self.assertIn("--prefix=%s --ninja-symlink" % PREFIX, text)
        self.assertTrue(os.path.islink(dest + PREFIX + "/bin/ninja"))

    def test_prefix_without_destdir(self):
        src = os.path.join(self.tmp, "src-prefix")
        shutil.copytree(self.src, src, symlinks=True)
        with open(os.path.join(src, "build.ninja")) as f:
            text = f.read()
        with open(os.path.join(src, "build.ninja"), "w") as f:
            f.write(text.replace(self.src + "/configure.py",
                                 src + "/configure.py"))
        # relative to where configure.py is run, not to the source
        run([sys.executable, os.path.join(src, "configure.py"),
             "--prefix=inst"], cwd=self.tmp)
        out = run(["./nj", "install"], cwd=src).stdout
        root = os.path.join(self.tmp, "inst")
        self.assertIn("INSTALL " + root, out)
        self.assertTrue(os.access(os.path.join(root, "bin/nj"), os.X_OK))
        self.assertFalse(os.path.lexists(os.path.join(root, "bin/ninja")))
        with open(os.path.join(root, "share/zsh/site-functions/_nj")) as f:
            self.assertEqual(f.readline(), "#compdef nj\n")
        self.assertFalse(os.path.lexists(os.path.join(
            root, "share/bash-completion/completions/ninja")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-j", type=int, default=1, help="accepted; one at a time")
    ap.add_argument("-v", action="store_true")
    ap.add_argument("filters", nargs="*")
    a = ap.parse_args()
    tests = [t for t in unittest.TestLoader().loadTestsFromTestCase(Installed)
             if not a.filters or any(f in t.id() for f in a.filters)]
    suite = unittest.TestSuite(tests)
    res = unittest.TextTestResult(unittest.runner._WritelnDecorator(
        sys.stdout), True, 2 if a.v else 1)
    t0 = time.time()
    suite.run(res)
    print()
    for t, tb in res.failures + res.errors:
        print("FAIL  %s\n%s" % (t.id(), tb), flush=True)
    skipped = len(res.skipped)
    for t, why in res.skipped:
        print("SKIP  %s: %s" % (t.id(), why), flush=True)
    # an error in setUpClass is one error for the whole class: count every
    # test of the class as failed, never as passed
    failed = len(res.failures) + len(res.errors)
    if any(isinstance(t, unittest.suite._ErrorHolder) for t, _ in res.errors):
        failed = len(tests)
    passed = max(0, res.testsRun - failed - skipped)
    print("install: %.0fs" % (time.time() - t0))
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
