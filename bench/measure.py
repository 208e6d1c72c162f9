"""One run of a build tool, measured: wall time, the tool's own CPU time and
peak RSS, and its children's CPU time.

The tool's own CPU comes from /proc/PID/stat (utime + stime, which exclude
children) read while the finished tool is still a zombie: the harness waits
with WNOWAIT, reads, then reaps. Peak RSS is wait4's ru_maxrss, which is the
largest of the tool and its children; the bench's commands are shells that
run built-ins (a few MiB), so for every tool-sized number it is the tool's.
"""
import os
import signal
import subprocess
import time

TICK = os.sysconf("SC_CLK_TCK")


class Run:
    def __init__(self, wall, cpu, child_cpu, rss, status, out=""):
        self.wall = wall            # seconds
        self.cpu = cpu              # the tool's own user + system seconds
        self.child_cpu = child_cpu  # its children's, seconds
        self.rss = rss              # bytes
        self.status = status        # exit status, or -signal
        self.out = out              # stdout + stderr, tail

    def ok(self):
        return self.status == 0


def _own_times(pid):
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    fields = s[s.rindex(")") + 2:].split()
    # fields[0] is field 3 (state): utime is field 14, cstime 17
    ut, st, cut, cst = (int(x) for x in fields[11:15])
    return (ut + st) / TICK, (cut + cst) / TICK


def run(cmd, cwd, env=None, timeout=3600, preexec=None):
    """Run cmd in cwd; return a Run. Output is kept (the last 4 KiB)."""
    out_path = os.path.join(cwd, ".bench_out")
    with open(out_path, "wb") as out:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out,
                             stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL,
                             preexec_fn=preexec, start_new_session=True)
        deadline = t0 + timeout
        while True:
            info = os.waitid(os.P_PID, p.pid,
                             os.WEXITED | os.WNOWAIT | os.WNOHANG)
            if info is not None and info.si_pid == p.pid:
                break
            if time.monotonic() > deadline:
                os.killpg(p.pid, signal.SIGKILL)
            time.sleep(0.005)
        wall = time.monotonic() - t0
        try:
            cpu, child_cpu = _own_times(p.pid)
        except (OSError, ValueError):
            cpu, child_cpu = -1.0, -1.0
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = status  # Popen must not wait for it again
    status = os.waitstatus_to_exitcode(status)
    with open(out_path, "rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - 4096))
        tail = f.read().decode("utf-8", "replace")
    os.unlink(out_path)
    return Run(wall, cpu, child_cpu, ru.ru_maxrss * 1024, status, tail)


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    if not n:
        return float("nan")
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def spread(xs):
    """Half the range, as a fraction of the median (0.05 = +-5%)."""
    m = median(xs)
    if not xs or m <= 0:
        return 0.0
    return (max(xs) - min(xs)) / 2 / m


if __name__ == "__main__":
    import sys
    r = run(sys.argv[1:], os.getcwd())
    print("wall %.3f s, own cpu %.3f s, children %.3f s, rss %.1f MiB, "
          "status %d" % (r.wall, r.cpu, r.child_cpu, r.rss / 2**20, r.status))
