"""Run every benchmark and rewrite the measured section of benchmarks/RESULTS.md.

    python benchmarks/run_all.py [--runs 5] [--quick] [--no-build] [--dry-run]

Runs, in this order: the CLI and in-process timings (cli_timing.py), the scale sweep to 5,000
nodes with gap filling and the time limit (scale.py), the corpus conformance (conformance.py,
when the corpus is beside the checkout) and the build of the fraud example (build_time.py).
The text between `<!-- perf:begin -->` and `<!-- perf:end -->` in RESULTS.md is replaced with a
table of the numbers against the targets of issue 8; the hand-written sections around it (what
each optimisation changed, the conformance history) are left as they are. `--dry-run` prints the
section instead. Run it on an otherwise idle machine: every figure is a wall-clock median.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import build_time  # noqa: E402
import cli_timing  # noqa: E402
import conformance  # noqa: E402
import scale  # noqa: E402

from benchmarks.compare import EdgeScore  # noqa: E402

RESULTS = HERE / "RESULTS.md"
BEGIN, END = "<!-- perf:begin -->", "<!-- perf:end -->"


def _mark(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True,
                          check=False)
    return done.stdout.strip() or "unknown"


def machine() -> str:
    return (f"{os.cpu_count()} cores, Python {platform.python_version()} ({platform.system()} {platform.machine()}), "
            f"commit {_commit()}, {datetime.date.today().isoformat()}, load average at the end "
            f"{os.getloadavg()[0]:.2f}")


def render(data: dict[str, Any], runs: int, command: str) -> str:
    lines = [BEGIN, "## Measured (issue 8; written by benchmarks/run_all.py)", "",
             f"Command: `{command}`. Machine: {machine()}. Medians of {runs} runs unless stated.", "",
             "| target | measured | |", "|---|---|---|"]
    cli = data["cli"]
    proc, inproc = cli["process"], cli["in_process"]
    cold = proc["cold_cache"]["median"]
    lines.append(f"| `specwire resolve --example fraud`, whole process, cold cache ≤ 300 ms | {_ms(cold)} "
                 f"(min {_ms(proc['cold_cache']['min'])}, max {_ms(proc['cold_cache']['max'])}; "
                 f"no cache at all, stage one computed: "
                 f"{_ms(proc['no_cache']['median'])}; `python -c pass` {_ms(proc['python_startup']['median'])}) "
                 f"| {_mark(cold <= 0.3)} |")
    if proc.get("own_catalog"):
        own = proc["own_catalog"]
        lines.append(f"| a team's own catalog, whole process (no target): `{own['command']}` "
                     f"| first run on a machine (stage one computed, cached on disk) "
                     f"{_ms(own['first_run']['median'])}; later runs {_ms(own['later_runs']['median'])} | |")
    if inproc.get("corpus"):
        fifteen, corpus = inproc["fifteen"], inproc["corpus"]
        lines.append(f"| in process, warm: a 15-node pipeline ≤ 20 ms | {_ms(fifteen['median'])} "
                     f"({fifteen['pipeline']}; the 8-node fraud example {_ms(inproc['fraud']['median'])}) "
                     f"| {_mark(fifteen['median'] <= 0.02)} |")
        lines.append(f"| in process, warm: the {corpus['pipelines']} corpus pipelines together ≤ 0.5 s "
                     f"| {corpus['median']:.3f} s (first pass, stage one and explanations computed: "
                     f"{corpus['first_pass']:.3f} s) "
                     f"| {_mark(corpus['median'] <= 0.5)} |")
    sweep = data["scale"]
    by_nodes = {c["nodes"] // 100 * 100: c for c in sweep["cases"]}
    for nodes, limit in ((1000, 1.0), (5000, 10.0)):
        case = by_nodes.get(nodes)
        if case:
            lines.append(f"| {nodes:,} nodes resolved, optimum proven, ≤ {limit:g} s | {case['median']:.2f} s "
                         f"(first resolve, caches filled: {case['first']:.2f} s), "
                         f"proven {case['proven']} "
                         f"| {_mark(case['median'] <= limit and case['proven'])} |")
    lines.append(f"| cost grows no faster than n^1.3 | fitted exponent {sweep['exponent']:.2f} "
                 f"({len(sweep['cases'])} sizes) | {_mark(sweep['exponent'] <= 1.3)} |")
    gaps = sweep["gaps"]
    lines.append(f"| gap filling from a {gaps['types']:,}-type catalog ≤ 1 s | {gaps['median'] * 1000:.0f} ms "
                 f"with the catalog loaded (its stage one, computed once per catalog version: "
                 f"{gaps['seconds_stage_one']:.2f} s; read back from the disk cache by later runs: "
                 f"{gaps['seconds_stage_one_cached']:.2f} s); "
                 f"removed {', '.join(gaps['removed'])}, inserted {', '.join(gaps['inserted'])} "
                 f"| {_mark(gaps['median'] <= 1.0 and set(gaps['removed']) <= set(gaps['inserted']))} |")
    biggest = sweep["cases"][-1]
    lines.append(f"| memory: the largest case under 1 GiB peak | {biggest['peak_rss_mib']:.0f} MiB at "
                 f"{biggest['nodes']:,} nodes | {_mark(biggest['peak_rss_mib'] < 1024)} |")
    limit = sweep["timeout"]
    ok = not limit["proven"] and "not_optimal" in limit["warnings"] and limit["edges"] > 0
    lines.append(f"| a time limit returns the best wiring so far, marked not proven, with a warning | limit "
                 f"{limit['limit']} s on {limit['nodes']:,} nodes: {limit['edges']:,} edges after "
                 f"{limit['median']:.2f} s (grounding {limit['seconds_ground']:.2f} s, solving "
                 f"{limit['seconds_solve']:.2f} s), proven {limit['proven']}, warnings {', '.join(limit['warnings'])} "
                 f"| {_mark(ok)} |")
    lines += ["", "Scale sweep (`python benchmarks/scale.py`; synthetic catalogs and pipelines of "
              "benchmarks/synthetic.py, seed 0; each case in a child process of its own):", "",
              "| nodes | step types | stage one (cached) | first resolve | resolve (median) | ground | solve | proven "
              "| P / R of the intended edges | parts | facts | peak RSS |", "|---" * 12 + "|"]
    for c in sweep["cases"]:
        lines.append(f"| {c['nodes']:,} | {c['types']:,} | {c['seconds_stage_one']:.2f} s "
                     f"({c['seconds_stage_one_cached']:.2f} s) | {c['first']:.2f} s "
                     f"| **{c['median']:.3f} s** | {c['seconds_ground']:.2f} s | {c['seconds_solve']:.2f} s "
                     f"| {c['proven']} | {c['precision']:.3f} / {c['recall']:.3f} | {c['parts']} | {c['facts']:,} "
                     f"| {c['peak_rss_mib']:.0f} MiB |")
    if data.get("conformance"):
        conf = data["conformance"]
        lines += ["", f"Conformance (`python benchmarks/conformance.py`): {conf['pipelines']} corpus pipelines, "
                  f"precision {conf['precision']:.3f}, recall {conf['recall']:.3f}, cycles {conf['cycles']}, "
                  f"time per pipeline median {conf['median_seconds'] * 1000:.0f} ms (catalog and explanations already "
                  "loaded by the timings above)."]
    if data.get("build"):
        build = data["build"]
        phases = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in build["phases"].items())
        lines += ["", f"Build (`python benchmarks/build_time.py`): `specwire build --example fraud`, whole process, "
                  f"median {build['median']:.2f} s ({phases}); `specwire resolve` imports the SDK: "
                  f"{'yes' if build['resolve_imports_sdk'] else 'no'}."]
    lines.append(END)
    return "\n".join(lines)


def replace_section(text: str, section: str) -> str:
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        return head + section + rest.split(END, 1)[1]
    return text.rstrip("\n") + "\n\n" + section + "\n"


def _conformance() -> dict[str, Any] | None:
    corpus = cli_timing.DEFAULT_CORPUS
    if not (corpus / "specs.json").is_file():
        return None
    results = conformance.run(corpus, 0)
    total = sum((r.score for r in results), EdgeScore())
    return {"pipelines": len(results), "precision": total.precision, "recall": total.recall,
            "cycles": sum(r.cycles for r in results), "median_seconds": statistics.median(r.seconds for r in results)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="scale sweep only up to 1,000 nodes")
    parser.add_argument("--no-build", action="store_true", help="skip the build benchmark (imports the SDK)")
    parser.add_argument("--dry-run", action="store_true", help="print the section, do not write RESULTS.md")
    args = parser.parse_args(argv)
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("cli", lambda: {"process": cli_timing.process_timings(args.runs, cli_timing.DEFAULT_CORPUS),
                         "in_process": cli_timing.in_process_timings(args.runs, cli_timing.DEFAULT_CORPUS)}),
        ("scale", lambda: scale.sweep(args.runs, args.quick)),
        ("conformance", _conformance),
    ]
    if not args.no_build:
        steps.append(("build", lambda: build_time.measure(args.runs)))
    data: dict[str, Any] = {}
    for name, step in steps:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        data[name] = step()
    command = "python benchmarks/run_all.py" + "".join(
        f" {flag}" for flag, on in (("--quick", args.quick), ("--no-build", args.no_build)) if on)
    if args.runs != 5:
        command += f" --runs {args.runs}"
    section = render(data, args.runs, command)
    if args.dry_run:
        print(section)
        return 0
    RESULTS.write_text(replace_section(RESULTS.read_text(encoding="utf-8"), section), encoding="utf-8")
    print(f"wrote {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
