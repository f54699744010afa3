"""Configs of the steps that judge a model: evaluation, calibration, explainability, quality gate."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Self

from pydantic import Field, StrictFloat, StrictInt, StrictStr, computed_field, model_validator

from specwire.configs.base import ModelFramework, ProcessingStepConfig, StepConfig
from specwire.configs.steps.data import Column
from specwire.configs.types import Between, JobType, PositiveInt, ScriptPath, invalid

#: The metrics `ModelEvaluation` writes to evaluation.json, which a `QualityGate` can test.
Metric = Literal["auc", "pr_auc", "precision", "recall", "f1", "accuracy", "log_loss", "brier_score"]

#: What ModelEvaluation computes unless told otherwise.
DEFAULT_METRICS: tuple[Metric, ...] = ("auc", "pr_auc", "precision", "recall", "f1", "log_loss")

#: Metrics that are not probabilities: log loss is any non-negative number.
UNBOUNDED_METRICS = frozenset({"log_loss"})

Probability = Annotated[StrictFloat, Between(lo=0, hi=1)]


class ModelEvaluationConfig(ProcessingStepConfig):
    """Scores held-out data with a trained model and writes evaluation.json."""

    STEP_TYPE: ClassVar[str] = "ModelEvaluation"

    model_framework: ModelFramework = "xgboost"
    """Framework of the model evaluated (to load it)."""
    label_field: Column = "label"
    """Column holding the target."""
    metrics: Annotated[list[Metric], Field(min_length=1)] = Field(default_factory=lambda: list(DEFAULT_METRICS))
    """Metrics written to evaluation.json."""
    decision_threshold: Probability = 0.5
    """Score above which a record counts as positive (precision, recall, F1, accuracy)."""
    entry_point: ScriptPath = "evaluation.py"
    """Script the job runs."""


class ModelCalibrationConfig(ProcessingStepConfig):
    """Fits a probability calibrator on a model's predictions for held-out data."""

    STEP_TYPE: ClassVar[str] = "ModelCalibration"

    # A calibrator is fitted on the calibration chain by definition.
    job_type: JobType | None = "calibration"
    """Which data chain the node serves."""
    method: Literal["isotonic", "platt"] = "isotonic"
    """Calibration method."""
    label_field: Column = "label"
    """Column holding the target."""
    score_field: Column = "prediction"
    """Column holding the model's score."""
    n_bins: Annotated[StrictInt, Between(lo=2, hi=100)] = 10
    """Bins of the reliability diagram in the calibration metrics."""
    entry_point: ScriptPath = "calibration.py"
    """Script the job runs."""


class ModelExplainabilityConfig(ProcessingStepConfig):
    """Computes permutation feature importance of a trained model on held-out data."""

    STEP_TYPE: ClassVar[str] = "ModelExplainability"

    model_framework: ModelFramework = "xgboost"
    """Framework of the model explained (to load it)."""
    label_field: Column = "label"
    """Column holding the target."""
    scoring: Metric = "auc"
    """Metric whose drop measures a feature's importance."""
    n_repeats: Annotated[StrictInt, Between(lo=1, hi=100)] = 5
    """Shuffles per feature."""
    max_samples: PositiveInt = 10_000
    """Records sampled from the held-out data."""
    entry_point: ScriptPath = "model_explainability.py"
    """Script the job runs."""


class QualityGateConfig(StepConfig):
    """Lets the pipeline go on only when a metric of evaluation.json meets a threshold."""

    STEP_TYPE: ClassVar[str] = "QualityGate"

    metric_name: Metric
    """Metric of evaluation.json to test."""
    threshold: StrictFloat
    """Value the metric is compared with."""
    comparison: Literal[">=", ">", "<=", "<"] = ">="
    """How the metric is compared with the threshold (metric <comparison> threshold)."""
    fail_message: StrictStr | None = None
    """Message of the pipeline's failure when the gate does not pass."""

    @model_validator(mode="after")
    def _check_threshold(self) -> Self:
        if self.metric_name in UNBOUNDED_METRICS:
            if self.threshold < 0:
                raise invalid(f"must be at least 0 for {self.metric_name!r}", loc=("threshold",), value=self.threshold)
        elif not 0 <= self.threshold <= 1:
            raise invalid(f"must be between 0 and 1 for {self.metric_name!r}", loc=("threshold",), value=self.threshold)
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def condition(self) -> str:
        """The condition, as text: e.g. 'auc >= 0.7'."""
        return f"{self.metric_name} {self.comparison} {self.threshold}"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def failure_message(self) -> str:
        """Message of the pipeline's failure: `fail_message`, else one naming the condition."""
        return self.fail_message or f"quality gate {self.node_name!r} failed: {self.condition} does not hold"
