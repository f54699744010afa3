"""Configs of the steps that judge a model: evaluation, calibration, explainability, quality gate."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, ClassVar, Literal, Self, get_args

from pydantic import Field, StrictFloat, StrictInt, StrictStr, computed_field, model_validator

from specwire.configs.base import ModelFramework, ProcessingStepConfig, StepConfig
from specwire.configs.steps.data import Column
from specwire.configs.types import Between, JobType, PositiveInt, ScriptPath, invalid

#: The metrics `ModelEvaluation` writes to evaluation.json, which a `QualityGate` can test.
Metric = Literal["auc", "pr_auc", "precision", "recall", "f1", "accuracy", "log_loss", "brier_score"]

#: What ModelEvaluation computes unless told otherwise.
DEFAULT_METRICS: tuple[Metric, ...] = ("auc", "pr_auc", "precision", "recall", "f1", "log_loss")

#: The outcomes of a binary decision, the keys of a cost matrix.
Outcome = Literal["false_negative", "false_positive", "true_positive", "true_negative"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)

#: The cost matrix `evaluate_with_business_metrics()` uses unless told otherwise: a missed
#: positive (a fraud let through) costs 100, a false alarm (a good transaction stopped and
#: reviewed) costs 5, right decisions cost nothing. Costs are per record, in any currency; a gain
#: is a negative cost.
DEFAULT_COST_MATRIX: dict[Outcome, float] = {
    "false_negative": 100.0, "false_positive": 5.0, "true_positive": 0.0, "true_negative": 0.0}

def cost_optimal_threshold(cost_matrix: Mapping[str, float]) -> float:
    """The score at and above which flagging a record costs less than passing it, for a model whose
    scores are probabilities: flagging at probability p costs p*c_tp + (1-p)*c_fp, passing it
    p*c_fn + (1-p)*c_tn, equal at p = (c_fp - c_tn) / ((c_fp - c_tn) + (c_fn - c_tp)). Derived from
    the costs alone, never fitted to the evaluation data (a missed positive at 100 and a false alarm
    at 5 give 5/105, about 0.048)."""
    cost = {o: float(cost_matrix.get(o, 0.0)) for o in OUTCOMES}
    alarm, miss = cost["false_positive"] - cost["true_negative"], cost["false_negative"] - cost["true_positive"]
    if alarm < 0 or miss < 0 or alarm + miss <= 0:
        raise ValueError("a wrong decision must cost more than the right one")
    return round(alarm / (alarm + miss), 6)


#: What ModelEvaluation writes to evaluation.json when it has a cost matrix (see
#: specwire/scripts/evaluation.py): `business_value`, minus the expected cost per record at the
#: decision threshold; `business_value_gain`, how much higher that is than the better of the two
#: rules that need no model (flag every record, flag none).
BusinessMetric = Literal["business_value", "business_value_gain"]
BUSINESS_METRICS: tuple[BusinessMetric, ...] = get_args(BusinessMetric)

#: What a QualityGate can test: the model metrics, and the business metrics of a cost matrix.
GateMetric = Literal["auc", "pr_auc", "precision", "recall", "f1", "accuracy", "log_loss", "brier_score",
                     "business_value", "business_value_gain"]

#: Metrics that are not probabilities: log loss is any non-negative number.
UNBOUNDED_METRICS = frozenset({"log_loss"})
#: Metrics that may take any value (money per record: negative when the model costs more than it saves).
SIGNED_METRICS = frozenset(BUSINESS_METRICS)

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
    """Score above which a record counts as positive (precision, recall, F1, accuracy, business value)."""
    cost_matrix: dict[Outcome, float] | None = None
    """Cost per record of each outcome (false_negative, false_positive, true_positive, true_negative;
    a gain is a negative cost, an outcome left out costs 0). When set, evaluation.json also holds
    the business metrics `business_value` and `business_value_gain`."""
    entry_point: ScriptPath = "evaluation.py"
    """Script the job runs."""

    @model_validator(mode="after")
    def _check_costs(self) -> Self:
        if self.cost_matrix is None:
            return self
        for outcome, given in self.cost_matrix.items():
            if not math.isfinite(given):
                raise invalid("costs must be finite numbers", loc=("cost_matrix", outcome), value=given)
        cost = {o: float(self.cost_matrix.get(o, 0.0)) for o in OUTCOMES}
        if (cost["false_negative"] < cost["true_positive"] or cost["false_positive"] < cost["true_negative"]
                or cost["false_negative"] + cost["false_positive"] <= cost["true_positive"] + cost["true_negative"]):
            raise invalid(
                "a wrong decision must cost more than the right one (false_negative >= true_positive and "
                "false_positive >= true_negative, not both equal); give costs as positive amounts and gains "
                "as negative ones",
                loc=("cost_matrix",), value=self.cost_matrix,
            )
        return self

    def written_metrics(self) -> list[str]:
        """The metrics specwire's evaluation script writes to evaluation.json for this config."""
        return [*self.metrics, *(BUSINESS_METRICS if self.cost_matrix is not None else ())]


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

    metric_name: GateMetric
    """Metric of evaluation.json to test (a business metric needs the evaluation's cost_matrix)."""
    threshold: StrictFloat
    """Value the metric is compared with."""
    comparison: Literal[">=", ">", "<=", "<"] = ">="
    """How the metric is compared with the threshold (metric <comparison> threshold)."""
    fail_message: StrictStr | None = None
    """Message of the pipeline's failure when the gate does not pass."""

    @model_validator(mode="after")
    def _check_threshold(self) -> Self:
        if self.metric_name in SIGNED_METRICS:
            if not math.isfinite(self.threshold):
                raise invalid("must be a finite number", loc=("threshold",), value=self.threshold)
        elif self.metric_name in UNBOUNDED_METRICS:
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
