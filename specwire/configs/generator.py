"""The config generator: one validated config per resolved node, from a context and overrides.

The generator takes nodes as plain (name, step type, job type) records, not the engine's
classes: the config layer must not import the engine, and anything with those three attributes
(the engine's nodes, a dataclass, `ConfigNode`) will do.

Order of precedence, lowest first: class defaults < context-aware defaults (sizing, data
location, framework of the trained model, job type) < overrides by step type < overrides by node.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import Field

from specwire.configs.base import BasePipelineConfig, StepConfig, TrainingStepConfig
from specwire.configs.model import merge_inputs
from specwire.configs.overrides import Overrides, check_override, resolve_keys
from specwire.configs.registry import CONFIG_CLASSES, config_class_for
from specwire.configs.sizing import Environment, sizing_defaults
from specwire.configs.steps import (
    DataLoadingConfig,
    HyperparameterTuningConfig,
    ModelRegistrationConfig,
    QualityGateConfig,
)
from specwire.configs.types import BucketName, JobType, NonNegativeFloat, PipelineName, Region, RoleArn, S3Uri
from specwire.errors import ConfigError, SpecwireError

#: The gate a generated QualityGate starts from: a floor that catches a broken model, not a
#: business target. Override `threshold` for the pipeline's real bar.
DEFAULT_GATE: dict[str, Any] = {"metric_name": "auc", "comparison": ">=", "threshold": 0.7}

#: Steps that load a trained model and so must know its framework.
_MODEL_CONSUMERS = ("ModelEvaluation", "ModelExplainability", "CreateModel", "ModelRegistration")

DataFormat = Literal["csv", "parquet", "json"]


class NodeLike(Protocol):
    """What the generator reads of a resolved node."""

    @property
    def name(self) -> str: ...

    @property
    def step_type(self) -> str: ...

    @property
    def job_type(self) -> str | None: ...


@dataclass(frozen=True)
class ConfigNode:
    """A resolved node, as the generator needs it."""

    name: str
    step_type: str
    job_type: str | None = None


class GenerationContext(BasePipelineConfig):
    """The pipeline's shared fields plus what the generator knows of the data and environment."""

    # Required here (a config may leave them to its pipeline; the pipeline's context may not).
    pipeline_name: PipelineName
    """SageMaker pipeline name (letters, digits, hyphens)."""
    region: Region
    """AWS region the pipeline runs in, e.g. 'us-east-1'."""
    role_arn: RoleArn
    """IAM role the pipeline's jobs run as."""
    bucket: BucketName
    """S3 bucket for code, intermediate data and outputs (a name, not an s3:// URI)."""

    data_location: S3Uri
    """Where the raw data is (the DataLoading source)."""
    data_locations: dict[JobType, S3Uri] = Field(default_factory=dict)
    """Raw data per job type, e.g. {'calibration': 's3://...'}; others use `data_location`."""
    data_format: DataFormat | None = None
    """Format of the raw data; None infers it from the location's extension (csv otherwise)."""
    data_size_gb: NonNegativeFloat | None = None
    """Approximate size of the raw data; sizes instances, volumes and runtimes."""
    environment: Environment = "prod"
    """'dev' picks cheaper instances and shorter runtimes; 'prod' sizes for the data."""
    label_field: str | None = None
    """Target column, given to every step that has a `label_field`."""

    @classmethod
    def _label(cls, data: Mapping[str, Any]) -> str:
        return "context"


def infer_format(uri: str) -> DataFormat | None:
    """The data format an S3 location's extension names, or None (a folder, say)."""
    match = re.search(r"\.(csv|tsv|parquet|pq|json|jsonl)(?:\.gz)?/?$", uri.lower())
    if not match:
        return None
    ext = match.group(1)
    return "parquet" if ext in ("parquet", "pq") else "json" if ext.startswith("json") else "csv"


def generate_configs(
    nodes: Iterable[NodeLike],
    context: GenerationContext,
    overrides: Overrides | None = None,
    *,
    edges: Iterable[tuple[str, str]] = (),
    classes: Mapping[str, type[StepConfig]] | None = None,
) -> dict[str, StepConfig]:
    """One validated config per node, keyed by node name in node order.

    `edges` (provider, consumer) are optional: with them, a data-chain step without a job type
    inherits the job type its inputs agree on (so the steps after a calibration DataLoading run on
    the calibration chain), and a step that loads a model takes the framework of the model it is
    wired to. Without them, the framework is taken when the pipeline trains only one.

    `classes` maps step types to config classes for this catalog (default: the registered ones;
    `specwire.configs.generated.registry_config_classes` adds a pack's file-only step types).
    """
    node_list = list(nodes)
    known = CONFIG_CLASSES if classes is None else classes
    classes_of = _classes(node_list, known)
    upstream = _upstream(edges, classes_of)
    job_types = _job_types(node_list, classes_of, upstream)
    by_type, by_node = resolve_keys(overrides or {}, {n.name: n.step_type for n in node_list}, known)
    type_classes = {node.step_type: classes_of[node.name] for node in node_list}
    for key, changes in by_type.items():
        check_override(type_classes[key], changes, key)
    for key, changes in by_node.items():
        check_override(classes_of[key], changes, key)

    configs: dict[str, StepConfig] = {}
    problems: list[SpecwireError] = []
    # Trainers first: the steps that load a model read the trainer's (overridden) framework.
    ordered = sorted(node_list, key=lambda n: n.step_type in _MODEL_CONSUMERS)
    for node in ordered:
        cls = classes_of[node.name]
        data = _defaults(node, cls, context, job_types[node.name])
        if node.step_type in _MODEL_CONSUMERS and "model_framework" in cls.model_fields:
            framework = _framework_for(node.name, configs, upstream)
            if framework is not None:
                data["model_framework"] = framework
        # Step-type overrides first, node overrides last: the node's own word wins.
        for layer in (by_type.get(node.step_type), by_node.get(node.name)):
            if layer:
                data = merge_inputs(cls, data, layer)
        if node.step_type in _MODEL_CONSUMERS and "model_framework" not in data:
            trained = _frameworks_in(configs)
            if len(trained) > 1:
                problems.append(_ambiguous_framework(node, cls, trained))
                continue
        try:
            configs[node.name] = cls.from_data(data)
        except ConfigError as exc:
            problems.append(exc)
    if problems:
        raise _combine(problems)
    return {node.name: configs[node.name] for node in node_list}


# --------------------------------------------------------------------------- steps of generation


def _classes(nodes: Sequence[NodeLike], known: Mapping[str, type[StepConfig]]) -> dict[str, type[StepConfig]]:
    classes: dict[str, type[StepConfig]] = {}
    for node in nodes:
        if node.name in classes:
            raise ConfigError(f"node {node.name!r} appears twice in the pipeline", nodes=[node.name])
        classes[node.name] = config_class_for(node.step_type, known)
    return classes


def _upstream(edges: Iterable[tuple[str, str]], classes: Mapping[str, type[StepConfig]]) -> dict[str, list[str]]:
    upstream: dict[str, list[str]] = {name: [] for name in classes}
    for provider, consumer in edges:
        for name in (provider, consumer):
            if name not in classes:
                raise ConfigError(f"edge {provider!r} -> {consumer!r} names {name!r}, which is not a node")
        if provider not in upstream[consumer]:
            upstream[consumer].append(provider)
    return upstream


def _job_types(
    nodes: Sequence[NodeLike], classes: Mapping[str, type[StepConfig]], upstream: Mapping[str, list[str]]
) -> dict[str, str | None]:
    """Each node's job type: its own; else, for a data-chain step, the one all its data-chain
    inputs agree on; else its class default (ModelCalibration: 'calibration')."""
    given = {n.name: n.job_type for n in nodes}
    resolved: dict[str, str | None] = dict(given)
    # Propagate to a fixpoint; each pass can only fill a node, so len(nodes) passes suffice.
    for _ in range(len(nodes)):
        changed = False
        for node in nodes:
            if resolved[node.name] is not None or not classes[node.name].CHAIN_STEP:
                continue
            inherited = {resolved[p] for p in upstream[node.name] if classes[p].CHAIN_STEP and resolved[p] is not None}
            if len(inherited) == 1:
                resolved[node.name] = inherited.pop()
                changed = True
        if not changed:
            break
    for node in nodes:
        if resolved[node.name] is None:
            default = classes[node.name].model_fields["job_type"].default
            resolved[node.name] = default if isinstance(default, str) else None
    return resolved


def _defaults(
    node: NodeLike, cls: type[StepConfig], context: GenerationContext, job_type: str | None
) -> dict[str, Any]:
    data: dict[str, Any] = dict(context.pipeline_fields())
    data["node_name"] = node.name
    data["job_type"] = job_type
    data.update(sizing_defaults(cls, data_size_gb=context.data_size_gb, environment=context.environment))
    if context.label_field is not None and "label_field" in cls.model_fields:
        data["label_field"] = context.label_field
    if issubclass(cls, DataLoadingConfig):
        source = context.data_locations.get(job_type or "", context.data_location)
        data["source_s3_uri"] = source
        data["data_format"] = context.data_format or infer_format(source) or "csv"
    if issubclass(cls, QualityGateConfig):
        data.update(DEFAULT_GATE)
    if issubclass(cls, ModelRegistrationConfig):
        # Package group names stop at 63 characters; keep the pipeline's name recognisable.
        data["model_package_group_name"] = context.pipeline_name[:56].rstrip("-") + "-models"
    return data


def _trained_framework(config: StepConfig) -> str | None:
    if isinstance(config, TrainingStepConfig | HyperparameterTuningConfig):
        return config.model_framework
    return None


def _frameworks_in(configs: Mapping[str, StepConfig]) -> list[str]:
    return sorted({f for c in configs.values() if (f := _trained_framework(c))})


def _framework_for(name: str, configs: Mapping[str, StepConfig], upstream: Mapping[str, list[str]]) -> str | None:
    """The framework of the model `name` loads: the trainer upstream of it if edges are known,
    else the pipeline's only trained framework."""
    seen: set[str] = set()
    frontier = list(upstream.get(name, ()))
    found: set[str] = set()
    while frontier:
        current = frontier.pop()
        if current in seen:
            continue
        seen.add(current)
        framework = _trained_framework(configs[current]) if current in configs else None
        if framework:
            found.add(framework)  # a trainer's inputs are data, not models: stop here
        else:
            frontier.extend(upstream.get(current, ()))
    if len(found) == 1:
        return found.pop()
    trained = _frameworks_in(configs)
    return trained[0] if len(trained) == 1 and not found else None


def _ambiguous_framework(node: NodeLike, cls: type[StepConfig], trained: list[str]) -> ConfigError:
    return ConfigError(
        f"{cls.STEP_TYPE} (node {node.name!r}).model_framework: the pipeline trains "
        + " and ".join(repr(t) for t in trained)
        + ", so which model this step loads is unclear",
        suggested_fix=f"pass the pipeline's edges, or override model_framework for node {node.name!r}",
        nodes=[node.name],
    )


def _combine(problems: Sequence[SpecwireError]) -> ConfigError:
    if len(problems) == 1 and isinstance(problems[0], ConfigError):
        return problems[0]
    nodes = [n for p in problems for n in p.nodes]
    message = f"{len(problems)} config problems: " + "; ".join(p.message for p in problems)
    return ConfigError(message, suggested_fix=problems[0].suggested_fix, nodes=nodes)
