"""Strategies and checks shared by the reliability tests.

Catalogs are drawn from small pools of names, data types, kinds and words, so that random specs
actually connect (and sometimes fail to), and pipelines are drawn over a drawn catalog. The checks
here restate what a resolved pipeline promises, independently of the rules that produce it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode
from specwire.plan import ResolvedPipeline
from specwire.specs.models import DependencySpec, JobTypeVariant, OutputSpec, StepSpecification
from specwire.specs.registry import SpecRegistry

# --------------------------------------------------------------------------- settings
# Profiles (SPECWIRE_RELIABILITY_PROFILE picks one): `reliability` (default) is bounded so the whole
# folder runs in CI in well under a minute; `reliability-long` runs ten times the examples for a soak.
# Tests take `settings.get_profile(PROFILE)` (fuzzers: FUZZ_PROFILE) instead of loading a profile
# globally, so other folders' hypothesis tests keep their own settings.

_COMMON: dict[str, Any] = {"deadline": None, "derandomize": True, "print_blob": True,
                           "suppress_health_check": (HealthCheck.too_slow, HealthCheck.data_too_large,
                                                     HealthCheck.filter_too_much)}
settings.register_profile("reliability", max_examples=30, **_COMMON)
settings.register_profile("reliability-fuzz", max_examples=200, **_COMMON)
settings.register_profile("reliability-long", max_examples=300, **_COMMON)
settings.register_profile("reliability-long-fuzz", max_examples=2000, **_COMMON)
PROFILE = os.environ.get("SPECWIRE_RELIABILITY_PROFILE", "reliability")
FUZZ_PROFILE = PROFILE + "-fuzz"

# --------------------------------------------------------------------------- pools

STEP_NAMES = ("Load", "Prep", "Impute", "Train", "Tune", "Eval", "Pack", "Score")
#: A compatible source that names no step of any drawn catalog (a typo, or data from outside).
GHOST = "Ghost"
DATA_TYPES = ("S3Uri", "tabular", "model", "metrics", "string")
KINDS = ("processing_output", "model_artifacts", "training_data")
WORDS = ("data", "tabular", "model", "metrics", "features", "training", "score", "report")
PORT_NAMES = ("data", "model", "metrics", "features", "input_data", "model_input", "report", "train_data")
JOB_TYPES = ("training", "calibration")

# --------------------------------------------------------------------------- catalogs


def _sample(draw: st.DrawFn, pool: Sequence[str], max_size: int, min_size: int = 0) -> tuple[str, ...]:
    return tuple(draw(st.lists(st.sampled_from(pool), min_size=min_size, max_size=max_size, unique=True)))


@st.composite
def dependency_specs(draw: st.DrawFn, name: str, sources: Sequence[str]) -> DependencySpec:
    return DependencySpec(
        logical_name=name,
        kind=draw(st.sampled_from(KINDS)),
        required=draw(st.booleans()),
        data_types=_sample(draw, DATA_TYPES, 2, min_size=1),
        compatible_sources=_sample(draw, sources, 2),
        semantic_keywords=_sample(draw, WORDS, 3),
        aliases=_sample(draw, PORT_NAMES, 1),
    )


@st.composite
def output_specs(draw: st.DrawFn, name: str) -> OutputSpec:
    return OutputSpec(
        logical_name=name,
        kind=draw(st.sampled_from(KINDS)),
        data_type=draw(st.sampled_from(DATA_TYPES)),
        aliases=_sample(draw, PORT_NAMES, 1),
        semantic_keywords=_sample(draw, WORDS, 3),
    )


@st.composite
def step_specs(draw: st.DrawFn, step_type: str, sources: Sequence[str]) -> StepSpecification:
    dep_names = _sample(draw, PORT_NAMES, 2)
    out_names = _sample(draw, PORT_NAMES, 2, min_size=1)
    deps = tuple(draw(dependency_specs(n, sources)) for n in dep_names)
    outs = tuple(draw(output_specs(n)) for n in out_names)
    variants: dict[str, JobTypeVariant] = {}
    for job in _sample(draw, JOB_TYPES, 2) if deps else ():
        dep = draw(st.sampled_from(deps))
        variants[job] = JobTypeVariant(dependencies={dep.logical_name: {
            "semantic_keywords": [*_sample(draw, WORDS, 2), job]}})
    return StepSpecification(step_type=step_type, dependencies=deps, outputs=outs, job_type_variants=variants)


@st.composite
def catalogs(draw: st.DrawFn, min_steps: int = 2, max_steps: int = 6) -> list[StepSpecification]:
    """A list of valid step specifications with unique step types, in a drawn order."""
    names = draw(st.lists(st.sampled_from(STEP_NAMES), min_size=min_steps, max_size=max_steps, unique=True))
    sources = [*names, GHOST]
    return [draw(step_specs(name, sources)) for name in names]


@st.composite
def chain_catalogs(draw: st.DrawFn, min_steps: int = 3, max_steps: int = 6) -> tuple[list[StepSpecification],
                                                                                     list[str]]:
    """A random catalog with a chain woven in: each chain step needs (required) what the one before
    produces, sometimes with a second provider for the same input, so a pipeline that names the end
    of the chain and skips steps of it has gaps to fill. Returns the specs and the chain."""
    specs = draw(catalogs(min_steps, max_steps))
    length = draw(st.integers(2, len(specs)))
    chain = [s.step_type for s in specs[:length]]
    woven: list[StepSpecification] = []
    for i, spec in enumerate(specs):
        deps, outs = list(spec.dependencies), list(spec.outputs)
        if 0 < i < length:
            sources = [chain[i - 1]]
            if draw(st.booleans()):  # a second provider, from anywhere in the catalog
                sources.append(draw(st.sampled_from([s.step_type for s in specs if s.step_type != spec.step_type])))
            deps.append(DependencySpec(logical_name=f"link{i}", kind="processing_output", required=True,
                                       data_types=("tabular",), compatible_sources=tuple(sources),
                                       semantic_keywords=("chain",)))
        if i < length:
            outs.append(OutputSpec(logical_name=f"chain_out{i}", kind="processing_output", data_type="tabular",
                                   semantic_keywords=("chain",)))
        woven.append(StepSpecification(step_type=spec.step_type, dependencies=tuple(deps), outputs=tuple(outs),
                                       job_type_variants=spec.job_type_variants))
    order = draw(st.permutations(woven))
    return list(order), chain


def registry_of(specs: Iterable[StepSpecification], source: str = "<drawn>") -> SpecRegistry:
    registry = SpecRegistry()
    for spec in specs:
        registry.add(spec, source)
    registry.warnings.extend(registry.check_sources())
    return registry


# --------------------------------------------------------------------------- pipelines


@st.composite
def pipelines(draw: st.DrawFn, specs: Sequence[StepSpecification], *, max_nodes: int = 6,
              max_edges: int = 3) -> PipelineDefinition:
    """Nodes over the catalog's step types (some with job types), unique names, a few explicit edges."""
    count = draw(st.integers(1, max_nodes))
    nodes: list[PipelineNode] = []
    for i in range(count):
        spec = draw(st.sampled_from(list(specs)))
        job = draw(st.sampled_from((None, None, *JOB_TYPES)))
        nodes.append(PipelineNode(f"n{i}_{spec.step_type}", spec.step_type, job))
    names = [n.name for n in nodes]
    edges = draw(st.lists(st.tuples(st.sampled_from(names), st.sampled_from(names)), max_size=max_edges,
                          unique=True)) if max_edges else []
    return PipelineDefinition(tuple(nodes), tuple(edges), "drawn")


@dataclass(frozen=True)
class Case:
    specs: list[StepSpecification]
    pipeline: PipelineDefinition


@st.composite
def gap_cases(draw: st.DrawFn, *, max_extra: int = 2, max_edges: int = 0) -> Case:
    """A chain catalog and a pipeline naming the chain's end, some of its other steps, and a few more."""
    specs, chain = draw(chain_catalogs())
    kept = [chain[-1], *draw(st.lists(st.sampled_from(chain[:-1]), max_size=len(chain) - 2, unique=True))]
    others = draw(st.lists(st.sampled_from([s.step_type for s in specs]), max_size=max_extra))
    nodes = [PipelineNode(f"n{i}_{t}", t, draw(st.sampled_from((None, None, None, *JOB_TYPES))))
             for i, t in enumerate([*kept, *others])]
    names = [n.name for n in nodes]
    edges = draw(st.lists(st.tuples(st.sampled_from(names), st.sampled_from(names)), max_size=max_edges,
                          unique=True)) if max_edges else []
    return Case(specs, PipelineDefinition(tuple(nodes), tuple(edges), "drawn"))


@st.composite
def random_cases(draw: st.DrawFn, *, max_nodes: int = 6, max_edges: int = 3) -> Case:
    specs = draw(catalogs())
    return Case(specs, draw(pipelines(specs, max_nodes=max_nodes, max_edges=max_edges)))


def cases(*, max_nodes: int = 6, max_edges: int = 3) -> st.SearchStrategy[Case]:
    """Random catalogs and pipelines, half of them built around a chain with gaps to fill."""
    return st.one_of(random_cases(max_nodes=max_nodes, max_edges=max_edges), gap_cases(max_edges=max_edges))


# --------------------------------------------------------------------------- an independent oracle


def norm(text: str) -> str:
    """The normalisation the engine applies to kinds and data types (ModelArtifacts -> model_artifacts)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", text.strip())
    return re.sub(r"[^0-9a-z]+", "_", spaced.lower()).strip("_")


#: Kinds that may feed another kind (types.lp): generic processing output feeds any S3 input.
FEEDS = {("processing_output", "training_data"), ("processing_output", "hyperparameters"),
         ("processing_output", "payload_samples"), ("processing_output", "model_artifacts"),
         ("model_artifacts", "processing_output"), ("training_data", "processing_output")}
GENERIC_S3 = {"s3uri", "s3_uri", "s3"}
NOT_S3 = {"string", "model_name", "approval", "model_package"}


def kinds_compatible(out: OutputSpec, dep: DependencySpec) -> bool:
    ko, kd = norm(out.kind), norm(dep.kind)
    return ko == kd or (ko, kd) in FEEDS


def types_compatible(out: OutputSpec, dep: DependencySpec) -> bool:
    produced = norm(out.data_type)
    accepted = {norm(t) for t in dep.data_types}
    if produced in accepted:
        return True
    if accepted & GENERIC_S3 and produced not in NOT_S3:
        return True
    return produced in GENERIC_S3 and bool(accepted - NOT_S3)


def comparable(result: ResolvedPipeline) -> dict[str, Any]:
    """Everything a user sees of a result except timings."""
    return result.to_dict()
