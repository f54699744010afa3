"""Job-type chains solved apart (engine/fast/chains.py): the same answer as solving them together."""

from __future__ import annotations

import pytest

from specwire.engine import resolver as resolver_module
from specwire.engine.fast import chains
from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode
from specwire.engine.resolver import Resolver
from specwire.plan import ResolvedPipeline
from specwire.specs.registry import load_registry

STEPS = ("DataLoading", "MissingValueImputation", "TabularPreprocessing", "XGBoostTraining", "ModelEvaluation",
         "QualityGate", "CreateModel", "ModelRegistration")
#: With feature selection and batch transform, three processing steps that could feed each other in
#: any order: alone, each chain wires them in a line; together, the old rules traded a crossing into
#: another segment's chain for a better match elsewhere.
TEN_STEPS = ("DataLoading", "MissingValueImputation", "TabularPreprocessing", "FeatureSelection", "XGBoostTraining",
             "ModelEvaluation", "QualityGate", "CreateModel", "ModelRegistration", "BatchTransform")


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(load_registry())


def _chains(count: int, steps: tuple[str, ...] = STEPS, skip: dict[int, set[str]] | None = None) -> PipelineDefinition:
    skip = skip or {}
    nodes = tuple(PipelineNode(f"{step}_seg{k}", step, f"seg{k}")
                  for k in range(count) for step in steps if step not in skip.get(k, set()))
    return PipelineDefinition(nodes)


def _answer(result: ResolvedPipeline) -> tuple[object, ...]:
    return (sorted((e.source, e.output, e.target, e.dependency, e.quality, e.reasons) for e in result.edges),
            sorted((d.kind, d.message) for d in result.diagnostics), result.stats.proven_optimal)


def _together(resolver: Resolver, pipeline: PipelineDefinition, monkeypatch: pytest.MonkeyPatch) -> ResolvedPipeline:
    with monkeypatch.context() as patch:
        patch.setattr(chains, "plain_jobs", lambda *_args: frozenset())
        patch.setattr(resolver_module, "BATCH_NODES", 10_000)
        return resolver.resolve(pipeline)


def _apart(resolver: Resolver, pipeline: PipelineDefinition, monkeypatch: pytest.MonkeyPatch,
           batch: int = len(STEPS)) -> tuple[ResolvedPipeline, list[bool]]:
    """Resolved with one chain per part; the list says, per call of the solver loop, whether chains were apart."""
    calls: list[bool] = []
    original = Resolver._solve

    def spy(self: Resolver, *args: object, **kwargs: object) -> object:
        calls.append(bool(kwargs.get("apart", True)))
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(resolver_module, "BATCH_NODES", batch)
        patch.setattr(Resolver, "_solve", spy)
        return resolver.resolve(pipeline), calls


@pytest.mark.parametrize("steps", [STEPS, TEN_STEPS], ids=["8-steps", "10-steps"])
def test_chains_solved_apart_give_the_answer_of_solving_them_together(resolver: Resolver,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      steps: tuple[str, ...]) -> None:
    pipeline = _chains(4, steps)
    apart, calls = _apart(resolver, pipeline, monkeypatch, len(steps))
    together = _together(resolver, pipeline, monkeypatch)
    assert calls == [True]  # proven apart, no second solve
    assert apart.stats.components == 4 and together.stats.components == 1
    assert apart.stats.proven_optimal
    assert _answer(apart) == _answer(together)
    # Each chain is wired within itself, as the chain on its own is.
    assert all(e.source.rsplit("_", 1)[1] == e.target.rsplit("_", 1)[1] for e in apart.edges)
    alone = {(e.source, e.output, e.target, e.dependency) for e in resolver.resolve(_chains(1, steps)).edges}
    seg0 = {(e.source, e.output, e.target, e.dependency) for e in apart.edges if e.target.endswith("_seg0")}
    assert seg0 == alone


def test_a_chain_that_needs_another_chain_is_solved_with_it(resolver: Resolver,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # seg1 has no loader: its preprocessing can only read seg0's raw data, which the proof sees
    # (apart.lp's apart_open), so the chains are solved together and the answer is the joint one.
    pipeline = _chains(3, skip={1: {"DataLoading"}})
    apart, calls = _apart(resolver, pipeline, monkeypatch)
    together = _together(resolver, pipeline, monkeypatch)
    assert calls == [True, False]
    assert _answer(apart) == _answer(together)
    assert any(e.target == "TabularPreprocessing_seg1" and e.source.endswith("_seg0") for e in apart.edges)


def test_plain_job_types(resolver: Resolver) -> None:
    index = resolver.index
    rules = [resolver_module.builtin_rule_file(name) for name in resolver_module.WIRING_RULES]
    assert chains.is_plain("seg0", index, rules)
    assert chains.is_plain("EMEA", index, rules)
    for job in ("training", "Calibration", "pretrain", "finetune_train", None, "none"):
        assert not chains.is_plain(job, index, rules), job
    nodes = [PipelineNode("a", "DataLoading", "seg0"), PipelineNode("b", "DataLoading", "training")]
    assert chains.plain_jobs(index, nodes, rules) == frozenset()  # one plain chain: nothing to keep apart
    nodes.append(PipelineNode("c", "DataLoading", "seg1"))
    assert chains.plain_jobs(index, nodes, rules) == {"seg0", "seg1"}


def test_crossing_flips() -> None:
    nodes = {n.name: n for n in (PipelineNode("a0", "A", "s0"), PipelineNode("b0", "B", "s0"),
                                 PipelineNode("a1", "A", "s1"), PipelineNode("b1", "B", "s1"))}
    part_of = {"a0": 0, "b0": 0, "a1": 1, "b1": 1}
    assert not chains.crossing_flips([("a0", "b0"), ("a1", "b1")], nodes, part_of)
    assert chains.crossing_flips([("a0", "b0"), ("b1", "a1")], nodes, part_of)
