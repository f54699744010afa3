"""`Pipeline.tune_hyperparameters`: the training step a pipeline has becomes the tuning job that runs it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from specwire.errors import ConfigError

if TYPE_CHECKING:
    from specwire.configs import StepConfig
    from specwire.pipeline.api import Pipeline
    from specwire.pipeline.state import RequestedStep


def tune(pipeline: Pipeline, framework: str | None, *, config: StepConfig | Mapping[str, Any] | None,
         name: str | None, overrides: dict[str, Any], trainer: str | None = None) -> Pipeline:
    """See `Pipeline.tune_hyperparameters`; `trainer` names the training node to tune."""
    from specwire.configs import keywords

    step_type = pipeline._catalog_step("HyperparameterTuning")
    trainers = [s for s in pipeline._steps if keywords.trained_framework(s.step_type)]
    if trainer is not None:
        trainers = [s for s in trainers if s.name == trainer]
    elif framework is not None:
        trainers = [s for s in trainers if keywords.trained_framework(s.step_type) == framework]
    if len(trainers) > 1:
        names = ", ".join(s.name for s in trainers)
        raise ConfigError(
            f"tune_hyperparameters: the pipeline trains {len(trainers)} models ({names}); which one to tune "
            "is unclear",
            suggested_fix="pass framework='xgboost', 'lightgbm' or 'pytorch'",
        )
    base: dict[str, Any] = {}
    replaced: RequestedStep | None = trainers[0] if trainers else None
    if replaced is not None:
        framework = keywords.trained_framework(replaced.step_type)
        base = keywords.tuning_from_training(replaced.overrides, step_type)
    if framework is not None:
        base["framework"] = framework
    node_name = name or (replaced.name if replaced is not None and replaced.name != replaced.step_type
                         else None)
    position = len(pipeline._steps)
    with pipeline._all_or_nothing():
        if replaced is not None:
            position = pipeline._steps.index(replaced)
            pipeline._steps.remove(replaced)
        settings = pipeline._config_overrides(step_type, node_name or step_type, config)
        merged = {**base, **settings, **overrides}
        keywords.default_ranges(merged)
        pipeline._add(step_type, node_name, None, None, merged)
        pipeline._steps.insert(position, pipeline._steps.pop())
    if replaced is not None:
        tuned = pipeline._steps[position].name
        pipeline._edges = [(tuned if a == replaced.name else a, tuned if b == replaced.name else b)
                       for a, b in pipeline._edges]
        pipeline._notes.append(f"tune_hyperparameters: the {framework} training step {replaced.name!r} became the "
                           f"tuning job {tuned!r} (its fixed hyperparameters kept, the rest searched)")
    pipeline._changed()
    return pipeline
