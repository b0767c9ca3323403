#!/usr/bin/env python3
"""Turns the guest's benchmark records into tables and plots.

Usage: scripts/bench-report.py --output DIR CONFIG.jsonl...

Each input file contains the JSON records that one boot printed after
"bench-json: " (scripts/bench.sh strips the prefix), and its name is the
configuration (off, pti, nopti, icount). The script writes DIR/results.md
with one table per configuration and DIR/ns-per-entry-CONFIG.svg with one
plot per configuration.

A figure is the median over rounds of each round's median. A ratio is the
median over rounds of the ratio within the round, method over sequential,
because only ratios measured in the same round, seconds apart, hold on a
machine whose speed drifts.
"""

import argparse
import json
import math
import os
import statistics
import sys
from collections import defaultdict

WORKLOADS = ["null", "write", "pread", "open-fstat-read-close", "statx"]
METHODS = ["sequential", "crate", "raw", "floor", "io_uring"]
SIZES = [1, 8, 64, 512]
CONFIG_ORDER = ["off", "nopti", "pti", "icount", "host"]
CONFIG_TITLES = {
    "off": "bench kernel, mitigations off",
    "nopti": "bench-mitigations kernel on Skylake-Client-v1, booted with nopti",
    "pti": "bench-mitigations kernel on Skylake-Client-v1, page-table isolation on",
    "icount": "bench kernel under -icount shift=0,sleep=off (1 ns = 1 guest instruction)",
    "host": "the host's kernel",
}
PLOT_TITLES = {
    "off": "bench kernel, mitigations off",
    "nopti": "mitigations kernel, nopti",
    "pti": "mitigations kernel, page-table isolation",
    "icount": "bench kernel under icount",
    "host": "host kernel",
}
METHOD_TITLES = {
    "sequential": "sequential",
    "crate": "crate batch",
    "raw": "raw batch",
    "floor": "floor batch",
    "io_uring": "io_uring",
}
COLORS = {
    "sequential": "#000000",
    "crate": "#d62728",
    "raw": "#ff7f0e",
    "floor": "#7f7f7f",
    "io_uring": "#1f77b4",
}


def load(path):
    """Returns the records of one .jsonl file, failing on a bad line."""
    records = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line:
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                sys.exit(f"error: {path}:{number}: invalid JSON record ({error}); was the serial line cut?")
    return records


class Config:
    """The records of one configuration, summarized."""

    def __init__(self, name, records):
        self.name = name
        self.info = [r for r in records if r["record"] == "info"]
        self.skips = [r for r in records if r["record"] == "skip"]
        self.errors = [r for r in records if r["record"] == "error"]
        self.tools = [r for r in records if r["record"] == "tool"]
        self.mode = self.info[0]["mode"] if self.info else "wall"
        # (workload, n, method) -> {round: median ns}
        self.rounds = defaultdict(dict)
        self.units = {}
        self.clocksources = set()
        for record in records:
            if record["record"] != "result":
                continue
            key = (record["workload"], record["n"], record["method"])
            self.rounds[key][record["round"]] = record["median_ns"]
            self.units[record["workload"]] = record["unit"]
            self.clocksources.add(record.get("clocksource", "?"))

    def methods(self):
        present = {method for (_, _, method) in self.rounds}
        return [method for method in METHODS if method in present]

    def value(self, workload, n, method):
        rounds = self.rounds.get((workload, n, method))
        return statistics.median(rounds.values()) if rounds else None

    def ratio(self, workload, n, method, baseline="sequential"):
        rounds = self.rounds.get((workload, n, method), {})
        base = self.rounds.get((workload, n, baseline), {})
        paired = [rounds[r] / base[r] for r in rounds if r in base and base[r] > 0]
        return statistics.median(paired) if paired else None


def format_number(value):
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}"


def format_ratio(value):
    return "–" if value is None else f"{value:.2f}×"


def table(config, out):
    unit = "instructions" if config.mode == "icount" else "ns"
    methods = config.methods()
    header = ["workload", "N"] + [METHOD_TITLES[m] for m in methods]
    out.append("| " + " | ".join(header) + " |")
    out.append("| " + " | ".join(["---"] * 2 + ["---:"] * len(methods)) + " |")
    for workload in WORKLOADS:
        per = config.units.get(workload, "entry")
        for n in SIZES:
            cells = [f"{workload} ({unit} per {per})", str(n)]
            if all(config.value(workload, n, m) is None for m in methods):
                continue
            for method in methods:
                value = config.value(workload, n, method)
                if value is None:
                    cells.append("–")
                elif method == "sequential":
                    cells.append(format_number(value))
                else:
                    cells.append(f"{format_number(value)} ({format_ratio(config.ratio(workload, n, method))})")
            out.append("| " + " | ".join(cells) + " |")


def io_uring_table(config, out):
    """Batches against io_uring, in the same units, for the configurations
    that have both."""
    methods = [m for m in ("crate", "raw", "floor") if m in config.methods()]
    if "io_uring" not in config.methods() or not methods:
        return
    out.append("")
    out.append("Ratio to io_uring (same round), for `null` (io_uring: NOP) and `write`:")
    out.append("")
    out.append("| workload | N | " + " | ".join(METHOD_TITLES[m] for m in methods) + " |")
    out.append("| --- | --- | " + " | ".join(["---:"] * len(methods)) + " |")
    for workload in ("null", "write"):
        for n in SIZES:
            cells = [workload, str(n)]
            for method in methods:
                cells.append(format_ratio(config.ratio(workload, n, method, baseline="io_uring")))
            out.append("| " + " | ".join(cells) + " |")


def tools_table(config, out):
    if not config.tools:
        return
    unit = "million instructions" if config.mode == "icount" else "ms"
    out.append("")
    out.append(f"Whole tools on the 10,000-file tree ({unit}, median of {len(config.tools[0]['runs_ms'])} runs;")
    out.append("a time ratio below 1× means faster):")
    out.append("")
    out.append(f"| tool | {unit} | time against GNU du | time against the same tool, sequential |")
    out.append("| --- | ---: | ---: | ---: |")
    medians = {tool["tool"]: tool["median_ms"] for tool in config.tools}
    for tool in config.tools:
        name = tool["tool"]
        gnu = medians.get("GNU du") if tool["group"] == "du" else None
        sequential_name = name.rsplit(" ", 1)[0] + " sequential"
        sequential = medians.get(sequential_name) if not name.endswith("sequential") else None
        versus_gnu = format_ratio(tool["median_ms"] / gnu) if gnu and name != "GNU du" else "–"
        versus_sequential = format_ratio(tool["median_ms"] / sequential) if sequential else "–"
        out.append(f"| {name} | {tool['median_ms']:.1f} | {versus_gnu} | {versus_sequential} |")


def environment(config, out):
    if not config.info:
        return
    info = config.info[0]
    out.append(f"- kernel: `{info['kernel']}`")
    out.append(f"- command line: `{info['cmdline']}`")
    out.append(f"- CPU: {info['cpu']}; clocksource at start: {info['clocksource']}; during the results: {', '.join(sorted(config.clocksources)) or '–'}")
    vulnerabilities = info.get("vulnerabilities", {})
    if vulnerabilities:
        out.append("- vulnerabilities: " + "; ".join(f"{k}: {v}" for k, v in vulnerabilities.items()))
    seen = set()
    for skip in config.skips:
        what = skip.get("method") or skip.get("tool")
        if skip.get("workload"):
            what += " on " + skip["workload"]
        if what not in seen:
            seen.add(what)
            out.append(f"- skipped {what}: {skip['reason']}")
    for error in config.errors:
        out.append(f"- ERROR: {error['message']}")


def svg_plot(config, path):
    """Writes one panel per workload: per-item time against batch size,
    both on log scales, one line per method."""
    methods = config.methods()
    workloads = [w for w in WORKLOADS if any(config.value(w, n, m) for n in SIZES for m in methods)]
    if not workloads:
        return False
    unit = "instructions" if config.mode == "icount" else "ns"
    width, height = 250, 210
    left, right, top, bottom = 52, 10, 28, 36
    columns = min(len(workloads), 3)
    rows = math.ceil(len(workloads) / columns)
    legend_height = 30
    total_width = columns * width
    total_height = rows * height + legend_height + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_width}" height="{total_height}" '
        f'viewBox="0 0 {total_width} {total_height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{total_width}" height="{total_height}" fill="white"/>',
        f'<text x="{total_width / 2}" y="16" text-anchor="middle" font-size="13">'
        f'{unit} per item against batch size N: {PLOT_TITLES.get(config.name, config.name)}</text>',
    ]
    for index, workload in enumerate(workloads):
        x0 = (index % columns) * width
        y0 = 24 + (index // columns) * height
        values = [config.value(workload, n, m) for n in SIZES for m in methods]
        values = [v for v in values if v]
        low = 10 ** math.floor(math.log10(min(values)))
        high = 10 ** math.ceil(math.log10(max(values)))
        if high / low < 10:
            high = low * 10
        plot_w = width - left - right
        plot_h = height - top - bottom

        def x_of(n):
            return x0 + left + plot_w * math.log(n) / math.log(SIZES[-1])

        def y_of(v):
            return y0 + top + plot_h * (1 - (math.log10(v) - math.log10(low)) / (math.log10(high) - math.log10(low)))

        per = config.units.get(workload, "entry")
        parts.append(f'<text x="{x0 + left + plot_w / 2}" y="{y0 + 16}" text-anchor="middle" font-weight="bold">{workload} (per {per})</text>')
        parts.append(f'<rect x="{x0 + left}" y="{y0 + top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999"/>')
        decade = low
        while decade <= high * 1.0001:
            for step in (1, 2, 5):
                tick = decade * step
                if tick > high * 1.0001:
                    break
                y = y_of(tick)
                parts.append(f'<line x1="{x0 + left}" y1="{y:.1f}" x2="{x0 + left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
                parts.append(f'<text x="{x0 + left - 4}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>')
            decade *= 10
        for n in SIZES:
            x = x_of(n)
            parts.append(f'<text x="{x:.1f}" y="{y0 + top + plot_h + 14}" text-anchor="middle">{n}</text>')
        parts.append(f'<text x="{x0 + left + plot_w / 2}" y="{y0 + top + plot_h + 28}" text-anchor="middle">batch size N</text>')
        for method in methods:
            points = [(x_of(n), y_of(v)) for n in SIZES for v in [config.value(workload, n, method)] if v]
            if not points:
                continue
            color = COLORS[method]
            path_data = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            dash = ' stroke-dasharray="4 3"' if method in ("raw", "floor") else ""
            parts.append(f'<polyline points="{path_data}" fill="none" stroke="{color}" stroke-width="1.8"{dash}/>')
            for x, y in points:
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>')
    legend_y = 24 + rows * height + 14
    x = 10
    for method in methods:
        color = COLORS[method]
        dash = ' stroke-dasharray="4 3"' if method in ("raw", "floor") else ""
        parts.append(f'<line x1="{x}" y1="{legend_y}" x2="{x + 24}" y2="{legend_y}" stroke="{color}" stroke-width="2"{dash}/>')
        parts.append(f'<text x="{x + 30}" y="{legend_y + 4}">{METHOD_TITLES[method]}</text>')
        x += 40 + 7 * len(METHOD_TITLES[method])
    parts.append("</svg>")
    with open(path, "w", encoding="utf-8") as svg:
        svg.write("\n".join(parts) + "\n")
    return True


def target_rows(configs):
    """Yields (target, limit, {method: value}) for each target that the
    loaded configurations can evaluate. A value is compared with the limit:
    at most the limit meets the target."""
    by_name = {config.name: config for config in configs}
    icount = by_name.get("icount")
    batches = ("crate", "raw", "floor")

    def values(config, compute):
        found = {}
        for method in batches:
            value = compute(config, method)
            if value is not None:
                found[method] = value
        return found

    if icount:
        floor = icount.value("null", 64, "floor")
        if floor:
            yield ("getppid, N = 64, instructions per entry, against the floor", f"≤ {floor:.0f}",
                   values(icount, lambda c, m: c.value("null", 64, m)), floor)
        yield ("getppid, N = 64, instructions per entry (stretch)", "≤ 180",
               values(icount, lambda c, m: c.value("null", 64, m)), 180)
        yield ("getppid, N = 1, instructions against one plain call", "≤ 1.5× (stretch 1.3×)",
               values(icount, lambda c, m: c.ratio("null", 1, m)), 1.5)
        for n in (8, 64):
            yield (f"1-byte write, N = {n}, instructions against io_uring", "≤ 0.5×",
                   values(icount, lambda c, m, n=n: c.ratio("write", n, m, baseline="io_uring")), 0.5)
            yield (f"getppid, N = {n}, instructions against io_uring NOP", "≤ 0.8×",
                   values(icount, lambda c, m, n=n: c.ratio("null", n, m, baseline="io_uring")), 0.8)
    for name, limit in (("off", 0.6), ("pti", 0.05)):
        config = by_name.get(name)
        if config:
            for workload in ("null", "write"):
                yield (f"{workload}, N = 64, wall time against sequential, {name}", f"≤ {limit}×",
                       values(config, lambda c, m, w=workload: c.ratio(w, 64, m)), limit)
    for name in ("nopti", "pti"):
        config = by_name.get(name)
        if config and config.tools:
            medians = {tool["tool"]: tool["median_ms"] for tool in config.tools}
            if "du batched" in medians and "GNU du" in medians:
                ratio = medians["du batched"] / medians["GNU du"]
                yield (f"du example against GNU du, time, {name}", "≤ 0.77× (1.3× faster)",
                       {"crate": ratio}, 1 / 1.3)


def targets_section(configs, out):
    rows = list(target_rows(configs))
    if not rows:
        return
    out.append("")
    out.append("## Targets")
    out.append("")
    out.append("Each value is the figure from the tables above, and \"met\" means at most the limit.")
    out.append("The du row's value is in the crate batch column: the example uses the crate.")
    out.append("")
    out.append("| target | limit | crate batch | raw batch | floor batch |")
    out.append("| --- | --- | ---: | ---: | ---: |")
    for target, limit_text, found, limit in rows:
        cells = []
        for method in ("crate", "raw", "floor"):
            value = found.get(method)
            if value is None:
                cells.append("–")
                continue
            text = format_ratio(value) if limit < 10 else format_number(value)
            cells.append(f"{text} ({'met' if value <= limit else 'not met'})")
        out.append(f"| {target} | {limit_text} | " + " | ".join(cells) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", required=True, help="folder for results.md and the SVG plots")
    parser.add_argument("inputs", nargs="+", help="CONFIG.jsonl files from scripts/bench.sh")
    arguments = parser.parse_args()

    configs = []
    for path in arguments.inputs:
        name = os.path.splitext(os.path.basename(path))[0]
        configs.append(Config(name, load(path)))
    configs.sort(key=lambda c: CONFIG_ORDER.index(c.name) if c.name in CONFIG_ORDER else len(CONFIG_ORDER))

    os.makedirs(arguments.output, exist_ok=True)
    out = [
        "# Benchmark results",
        "",
        "Written by `scripts/bench-report.py` from the records of one `scripts/bench.sh` run.",
        "Each cell is the median over rounds of each round's median time per item, and in",
        "brackets the median over rounds of the ratio to sequential calls in the same round.",
        "Under icount the unit is guest instructions. `null` under io_uring is `IORING_OP_NOP`.",
    ]
    for config in configs:
        out.append("")
        out.append(f"## {config.name}: {CONFIG_TITLES.get(config.name, config.name)}")
        out.append("")
        environment(config, out)
        out.append("")
        if config.rounds:
            rounds = max(len(r) for r in config.rounds.values())
            out.append(f"Rounds: {rounds}.")
            out.append("")
            table(config, out)
            io_uring_table(config, out)
        tools_table(config, out)
        plot = f"ns-per-entry-{config.name}.svg"
        if svg_plot(config, os.path.join(arguments.output, plot)):
            out.append("")
            out.append(f"![{config.name}: time per item against batch size]({plot})")
    targets_section(configs, out)
    with open(os.path.join(arguments.output, "results.md"), "w", encoding="utf-8") as results:
        results.write("\n".join(out) + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()
