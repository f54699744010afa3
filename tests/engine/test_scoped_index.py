"""A stage one scoped to a pipeline's profiles gives the answers of the whole catalog's, and its cache
grows with the matches a pipeline can use, not with all pairs of a dense catalog."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rulekit import answer, catalog, dep, out, pipeline, spec

from specwire.engine import catalog_index, index_cache, stage_one
from specwire.engine.catalog_index import MATCH_RULES, catalog_fingerprint, profile_keys
from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode, load_pipeline_file
from specwire.engine.resolver import ResolveOptions, Resolver
from specwire.engine.solver import builtin_rule_file
from specwire.specs.models import StepSpecification
from specwire.specs.registry import SpecRegistry, load_registry

FILES = [builtin_rule_file(name) for name in MATCH_RULES]


def _dense(types: int) -> SpecRegistry:
    """`types` step types whose one input and one output are all `rows` (benchmarks/shapes.py's dense catalog)."""
    registry = SpecRegistry()
    names = [f"Team{i:04d}Step" for i in range(types)]
    for i, name in enumerate(names):
        sources = [names[i - 1], names[i - 2]] if i >= 2 else []
        rows_in = {"logical_name": "rows", "kind": "processing_output", "data_types": ["rows"], "required": True,
                   "compatible_sources": sources}
        rows_out = {"logical_name": "rows", "kind": "processing_output", "data_type": "rows"}
        registry.add(StepSpecification.model_validate(
            {"step_type": name, "sagemaker_step_kind": "Processing", "dependencies": [rows_in] if i else [],
             "outputs": [rows_out]}), "<dense>")
    return registry


def _nodes(*indexes: int) -> PipelineDefinition:
    return PipelineDefinition(tuple(PipelineNode(f"Team{i:04d}Step", f"Team{i:04d}Step") for i in indexes))



def _both(registry: SpecRegistry, pipeline: PipelineDefinition, **options: Any) -> tuple[Any, ...]:
    whole = Resolver(registry, scoped=False).resolve(pipeline, ResolveOptions(**options))
    scoped = Resolver(registry, scoped=True).resolve(pipeline, ResolveOptions(**options))
    assert answer(scoped) == answer(whole), pipeline.name
    return answer(whole)


def test_every_corpus_pipeline_resolves_the_same_scoped(cursus_dir: Path) -> None:
    registry = load_registry([cursus_dir / "specs.json"])
    for path in sorted((cursus_dir / "dags").glob("*.json")):
        pipeline = load_pipeline_file(path)
        names = sorted(n.name for n in pipeline.nodes)
        _both(registry, pipeline, why_not=((names[0], names[-1]),))
        # One step left out: gaps, suggestions naming the catalog's providers, and insertions.
        short = PipelineDefinition(tuple(n for n in pipeline.nodes if n.name != names[len(names) // 2]),
                                   name=f"{pipeline.name}-short")
        _both(registry, short, ignore_edges=True, fill_gaps=True)


def test_a_dense_catalog_resolves_the_same_scoped() -> None:
    registry = _dense(60)
    _, _, edges, _, diagnostics, *_ = _both(registry, _nodes(30, 31, 32))
    assert {(e.source, e.target) for e in edges} >= {("Team0030Step", "Team0031Step"), ("Team0031Step", "Team0032Step")}
    # A lone step: its input's fix names providers from the whole catalog, which a scoped index asks for.
    _, _, _, _, diagnostics, *_ = _both(registry, _nodes(40), why_not=(("Team0040Step", "Team0040Step"),))
    assert any(d.kind == "missing_dependency" and "Team0000Step" in (d.suggested_fix or "") for d in diagnostics)
    _, nodes, *_ = _both(_dense(12), _nodes(6), fill_gaps=True)
    assert any(n.inserted for n in nodes)


def test_the_scoped_cache_holds_only_what_the_pipeline_reads(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = _dense(300)
    pipeline = _nodes(150, 151, 152)
    first = Resolver(registry, scoped=True).resolve(pipeline)
    entries = sorted(cache.glob("index-*.json"))
    assert len(entries) == 2  # the catalog-wide base and the pipeline's scope
    matches = [m for path in entries for m in json.loads(path.read_text(encoding="utf-8"))["matches"]]
    assert len(matches) == 3 * 300  # every provider of each of the three inputs, nothing else
    assert {m[2][0] for m in matches} == {"Team0150Step", "Team0151Step", "Team0152Step"}
    assert sum(path.stat().st_size for path in entries) < 400_000  # the whole catalog's entry: ~20 MB

    # A new process reads both entries back and computes nothing.
    monkeypatch.setattr(stage_one, "_SCOPED", {})

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("stage one was computed although the cache holds it")

    monkeypatch.setattr(catalog_index, "_compute", refuse)
    again = Resolver(registry, scoped=True).resolve(pipeline)
    assert answer(again) == answer(first)


def test_a_scoped_entry_with_a_match_outside_its_scope_is_refused(cache: Path) -> None:
    registry = _dense(20)
    profiles = dict(profile_keys(registry))
    key = catalog_fingerprint(registry, FILES)
    index = stage_one.index_for(registry, stage_one.node_profiles(registry, _nodes(5).nodes), scoped=True)
    (scope_entry,) = [p for p in cache.glob("index-*.json") if '"Team0005Step"' in p.read_text(encoding="utf-8")
                      and len(json.loads(p.read_text(encoding="utf-8"))["complete"]) == 1]
    data = json.loads(scope_entry.read_text(encoding="utf-8"))
    name = scope_entry.stem.removeprefix("index-")
    assert index_cache.load(name, profiles, tuple(FILES), scoped=True) is not None
    assert index_cache.load(name, profiles, tuple(FILES)) is None  # a scoped entry is no whole catalog's
    forged = dict(data, matches=[*data["matches"], [["Team0003Step", None], "rows", ["Team0009Step", None], "rows",
                                                    15, False, [["data_type", 3], ["kind", 1], ["name", 8],
                                                                ["compatible_source", 3]], []]])
    scope_entry.write_text(json.dumps(forged), encoding="utf-8")
    assert index_cache.load(name, profiles, tuple(FILES), scoped=True) is None
    whole = catalog_index._compute(profiles, FILES)
    assert index_cache.load(key, profiles, tuple(FILES), scoped=True) is None  # nothing under the catalog's key
    index_cache.store(key, whole)
    assert index_cache.load(key, profiles, tuple(FILES), scoped=True) is None  # a whole entry is no scope
    assert index.quality == {m: q for m, q in whole.quality.items() if m[2] == ("Team0005Step", None)}


def test_the_deepest_inserted_step_reads_all_its_providers() -> None:
    """The third step of an insertion chain is fed by a written step: a scoped index completes it too."""
    reg = catalog(
        spec("Raw", outs=[out("raw", "raw")]),
        spec("S1", deps=[dep("raw", ["raw"], sources=["Raw"])], outs=[out("one", "one")]),
        spec("S2", deps=[dep("one", ["one"], sources=["S1"])], outs=[out("two", "two")]),
        spec("S3", deps=[dep("two", ["two"], sources=["S2"])], outs=[out("done", "done")]),
        spec("Out", deps=[dep("done", ["done"], sources=["S3"])]),
    )
    _, _, _, order, *_ = _both(reg, pipeline("Raw", "Out"), fill_gaps=True, max_insert_depth=3)
    assert order == ["Raw", "S1", "S2", "S3", "Out"]
