#!/usr/bin/env python3
"""bench/run's report: per-repetition CSV in; median and min-max per cell, the target ratios, a Markdown page,
a summary CSV and a PNG chart out; the table is printed too. Cells that did not run keep their reason."""
import argparse
import csv
import os
import statistics
import sys

SCENARIOS = {
    "A": ("A", "nginx, kernel TCP, sendfile"),
    "Ap": ("A′", "ASP.NET Core sample, Kestrel sockets, GET /bytes/{n}"),
    "B": ("B", "nginx behind HAProxy mode tcp"),
    "C": ("C", "static file sample (two host processes) behind the target adapter (managed-roce)"),
    "D": ("D", "ASP.NET Core sample, RdmaOffload Kestrel transport, behind the adapter (managed-roce), GET /bytes/{n}"),
}
SIZE_ORDER = {"64B": 0, "16KiB": 1, "1MiB": 2}
METRICS = [  # key, column title, format
    ("rps", "req/s", "{:.0f}"),
    ("mbps", "MB/s", "{:.1f}"),
    ("p50", "p50 ms", "{:.2f}"),
    ("p99", "p99 ms", "{:.2f}"),
    ("srv_gb", "server CPU-s/GB", "{:.2f}"),
    ("srv_10k", "server CPU-s/10k req", "{:.3f}"),
    ("prx_gb", "adapter/proxy CPU-s/GB", "{:.2f}"),
    ("prx_10k", "adapter/proxy CPU-s/10k req", "{:.3f}"),
    ("errors", "errors", "{:.0f}"),
]


def derive(row):
    d = float(row["duration_s"])
    req = int(row["requests"])
    b = int(row["bytes"])
    srv, prx = float(row["server_cpu_s"]), float(row["proxy_cpu_s"])
    gb = b / 1e9
    return {
        "rps": req / d,
        "mbps": b / d / 1e6,
        "p50": float(row["p50_ms"]),
        "p99": float(row["p99_ms"]),
        "srv_gb": srv / gb if gb else float("nan"),
        "srv_10k": srv / req * 1e4 if req else float("nan"),
        "prx_gb": prx / gb if gb else float("nan"),
        "prx_10k": prx / req * 1e4 if req else float("nan"),
        "errors": int(row["errors"]),
    }


def load(raw):
    cells = {}
    with open(raw, newline="") as f:
        for row in csv.DictReader(f):
            key = (row["scenario"], row["size"], int(row["concurrency"]))
            cell = cells.setdefault(key, {"reps": [], "skipped": []})
            if row["status"] == "ok":
                cell["reps"].append(derive(row))
            else:
                cell["skipped"].append(row["status"])
    return cells


def summarize(cell):
    out = {}
    for key, _, _ in METRICS:
        values = [r[key] for r in cell["reps"]]
        if values:
            out[key] = (statistics.median(values), min(values), max(values))
    return out


def fmt(stat, pattern, with_range):
    if stat is None:
        return "—"
    med, lo, hi = stat
    text = pattern.format(med)
    if with_range and lo != hi:
        text += f" ({pattern.format(lo)}–{pattern.format(hi)})"
    return text


def sort_key(key):
    scen, size, conc = key
    return (SIZE_ORDER.get(size, 9), conc, list(SCENARIOS).index(scen) if scen in SCENARIOS else 9)


def table(cells, summaries, with_range=True):
    cols = ["scenario", "size", "conc", "reps"] + [title for _, title, _ in METRICS]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for key in sorted(cells, key=sort_key):
        scen, size, conc = key
        cell, s = cells[key], summaries[key]
        name = SCENARIOS.get(scen, (scen,))[0]
        if not cell["reps"]:
            reason = cell["skipped"][0] if cell["skipped"] else "no data"
            lines.append(f"| {name} | {size} | {conc} | 0 | " + f"{reason} |" + " |" * (len(METRICS) - 1))
            continue
        reps = f"{len(cell['reps'])}" + (f" (+{len(cell['skipped'])} not run)" if cell["skipped"] else "")
        vals = [fmt(s.get(k), p, with_range) for k, _, p in METRICS]
        lines.append(f"| {name} | {size} | {conc} | {reps} | " + " | ".join(vals) + " |")
    return lines


def ratio_lines(summaries):
    def med(scen, size, conc, metric):
        s = summaries.get((scen, size, conc), {}).get(metric)
        return s[0] if s else None

    concs = sorted({k[2] for k in summaries})
    lines = []

    def add(label, num, den, target, better):
        if num is None or den is None or den == 0:
            lines.append(f"| {label} | — (a cell is missing) | {target} | — |")
            return
        r = num / den
        met = (r <= better) if target.startswith("≤") else (r >= better)
        lines.append(f"| {label} | {r:.3f} | {target} | {'met' if met else 'not met'} |")

    for c in concs:
        add(f"P1 server CPU-s/GB 1 MiB c{c}: C / A", med("C", "1MiB", c, "srv_gb"), med("A", "1MiB", c, "srv_gb"), "≤ 0.05", 0.05)
        add(f"P1 server CPU-s/GB 1 MiB c{c}: C / A′", med("C", "1MiB", c, "srv_gb"), med("Ap", "1MiB", c, "srv_gb"), "≤ 0.05", 0.05)
        add(f"(D / A′, same server code) c{c}", med("D", "1MiB", c, "srv_gb"), med("Ap", "1MiB", c, "srv_gb"), "≤ 0.05", 0.05)
        add(f"P2 throughput 1 MiB c{c}: C / B", med("C", "1MiB", c, "mbps"), med("B", "1MiB", c, "mbps"), "≥ 1.0", 1.0)
        add(f"P3 req/s 64 B c{c}: C / B", med("C", "64B", c, "rps"), med("B", "64B", c, "rps"), "≥ 1.0", 1.0)
        add(f"P3 p99 64 B c{c}: C / B", med("C", "64B", c, "p99"), med("B", "64B", c, "p99"), "≤ 1.5", 1.5)
    return lines


def scale_lines(scale_csv):
    rows = []
    if scale_csv and os.path.exists(scale_csv):
        with open(scale_csv, newline="") as f:
            rows = list(csv.DictReader(f))
    if not rows:
        return ["Not run."], None
    lines = ["| connections | still open after hold | adapter RSS: no host / host linked / connections open (KiB) | "
             "adapter KiB/conn, all it holds for them | adapter KiB/conn, increment | "
             "host RSS before → after (KiB) | host KiB/conn | probes 200 OK | status |", "|---|---|---|---|---|---|---|---|---|"]
    p4 = None
    for r in rows:
        if not r["adapter_rss_after_kib"]:
            lines.append(f"| {r['connections']} | — | — | — | — | — | — | — | {r['status']} |")
            continue
        n = int(r["established"]) or 1
        boot, a0, a1, h0, h1 = (int(r[k]) for k in ("adapter_rss_no_host_kib", "adapter_rss_before_kib", "adapter_rss_after_kib",
                                                    "host_rss_before_kib", "host_rss_after_kib"))
        a_all, a_inc, h_per = (a1 - boot) / n, (a1 - a0) / n, (h1 - h0) / n
        p4 = (int(r["connections"]), a_all, a_inc)
        lines.append(f"| {r['connections']} | {r['established']} | {boot} / {a0} / {a1} | {a_all:.1f} | {a_inc:.1f} | {h0} → {h1} | "
                     f"{h_per:.1f} | {r['probe_ok']}/{r['probe_total']} | {r['status']} |")
    return lines, p4


def chart(cells, summaries, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        print(f"report: no chart ({e})", file=sys.stderr)
        return False
    groups = sorted({(k[1], k[2]) for k in cells}, key=lambda g: (SIZE_ORDER.get(g[0], 9), g[1]))
    scens = [s for s in SCENARIOS if any(k[0] == s for k in cells)]
    panels = [("rps", "requests/s", True), ("mbps", "MB/s", True), ("srv_gb", "server CPU-s per GB", True),
              ("p99", "p99 latency (ms)", True)]
    fig, axes = plt.subplots(2, 2, figsize=(13, 8))
    width = 0.8 / max(1, len(scens))
    for ax, (metric, title, log) in zip(axes.flat, panels):
        for i, scen in enumerate(scens):
            xs, ys, lo, hi = [], [], [], []
            for j, g in enumerate(groups):
                s = summaries.get((scen, g[0], g[1]), {}).get(metric)
                if s and s[0] > 0:
                    xs.append(j + i * width)
                    ys.append(s[0])
                    lo.append(s[0] - s[1])
                    hi.append(s[2] - s[0])
            ax.bar(xs, ys, width, yerr=[lo, hi], capsize=2, label=SCENARIOS[scen][0])
        ax.set_xticks([j + width * (len(scens) - 1) / 2 for j in range(len(groups))])
        ax.set_xticklabels([f"{g[0]} c{g[1]}" for g in groups])
        ax.set_title(title)
        if log:
            ax.set_yscale("log")
        ax.grid(axis="y", alpha=0.3)
    axes.flat[0].legend(fontsize=8)
    fig.suptitle("bench/run: median of repetitions, bars min–max")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--raw", required=True)
    p.add_argument("--scale")
    p.add_argument("--out", required=True)
    p.add_argument("--meta", action="append", default=[])
    p.add_argument("--note", action="append", default=[], help="a line added under the header")
    a = p.parse_args()
    meta = dict(m.split("=", 1) for m in a.meta)
    cells = load(a.raw)
    summaries = {k: summarize(v) for k, v in cells.items()}

    with open(os.path.join(a.out, "latest-summary.csv"), "w", newline="") as f:
        w = csv.writer(f)
        head = ["scenario", "size", "concurrency", "reps", "not_run"]
        for key, _, _ in METRICS:
            head += [f"{key}_median", f"{key}_min", f"{key}_max"]
        w.writerow(head + ["reason"])
        for key in sorted(cells, key=sort_key):
            row = [SCENARIOS.get(key[0], (key[0],))[0], key[1], key[2], len(cells[key]["reps"]), len(cells[key]["skipped"])]
            for m, _, _ in METRICS:
                row += list(summaries[key].get(m, ("", "", "")))
            w.writerow(row + ["; ".join(cells[key]["skipped"])])

    scale, p4 = scale_lines(a.scale)
    ratios = ratio_lines(summaries)
    if p4:
        n, per, inc = p4
        ratios.append(f"| P4 adapter memory per idle connection at {n} (increment alone: {inc:.1f} KiB) | {per:.1f} KiB | ≤ 32 KiB (at 10,000) | "
                      f"{'met' if per <= 32 else 'not met'}{'' if n >= 10000 else ' (fewer connections than the target)'} |")
    has_chart = chart(cells, summaries, os.path.join(a.out, "latest.png"))

    md = ["# bench/run results", ""]
    md.append(f"Started {meta.get('started', '?')}, commit {meta.get('commit', '?')}, {meta.get('cpus', '?')} CPUs, "
              f"kernel {meta.get('kernel', '?')}, nginx {meta.get('nginx', '?')}, HAProxy {meta.get('haproxy', '?')}, "
              f".NET SDK {meta.get('dotnet', '?')}. {meta.get('reps', '?')} repetition(s) × {meta.get('duration_s', '?')} s "
              f"per cell{' (--quick: the harness check, not a measurement)' if meta.get('quick') == '1' else ''}.")
    md += [""] + [f"Note: {n}" for n in a.note]
    md += ["", f"Machine load before: `{meta.get('load_before', '?').strip()}`  ",
           f"Machine load after: `{meta.get('load_after', '?').strip()}`", ""]
    md += ["Scenarios (wrk in a client namespace, over one veth to a bridge in the server namespace, for all):", ""]
    md += [f"- **{n}**: {d}" for n, d in SCENARIOS.values()]
    md += ["", "Each value: median of the repetitions (min–max). Server CPU = utime+stime of the server process(es) "
           "(nginx master and workers; the .NET host); adapter/proxy CPU = HAProxy or the target adapter. "
           "Per GB counts all bytes wrk read (heads included). errors = wrk's connect/read/write/timeout errors "
           "plus non-2xx/3xx responses.", ""]
    md += table(cells, summaries)
    md += ["", "## Targets (reported, not asserted; medians)", "", "| target | ratio | goal | |", "|---|---|---|---|"]
    md += ratios
    md += ["", "## Idle connection scale (through the adapter to the Kestrel-transport host)", ""]
    md += scale
    if has_chart:
        md += ["", "![chart](latest.png)"]
    with open(os.path.join(a.out, "latest.md"), "w") as f:
        f.write("\n".join(md) + "\n")

    print("\n".join(table(cells, summaries)))
    print()
    print("\n".join(["| target | ratio | goal | |", "|---|---|---|---|"] + ratios))
    print()
    print("\n".join(scale))
    return 0


if __name__ == "__main__":
    sys.exit(main())
