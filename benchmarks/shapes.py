"""Realistic pipeline shapes for the scale benchmark (benchmarks/scale.py --shapes), deterministic by seed.

* ``chains``: one chain of the built-in fraud steps per segment, market or model family, each
  chain marked by its own job type (``seg0`` ... ``segN``), as a team that trains one model per
  segment writes it. The intended edges are one chain's wiring (the single chain resolved on its
  own), repeated in every chain: a chain must be wired within itself.
* ``random``: nodes drawn at random from the built-in catalog, with job types drawn from the
  standard ones (and none); no intended edges.
* ``dense``: a team catalog of N step types whose ports all carry one data type (``rows``) under
  one name, so every output can feed every input; each type names two others among its
  compatible sources. A 3-node pipeline of three such types.
"""

from __future__ import annotations

import random
from typing import Any

from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode
from specwire.specs.models import StepSpecification
from specwire.specs.registry import SpecRegistry

#: Ten built-in step types a tabular team chains: the fraud example's eight plus imputation and feature selection.
CHAIN_STEPS = ("DataLoading", "MissingValueImputation", "TabularPreprocessing", "FeatureSelection",
               "XGBoostTraining", "ModelEvaluation", "QualityGate", "CreateModel", "ModelRegistration",
               "BatchTransform")

RANDOM_JOBS = (None, "training", "validation", "testing", "calibration")


def chains(count: int, steps: tuple[str, ...] = CHAIN_STEPS) -> PipelineDefinition:
    """`count` chains of `steps`, node `<step>_seg<k>` of job type `seg<k>`."""
    nodes = tuple(PipelineNode(f"{step}_seg{k}", step, f"seg{k}") for k in range(count) for step in steps)
    return PipelineDefinition(nodes, name=f"chains-{count}")


def chain_edges(one_chain: set[tuple[str, str]], count: int) -> set[tuple[str, str]]:
    """One chain's node edges (of chain seg0) repeated in every chain."""
    out = set()
    for k in range(count):
        for a, b in one_chain:
            out.add((a.replace("_seg0", f"_seg{k}"), b.replace("_seg0", f"_seg{k}")))
    return out


def random_pipeline(size: int, step_types: list[str], seed: int = 0) -> PipelineDefinition:
    rng = random.Random(seed)
    nodes = []
    for i in range(size):
        step = rng.choice(step_types)
        nodes.append(PipelineNode(f"n{i:04d}_{step}", step, rng.choice(RANDOM_JOBS)))
    return PipelineDefinition(tuple(nodes), name=f"random-{size}")


def _port(name: str, sources: list[str] | None = None) -> dict[str, Any]:
    port: dict[str, Any] = {"logical_name": name, "kind": "processing_output", "semantic_keywords": ["rows"],
                            "aliases": []}
    if sources is None:
        port.update(data_type="rows", property_path=f"properties.Outputs['{name}']")
    else:
        port.update(required=True, data_types=["rows"], compatible_sources=sources)
    return port


def dense_registry(types: int) -> SpecRegistry:
    """`types` step types `Team0000Step` ...: input `rows` and output `rows`, sources the two before it."""
    registry = SpecRegistry()
    names = [f"Team{i:04d}Step" for i in range(types)]
    for i, name in enumerate(names):
        sources = [names[i - 1], names[i - 2]] if i >= 2 else []
        spec: dict[str, Any] = {"step_type": name, "sagemaker_step_kind": "Processing",
                                "dependencies": [_port("rows", sources)] if i else [],
                                "outputs": [_port("rows")]}
        registry.add(StepSpecification.model_validate(spec), "<dense>")
    return registry


def dense_pipeline(types: int) -> tuple[PipelineDefinition, set[tuple[str, str]]]:
    """Three consecutive types from the middle of the catalog: a -> b -> c by their sources."""
    mid = types // 2
    names = [f"Team{i:04d}Step" for i in (mid, mid + 1, mid + 2)]
    nodes = tuple(PipelineNode(n, n) for n in names)
    return PipelineDefinition(nodes, name=f"dense-{types}"), {(names[0], names[1]), (names[1], names[2])}
