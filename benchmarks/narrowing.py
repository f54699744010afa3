"""How good is a narrowed wiring (engine/narrow.py)? Both answers scored by the full rules.

A random pipeline over the built-in catalog (benchmarks/shapes.py) is resolved twice in process:
narrowed (every part at once) and plain (narrowing off, not even tried after the plain search's
slice), under the same time limit a CLI resolve has, 60 s by default. Each wiring is then fixed in the
full program (every provider of every input) and its cost read level by level: the full rules'
verdict on both, whatever each search saw.

    python benchmarks/narrowing.py                   # 400 steps, seed 0
    python benchmarks/narrowing.py --size 200 --seeds 0 1 2 --timeout 60
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import clingo

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import shapes  # noqa: E402

from specwire.engine import narrow  # noqa: E402
from specwire.engine.options import ResolveOptions  # noqa: E402
from specwire.engine.pipeline_def import PipelineDefinition  # noqa: E402
from specwire.engine.program import grounded_program  # noqa: E402
from specwire.engine.resolver import Resolver  # noqa: E402
from specwire.plan import ResolvedPipeline  # noqa: E402
from specwire.specs.registry import load_registry  # noqa: E402

#: What a level-2 cost is made of (objective.lp), counted in the full rules' verdict.
TERMS = ("idle", "bypass", "flip", "parity_miss", "draws_on", "unused_optional", "foreign_use")


def _resolve(resolver: Resolver, pipeline: PipelineDefinition, timeout: float,
             narrowing: bool) -> tuple[ResolvedPipeline, float]:
    names = ("NARROW_PAIRINGS", "NARROW_PER_STEP", "TRY_PAIRINGS")
    saved = {name: getattr(narrow, name) for name in names}
    # Narrowed: every part at once. Plain: never, not even after the plain search's slice.
    for name in names:
        setattr(narrow, name, 0 if narrowing else 10**15)
    try:
        start = time.perf_counter()
        result = resolver.resolve(pipeline, ResolveOptions(timeout=timeout))
        return result, time.perf_counter() - start
    finally:
        for name, value in saved.items():
            setattr(narrow, name, value)


def full_verdict(resolver: Resolver, pipeline: PipelineDefinition,
                 results: dict[str, ResolvedPipeline]) -> dict[str, dict[str, Any]]:
    """Each wiring fixed in the full program: its cost by level and the terms of level 2."""
    start = time.perf_counter()
    ctl = grounded_program(resolver, pipeline, ResolveOptions())
    print(f"  full program grounded in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    uses = [a.symbol for a in ctl.symbolic_atoms.by_signature("use", 4)]
    inserts = [a.symbol for a in ctl.symbolic_atoms.by_signature("insert", 1)]
    verdicts: dict[str, dict[str, Any]] = {}
    for label, result in results.items():
        wiring = {clingo.Function("use", [clingo.String(e.source), clingo.String(e.output),
                                          clingo.String(e.target), clingo.String(e.dependency)])
                  for e in result.edges}
        found: dict[str, Any] = {}

        def read(model: clingo.Model, found: dict[str, Any] = found) -> None:
            atoms = model.symbols(atoms=True)
            found["cost"] = list(model.cost)[:5]  # levels 5, 3, 2, 1, 0 (4 only with policies)
            found["terms"] = {t: sum(1 for a in atoms if a.name == t) for t in TERMS}

        outcome = ctl.solve(assumptions=[(u, u in wiring) for u in uses] + [(i, False) for i in inserts],
                            on_model=read)
        found["accepted"] = bool(outcome.satisfiable)
        verdicts[label] = found
    return verdicts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=400)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    registry = load_registry()
    print("| steps | seed | search | resolve | full rules' cost by level (@5/@3/@2/@1/@0) "
          "| idle / bypass / parity at @2 |")
    print("|---|---|---|---|---|---|")
    for seed in args.seeds:
        pipeline = shapes.random_pipeline(args.size, sorted(registry.step_types()), seed=seed)
        resolver = Resolver(registry)
        results, seconds = {}, {}
        for label, narrowing in (("narrowed", True), ("plain", False)):
            results[label], seconds[label] = _resolve(resolver, pipeline, args.timeout, narrowing)
        for label, verdict in full_verdict(resolver, pipeline, results).items():
            proven = "proven" if results[label].stats.proven_optimal else "not proven"
            terms = verdict.get("terms", {})
            print(f"| {args.size} | {seed} | {label} | {seconds[label]:.2f} s ({proven}) | "
                  f"{'/'.join(map(str, verdict.get('cost', [])))}"
                  f"{'' if verdict['accepted'] else ' REJECTED'} | "
                  f"{terms.get('idle')} / {terms.get('bypass')} / {terms.get('parity_miss')} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
