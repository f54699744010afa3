"""Saving all configs of a pipeline to one JSON or YAML file, and loading them back equal.

The file writes the shared pipeline fields once and each node's own fields under its name:

    specwire_configs: 1
    pipeline: {pipeline_name: fraud, region: us-east-1, ...}
    nodes:
      train: {step_type: XGBoostTraining, instance_type: ml.m5.2xlarge, hyperparameters: {...}}

Every input field is written, defaults included, so a file means the same thing after a
specwire upgrade changes a default; derived fields are not written (they would go stale when
someone edits the file). A node whose shared field differs from the pipeline's keeps it in its
own entry, so any set of configs round-trips.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml

from specwire import files
from specwire.configs.base import BasePipelineConfig, StepConfig
from specwire.configs.registry import config_class_for
from specwire.errors import ConfigError, SpecwireError, brief, suggestion_text
from specwire.specs.files import read_document

#: Version of the file layout; bumped when a file of the old layout would be misread.
FORMAT_VERSION = 1
VERSION_KEY = "specwire_configs"
_TOP_LEVEL = (VERSION_KEY, "pipeline", "nodes")

FileFormat = Literal["json", "yaml"]


def file_format(path: Path) -> FileFormat:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    raise ConfigError(
        f"{path}: cannot tell the config file format from {suffix or 'no extension'!r}",
        suggested_fix="name the file *.json, *.yaml or *.yml",
    )


# --------------------------------------------------------------------------- to and from a document


def configs_to_document(configs: Mapping[str, StepConfig]) -> dict[str, Any]:
    """The file's content as plain data (see the module docstring)."""
    if not configs:
        raise ConfigError("there are no configs to save")
    for name, config in configs.items():
        if name != config.node_name:
            raise ConfigError(f"configs[{name!r}] holds the config of node {config.node_name!r}")
    first = next(iter(configs.values()))
    # Job settings (VPC, KMS, caching, ...) are written only when set: most pipelines use none.
    defaults = {name: BasePipelineConfig.model_fields[name].get_default(call_default_factory=True)
                for name in BasePipelineConfig.JOB_SETTINGS}
    shared = {name: first.inputs()[name] for name in BasePipelineConfig.PIPELINE_FIELDS}
    shared = {name: value for name, value in shared.items() if name not in defaults or value != defaults[name]}
    nodes: dict[str, dict[str, Any]] = {}
    for name, config in configs.items():
        entry: dict[str, Any] = {"step_type": config.STEP_TYPE}
        for field, value in config.inputs().items():
            if field == "node_name" or (field in shared and shared[field] == value):
                continue
            if field not in shared and field in defaults and value == defaults[field]:
                continue
            entry[field] = value
        nodes[name] = entry
    return {VERSION_KEY: FORMAT_VERSION, "pipeline": shared, "nodes": nodes}


def configs_from_document(document: Any, source: str = "<configs>",
                          classes: Mapping[str, type[StepConfig]] | None = None) -> dict[str, StepConfig]:
    """Configs from the plain data of a file; `source` names the file in errors; `classes` are the
    catalog's config classes (default: the registered ones)."""
    if not isinstance(document, Mapping):
        raise ConfigError(f"{source}: expected a mapping with 'pipeline' and 'nodes', got {type(document).__name__}")
    for key in document:
        if key not in _TOP_LEVEL:
            hint = suggestion_text(str(key), _TOP_LEVEL)
            raise ConfigError(f"{source}: unknown top-level field {brief(key)}" + (f" ({hint})" if hint else ""))
    version = document.get(VERSION_KEY)
    if version != FORMAT_VERSION:
        raise ConfigError(
            f"{source}: {VERSION_KEY} must be {FORMAT_VERSION}, got {brief(version)}",
            suggested_fix=f"start the file with '{VERSION_KEY}: {FORMAT_VERSION}'",
        )
    shared = document.get("pipeline")
    nodes = document.get("nodes")
    if not isinstance(shared, Mapping):
        raise ConfigError(f"{source}: 'pipeline' must be a mapping of the shared pipeline fields")
    if not isinstance(nodes, Mapping) or not nodes:
        raise ConfigError(f"{source}: 'nodes' must map each node name to its config")
    for key in shared:
        if key not in BasePipelineConfig.PIPELINE_FIELDS:
            hint = suggestion_text(str(key), BasePipelineConfig.PIPELINE_FIELDS)
            raise ConfigError(
                f"{source}: pipeline.{key} is not a shared pipeline field" + (f" ({hint})" if hint else ""),
                suggested_fix="put a step's own fields under its node in 'nodes'",
            )
    return {str(name): _load_node(str(name), entry, shared, source, classes) for name, entry in nodes.items()}


def _load_node(name: str, entry: Any, shared: Mapping[str, Any], source: str,
               classes: Mapping[str, type[StepConfig]] | None) -> StepConfig:
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{source}: nodes.{name} must be a mapping of fields", nodes=[name])
    step_type = entry.get("step_type")
    if not isinstance(step_type, str):
        raise ConfigError(f"{source}: nodes.{name}.step_type is missing", nodes=[name])
    if "node_name" in entry and entry["node_name"] != name:
        raise ConfigError(
            f"{source}: nodes.{name}.node_name is {brief(entry['node_name'])}; the key is the node's name",
            suggested_fix="remove node_name or make it equal the key",
            nodes=[name],
        )
    try:
        cls = config_class_for(step_type, classes)
    except SpecwireError as exc:
        raise ConfigError(f"{source}: nodes.{name}: {exc.message}", suggested_fix=exc.suggested_fix) from None
    data = {**shared, **{k: v for k, v in entry.items() if k != "step_type"}, "node_name": name}
    try:
        config = cls.from_data(data)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc.message}", suggested_fix=exc.suggested_fix, nodes=[name]) from None
    missing = config.missing_pipeline_fields()
    if missing:
        # A configs file is a pipeline's: its shared fields are part of it (a lone config is not).
        raise ConfigError(f"{source}: pipeline.{missing[0]} is missing (node {name!r} has no "
                          f"{', '.join(missing)})", suggested_fix="save the configs with save_configs, which "
                          "writes the pipeline's shared fields once under 'pipeline'", nodes=[name])
    return config


# --------------------------------------------------------------------------- files


def dumps_configs(configs: Mapping[str, StepConfig], fmt: FileFormat) -> str:
    document = configs_to_document(configs)
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    text: str = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return text


def save_configs(configs: Mapping[str, StepConfig], path: str | Path, *, fmt: FileFormat | None = None) -> Path:
    """Write all configs of a pipeline to one file, atomically; the format follows the extension."""
    target = Path(path)
    text = dumps_configs(configs, fmt or file_format(target))
    atomic_write(target, text)
    return target


def load_configs(path: str | Path, classes: Mapping[str, type[StepConfig]] | None = None) -> dict[str, StepConfig]:
    """Read the configs `save_configs` wrote (or a person edited), validated."""
    target = Path(path)
    file_format(target)
    document = read_document(target, what="config file", error=ConfigError)
    return configs_from_document(document, str(target), classes)


def atomic_write(target: Path, text: str) -> None:
    """Write `text` to `target` so that a reader sees the old file or the new one, never half (specwire.files)."""
    files.atomic_write(target, text, error=ConfigError)
