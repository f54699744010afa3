"""Typed hyperparameters of the three training frameworks, with the ranges each library accepts.

Ranges are checked here rather than left to the training job: a `max_depth` of 100 should fail
when the config is written, not twenty minutes into a SageMaker job.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import AfterValidator, Field, StrictFloat, StrictInt, model_validator

from specwire.configs.model import ConfigModel
from specwire.configs.types import (
    Between,
    Fraction,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    invalid,
)

Depth = Annotated[StrictInt, Between(lo=1, hi=64)]
Rounds = Annotated[StrictInt, Between(lo=1, hi=100_000)]
NumClass = Annotated[StrictInt, Between(lo=2, hi=100_000)]

XGBoostMetric = Literal["auc", "aucpr", "logloss", "error", "rmse", "mae", "mlogloss", "merror", "ndcg", "map"]
LightGBMMetric = Literal[
    "auc",
    "average_precision",
    "binary_logloss",
    "binary_error",
    "l1",
    "l2",
    "rmse",
    "multi_logloss",
    "multi_error",
    "ndcg",
    "map",
]
_XGBOOST_METRICS: tuple[XGBoostMetric, ...] = ("auc",)
_LIGHTGBM_METRICS: tuple[LightGBMMetric, ...] = ("auc",)


def _sagemaker_value(value: Any) -> str:
    # SageMaker passes hyperparameters to the container as strings.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(_sagemaker_value(v) for v in value)
    return str(value)


class Hyperparameters(ConfigModel):
    """Base of a framework's hyperparameters."""

    #: The framework these hyperparameters are for ("xgboost", "lightgbm", "pytorch").
    FRAMEWORK: ClassVar[str] = ""
    #: Field name -> the name the training container expects, where they differ.
    CONTAINER_NAMES: ClassVar[dict[str, str]] = {}
    #: Objectives that need a class count, and the field that holds it.
    MULTICLASS: ClassVar[tuple[str, ...]] = ()
    CLASS_FIELD: ClassVar[str] = "num_class"

    def to_sagemaker(self) -> dict[str, str]:
        """The hyperparameters as the training job receives them: container names, string values,
        unset optional values left out."""
        return {
            self.CONTAINER_NAMES.get(name, name): _sagemaker_value(value)
            for name, value in self.inputs().items()
            if value is not None
        }

    @model_validator(mode="after")
    def _check_class_count(self) -> Self:
        objective = getattr(self, "objective", None)
        classes = getattr(self, self.CLASS_FIELD, None)
        if not self.MULTICLASS:
            return self
        if objective in self.MULTICLASS and classes is None:
            raise invalid(
                f"is required (at least 2) when objective is {objective!r}",
                loc=(self.CLASS_FIELD,),
                show_input=False,
            )
        if objective not in self.MULTICLASS and classes is not None:
            raise invalid(
                "must be left unset unless objective is " + " or ".join(repr(m) for m in self.MULTICLASS),
                loc=(self.CLASS_FIELD,),
                value=classes,
            )
        return self


class XGBoostHyperparameters(Hyperparameters):
    """XGBoost booster parameters (SageMaker XGBoost container 1.7)."""

    FRAMEWORK: ClassVar[str] = "xgboost"
    # `lambda` is a Python keyword, so the fields carry XGBoost's scikit-learn names.
    CONTAINER_NAMES: ClassVar[dict[str, str]] = {"reg_lambda": "lambda", "reg_alpha": "alpha"}
    SYNONYMS: ClassVar[dict[str, str]] = {
        "lambda": "reg_lambda",
        "alpha": "reg_alpha",
        "learning_rate": "eta",
        "n_estimators": "num_round",
        "num_boost_round": "num_round",
        "min_split_loss": "gamma",
    }
    MULTICLASS: ClassVar[tuple[str, ...]] = ("multi:softmax", "multi:softprob")

    objective: Literal[
        "binary:logistic",
        "binary:logitraw",
        "binary:hinge",
        "reg:squarederror",
        "reg:logistic",
        "reg:absoluteerror",
        "reg:pseudohubererror",
        "count:poisson",
        "multi:softmax",
        "multi:softprob",
        "rank:pairwise",
        "rank:ndcg",
    ] = "binary:logistic"
    """Learning task and loss."""
    num_round: Rounds = 100
    """Number of boosting rounds."""
    max_depth: Depth = 6
    """Maximum depth of a tree."""
    eta: Fraction = 0.3
    """Learning rate (shrinkage of each tree's contribution)."""
    gamma: NonNegativeFloat = 0.0
    """Minimum loss reduction to split a leaf."""
    min_child_weight: NonNegativeFloat = 1.0
    """Minimum sum of instance weight in a child."""
    subsample: Fraction = 1.0
    """Fraction of rows sampled per tree."""
    colsample_bytree: Fraction = 1.0
    """Fraction of columns sampled per tree."""
    reg_lambda: NonNegativeFloat = 1.0
    """L2 regularisation ('lambda' in the container)."""
    reg_alpha: NonNegativeFloat = 0.0
    """L1 regularisation ('alpha' in the container)."""
    scale_pos_weight: PositiveFloat = 1.0
    """Weight of positive examples; about negatives/positives for imbalanced data such as fraud."""
    max_delta_step: NonNegativeFloat = 0.0
    """Maximum delta step of each leaf output (helps logistic regression on imbalanced data)."""
    tree_method: Literal["auto", "exact", "approx", "hist", "gpu_hist"] = "auto"
    """Tree construction algorithm."""
    eval_metric: list[XGBoostMetric] = Field(default_factory=lambda: list(_XGBOOST_METRICS))
    """Metrics computed on the validation channel."""
    num_class: NumClass | None = None
    """Number of classes (multi:* objectives only)."""
    early_stopping_rounds: PositiveInt | None = None
    """Stop when the validation metric has not improved for this many rounds."""
    seed: NonNegativeInt = 0
    """Random seed."""


def _check_lightgbm_depth(value: int) -> int:
    # LightGBM spells "no limit" as -1 (or any value <= 0); accept only -1 so files stay canonical.
    if value == -1 or 1 <= value <= 64:
        return value
    raise invalid("must be -1 (no limit) or between 1 and 64")


class LightGBMHyperparameters(Hyperparameters):
    """LightGBM parameters (LightGBM 4.x)."""

    FRAMEWORK: ClassVar[str] = "lightgbm"
    MULTICLASS: ClassVar[tuple[str, ...]] = ("multiclass", "multiclassova")
    SYNONYMS: ClassVar[dict[str, str]] = {
        "eta": "learning_rate",
        "num_round": "num_iterations",
        "n_estimators": "num_iterations",
        "num_boost_round": "num_iterations",
        "min_child_samples": "min_data_in_leaf",
        "subsample": "bagging_fraction",
        "colsample_bytree": "feature_fraction",
        "reg_alpha": "lambda_l1",
        "reg_lambda": "lambda_l2",
    }

    objective: Literal[
        "binary",
        "regression",
        "regression_l1",
        "huber",
        "cross_entropy",
        "multiclass",
        "multiclassova",
        "lambdarank",
        "poisson",
    ] = "binary"
    """Learning task and loss."""
    num_iterations: Rounds = 100
    """Number of boosting iterations."""
    learning_rate: Fraction = 0.1
    """Shrinkage rate."""
    num_leaves: Annotated[StrictInt, Between(lo=2, hi=131_072)] = 31
    """Maximum number of leaves of a tree."""
    max_depth: Annotated[
        StrictInt,
        AfterValidator(_check_lightgbm_depth),
        Field(json_schema_extra={"minimum": -1, "maximum": 64}),
    ] = -1
    """Maximum depth of a tree; -1 for no limit."""
    min_data_in_leaf: NonNegativeInt = 20
    """Minimum number of records in a leaf."""
    feature_fraction: Fraction = 1.0
    """Fraction of features sampled per tree."""
    bagging_fraction: Fraction = 1.0
    """Fraction of rows sampled per bagging round (needs bagging_freq > 0)."""
    bagging_freq: NonNegativeInt = 0
    """Bag every this many iterations; 0 disables bagging."""
    lambda_l1: NonNegativeFloat = 0.0
    """L1 regularisation."""
    lambda_l2: NonNegativeFloat = 0.0
    """L2 regularisation."""
    min_gain_to_split: NonNegativeFloat = 0.0
    """Minimum gain to perform a split."""
    scale_pos_weight: PositiveFloat = 1.0
    """Weight of positive examples (binary objective)."""
    metric: list[LightGBMMetric] = Field(default_factory=lambda: list(_LIGHTGBM_METRICS))
    """Metrics computed on the validation set."""
    num_class: NumClass | None = None
    """Number of classes (multiclass objectives only)."""
    early_stopping_rounds: PositiveInt | None = None
    """Stop when the validation metric has not improved for this many rounds."""
    seed: NonNegativeInt = 0
    """Random seed."""


class PyTorchHyperparameters(Hyperparameters):
    """Hyperparameters of specwire's PyTorch tabular network (a multilayer perceptron)."""

    FRAMEWORK: ClassVar[str] = "pytorch"
    SYNONYMS: ClassVar[dict[str, str]] = {"lr": "learning_rate", "n_epochs": "epochs", "num_epochs": "epochs"}

    epochs: Annotated[StrictInt, Between(lo=1, hi=10_000)] = 10
    """Passes over the training data."""
    batch_size: Annotated[StrictInt, Between(lo=1, hi=65_536)] = 256
    """Records per gradient step."""
    learning_rate: Fraction = 0.001
    """Optimiser step size."""
    optimizer: Literal["adam", "adamw", "sgd"] = "adam"
    """Optimiser."""
    weight_decay: NonNegativeFloat = 0.0
    """L2 penalty of the optimiser."""
    hidden_dims: Annotated[list[PositiveInt], Field(max_length=16)] = Field(default_factory=lambda: [128, 64])
    """Width of each hidden layer; [] for a linear model."""
    dropout: Annotated[StrictFloat, Between(lo=0, hi=1, hi_open=True)] = 0.1
    """Dropout probability after each hidden layer."""
    activation: Literal["relu", "gelu", "tanh"] = "relu"
    """Activation of the hidden layers."""
    loss: Literal["bce", "cross_entropy", "mse"] = "bce"
    """Training loss."""
    early_stopping_patience: PositiveInt | None = None
    """Stop when the validation loss has not improved for this many epochs."""
    seed: NonNegativeInt = 0
    """Random seed."""


#: Hyperparameter model of each framework.
FRAMEWORK_HYPERPARAMETERS: dict[str, type[Hyperparameters]] = {
    cls.FRAMEWORK: cls for cls in (XGBoostHyperparameters, LightGBMHyperparameters, PyTorchHyperparameters)
}
