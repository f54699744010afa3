"""`specwire run --local --example fraud`, the whole process, from start to exit.

    python benchmarks/local_run.py [--runs 3] [--example fraud] [--json]

Each run gets a fresh workdir (a new temporary folder) and runs the example on its generated
sample data (2,000 records): resolve, build the definition offline (the SageMaker SDK's import),
then every step's script as a child process. Also reports the steps' own seconds (from
results.json), the load average before and after (the machine is shared: a loaded machine
shows in the figures). Every figure is the median of `--runs` runs (min and max beside it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 30.0


def one_run(example: str) -> tuple[float, float, dict[str, float]]:
    specwire = Path(sys.executable).with_name("specwire")
    with tempfile.TemporaryDirectory(prefix="specwire-bench-") as folder:
        workdir = Path(folder) / "run"
        started = time.perf_counter()
        done = subprocess.run([str(specwire), "run", "--local", "--example", example, "--workdir", str(workdir),
                               "--format", "json"], capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"the run failed (exit {done.returncode}): {done.stderr[-2000:]}")
        result = json.loads(done.stdout)
        steps = {s["name"]: float(s["seconds"]) for s in result["steps"]}
        return seconds, sum(steps.values()), steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--example", default="fraud")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    runs = [one_run(args.example) for _ in range(args.runs)]
    load_after = os.getloadavg()[0]
    totals, steps = [r[0] for r in runs], [r[1] for r in runs]
    per_step = {name: statistics.median(r[2][name] for r in runs) for name in runs[0][2]}
    report = {
        "command": f"specwire run --local --example {args.example}",
        "runs": args.runs,
        "process_seconds": {"median": statistics.median(totals), "min": min(totals), "max": max(totals)},
        "steps_seconds": {"median": statistics.median(steps), "min": min(steps), "max": max(steps)},
        "per_step_median": per_step,
        "load_average": [load_before, load_after],
        "cpus": os.cpu_count(),
        "target_seconds": TARGET_SECONDS,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    p = report["process_seconds"]
    print(f"{report['command']}: median {p['median']:.1f} s (min {p['min']:.1f}, max {p['max']:.1f}) over "
          f"{args.runs} runs; target <= {TARGET_SECONDS:.0f} s; load average {load_before:.1f} -> {load_after:.1f} "
          f"on {report['cpus']} CPUs")
    s = report["steps_seconds"]
    print(f"  steps alone: median {s['median']:.1f} s; " + ", ".join(f"{k} {v:.1f}" for k, v in per_step.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
