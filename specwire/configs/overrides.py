"""User overrides of generated configs: checking their names, merging them, parsing `a.b=c`.

An override names a node or a step type and maps field names to values. A name that matches
nothing is an error with a suggestion, never ignored: a misspelt `max_dept` that silently did
nothing would train the wrong model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from specwire.configs.base import StepConfig
from specwire.configs.model import ConfigModel, nested_model
from specwire.errors import ConfigError, did_you_mean

Overrides = Mapping[str, Mapping[str, Any]]

#: Fields an override may not change: the node's identity belongs to the pipeline.
FIXED_FIELDS = frozenset({"node_name"})


def _suggest(name: str, candidates: Iterable[str]) -> str:
    close = did_you_mean(name, candidates)
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def check_fields(cls: type[ConfigModel], changes: Mapping[str, Any], where: str, path: str = "") -> None:
    """Raise `ConfigError` for an override field `cls` does not have (recursing into nested models)."""
    if not isinstance(changes, Mapping):
        raise ConfigError(f"{where}: expected a mapping of fields, got {type(changes).__name__}")
    for key, value in changes.items():
        name = f"{path}{key}"
        if not isinstance(key, str):
            raise ConfigError(f"{where}: field names must be strings, got {key!r}")
        if key in FIXED_FIELDS and not path:
            raise ConfigError(
                f"{where}: {name} cannot be overridden",
                suggested_fix="rename the node in the pipeline instead",
            )
        if key in cls.model_computed_fields:
            raise ConfigError(
                f"{where}: {name} is derived from other fields and cannot be set",
                suggested_fix=f"run `specwire configs show {getattr(cls, 'STEP_TYPE', '') or cls.__name__}` "
                "to see which fields it is computed from",
            )
        if key not in cls.model_fields:
            close = cls.suggest_fields(key)
            hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise ConfigError(
                f"{where}: {name} is not a field of {getattr(cls, 'STEP_TYPE', '') or cls.__name__}"
                + (f" ({hint})" if hint else ""),
                suggested_fix=hint or f"run `specwire configs show {getattr(cls, 'STEP_TYPE', cls.__name__)}`",
            )
        nested = nested_model(cls, key)
        if nested is not None and isinstance(value, Mapping):
            check_fields(nested, value, where, f"{name}.")


def resolve_keys(
    overrides: Overrides, node_types: Mapping[str, str], known_step_types: Iterable[str]
) -> tuple[dict[str, Mapping[str, Any]], dict[str, Mapping[str, Any]]]:
    """Split overrides into (by step type, by node name); raise for a key that names neither.

    A key that is both a node name and a step type applies in both roles; the node's own entry
    is applied last, so it wins.
    """
    in_pipeline = set(node_types.values())
    by_type: dict[str, Mapping[str, Any]] = {}
    by_node: dict[str, Mapping[str, Any]] = {}
    for key, changes in overrides.items():
        if not isinstance(changes, Mapping):
            raise ConfigError(f"override {key!r}: expected a mapping of fields, got {type(changes).__name__}")
        matched = False
        if key in node_types:
            by_node[key] = changes
            matched = True
        if key in in_pipeline:
            by_type[key] = changes
            matched = True
        if matched:
            continue
        if key in set(known_step_types):
            raise ConfigError(
                f"override {key!r}: the pipeline has no {key} node",
                suggested_fix="remove the override, or add the step to the pipeline",
            )
        hint = _suggest(key, [*node_types, *in_pipeline])
        raise ConfigError(
            f"override {key!r} names no node or step type of the pipeline" + (f" ({hint})" if hint else ""),
            suggested_fix=hint or "key overrides by node name or step type: " + ", ".join(sorted(node_types)),
        )
    return by_type, by_node


def check_override(cls: type[StepConfig], changes: Mapping[str, Any], key: str) -> None:
    where = (
        f"override for step type {key!r}" if key == cls.STEP_TYPE else f"override for node {key!r} ({cls.STEP_TYPE})"
    )
    check_fields(cls, changes, where)


def parse_assignments(assignments: Iterable[str]) -> dict[str, dict[str, Any]]:
    """`["train.hyperparameters.max_depth=8", "XGBoostTraining.instance_type=ml.m5.4xlarge"]`
    as nested overrides. Values are read as YAML scalars or flow collections (8, 0.3, true,
    [a, b]), so `8` is a number and `"8"` a string."""
    result: dict[str, dict[str, Any]] = {}
    for text in assignments:
        target, sep, raw = text.partition("=")
        parts = target.strip().split(".")
        if not sep or len(parts) < 2 or not all(parts):
            raise ConfigError(
                f"override {text!r}: expected <node or step type>.<field>[.<field>]=<value>",
                suggested_fix="e.g. train.hyperparameters.max_depth=8",
            )
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        node = result.setdefault(parts[0], {})
        for part in parts[1:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"override {text!r}: {part} is set to a value and to fields")
            node = child
        node[parts[-1]] = value
    return result
