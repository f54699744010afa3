"""Property: no training step is ever fed by a provider of another split chain (training,
calibration, validation, testing, evaluation, and job types that name one) unless its spec names
that chain: a qualified compatible source ("Prep:calibration") or the chain among the words of
the dependency. Checked on every corpus pipeline and on random catalogs and pipelines.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rulekit import catalog, dep, out, pipeline, spec

from specwire.engine.pipeline_def import load_pipeline_file
from specwire.engine.resolver import ResolveOptions, Resolver
from specwire.plan import ResolvedPipeline
from specwire.specs.models import SPLIT_JOB_STEMS, StepKind
from specwire.specs.registry import SpecRegistry, load_registry, split_qualified_source

LEARNING = (StepKind.TRAINING, StepKind.TUNING)


def leaks(resolver: Resolver, result: ResolvedPipeline) -> list[str]:
    """Every edge that carries another split chain's data into a training step unasked."""
    jobs = {n.name: (n.job_type or "").lower() or None for n in result.nodes}
    steps = {n.name: n.step_type for n in result.nodes}
    index = resolver.index
    found = []
    for edge in result.edges:
        consumer = resolver.registry.get(steps[edge.target])
        if consumer.sagemaker_step_kind not in LEARNING:
            continue
        own = jobs[edge.target]
        chain = own if own in SPLIT_JOB_STEMS else "training"
        provider_job = jobs[edge.source]
        if provider_job not in SPLIT_JOB_STEMS or provider_job == chain:
            continue
        profile = index.profile_for(steps[edge.target], own)
        spec_dep = next(d for d in index.profiles[profile].dependencies if d.logical_name == edge.dependency)
        named = provider_job in index.dep_roots.get((profile, edge.dependency), set()) or any(
            split_qualified_source(s) == (steps[edge.source], provider_job) for s in spec_dep.compatible_sources)
        if not named:
            found.append(f"{edge.source} ({provider_job}) -> {edge.target}.{edge.dependency} (learns on {chain})")
    return found


def test_no_corpus_pipeline_feeds_a_training_step_from_another_split_chain(cursus_dir: Path) -> None:
    resolver = Resolver(load_registry([cursus_dir / "specs.json"]))
    for path in sorted((cursus_dir / "dags").glob("*.json")):
        result = resolver.resolve(load_pipeline_file(path), ResolveOptions(ignore_edges=True))
        assert not leaks(resolver, result), path.stem


def test_the_corpus_pipelines_have_training_steps_to_check(cursus_dir: Path) -> None:
    data = json.loads((cursus_dir / "specs.json").read_text())["step_specifications"]
    assert sum(1 for s in data if s.get("sagemaker_step_type") == "Training") >= 4


_JOBS = [None, "training", "calibration", "validation", "testing", "evaluation", "pretrain", "delta"]
_WORDS = ["data", "features", "training", "calibration", "testing", "processed", "tabular", "scores"]


def _random_catalog(rng: random.Random) -> SpecRegistry:
    types = [f"Step{i}" for i in range(5)]
    specs = []
    for i, name in enumerate(types):
        deps = []
        for k in range(rng.randint(0, 2)):
            sources = rng.sample(types[:i] or types, k=min(len(types[:i] or types), rng.randint(0, 2)))
            if sources and rng.random() < 0.2:
                sources[0] += ":" + rng.choice(list(SPLIT_JOB_STEMS))
            deps.append(dep(f"in{k}", required=rng.random() < 0.7, sources=sources,
                            keywords=rng.sample(_WORDS, k=rng.randint(1, 3)),
                            aliases=["features"] if rng.random() < 0.5 else []))
        outs = [out(f"out{k}", keywords=rng.sample(_WORDS, k=rng.randint(1, 3)),
                    aliases=["features"] if rng.random() < 0.5 else []) for k in range(rng.randint(1, 2))]
        kind = "Training" if rng.random() < 0.4 else "Processing"
        specs.append(spec(name, deps, outs, kind=kind))
    return catalog(*specs)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=10**9))
def test_no_random_pipeline_feeds_a_training_step_from_another_split_chain(seed: int) -> None:
    rng = random.Random(seed)
    registry = _random_catalog(rng)
    nodes = [(f"n{i}", rng.choice(registry.step_types()), rng.choice(_JOBS)) for i in range(rng.randint(2, 7))]
    resolver = Resolver(registry)
    result = resolver.resolve(pipeline(*nodes), ResolveOptions(fill_gaps=rng.random() < 0.5))
    assert not leaks(resolver, result)


@pytest.mark.parametrize("job", sorted(SPLIT_JOB_STEMS))
def test_every_split_chain_is_kept_out_of_a_training_step(job: str) -> None:
    registry = catalog(spec("Prep", [], [out("features")]),
                       spec("Train", [dep("input_path", sources=["Prep"], aliases=["features"])], [out("model")],
                            kind="Training"))
    resolver = Resolver(registry)
    result = resolver.resolve(pipeline(("prep", "Prep", job), ("train", "Train", None)), ResolveOptions())
    assert bool(result.edges) == (job == "training")
