"""Migrate the cursus catalog with `specwire migrate cursus` and `specwire build` every shared corpus
DAG with `--allow-missing-scripts`, in one process (the CLI's commands through typer's runner).

    .venv/bin/python benchmarks/cursus_build.py        # prints a table and the totals

For each DAG: exit code (0 built, 1 does not resolve: a missing dependency), SageMaker steps in
the definition vs nodes, `Get Steps.*` references vs resolved edges, seconds. Used by
tests/conformance/test_cursus_migrate.py.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "cursus"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


@dataclass
class DagBuild:
    name: str
    exit_code: int
    nodes: int
    steps: int
    edges: int
    references: int
    #: Explicit edges kept for the order only, and the DependsOn entries of the definition.
    order_only: int
    waits: int
    seconds: float
    output: str


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        if set(value) == {"Get"} and isinstance(value["Get"], str):
            return [value["Get"]]
        return [r for item in value.values() for r in _references(item)]
    if isinstance(value, list):
        return [r for item in value for r in _references(item)]
    return []


def migrate_and_build(workdir: Path, corpus: Path = CORPUS) -> tuple[float, list[DagBuild]]:
    from typer.testing import CliRunner

    from specwire.cli import app
    from specwire.pipeline.api import Pipeline

    runner = CliRunner()
    pack = workdir / "pack.yaml"
    started = time.perf_counter()
    migrated = runner.invoke(app, ["migrate", "cursus", str(corpus / "specs.json"), "-o", str(pack)])
    migrate_seconds = time.perf_counter() - started
    if migrated.exit_code != 0:
        raise RuntimeError(migrated.output)
    rows: list[DagBuild] = []
    for dag in sorted((corpus / "dags").glob("*.json")):
        out = workdir / f"{dag.stem}.definition.json"
        started = time.perf_counter()
        result = runner.invoke(app, ["build", str(dag), "-c", str(pack), "--allow-missing-scripts",
                                     "--role", ROLE, "-o", str(out)])
        seconds = time.perf_counter() - started
        resolved = Pipeline.from_file(dag, role_arn=ROLE, catalog=[str(pack)]).resolve()
        steps = references = waits = 0
        if result.exit_code == 0:
            definition = json.loads(out.read_text(encoding="utf-8"))
            steps = len(definition["Steps"])
            references = sum(r.startswith("Steps.") for r in _references(definition["Steps"]))
            waits = sum(len(step.get("DependsOn", [])) for step in definition["Steps"])
        rows.append(DagBuild(dag.stem, result.exit_code, len(resolved.nodes), steps, len(resolved.edges),
                             references, len(resolved.order_only), waits, seconds, result.output))
    return migrate_seconds, rows


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        migrate_seconds, rows = migrate_and_build(Path(folder))
    print(f"migrate: {migrate_seconds:.2f} s")
    print(f"{'dag':<70} exit nodes steps edges refs order-only waits  s")
    for r in rows:
        print(f"{r.name:<70} {r.exit_code:>4} {r.nodes:>5} {r.steps:>5} {r.edges:>5} {r.references:>4} "
              f"{r.order_only:>10} {r.waits:>5} {r.seconds:5.2f}")
    built = [r for r in rows if r.exit_code == 0]
    print(f"built {len(built)} of {len(rows)}; not resolving (exit 1): {sum(r.exit_code == 1 for r in rows)}; "
          f"other: {sum(r.exit_code not in (0, 1) for r in rows)}; build time total "
          f"{sum(r.seconds for r in rows):.1f} s, median {sorted(r.seconds for r in built)[len(built) // 2]:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
