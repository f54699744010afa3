"""Which config class runs which step type: the 1:1 pairing with the spec catalog.

The pairing is by the `STEP_TYPE` of each class. A team that adds a step type with its own spec
pack registers its config class with `register_config_class`.
"""

from __future__ import annotations

from collections.abc import Mapping

from specwire.configs.base import StepConfig
from specwire.configs.steps import (
    BatchTransformConfig,
    CreateModelConfig,
    DataLoadingConfig,
    DataQualityCheckConfig,
    FeatureSelectionConfig,
    HyperparameterTuningConfig,
    LightGBMTrainingConfig,
    MissingValueImputationConfig,
    ModelCalibrationConfig,
    ModelEvaluationConfig,
    ModelExplainabilityConfig,
    ModelRegistrationConfig,
    PyTorchTrainingConfig,
    QualityGateConfig,
    TabularPreprocessingConfig,
    XGBoostTrainingConfig,
)
from specwire.errors import ConfigError, UnknownStepError, did_you_mean

_BUILTIN: tuple[type[StepConfig], ...] = (
    BatchTransformConfig,
    CreateModelConfig,
    DataLoadingConfig,
    DataQualityCheckConfig,
    FeatureSelectionConfig,
    HyperparameterTuningConfig,
    LightGBMTrainingConfig,
    MissingValueImputationConfig,
    ModelCalibrationConfig,
    ModelEvaluationConfig,
    ModelExplainabilityConfig,
    ModelRegistrationConfig,
    PyTorchTrainingConfig,
    QualityGateConfig,
    TabularPreprocessingConfig,
    XGBoostTrainingConfig,
)

#: Config class of each step type. Read it freely; change it only through `register_config_class`.
CONFIG_CLASSES: dict[str, type[StepConfig]] = {cls.STEP_TYPE: cls for cls in _BUILTIN}


def config_class_for(step_type: str, classes: Mapping[str, type[StepConfig]] | None = None) -> type[StepConfig]:
    """The config class of `step_type` (exact name, or a unique case-insensitive match) among
    `classes` (default: the registered ones)."""
    known = CONFIG_CLASSES if classes is None else classes
    if step_type in known:
        return known[step_type]
    folded = [name for name in known if name.lower() == step_type.lower()]
    if len(folded) == 1:
        return known[folded[0]]
    close = did_you_mean(step_type, known)
    fix = (
        "did you mean " + " or ".join(repr(c) for c in close) + "?"
        if close
        else "give the step type an `implementation:` block in its spec pack, or register a config class "
        "(specwire.configs.register_config_class, or a plugin: README 'Add your own step')"
    )
    raise UnknownStepError(f"no config class for step type {step_type!r}", suggested_fix=fix, compatible_sources=close)


def register_config_class(cls: type[StepConfig], *, replace: bool = False) -> type[StepConfig]:
    """Pair a config class with its `STEP_TYPE`; usable as a class decorator."""
    if not (isinstance(cls, type) and issubclass(cls, StepConfig)) or not cls.STEP_TYPE:
        raise ConfigError(f"{cls!r} is not a StepConfig subclass with a STEP_TYPE")
    current = CONFIG_CLASSES.get(cls.STEP_TYPE)
    if current is not None and current is not cls and not replace:
        raise ConfigError(
            f"step type {cls.STEP_TYPE!r} already has the config class {current.__name__}",
            suggested_fix="pass replace=True to replace it",
        )
    CONFIG_CLASSES[cls.STEP_TYPE] = cls
    return cls


def step_types() -> list[str]:
    """Step types with a config class, sorted."""
    return sorted(CONFIG_CLASSES)
