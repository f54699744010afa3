"""The pipeline fields and the fraud pipeline of the issue, shared by the config tests."""

from __future__ import annotations

from typing import Any

from specwire.configs import ConfigNode, GenerationContext

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"

PIPELINE: dict[str, Any] = {
    "pipeline_name": "fraud",
    "region": "us-east-1",
    "role_arn": ROLE,
    "bucket": "ml-artifacts",
}

#: The fraud pipeline as the engine would resolve it (names, step types, job types), and its edges.
FRAUD_NODES = [
    ConfigNode("load", "DataLoading", "training"),
    ConfigNode("prep", "TabularPreprocessing", "training"),
    ConfigNode("train", "XGBoostTraining"),
    ConfigNode("eval", "ModelEvaluation", "testing"),
    ConfigNode("gate", "QualityGate"),
    ConfigNode("model", "CreateModel"),
    ConfigNode("register", "ModelRegistration"),
    ConfigNode("score", "BatchTransform", "testing"),
]
FRAUD_EDGES = [
    ("load", "prep"),
    ("prep", "train"),
    ("train", "eval"),
    ("prep", "eval"),
    ("eval", "gate"),
    ("train", "model"),
    ("gate", "model"),
    ("train", "register"),
    ("eval", "register"),
    ("gate", "register"),
    ("model", "score"),
    ("prep", "score"),
]


def context(**changes: Any) -> GenerationContext:
    return GenerationContext(**{**PIPELINE, "data_location": "s3://fraud-data/raw/", **changes})


#: What each step type needs beyond the pipeline fields to validate.
ESSENTIALS: dict[str, dict[str, Any]] = {
    "DataLoading": {"source_s3_uri": "s3://fraud-data/raw/"},
    "QualityGate": {"metric_name": "auc", "threshold": 0.7},
    "ModelRegistration": {"model_package_group_name": "fraud-models"},
}


def step_data(step_type: str, **changes: Any) -> dict[str, Any]:
    """A valid input of a step config (node 'n'), with `changes` on top."""
    return {**PIPELINE, "node_name": "n", **ESSENTIALS.get(step_type, {}), **changes}
