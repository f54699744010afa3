"""Definitions built once per session, offline: no AWS credentials or profile in the environment,
no ~/.aws, and every socket that is not loopback refused (and recorded) during the build.

The SageMaker SDK import costs about 2 s; every SDK test shares these fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from builders_support import AWS_VARIABLES, EXAMPLES, ROLE, Built, NetworkGuard


@pytest.fixture(scope="session")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetworkGuard]:
    """No credentials, no profile, an empty home (no ~/.aws, ~/.sagemaker), no network."""
    mp = pytest.MonkeyPatch()
    for key in AWS_VARIABLES:
        mp.delenv(key, raising=False)
    mp.setenv("HOME", str(tmp_path_factory.mktemp("empty-home")))
    mp.setenv("SPECWIRE_CACHE_DIR", str(tmp_path_factory.mktemp("specwire-cache")))
    guard = NetworkGuard()
    guard.install(mp)
    yield guard
    mp.undo()


def _build(path: Path, guard: NetworkGuard, **context: Any) -> Built:
    from specwire.builders import definition_json
    from specwire.pipeline.api import Pipeline

    pipeline = Pipeline.from_file(path, role_arn=ROLE, **context)
    plan = pipeline.plan()
    text = definition_json(plan.resolved, plan.configs, name=pipeline.sagemaker_name)
    again = definition_json(plan.resolved, plan.configs, name=pipeline.sagemaker_name)
    return Built(plan.resolved, plan.configs, text, again, list(guard.attempts))


@pytest.fixture(scope="session")
def fraud(offline: NetworkGuard) -> Built:
    """The fraud example, built twice in this process, offline."""
    return _build(EXAMPLES / "fraud.yaml", offline, bucket="ml-artifacts")


EVERYTHING = """\
name: everything
nodes:
  - {name: load, step: DataLoading}
  - {name: prep, step: TabularPreprocessing}
  - {name: impute, step: MissingValueImputation}
  - {name: select, step: FeatureSelection}
  - {name: tune, step: HyperparameterTuning}
  - {name: lgbm, step: LightGBMTraining}
  - {name: torch, step: PyTorchTraining}
  - {name: evaluate, step: ModelEvaluation}
  - {name: explain, step: ModelExplainability}
  - {name: calibrate, step: ModelCalibration}
  - {name: gate, step: QualityGate}
  - {name: model, step: CreateModel}
  - {name: register, step: ModelRegistration}
  - {name: score, step: BatchTransform}
# The generator cannot tell which of three trained models a step behind the gate serves.
overrides:
  model: {model_framework: lightgbm, enable_network_isolation: true}
  register: {model_framework: lightgbm}
"""


@pytest.fixture(scope="session")
def everything(offline: NetworkGuard, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Every built-in step type in one pipeline (tuning, LightGBM, PyTorch, imputation, ...)."""
    path = tmp_path_factory.mktemp("everything") / "everything.yaml"
    path.write_text(EVERYTHING, encoding="utf-8")
    return _build(path, offline, region="eu-west-1", bucket="ml-artifacts")
