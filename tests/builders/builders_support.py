"""Helpers of the builder tests: a network guard, a built pipeline, and readers of a definition."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "specwire" / "examples"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
#: Environment variables that could hand the SDK credentials or a profile.
AWS_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE",
                 "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "SPECWIRE_ROLE_ARN")


def _loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) and address else address
    return isinstance(host, str) and (host.startswith("127.") or host in ("::1", "localhost"))


@dataclass
class NetworkGuard:
    """Refuses every connection that is not loopback, and keeps a record of the attempts
    (the SDK swallows some errors, e.g. of telemetry, so a refusal alone could go unseen)."""

    attempts: list[str] = field(default_factory=list)

    def install(self, mp: pytest.MonkeyPatch) -> None:
        original_connect = socket.socket.connect
        original_connect_ex = socket.socket.connect_ex
        original_create = socket.create_connection
        guard = self

        def connect(sock: socket.socket, address: Any) -> Any:
            if not _loopback(address) and sock.family != getattr(socket, "AF_UNIX", None):
                guard.attempts.append(repr(address))
                raise OSError(f"network blocked by the test: {address!r}")
            return original_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> Any:
            if not _loopback(address) and sock.family != getattr(socket, "AF_UNIX", None):
                guard.attempts.append(repr(address))
                raise OSError(f"network blocked by the test: {address!r}")
            return original_connect_ex(sock, address)

        def create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
            if not _loopback(address):
                guard.attempts.append(repr(address))
                raise OSError(f"network blocked by the test: {address!r}")
            return original_create(address, *args, **kwargs)

        mp.setattr(socket.socket, "connect", connect)
        mp.setattr(socket.socket, "connect_ex", connect_ex)
        mp.setattr(socket, "create_connection", create_connection)


@dataclass
class Built:
    """One pipeline built twice, offline."""

    resolved: Any
    configs: dict[str, Any]
    text: str
    second_text: str
    attempts: list[str]

    @property
    def definition(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.text)
        return parsed


# ----------------------------------------------------------------------------- reading a definition


def all_steps(steps: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every step of a definition, those inside condition branches included."""
    for step in steps:
        yield step
        if step["Type"] == "Condition":
            yield from all_steps(step["Arguments"].get("IfSteps", []))
            yield from all_steps(step["Arguments"].get("ElseSteps", []))


def steps_by_name(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["Name"]: step for step in all_steps(definition["Steps"])}


def references(value: Any) -> list[str]:
    """Every `{"Get": ...}` expression inside a JSON value."""
    found: list[str] = []
    if isinstance(value, dict):
        if set(value) == {"Get"} and isinstance(value["Get"], str):
            found.append(value["Get"])
        for item in value.values():
            found.extend(references(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(references(item))
    return found


EXECUTION_ID = {"Get": "Execution.PipelineExecutionId"}


def scoped(base: str, *parts: str) -> dict[str, Any]:
    """The definition JSON of `<base>/<execution id>/<parts...>` (an execution-scoped S3 location)."""
    return {"Std:Join": {"On": "/", "Values": [base, EXECUTION_ID, *parts]}}


def build_example(path: Path, guard: NetworkGuard, **context: Any) -> Built:
    from specwire.builders import definition_json
    from specwire.pipeline.api import Pipeline

    pipeline = Pipeline.from_file(path, role_arn=ROLE, **context)
    plan = pipeline.plan()
    text = definition_json(plan.resolved, plan.configs, name=pipeline.sagemaker_name)
    again = definition_json(plan.resolved, plan.configs, name=pipeline.sagemaker_name)
    return Built(plan.resolved, plan.configs, text, again, list(guard.attempts))



EVERYTHING = """\
name: everything
nodes:
  - {name: load, step: DataLoading}
  - {name: prep, step: TabularPreprocessing}
  - {name: quality, step: DataQualityCheck}
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
