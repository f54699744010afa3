"""Conformance on the cursus corpus: resolve each hand-written pipeline from its nodes alone.

    python benchmarks/conformance.py [--corpus ../shared/corpus/cursus] [--shuffles 0] [--json]

Prints, per pipeline, edge precision and recall against the hand-written edges, the cycles in
the inferred graph, the missing-dependency diagnostics and the resolve time; then the
micro-averaged totals. With --shuffles N, each pipeline is also resolved with its node list
shuffled N times and any difference in edges is reported.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/conformance.py`: the repository root is not on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.compare import EdgeScore, count_cycles, score_edges
from specwire.engine.pipeline_def import PipelineDefinition, load_pipeline_file
from specwire.engine.resolver import ResolveOptions, Resolver
from specwire.specs.registry import load_registry

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "cursus"


@dataclass
class PipelineResult:
    name: str
    score: EdgeScore
    cycles: int
    missing: list[str]
    seconds: float
    order_sensitive: bool


def run(corpus: Path, shuffles: int = 0, seed: int = 7) -> list[PipelineResult]:
    resolver = Resolver(load_registry([corpus / "specs.json"]))
    options = ResolveOptions(ignore_edges=True)
    rng = random.Random(seed)
    results = []
    for path in sorted((corpus / "dags").glob("*.json")):
        pipeline = load_pipeline_file(path)
        start = time.perf_counter()
        resolved = resolver.resolve(pipeline, options)
        seconds = time.perf_counter() - start
        edges = resolved.node_edges()
        sensitive = False
        for _ in range(shuffles):
            nodes = list(pipeline.nodes)
            rng.shuffle(nodes)
            shuffled = PipelineDefinition(tuple(nodes), pipeline.edges, pipeline.name, pipeline.source)
            sensitive |= resolver.resolve(shuffled, options).node_edges() != edges
        missing = [d.message for d in resolved.diagnostics if d.kind == "missing_dependency"]
        results.append(PipelineResult(path.stem, score_edges(edges, pipeline.edges), count_cycles(edges), missing,
                                      seconds, sensitive))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--shuffles", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--details", action="store_true", help="list the extra and missed edges")
    args = parser.parse_args(argv)
    if not (args.corpus / "specs.json").is_file():
        print(f"no corpus at {args.corpus}: pass --corpus DIR (the folder holding specs.json and dags/)",
              file=sys.stderr)
        return 2
    results = run(args.corpus, args.shuffles)
    total = sum((r.score for r in results), EdgeScore())
    cycles = sum(r.cycles for r in results)
    times = [r.seconds for r in results]
    if args.json:
        print(json.dumps({
            "pipelines": [{"name": r.name, "precision": r.score.precision, "recall": r.score.recall,
                           "tp": r.score.true_positive, "fp": r.score.false_positive, "fn": r.score.false_negative,
                           "cycles": r.cycles, "missing_dependency": r.missing, "seconds": r.seconds,
                           "order_sensitive": r.order_sensitive} for r in results],
            "precision": total.precision, "recall": total.recall, "cycles": cycles,
            "median_seconds": statistics.median(times), "max_seconds": max(times),
            "total_seconds": sum(times)}, indent=2))
        return 0
    print(f"{'pipeline':<62} {'P':>5} {'R':>5} {'tp':>3} {'fp':>3} {'fn':>3} {'cyc':>3} {'miss':>4} {'sec':>6}")
    for r in results:
        flag = " ORDER-SENSITIVE" if r.order_sensitive else ""
        print(f"{r.name:<62} {r.score.precision:5.2f} {r.score.recall:5.2f} {r.score.true_positive:3d} "
              f"{r.score.false_positive:3d} {r.score.false_negative:3d} {r.cycles:3d} {len(r.missing):4d} "
              f"{r.seconds:6.2f}{flag}")
        if args.details:
            for edge in r.score.extra:
                print(f"    + {edge[0]} -> {edge[1]}")
            for edge in r.score.missed:
                print(f"    - {edge[0]} -> {edge[1]}")
            for message in r.missing:
                print(f"    ! {message}")
    print(f"\n{len(results)} pipelines: precision {total.precision:.3f}, recall {total.recall:.3f} "
          f"(tp {total.true_positive}, fp {total.false_positive}, fn {total.false_negative}), cycles {cycles}, "
          f"order-sensitive {sum(r.order_sensitive for r in results)}, "
          f"time per pipeline median {statistics.median(times):.3f} s, max {max(times):.3f} s, "
          f"all {sum(times):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
