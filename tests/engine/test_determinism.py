"""The same input gives byte-identical output whatever the order of nodes, specs or files."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from rulekit import catalog

from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode
from specwire.engine.resolver import ResolveOptions, Resolver
from specwire.specs.registry import load_registry

NODES = [("load_t", "DataLoading", "training"), ("prep_t", "TabularPreprocessing", "training"),
         ("load_c", "DataLoading", "calibration"), ("prep_c", "TabularPreprocessing", "calibration"),
         ("a", "TabularPreprocessing", None), ("train", "XGBoostTraining", None), ("hpo", "HyperparameterTuning", None),
         ("eval", "ModelEvaluation", None), ("score_c", "ModelEvaluation", "calibration"),
         ("calib", "ModelCalibration", "calibration"), ("gate", "QualityGate", None), ("model", "CreateModel", None),
         ("reg", "ModelRegistration", None), ("bt", "BatchTransform", None), ("xai", "ModelExplainability", None)]


def _json(registry, nodes, fill=False):
    definition = PipelineDefinition(tuple(PipelineNode(*n) for n in nodes), (), "perm")
    return Resolver(registry).resolve(definition, ResolveOptions(fill_gaps=fill)).to_json()


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_node_order_does_not_matter(builtin, seed):
    shuffled = list(NODES)
    random.Random(seed).shuffle(shuffled)
    assert _json(builtin, shuffled) == _json(builtin, NODES)


def test_spec_order_does_not_matter(builtin):
    specs = list(builtin)
    random.Random(7).shuffle(specs)
    assert _json(catalog(*specs), NODES) == _json(builtin, NODES)
    assert _json(catalog(*specs), NODES[:3] + NODES[5:6], fill=True) == _json(builtin, NODES[:3] + NODES[5:6],
                                                                                fill=True)


def test_catalog_file_order_does_not_matter(tmp_path: Path):
    files = sorted(Path(p) for p in (Path(__file__).parents[2] / "specwire" / "specs" / "catalog").glob("*.yaml"))
    reversed_registry = load_registry(list(reversed(files)))
    assert _json(reversed_registry, NODES) == _json(load_registry(files), NODES)
