"""The harness's SVG chart: wall time per tool for each speed workload and
measure (bars, relative to the slowest tool of that row), then memory over
time for each memory build (one line per run, the cgroup's limit dashed)."""
import measure

COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
          "#e377c2", "#7f7f7f"]


def esc(s):
    return (str(s).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def svg(results, workloads, measures, tools, mem):
    W = 900
    parts = []
    # The bars' title and tool legend (on a line of their own, under the
    # title: beside it they overlapped), only when there are bars: a run of
    # memory builds alone has its own legend per build.
    bars = any(r.ok() for wl in workloads for m in measures for t in tools
               for r in results.get((wl, m, t.name), []))
    y = 0
    if bars:
        parts.append('<text x="10" y="24" font-size="16" font-weight="bold">'
                     'nj benchmark: wall time (bars scaled per row; shorter '
                     'is faster)</text>')
        for i, t in enumerate(tools):
            parts.append('<rect x="%d" y="%d" width="12" height="12" '
                         'fill="%s"/><text x="%d" y="%d" font-size="12">%s'
                         '</text>' % (10 + i * 120, 32, COLORS[i % 8],
                                      26 + i * 120, 43, esc(t.name)))
        y = 58
    for wl in workloads:
        for m in measures:
            meds = []
            for t in tools:
                rs = [r for r in results.get((wl, m, t.name), []) if r.ok()]
                meds.append(measure.median([r.wall for r in rs]) if rs else None)
            if not any(meds):
                continue
            top = max(x for x in meds if x)
            parts.append('<text x="10" y="%d" font-size="12">%s %s</text>'
                         % (y + 10, esc(wl), esc(m)))
            for i, v in enumerate(meds):
                if v is None:
                    continue
                w = 500 * v / top if top else 0
                parts.append('<rect x="200" y="%d" width="%.1f" height="9" '
                             'fill="%s"><title>%s: %.3f s</title></rect>'
                             '<text x="%.1f" y="%d" font-size="9">%.2f s</text>'
                             % (y + i * 10, w, COLORS[i % 8], esc(tools[i].name),
                                v, 205 + w, y + i * 10 + 8, v))
            y += 10 * len(tools) + 8
    if mem and "skipped" not in mem:
        for name, r in mem.items():
            if "outcomes" not in r:
                continue  # two builds at once: no samples, the table says it
            y += 20
            runs = [(k, os_[0]) for k, os_ in r["outcomes"].items() if os_]
            tmax = max([s[-1][0] for _, o in runs for s in [o.samples] if s] or [1])
            limit = r["limit"]
            H = 160
            parts.append('<text x="10" y="%d" font-size="14" font-weight="bold">'
                         '%s: cgroup memory over time (limit %.1f GiB dashed, '
                         '%.0f s across)</text>' % (y, esc(name), limit / 2**30, tmax))
            y += 10
            x0, pw = 60, 560
            parts.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" '
                         'stroke="#999"/>' % (x0, y, pw, H))
            ly = y + H - H * 1.0
            parts.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#000" '
                         'stroke-dasharray="4 3"/>' % (x0, x0 + pw, ly, ly))
            for gi in range(0, int(limit / 2**30) + 1):
                gy = y + H - H * gi * 2**30 / limit
                parts.append('<text x="%d" y="%.1f" font-size="9" '
                             'text-anchor="end">%d G</text>' % (x0 - 4, gy + 3, gi))
            for k, ((tool, label), o) in enumerate(runs):
                pts = " ".join("%.1f,%.1f" % (x0 + pw * t / tmax,
                                              y + H - H * min(v, limit) / limit)
                               for t, v in o.samples)
                c = COLORS[k % 8]
                parts.append('<polyline points="%s" fill="none" stroke="%s" '
                             'stroke-width="1.5"><title>%s %s</title></polyline>'
                             % (pts, c, esc(tool), esc(label)))
                parts.append('<rect x="640" y="%d" width="10" height="10" '
                             'fill="%s"/><text x="655" y="%d" font-size="11">'
                             '%s %s: %s, %.1f s</text>' % (
                                 y + k * 14, c, y + k * 14 + 9, esc(tool),
                                 esc(label), esc(o.state()), o.run.wall))
            y += max(H, 14 * len(runs)) + 10
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
            'font-family="sans-serif"><rect width="100%%" height="100%%" '
            'fill="white"/>%s</svg>\n' % (W + 200, y + 20, "".join(parts)))
