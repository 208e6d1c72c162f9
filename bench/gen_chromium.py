#!/usr/bin/env python3
"""Write a Chromium-shaped build directory (gn's output shape).

    python3 bench/gen_chromium.py DIR [--targets N] [--headers H] [--seed S]

Shape, as gn writes Chromium's out/ directory and as ninja's own
misc/write_fake_manifests.py imitates it (the numbers are the same kind,
the code is nj's):

  DIR/build.ninja               toolchain variables, the rules (cxx with
                                deps = gcc, alink, link in a pool of depth 4,
                                stamp), one `subninja` per target, phony short
                                names, `all`, `default all`
  DIR/obj/<path>/<name>.ninja   one file per target: its own `defines`,
                                `includes`, `cflags`, one cxx edge per source,
                                and an archive (or, for the last target, a
                                link of every library)
  DIR/src/...                   the sources and H headers per target, as real
                                (tiny) files so a no-op stats real paths

Targets have a power-law number of sources (about 75 on average), and each
depends on about 5% of the targets before it; 40% have a stamp edge that
their compiles wait on. With the default 1500 targets the tree has about
115k edges. Commands only write their outputs with shell built-ins: a
compile writes its depfile, listing its source and H headers (its own
target's and its dependencies'), and an empty object. So a full build
measures the build tool and process spawning, not a compiler.

Deterministic for a given seed: the same arguments give byte-identical files.
"""
import argparse
import os
import random


def pareto(rng, avg, alpha):
    return int(rng.paretovariate(alpha) * avg / (alpha / (alpha - 1)))


WORDS = ["render", "web", "browser", "tab", "content", "extension", "url",
         "file", "sync", "http", "profile", "view", "host", "holder",
         "container", "impl", "ref", "delegate", "widget", "proxy", "stub",
         "context", "manager", "watcher", "service", "data", "resource",
         "device", "info", "provider", "internals", "tracker", "api", "layer"]


class Names:
    def __init__(self, rng):
        self.rng = rng
        self.seen = set()

    def unique(self, parts):
        while True:
            n = "_".join(self.rng.sample(WORDS, parts))
            if n not in self.seen:
                self.seen.add(n)
                return n

    def name(self):
        return self.unique(2 + min(pareto(self.rng, 1.3, 4), 3))


def write_if_changed(path, text):
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except OSError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def generate(out, targets=1500, headers=40, seed=12345):
    rng = random.Random(seed)
    names = Names(rng)
    tg = []
    for i in range(targets):
        name = names.name()
        path = "/".join(names.name() for _ in range(1 + min(pareto(rng, 0.6, 4), 3)))
        nsrc = pareto(rng, 55, 2) + 1
        if i == targets - 1:
            nsrc = min(nsrc, 10)
        srcs = ["src/%s/%s_%d.cc" % (path, name, k) for k in range(nsrc)]
        deps = [t for t in tg if rng.random() < 0.05]
        ndef = pareto(rng, 20, 3)
        tg.append({
            "name": name, "path": path, "srcs": srcs, "deps": deps,
            "defines": ["-DENABLE_%s_%d" % (name.upper(), k) for k in range(ndef)],
            "stamp": rng.random() < 0.4,
            "out": name if i == targets - 1 else "lib%s.a" % name,
            "hdrs": ["src/%s/%s_h%d.h" % (path, name, k)
                     for k in range(max(1, headers // 4))],
        })
    edges = 0
    created = 0
    for t in tg:
        # depfile headers: the target's own, then its dependencies', to H
        hdrs = list(t["hdrs"])
        for d in t["deps"]:
            if len(hdrs) >= headers:
                break
            hdrs.extend(d["hdrs"][: headers - len(hdrs)])
        while len(hdrs) < headers and tg[0]["hdrs"]:
            hdrs.append(tg[0]["hdrs"][len(hdrs) % len(tg[0]["hdrs"])])
        hdrs = hdrs[:headers]
        lines = []
        objdir = "obj/%s/%s" % (t["path"], t["name"])
        stamp = None
        if t["stamp"]:
            stamp = objdir + ".stamp"
            lines.append("build %s: stamp %s" % (stamp, t["srcs"][0]))
            edges += 1
        lines.append("defines = " + " ".join(t["defines"]))
        lines.append("includes = -Isrc -Isrc/" + t["path"])
        lines.append("cflags = -Wall -fno-rtti -fno-exceptions")
        lines.append("hdrs = " + " ".join(hdrs))
        objs = []
        for s in t["srcs"]:
            obj = "%s/%s.o" % (objdir, os.path.basename(s)[:-3])
            objs.append(obj)
            lines.append("build %s: cxx %s%s" % (obj, s, " | " + stamp if stamp else ""))
            edges += 1
        implicit = [d["out"] for d in t["deps"]]
        if t is tg[-1]:
            lines.append("libs = " + " ".join(d["out"] for d in tg[:-1]))
            rule = "link"
            implicit = [d["out"] for d in tg[:-1]]
        else:
            rule = "alink"
        lines.append("build %s: %s %s%s" % (t["out"], rule, " ".join(objs),
                     " | " + " ".join(implicit) if implicit else ""))
        edges += 1
        write_if_changed(os.path.join(out, "obj", t["path"], t["name"] + ".ninja"),
                         "\n".join(lines) + "\n")
        for f in t["srcs"] + t["hdrs"]:
            p = os.path.join(out, f)
            if not os.path.exists(p):
                os.makedirs(os.path.dirname(p), exist_ok=True)
                open(p, "w").close()
                created += 1
    top = [
        "cxx = c++", "ld = $cxx", "",
        "pool link_pool", "  depth = 4", "",
        "rule cxx",
        "  command = echo $out: $in $hdrs > $out.d && : > $out"
        " # $cxx -MMD -MF $out.d $defines $includes $cflags -c $in -o $out",
        "  description = CXX $out", "  depfile = $out.d", "  deps = gcc", "",
        "rule alink",
        "  command = : > $out # rm -f $out && ar rcs $out $in",
        "  description = ARCHIVE $out", "",
        "rule link",
        "  command = : > $out # $ld -o $out $in $libs",
        "  description = LINK $out", "  pool = link_pool", "",
        "rule stamp", "  command = : > $out", "  description = STAMP $out", "",
    ]
    for t in tg:
        top.append("subninja obj/%s/%s.ninja" % (t["path"], t["name"]))
    top.append("")
    for t in tg:
        if t["name"] != t["out"]:
            top.append("build %s: phony %s" % (t["name"], t["out"]))
            edges += 1
    top.append("build all: phony " + " ".join(t["out"] for t in tg))
    edges += 1
    top += ["default all", ""]
    write_if_changed(os.path.join(out, "build.ninja"), "\n".join(top))
    # The one header that a "touch one header" rebuild touches: the first
    # target's first header, seen by its own compiles and its dependents'.
    return {"edges": edges, "targets": targets, "files": created,
            "header": tg[0]["hdrs"][0]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--targets", type=int, default=1500)
    ap.add_argument("--headers", type=int, default=40)
    ap.add_argument("--seed", type=int, default=12345)
    a = ap.parse_args()
    info = generate(a.dir, a.targets, a.headers, a.seed)
    print("%(edges)d edges in %(targets)d subninjas" % info)


if __name__ == "__main__":
    main()
