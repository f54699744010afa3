"""Keyword arguments of the fluent API as config fields: hyperparameters, and a training step turned tuning job."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from specwire.configs.base import TrainingStepConfig
from specwire.configs.model import nested_model
from specwire.configs.registry import CONFIG_CLASSES, config_class_for
from specwire.errors import ConfigError, did_you_mean


def training_overrides(step_type: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Split keywords into config fields and hyperparameters (scikit-learn names accepted)."""
    cls = config_class_for(step_type)
    hp_cls = nested_model(cls, "hyperparameters") if "hyperparameters" in cls.model_fields else None
    top: dict[str, Any] = {}
    hyper: dict[str, Any] = {}
    for key, value in params.items():
        if key in cls.model_fields:
            top[key] = value
        elif hp_cls is not None and key in hp_cls.model_fields:
            hyper[key] = value
        elif hp_cls is not None and key in hp_cls.SYNONYMS:
            canonical = hp_cls.SYNONYMS[key]
            if canonical in params:
                raise ConfigError(f"{step_type}: {key!r} and {canonical!r} name the same hyperparameter",
                                  suggested_fix=f"give only {canonical!r}")
            hyper[canonical] = value
        else:
            fields = [*cls.model_fields, *(hp_cls.model_fields if hp_cls else ())]
            close = did_you_mean(key, fields)
            hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else None
            raise ConfigError(
                f"{step_type}: {key!r} is neither a hyperparameter nor a config field"
                + (f" ({hint})" if hint else ""),
                suggested_fix=hint or f"run `specwire configs show {step_type}`",
            )
    if hyper:
        given = top.get("hyperparameters")
        top["hyperparameters"] = {**(dict(given) if isinstance(given, Mapping) else {}), **hyper}
    return top


def trained_framework(step_type: str) -> str | None:
    """The framework a training step type trains (tuning excluded), from its config class."""
    cls = CONFIG_CLASSES.get(step_type)
    if cls is None or not issubclass(cls, TrainingStepConfig) or "framework" in cls.model_fields:
        return None
    return getattr(cls, "FRAMEWORK", None) or None


def tuning_from_training(overrides: Mapping[str, Any], tuning_type: str) -> dict[str, Any]:
    """A training step's settings carried to the tuning job that replaces it."""
    fields = config_class_for(tuning_type).model_fields
    carried = {k: v for k, v in overrides.items() if k in fields and k not in ("hyperparameters", "framework")}
    hyper = overrides.get("hyperparameters")
    if isinstance(hyper, Mapping) and hyper:
        carried["static_hyperparameters"] = dict(hyper)
    return carried


def default_ranges(settings: dict[str, Any]) -> None:
    """Without explicit ranges, search the framework's default space minus what is held fixed."""
    if "parameter_ranges" in settings:
        return
    from specwire.configs.steps.tuning import DEFAULT_RANGES

    fixed = settings.get("static_hyperparameters") or {}
    framework = settings.get("framework", "xgboost")
    if not fixed or framework not in DEFAULT_RANGES:
        return
    settings["parameter_ranges"] = {k: dict(v) for k, v in DEFAULT_RANGES[framework].items() if k not in fixed}
