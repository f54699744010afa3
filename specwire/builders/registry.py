"""Which builder builds which step type: one builder per config class, paired by `STEP_TYPE`.

A team that adds a step type (a spec pack and a config class) registers its builder with
`register_builder`. Importing this module does not import the SageMaker SDK.
"""

from __future__ import annotations

from specwire.builders.base import StepBuilder
from specwire.builders.deployment import (
    BatchTransformBuilder,
    CreateModelBuilder,
    ModelRegistrationBuilder,
    QualityGateBuilder,
)
from specwire.builders.processing import (
    DataLoadingBuilder,
    FeatureSelectionBuilder,
    MissingValueImputationBuilder,
    ModelCalibrationBuilder,
    ModelEvaluationBuilder,
    ModelExplainabilityBuilder,
    TabularPreprocessingBuilder,
)
from specwire.builders.quality import DataQualityCheckBuilder
from specwire.builders.training import (
    HyperparameterTuningBuilder,
    LightGBMTrainingBuilder,
    PyTorchTrainingBuilder,
    XGBoostTrainingBuilder,
)
from specwire.configs.base import StepConfig
from specwire.errors import BuildError, did_you_mean

_BUILTIN: tuple[type[StepBuilder], ...] = (
    BatchTransformBuilder,
    CreateModelBuilder,
    DataLoadingBuilder,
    DataQualityCheckBuilder,
    FeatureSelectionBuilder,
    HyperparameterTuningBuilder,
    LightGBMTrainingBuilder,
    MissingValueImputationBuilder,
    ModelCalibrationBuilder,
    ModelEvaluationBuilder,
    ModelExplainabilityBuilder,
    ModelRegistrationBuilder,
    PyTorchTrainingBuilder,
    QualityGateBuilder,
    TabularPreprocessingBuilder,
    XGBoostTrainingBuilder,
)

#: Builder class of each step type. Change it only through `register_builder`.
BUILDERS: dict[str, type[StepBuilder]] = {cls.STEP_TYPE: cls for cls in _BUILTIN}


def builder_for(step_type: str) -> StepBuilder:
    """A builder for `step_type`; `BuildError` with the closest names when there is none."""
    cls = BUILDERS.get(step_type)
    if cls is not None:
        return cls()
    close = did_you_mean(step_type, BUILDERS)
    fix = ("did you mean " + " or ".join(repr(c) for c in close) + "?") if close else (
        "register a builder for it with specwire.builders.register_builder"
    )
    raise BuildError(f"no builder for step type {step_type!r}", suggested_fix=fix, compatible_sources=close)


def builder_for_config(config: StepConfig) -> StepBuilder:
    """The builder of a node's config: the generic builder of its kind for a file-only step type
    (its config class was generated from an `implementation:` block), else `builder_for`."""
    from specwire.configs.generated import FileStepConfig

    if isinstance(config, FileStepConfig) and type(config).KIND:
        from specwire.builders.generic import generic_builder_class

        return generic_builder_class(type(config))()
    return builder_for(config.STEP_TYPE)


def register_builder(cls: type[StepBuilder], *, replace: bool = False) -> type[StepBuilder]:
    """Pair a builder class with its `STEP_TYPE`; usable as a class decorator."""
    if not (isinstance(cls, type) and issubclass(cls, StepBuilder)) or not cls.STEP_TYPE:
        raise BuildError(f"{cls!r} is not a StepBuilder subclass with a STEP_TYPE")
    current = BUILDERS.get(cls.STEP_TYPE)
    if current is not None and current is not cls and not replace:
        raise BuildError(
            f"step type {cls.STEP_TYPE!r} already has the builder {current.__name__}",
            suggested_fix="pass replace=True to replace it",
        )
    BUILDERS[cls.STEP_TYPE] = cls
    return cls
