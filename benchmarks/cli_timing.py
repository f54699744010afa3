"""Everyday timings: the `specwire resolve` process, and resolving in process with the catalog loaded.

    python benchmarks/cli_timing.py [--runs 7] [--corpus ../shared/corpus/cursus] [--json]

* whole process: ``specwire resolve --example fraud`` from start to exit, with a *cold* stage-one
  cache (a new, empty SPECWIRE_CACHE_DIR each run, as on a fresh machine: the built-in catalog's
  matches come from the index shipped with the package, so a second run is no faster) and *no cache
  at all* (SPECWIRE_CACHE=0: they are computed). With the corpus, also a team's own catalog (the
  corpus's specs and its 15-node pipeline): a *first* run on the machine computes stage one and
  writes it to the disk cache, *later* runs read it back. Python's bytecode cache is written once
  before measuring, as `pip install` does.
* in process, warm (registry and stage one loaded, one resolve of the same pipeline before):
  the fraud example, the corpus's 15-node pipeline and all 31 corpus pipelines (resolved from
  their nodes alone, as benchmarks/conformance.py does).

Every figure is the median of `--runs` runs (min and max beside it).
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

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "cursus"
FIFTEEN = "xgboost_complete_e2e_with_percentile_calibration_and_testing"
COMMAND = ["resolve", "--example", "fraud"]


def summary(values: list[float]) -> dict[str, Any]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": len(values)}


def _command() -> list[str]:
    script = Path(sys.executable).parent / "specwire"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from specwire.cli import main; main()"]


def _run(env: dict[str, str], command: list[str] = COMMAND) -> float:
    start = time.perf_counter()
    done = subprocess.run([*_command(), *command], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, timeout=120, check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: the pipeline does not resolve, a normal answer
        raise RuntimeError(f"specwire {' '.join(command)} exited {done.returncode}: {done.stderr[-400:]}")
    return seconds


def _own_catalog_command(corpus: Path) -> list[str]:
    return ["resolve", "--pipeline", str(corpus / "dags" / f"{FIFTEEN}.json"), "--catalog",
            str(corpus / "specs.json"), "--ignore-edges"]


def process_timings(runs: int, corpus: Path | None = None) -> dict[str, Any]:
    base = {k: v for k, v in os.environ.items() if k not in ("SPECWIRE_CACHE", "SPECWIRE_CACHE_DIR")}
    folder = Path(tempfile.mkdtemp(prefix="specwire-bench-"))
    try:
        # Write the bytecode cache once (as an installed package has it), whatever the environment says.
        prime = {k: v for k, v in base.items() if k != "PYTHONDONTWRITEBYTECODE"}
        _run({**prime, "SPECWIRE_CACHE_DIR": str(folder / "prime")})
        cold = []
        for i in range(runs):
            cold.append(_run({**base, "SPECWIRE_CACHE_DIR": str(folder / f"cold{i}")}))
        # No cache of any kind (not even the built-in catalog's, shipped with the package): stage one computed.
        uncached = [_run({**base, "SPECWIRE_CACHE": "0"}) for _ in range(runs)]
        own: dict[str, Any] | None = None
        if corpus is not None and (corpus / "specs.json").is_file():
            command = _own_catalog_command(corpus)
            first = [_run({**base, "SPECWIRE_CACHE_DIR": str(folder / f"own{i}")}, command) for i in range(runs)]
            later = [_run({**base, "SPECWIRE_CACHE_DIR": str(folder / "own0")}, command) for _ in range(runs)]
            shown = [os.path.relpath(arg, ROOT) if arg.startswith(str(corpus)) else arg for arg in command]
            own = {"command": "specwire " + " ".join(shown), "first_run": summary(first),
                   "later_runs": summary(later)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    startup = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        startup.append(time.perf_counter() - start)
    return {"command": "specwire " + " ".join(COMMAND), "cold_cache": summary(cold), "no_cache": summary(uncached),
            "own_catalog": own, "python_startup": summary(startup)}


def in_process_timings(runs: int, corpus: Path) -> dict[str, Any]:
    # An empty stage-one cache of its own: the first pass computes stage one and the explanations.
    previous = os.environ.get("SPECWIRE_CACHE_DIR")
    with tempfile.TemporaryDirectory(prefix="specwire-bench-") as cache:
        os.environ["SPECWIRE_CACHE_DIR"] = cache
        try:
            return _in_process(runs, corpus)
        finally:
            if previous is None:
                os.environ.pop("SPECWIRE_CACHE_DIR", None)
            else:
                os.environ["SPECWIRE_CACHE_DIR"] = previous


def _in_process(runs: int, corpus: Path) -> dict[str, Any]:
    from specwire.cli.common import example_path
    from specwire.engine.pipeline_def import load_pipeline_file
    from specwire.engine.resolver import ResolveOptions, Resolver
    from specwire.specs.registry import load_registry

    result: dict[str, Any] = {}
    builtin = Resolver(load_registry())
    fraud = load_pipeline_file(example_path("fraud"))
    builtin.resolve(fraud)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        builtin.resolve(fraud)
        times.append(time.perf_counter() - start)
    result["fraud"] = {"nodes": len(fraud.nodes), **summary(times)}
    if not (corpus / "specs.json").is_file():
        result["corpus"] = None
        return result
    resolver = Resolver(load_registry([corpus / "specs.json"]))
    options = ResolveOptions(ignore_edges=True)
    pipelines = [load_pipeline_file(p) for p in sorted((corpus / "dags").glob("*.json"))]
    start = time.perf_counter()
    for pipeline in pipelines:
        resolver.resolve(pipeline, options)
    first = time.perf_counter() - start
    fifteen = next(p for p in pipelines if Path(p.source).stem == FIFTEEN)
    one, total = [], []
    for _ in range(runs):
        start = time.perf_counter()
        resolver.resolve(fifteen, options)
        one.append(time.perf_counter() - start)
        start = time.perf_counter()
        for pipeline in pipelines:
            resolver.resolve(pipeline, options)
        total.append(time.perf_counter() - start)
    result["fifteen"] = {"pipeline": FIFTEEN, "nodes": len(fifteen.nodes), **summary(one)}
    result["corpus"] = {"pipelines": len(pipelines), "first_pass": first, **summary(total)}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    data = {"process": process_timings(args.runs, args.corpus),
            "in_process": in_process_timings(args.runs, args.corpus)}
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    p, i = data["process"], data["in_process"]
    print(f"{p['command']}: cold cache {p['cold_cache']['median'] * 1000:.0f} ms, "
          f"no cache at all {p['no_cache']['median'] * 1000:.0f} ms "
          f"(python -c pass {p['python_startup']['median'] * 1000:.0f} ms)")
    if p["own_catalog"]:
        own = p["own_catalog"]
        print(f"{own['command']}: first run {own['first_run']['median'] * 1000:.0f} ms, "
              f"later runs {own['later_runs']['median'] * 1000:.0f} ms")
    print(f"in process: fraud ({i['fraud']['nodes']} nodes) {i['fraud']['median'] * 1000:.1f} ms", end="")
    if i["corpus"]:
        print(f", {FIFTEEN} ({i['fifteen']['nodes']} nodes) {i['fifteen']['median'] * 1000:.1f} ms, "
              f"{i['corpus']['pipelines']} corpus pipelines {i['corpus']['median']:.3f} s")
    else:
        print(" (no corpus)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
