"""Narrowed search of tangled parts (engine/narrow.py): sound under the full rules, marked not proven,
and, keeping every provider, the very answer of the plain search."""

from __future__ import annotations

import random
from pathlib import Path

import clingo
import pytest
from rulekit import answer

from specwire.engine import narrow
from specwire.engine.fast.components import Part
from specwire.engine.options import ResolveOptions
from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode, load_pipeline_file
from specwire.engine.program import grounded_program
from specwire.engine.resolver import Resolver
from specwire.plan import ResolvedPipeline
from specwire.specs.registry import load_registry

JOBS = (None, "training", "validation", "testing", "calibration")


def _random(size: int, seed: int) -> PipelineDefinition:
    """Steps drawn at random from the built-in catalog on random job types (benchmarks/shapes.py's shape)."""
    registry = load_registry()
    rng = random.Random(seed)
    types = sorted(registry.step_types())
    nodes = []
    for i in range(size):
        step = rng.choice(types)
        nodes.append(PipelineNode(f"n{i:04d}_{step}", step, rng.choice(JOBS)))
    return PipelineDefinition(tuple(nodes), name=f"random-{size}")


def _without_narrowing_marks(result: ResolvedPipeline) -> tuple[object, ...]:
    found = list(answer(result))
    found[4] = [d for d in result.diagnostics if d.kind != "narrowed"]
    found[6] = found[9] = None  # proven: a narrowed search never claims it; facts: keep/3 are more
    return tuple(found)


def test_keeping_every_provider_gives_the_plain_answer(cursus_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The narrowed path (choose.lp's keep/3, the search without explain.lp, explain.lp grounded on the
    wiring found) with nothing left out answers exactly what the plain path does, explanations included."""
    registry = load_registry([cursus_dir / "specs.json"])
    paths = sorted((cursus_dir / "dags").glob("*.json"))[::3]

    def options(path: Path) -> ResolveOptions:  # with --why-not: explain.lp's alt/5 and friends
        names = sorted(n.name for n in load_pipeline_file(path).nodes)
        return ResolveOptions(ignore_edges=True, why_not=((names[-1], names[0]),))

    plain = [Resolver(registry).resolve(load_pipeline_file(p), options(p)) for p in paths]
    monkeypatch.setattr(narrow, "NARROW_PAIRINGS", 0)
    monkeypatch.setattr(narrow, "NARROW_PER_STEP", 0)
    monkeypatch.setattr(narrow, "NARROW_KEEP", 10**6)
    monkeypatch.setattr(narrow, "NARROW_LARGE_LINKS", 10**9)
    narrowed = 0
    for path, expected in zip(paths, plain, strict=True):
        got = Resolver(registry).resolve(load_pipeline_file(path), options(path))
        if "narrowed" in [d.kind for d in got.diagnostics]:  # parts with no candidate link are not
            narrowed += 1
            assert not got.stats.proven_optimal
        assert _without_narrowing_marks(got) == _without_narrowing_marks(expected), path.name
    assert narrowed >= len(paths) - 2


def _full_rules_accept(resolver: Resolver, pipeline: PipelineDefinition,
                       result: ResolvedPipeline, cost: list[int] | None = None) -> tuple[list[str], set[str]]:
    """The full rules (every provider of every input) with the answer's wiring fixed: the inputs they
    leave empty and the inputs some written step could fill (and in `cost`, its cost by them); an
    AssertionError when they reject it."""
    ctl = grounded_program(resolver, pipeline, ResolveOptions())
    wiring = {clingo.Function("use", [clingo.String(e.source), clingo.String(e.output), clingo.String(e.target),
                                      clingo.String(e.dependency)]) for e in result.edges}
    uses = {a.symbol for a in ctl.symbolic_atoms.by_signature("use", 4)}
    assert wiring <= uses, f"links the full rules do not allow: {sorted(map(str, wiring - uses))[:3]}"
    nodes = {a.symbol.arguments[0] for a in ctl.symbolic_atoms.by_signature("node", 1)}
    fillable = {f"{a.symbol.arguments[2].string}.{a.symbol.arguments[3].string}"
                for a in ctl.symbolic_atoms.by_signature("link_ok", 5)
                if a.symbol.arguments[0] in nodes and a.symbol.arguments[2] in nodes}
    empty: list[str] = []

    def read(model: clingo.Model) -> None:
        if cost is not None:
            cost[:] = model.cost
        empty[:] = [f"{s.arguments[1].string}.{s.arguments[2].string}" for s in model.symbols(shown=True)
                    if s.name == "error" and s.arguments[0].name == "missing_dependency"]

    inserts = [a.symbol for a in ctl.symbolic_atoms.by_signature("insert", 1)]
    outcome = ctl.solve(assumptions=[(u, u in wiring) for u in uses] + [(i, False) for i in inserts], on_model=read)
    assert outcome.satisfiable, "the full rules reject the narrowed wiring (a cycle, or a constraint)"
    return sorted(empty), fillable


@pytest.mark.parametrize("seed", [0, 1])
def test_a_tangle_is_narrowed_to_a_wiring_the_full_rules_accept(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = _random(120, seed)
    assert narrow.pairings(Resolver(load_registry()).index_for(list(pipeline.nodes)), Part(list(pipeline.nodes))) < (
        narrow.NARROW_PAIRINGS)  # 400 random steps pass it; 120 keep the test fast
    monkeypatch.setattr(narrow, "NARROW_PAIRINGS", 20_000)
    monkeypatch.setattr(narrow, "NARROW_PER_STEP", 0)
    resolver = Resolver(load_registry())
    result = resolver.resolve(pipeline)
    warnings = [d for d in result.diagnostics if d.kind == "narrowed"]
    assert len(warnings) == 1 and "not proven optimal" in warnings[0].message
    assert not result.stats.proven_optimal
    empty, fillable = _full_rules_accept(resolver, pipeline, result)
    assert len(empty) == [d.kind for d in result.diagnostics].count("missing_dependency")
    # An input left empty has no provider the full rules allow: one kept out by the narrowing (its
    # best providers all downstream of it) is given back (escapes, widening).
    assert not set(empty) & fillable


def test_a_small_pipeline_is_not_narrowed() -> None:
    result = Resolver(load_registry()).resolve(_random(30, 0))
    assert "narrowed" not in [d.kind for d in result.diagnostics]
    assert result.stats.proven_optimal


def test_a_part_the_plain_search_cannot_prove_in_its_share_takes_the_better_wiring() -> None:
    """100 random steps (between TRY_PAIRINGS and NARROW_PAIRINGS): the plain search gets a tenth of
    the time limit, the narrowed search's wiring is judged by the plain program, and the better one is
    the answer, with its cost by the full rules."""
    pipeline = _random(100, 0)
    resolver = Resolver(load_registry())
    size = narrow.pairings(resolver.index_for(list(pipeline.nodes)), Part(list(pipeline.nodes)))
    assert narrow.TRY_PAIRINGS < size <= narrow.NARROW_PAIRINGS
    result = resolver.resolve(pipeline, ResolveOptions(timeout=narrow.TRY_MIN_SECONDS))
    kinds = [d.kind for d in result.diagnostics]
    assert not result.stats.proven_optimal
    assert "narrowed" in kinds or any("slice" in d.message for d in result.diagnostics if d.kind == "not_optimal")
    cost: list[int] = []
    _full_rules_accept(resolver, pipeline, result, cost)
    assert result.stats.cost == cost
    # A limit that leaves no room for both searches is the plain search's alone, as it always was.
    short = resolver.resolve(pipeline, ResolveOptions(timeout=1))
    assert "narrowed" not in [d.kind for d in short.diagnostics]
    assert any("time limit of 1" in d.message for d in short.diagnostics if d.kind == "not_optimal")


def test_400_random_steps_are_a_tangle_and_no_corpus_pipeline_is(cursus_dir: Path) -> None:
    big = _random(400, 0)
    size = narrow.pairings(Resolver(load_registry()).index_for(list(big.nodes)), Part(list(big.nodes)))
    assert narrow.route(size, 400, 60.0) == "narrowed"
    assert narrow.route(size, 10_000, 60.0) == "try"  # as many pairings spread over many steps: not a tangle
    registry = load_registry([cursus_dir / "specs.json"])
    for path in sorted((cursus_dir / "dags").glob("*.json")):
        nodes = list(load_pipeline_file(path).nodes)
        assert narrow.pairings(Resolver(registry).index_for(nodes), Part(nodes)) < narrow.NARROW_PAIRINGS // 100


def test_the_probe_rates_every_link_the_full_rules_allow() -> None:
    """One step per profile and job type (two where it feeds itself), nothing chosen: the candidates it
    gives each input are exactly the written providers with a `link_ok/5`, at their best quality."""
    from specwire.engine.resolver import WIRING_RULES
    from specwire.engine.solver import builtin_rule_file

    pipeline = _random(80, 3)
    resolver = Resolver(load_registry())
    index = resolver.index_for(list(pipeline.nodes))
    ranks = {n.name: i for i, n in enumerate(pipeline.nodes)}
    jobs = sorted({n.job_type.lower() for n in pipeline.nodes if n.job_type})
    narrowing = narrow.plan(index, Part(list(pipeline.nodes)), lambda p: resolver._probe_facts(index, p, jobs),
                            [builtin_rule_file(f) for f in WIRING_RULES], ranks, [])
    ctl = grounded_program(resolver, pipeline, ResolveOptions(suggest=False))
    nodes = {a.symbol.arguments[0] for a in ctl.symbolic_atoms.by_signature("node", 1)}
    best: dict[tuple[str, str], dict[str, int]] = {}
    for atom in ctl.symbolic_atoms.by_signature("link_ok", 5):
        n1, _o, n2, dep, quality = atom.symbol.arguments
        if n1 in nodes and n2 in nodes:
            providers = best.setdefault((n2.string, dep.string), {})
            providers[n1.string] = max(providers.get(n1.string, quality.number), quality.number)
    assert best
    for key, providers in best.items():
        ranked = sorted(providers, key=lambda n: (-providers[n], ranks[n]))
        assert narrowing.candidates[key] == ranked, key
    assert all(not names for key, names in narrowing.candidates.items() if key not in best)
