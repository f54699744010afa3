"""Properties of resolution over random catalogs and pipelines (hypothesis).

What every resolved pipeline promises, whatever the catalog and the pipeline:

1. resolving raises nothing but specwire's own errors (in fact nothing: failures are diagnostics);
2. every edge connects an existing output to an existing dependency of another node, the pair is
   in the catalog index's quality map, and the port kinds and data types are compatible (checked
   by an oracle written from types.lp, not by the rules themselves); no dependency has two providers;
3. `order` lists every node once and puts each provider before its consumers (so the wiring is acyclic);
4. every required dependency of every node is provided by an edge or reported (missing_dependency,
   external_input or cycle, naming the node and the dependency);
5. every explicit edge between known nodes is wired or reported (incompatible, cycle);
6. a "wiring it would make a cycle" diagnosis names a real cycle: every written node that could
   provide the input depends on the node that needs it;
7. the result is identical under any permutation of the nodes, of the registry's insertion order
   and of the policy files;
8. under any order of the built-in rule files, the identical result (objective.lp breaks ties by name);
9. steps inserted with fill_gaps=True are minimal (defined precisely in its test).

Catalogs are half random, half built around a chain with gaps (reliability_support). The CI
profile runs 30-40 examples per property; SPECWIRE_RELIABILITY_PROFILE=reliability-long runs 300.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reliability_support import (
    PROFILE,
    Case,
    cases,
    comparable,
    gap_cases,
    kinds_compatible,
    registry_of,
    types_compatible,
)

from specwire.engine import catalog_index, resolver
from specwire.engine.catalog_index import CatalogIndex
from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode
from specwire.engine.resolver import ResolveOptions, Resolver
from specwire.errors import SpecwireError
from specwire.plan import ResolvedPipeline
from specwire.specs.models import DependencySpec, OutputSpec, StepSpecification
from specwire.specs.registry import SpecRegistry

#: How many properties this file checks (the closing note of issue 9 counts them).
PROPERTIES = 9
#: Diagnostics that account for a required input nobody provides.
REPORTED_MISSING = {"missing_dependency", "external_input", "cycle"}


def _resolve(registry: SpecRegistry, pipeline: PipelineDefinition, *, fill_gaps: bool = False,
             rule_files: tuple[Path, ...] = ()) -> ResolvedPipeline:
    try:
        return Resolver(registry, rule_files).resolve(pipeline, ResolveOptions(fill_gaps=fill_gaps, timeout=20))
    except SpecwireError:
        raise
    except Exception as exc:  # property 1: anything else is a bug
        pytest.fail(f"resolve raised {type(exc).__name__}: {exc}")


def check_invariants(result: ResolvedPipeline, registry: SpecRegistry, index: CatalogIndex,
                     pipeline: PipelineDefinition, fill_gaps: bool) -> None:
    assert not any(d.kind == "timeout" for d in result.diagnostics), "a tiny pipeline timed out"
    nodes = {n.name: n for n in result.nodes}
    # The written nodes are all there, as written; inserted ones only when asked for.
    for written in pipeline.nodes:
        node = nodes[written.name]
        assert (node.step_type, node.job_type, node.inserted) == (written.step_type, written.job_type, False)
    assert fill_gaps or not result.inserted
    assert len(nodes) == len(result.nodes)

    # Property 2: edges join compatible, existing ports of two different nodes; one provider per input.
    providers: dict[tuple[str, str], str] = {}
    for edge in result.edges:
        source, target = nodes[edge.source], nodes[edge.target]
        assert edge.source != edge.target, f"{edge} feeds a node into itself"
        p_source = index.profile_for(source.step_type, source.job_type)
        p_target = index.profile_for(target.step_type, target.job_type)
        out = index.profiles[p_source].output(edge.output)
        dep = index.profiles[p_target].dependency(edge.dependency)
        assert out is not None and dep is not None, f"{edge} names a port its step does not have"
        assert (p_source, edge.output, p_target, edge.dependency) in index.quality, f"{edge} is no catalog match"
        assert kinds_compatible(out, dep), f"{edge}: kind {out.kind} cannot feed {dep.kind}"
        assert types_compatible(out, dep), f"{edge}: {out.data_type} is not among {dep.data_types}"
        key = (edge.target, edge.dependency)
        assert key not in providers, f"{key} has two providers: {providers.get(key)} and {edge.source}"
        providers[key] = edge.source

    # Property 3: the order is a topological order of every node (hence the wiring is acyclic).
    assert sorted(result.order) == sorted(nodes)
    position = {name: i for i, name in enumerate(result.order)}
    for edge in result.edges:
        assert position[edge.source] < position[edge.target], f"{edge} goes against the order {result.order}"

    # Property 4: each required input is provided or reported, naming the node and the input.
    for node in result.nodes:
        spec = index.profiles[index.profile_for(node.step_type, node.job_type)]
        for dep in spec.dependencies:
            if not dep.required or (node.name, dep.logical_name) in providers:
                continue
            assert any(
                d.kind in REPORTED_MISSING and node.name in d.nodes
                and (f"({dep.logical_name})" in d.message or f"reads {dep.logical_name} from" in d.message)
                for d in result.diagnostics
            ), f"{node.name}.{dep.logical_name} is neither provided nor reported: {result.diagnostics}"

    # Property 5: explicit edges are honoured or reported. An edge kept for the order only carries no
    # data because every input its provider could fill takes its data from another explicit edge;
    # it is a warning, and the order keeps it.
    wired = {(e.source, e.target) for e in result.edges}
    explicit = set(pipeline.edges)
    for a, b in result.order_only:
        assert (a, b) in explicit and (a, b) not in wired and position[a] < position[b]
        assert any(d.kind == "order_only" and d.nodes == (a, b) for d in result.warnings)
        fits = {d for (p2, d), provs in index.providers_of.items()
                if p2 == index.profile_for(result.node(b).step_type, result.node(b).job_type)
                for p, _ in provs if p == index.profile_for(result.node(a).step_type, result.node(a).job_type)}
        assert any((providers.get((b, d)), b) in explicit for d in fits), (a, b, fits, providers)
    for a, b in pipeline.edges:
        if (a, b) in wired or (a, b) in result.order_only:
            continue
        assert any(d.kind in ("incompatible", "cycle") and {a, b} & set(d.nodes) for d in result.errors), \
            f"explicit edge {a} -> {b} is neither wired nor reported: {result.diagnostics}"

    # A required input reported as blocked by a cycle is one a node of the pipeline could provide, but
    # only a node that depends on the one that needs it: through the wiring, the explicit edges, or
    # steps the plan would insert ("Add Load -> Prep between A and B": A feeds B through them).
    through_suggestions = [(feeder, d.nodes[0]) for d in result.diagnostics
                           if d.kind == "missing_dependency" and " between " in d.message for feeder in d.nodes[1:]]
    reach: dict[str, set[str]] = {n: set() for n in nodes}
    for a, b in [*((e.source, e.target) for e in result.edges), *pipeline.edges, *through_suggestions]:
        if a in reach and b in reach:
            reach[a].add(b)
    for d in result.diagnostics:
        if d.kind == "cycle" and "every step that provides it depends on" in d.message:
            needer = d.nodes[0]
            downstream, frontier = set(), [needer]
            while frontier:
                for nxt in reach[frontier.pop()] - downstream:
                    downstream.add(nxt)
                    frontier.append(nxt)
            found = re.search(r" \(([^()]+)\), but every step that provides it depends on", d.message)
            assert found, d.message
            dep_name = found.group(1)
            target = index.profile_for(nodes[needer].step_type, nodes[needer].job_type)
            # Written steps only: an inserted step serves the gap it was inserted for, never an input
            # a written step could fill (choose.lp), so it is no provider here.
            providers = {n.name for n in result.nodes if n.name != needer and not n.inserted and any(
                (index.profile_for(n.step_type, n.job_type), o.logical_name, target, dep_name) in index.quality
                for o in index.profiles[index.profile_for(n.step_type, n.job_type)].outputs)}
            assert providers and providers <= downstream, (
                f"{d.message}: providers {sorted(providers)}, downstream of {needer}: {sorted(downstream)}")

    # ok means: no error diagnostic (and then every explicit edge is wired).
    assert result.ok == (not result.errors)
    if result.ok:
        assert set(pipeline.edges) <= wired


@settings(settings.get_profile(PROFILE), max_examples=settings.get_profile(PROFILE).max_examples + 10)
@given(case=cases(), fill_gaps=st.booleans())
def test_resolution_invariants(case: Case, fill_gaps: bool) -> None:
    registry = registry_of(case.specs)
    result = _resolve(registry, case.pipeline, fill_gaps=fill_gaps)
    check_invariants(result, registry, Resolver(registry).index, case.pipeline, fill_gaps)


# --------------------------------------------------------------------------- permutations

POLICY_A = """% prefer not to feed anything from a Score step
prefer(avoid_score_feeds, 1, (N1, N2)) :- use(N1, _, N2, _), step_of(N1, "Score").
"""
POLICY_B = """% a pipeline may not train on calibration data
violation(no_calibration_training, "training nodes must not be calibration nodes", N) :-
    step_of(N, "Train"), job_of(N, calibration).
"""


@pytest.fixture(scope="module")
def policy_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("policies")
    a, b = folder / "a_prefer.lp", folder / "b_forbid.lp"
    a.write_text(POLICY_A, encoding="utf-8")
    b.write_text(POLICY_B, encoding="utf-8")
    return a, b


@settings(settings.get_profile(PROFILE))
@given(case=cases(), fill_gaps=st.booleans(), seed=st.integers(0, 2**16), with_policies=st.booleans())
def test_the_result_does_not_depend_on_node_spec_or_policy_order(
        case: Case, fill_gaps: bool, seed: int, with_policies: bool, policy_files: tuple[Path, Path]) -> None:
    rng = random.Random(seed)
    rules = policy_files if with_policies else ()
    expected = comparable(_resolve(registry_of(case.specs), case.pipeline, fill_gaps=fill_gaps, rule_files=rules))
    # Nodes and explicit edges in another order; specs inserted into the registry in another order;
    # the policy files given in the other order.
    nodes, edges, specs = list(case.pipeline.nodes), list(case.pipeline.edges), list(case.specs)
    rng.shuffle(nodes)
    rng.shuffle(edges)
    rng.shuffle(specs)
    shuffled = PipelineDefinition(tuple(nodes), tuple(edges), case.pipeline.name)
    result = _resolve(registry_of(specs), shuffled, fill_gaps=fill_gaps, rule_files=tuple(reversed(rules)))
    assert comparable(result) == expected


def _shape(result: ResolvedPipeline) -> dict[str, object]:
    """A result up to which of several nodes of one step and job type is which."""
    kind = {n.name: (n.step_type, n.job_type or "", n.inserted) for n in result.nodes}
    return {
        "ok": result.ok,
        "nodes": sorted(kind.values()),
        "edges": sorted((kind[e.source], e.output, kind[e.target], e.dependency) for e in result.edges),
        "diagnostics": sorted((d.severity, d.kind) for d in result.diagnostics),
        "cost": result.stats.cost,
    }


def _with_rule_order(seed: int, run: Callable[[], ResolvedPipeline]) -> ResolvedPipeline:
    rng = random.Random(seed)
    wiring, matching = list(resolver.WIRING_RULES), list(catalog_index.MATCH_RULES)
    rng.shuffle(wiring)
    rng.shuffle(matching)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(resolver, "WIRING_RULES", tuple(wiring))
        patch.setattr(catalog_index, "MATCH_RULES", tuple(matching))
        return run()


@settings(settings.get_profile(PROFILE))
@given(case=cases(), fill_gaps=st.booleans(), seed=st.integers(0, 2**16))
def test_the_order_of_the_builtin_rule_files_changes_nothing(case: Case, fill_gaps: bool, seed: int) -> None:
    """The built-in matching and wiring rules loaded in another order give the very same answer. The
    ways two wirings tie that hypothesis found (equal providers, competing inputs, a runner-up,
    which of two equal steps stays unfed) are broken by name in objective.lp, so the answer does not
    depend on clingo's search order. (Weighted sums can still tie in theory: see objective.lp.)
    (Before that, this compared answers only up to which of two equal nodes feeds which; the strict
    form passes 300 examples with SPECWIRE_RELIABILITY_PROFILE=reliability-long.)"""
    registry = registry_of(case.specs)
    expected = _resolve(registry, case.pipeline, fill_gaps=fill_gaps)
    permuted = _with_rule_order(seed, lambda: _resolve(registry_of(case.specs), case.pipeline, fill_gaps=fill_gaps))
    assert _shape(permuted) == _shape(expected)
    assert comparable(permuted) == comparable(expected)
    check_invariants(permuted, registry, Resolver(registry).index, case.pipeline, fill_gaps)


def _spec(step: str, *, needs: tuple[str, ...] = (), link: int | None = None,
          optional: tuple[str, ...] = ()) -> StepSpecification:
    deps = tuple(DependencySpec(logical_name=name, required=False) for name in optional)
    if needs:
        deps += (DependencySpec(logical_name=f"link{link}", data_types=("tabular",), compatible_sources=needs,
                                semantic_keywords=("chain",)),)
    outs = (OutputSpec(logical_name="data"),
            OutputSpec(logical_name=f"chain_{step}", data_type="tabular", semantic_keywords=("chain",)))
    return StepSpecification(step_type=step, dependencies=deps, outputs=outs)


def test_the_order_of_the_builtin_rule_files_breaks_ties_between_written_nodes_the_same_way() -> None:
    """Found by hypothesis (fixed in 297c67f by one tie level per input): two Load and two Prep nodes;
    which Load fed which Prep depended on whether jobs.lp was loaded before or after gaps.lp and choose.lp."""
    specs = [_spec("Load"), _spec("Prep", needs=("Load",), link=1), _spec("Impute", needs=("Prep",), link=2),
             _spec("Train", needs=("Impute", "Prep"), link=3)]
    pipeline = PipelineDefinition(tuple(PipelineNode(n, n.split("_")[1]) for n in
                                        ("n0_Train", "n1_Load", "n2_Prep", "n3_Load", "n4_Prep")))
    expected = comparable(_resolve(registry_of(specs), pipeline))
    order = ("gaps.lp", "choose.lp", "jobs.lp", "order.lp", "diagnose.lp", "objective.lp", "explain.lp")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(resolver, "WIRING_RULES", order)
        assert comparable(_resolve(registry_of(specs), pipeline)) == expected


def test_the_order_of_the_builtin_rule_files_breaks_ties_for_suggested_steps_the_same_way() -> None:
    """Found by hypothesis: Prep needs Load's output; Load (not in the pipeline) has an optional input
    that either of two equal Impute:training nodes could fill. Its best provider, Prep, would close a
    cycle, so the tie is below the best: objective.lp breaks such ties for steps the plan inserts."""
    specs = [_spec("Load", optional=("data",)), _spec("Impute"),
             _spec("Prep", needs=("Load",), link=1, optional=("data", "model"))]
    pipeline = PipelineDefinition((PipelineNode("n0_Prep", "Prep"), PipelineNode("n1_Impute", "Impute", "training"),
                                   PipelineNode("n2_Impute", "Impute", "training")))
    expected = comparable(_resolve(registry_of(specs), pipeline))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(resolver, "WIRING_RULES", ("diagnose.lp", "choose.lp", "gaps.lp", "jobs.lp", "objective.lp",
                                                 "order.lp", "explain.lp"))
        patch.setattr(catalog_index, "MATCH_RULES", ("types.lp", "match.lp", "words.lp"))
        assert comparable(_resolve(registry_of(specs), pipeline)) == expected


# --------------------------------------------------------------------------- minimal insertion


def _written(result: ResolvedPipeline, pipeline: PipelineDefinition, drop: str | None = None) -> PipelineDefinition:
    """The pipeline with the inserted steps written as ordinary nodes (except `drop`)."""
    extra = tuple(PipelineNode(n.name, n.step_type, n.job_type) for n in result.inserted if n.name != drop)
    return PipelineDefinition(pipeline.nodes + extra, pipeline.edges, pipeline.name)


def _crossings(result: ResolvedPipeline, registry: SpecRegistry) -> set[tuple[str, str]]:
    """The required inputs fed from another job type's chain (no job type counts as one of its own)."""
    jobs = {n.name: (n.job_type or "").lower() for n in result.nodes}
    nodes = {n.name: n for n in result.nodes}
    found = set()
    for e in result.edges:
        target = nodes[e.target]
        dep = registry.get(target.step_type).for_job(target.job_type).dependency(e.dependency)
        if dep is not None and dep.required and jobs[e.source] != jobs[e.target]:
            found.add((e.target, e.dependency))
    return found


@settings(settings.get_profile(PROFILE))
@given(case=gap_cases())
def test_inserted_steps_are_minimal(case: Case) -> None:
    """Definition: let I be the steps fill_gaps=True inserts into pipeline P, which then resolves.
    P + I written explicitly (fill_gaps=False) resolves too: I is enough. For every i in I, P + (I - {i})
    written explicitly does not resolve, or resolves only by feeding a required input of some node
    from another job type's chain, which the wiring with I does not: no step of I can be removed
    without a worse pipeline.

    (The second clause is the engine's rule that data crossing job-type chains costs as much as two
    inserted steps, objective.lp @3: given a `Prep` and a `Prep:training`, it inserts `Load` and
    `Load:training` rather than one `Load:training` feeding both. Strict minimality of the count
    would fail on exactly that case.)"""
    registry = registry_of(case.specs)
    filled = _resolve(registry, case.pipeline, fill_gaps=True)
    if not filled.ok or not filled.inserted:
        return
    complete = _resolve(registry, _written(filled, case.pipeline))
    assert complete.ok, f"the inserted steps written out do not resolve: {complete.errors}"
    for step in filled.inserted:
        reduced = _resolve(registry, _written(filled, case.pipeline, drop=step.name))
        assert not reduced.ok or _crossings(reduced, registry) - _crossings(filled, registry), (
            f"{step.name} ({step.step_type}) was inserted but the pipeline resolves as well without it: "
            f"inserted {[n.name for n in filled.inserted]}, edges without it "
            f"{[(e.source, e.target) for e in reduced.edges]}")


def test_an_explicit_edge_against_the_wiring_does_not_reorder_the_pipeline() -> None:
    """Found by the properties: `edges: [[train, load]]` (written backwards) is reported as incompatible,
    and the order still puts load before train (it put train first: the order was read off the
    wiring and the unwired explicit edge together, a cycle, and a cycle was ordered by name)."""
    from specwire.specs.registry import load_registry

    nodes = (PipelineNode("a_train", "TabularPreprocessing"), PipelineNode("b_load", "DataLoading"))
    pipeline = PipelineDefinition(nodes, (("a_train", "b_load"),))
    result = _resolve(load_registry(), pipeline)
    assert [(e.source, e.target) for e in result.edges] == [("b_load", "a_train")]
    assert [d.kind for d in result.errors] == ["incompatible"]
    assert result.order == ["b_load", "a_train"]
