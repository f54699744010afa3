"""Time `specwire build --example fraud`: the whole process, and where the time goes.

    python benchmarks/build_time.py --runs 5

Whole process: wall time of `specwire build --example fraud -o <tmp>` in a fresh interpreter,
median of `--runs`. Phases: one fresh interpreter that times importing specwire, resolving and
generating the configs, importing the SageMaker SDK, and building the definition (median of
`--runs` interpreters). Also checks `specwire resolve` still does not import the SDK.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PHASES = """
import json, sys, time
t0 = time.perf_counter()
from specwire.cli.common import example_path
from specwire.pipeline.api import Pipeline
t1 = time.perf_counter()
pipeline = Pipeline.from_file(example_path("fraud"), role_arn="arn:aws:iam::000000000000:role/bench")
plan = pipeline.plan()
t2 = time.perf_counter()
from specwire.builders.offline import offline_environment
with offline_environment("us-east-1"):
    pass
t3 = time.perf_counter()
from specwire.builders import definition_json
definition_json(plan.resolved, plan.configs, name=pipeline.sagemaker_name)
t4 = time.perf_counter()
print(json.dumps({"specwire import": t1 - t0, "resolve + configs": t2 - t1, "SDK import": t3 - t2,
                  "build + JSON": t4 - t3}))
"""

RESOLVE_IMPORTS = """
import sys
from specwire.cli import app
try:
    app(["resolve", "--example", "fraud"])
except SystemExit:
    pass
print("SDK", any(m.split(".")[0] == "sagemaker" for m in sys.modules), file=sys.stderr)
"""


def measure(runs: int) -> dict[str, Any]:
    """Wall times of the whole `specwire build` process, the phases' medians, and whether resolve imports the SDK."""
    specwire = shutil.which("specwire") or str(Path(sys.executable).with_name("specwire"))
    folder = Path(tempfile.mkdtemp(prefix="specwire-bench-"))
    try:
        env = {**os.environ, "SPECWIRE_CACHE_DIR": str(folder / "cache")}
        target = folder / "d.json"
        command = [specwire, "build", "--example", "fraud", "-o", str(target)]
        # One unmeasured run first: the OS file cache then holds the SDK's modules, as on any second run.
        subprocess.run(command, env=env, check=True, capture_output=True)
        walls: list[float] = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(command, env=env, check=True, capture_output=True)
            walls.append(time.perf_counter() - start)
        phases: dict[str, list[float]] = {}
        for _ in range(runs):
            out = subprocess.run([sys.executable, "-c", PHASES], env=env, check=True, capture_output=True, text=True)
            for name, seconds in json.loads(out.stdout).items():
                phases.setdefault(name, []).append(seconds)
        resolve = subprocess.run([sys.executable, "-c", RESOLVE_IMPORTS], env=env, capture_output=True, text=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"walls": walls, "median": statistics.median(walls),
            "phases": {name: statistics.median(values) for name, values in phases.items()},
            "resolve_imports_sdk": "SDK True" in resolve.stderr}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = measure(args.runs)
    print("whole process, specwire build --example fraud:",
          ", ".join(f"{w:.2f}" for w in data["walls"]), f"s; median {data['median']:.2f} s")
    for name, seconds in data["phases"].items():
        print(f"  {name:18} median {seconds:.2f} s")
    print("specwire resolve imports the SDK:", "yes" if data["resolve_imports_sdk"] else "no")
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))

if __name__ == "__main__":
    main()
