"""Config of the hyperparameter tuning step, and the ranges it searches.

Every range is checked against the framework's hyperparameter model: a range may only name a
hyperparameter of that framework, and both of its ends must be values the framework accepts, so
a tuning job never launches training jobs that fail on a bad value.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal, Self, Union, get_args, get_origin

from pydantic import (
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    computed_field,
    model_validator,
)

from specwire.configs.base import (
    FRAMEWORK_VERSIONS,
    ModelFramework,
    TrainingStepConfig,
)
from specwire.configs.hyperparameters import FRAMEWORK_HYPERPARAMETERS, Hyperparameters
from specwire.configs.messages import describe
from specwire.configs.model import ConfigModel
from specwire.configs.types import Between, ScriptPath, invalid

Number = StrictInt | StrictFloat


class ParameterRange(ConfigModel):
    """One hyperparameter's search space: a continuous or integer interval, or a list of values."""

    type: Literal["continuous", "integer", "categorical"]
    """Kind of range."""
    min_value: Number | None = None
    """Lower end (continuous and integer ranges)."""
    max_value: Number | None = None
    """Upper end (continuous and integer ranges)."""
    values: list[StrictStr | Number] | None = None
    """The candidate values (categorical ranges)."""
    scaling: Literal["Auto", "Linear", "Logarithmic", "ReverseLogarithmic"] = "Auto"
    """How the tuner samples the interval."""

    @model_validator(mode="after")
    def _check_shape(self) -> Self:
        if self.type == "categorical":
            for name in ("min_value", "max_value"):
                if getattr(self, name) is not None:
                    raise invalid("is not used by a categorical range (give 'values')", loc=(name,), show_input=False)
            if not self.values:
                raise invalid("must list at least one value for a categorical range", loc=("values",), show_input=False)
            if len(set(map(repr, self.values))) != len(self.values):
                raise invalid("must not repeat a value", loc=("values",), value=self.values)
            return self
        if self.values is not None:
            raise invalid(
                f"is used only by a categorical range, not a {self.type} one",
                loc=("values",),
                show_input=False,
            )
        for name in ("min_value", "max_value"):
            value = getattr(self, name)
            if value is None:
                raise invalid(f"is required for a {self.type} range", loc=(name,), show_input=False)
            if self.type == "integer" and not float(value).is_integer():
                raise invalid("must be a whole number for an integer range", loc=(name,), value=value)
        assert self.min_value is not None and self.max_value is not None  # checked just above
        if self.min_value >= self.max_value:
            raise invalid(f"must be less than max_value ({self.max_value})", loc=("min_value",), value=self.min_value)
        if self.scaling == "Logarithmic" and self.min_value <= 0:
            raise invalid("must be greater than 0 for Logarithmic scaling", loc=("min_value",), value=self.min_value)
        if self.scaling == "ReverseLogarithmic" and (
            self.type != "continuous" or self.min_value < 0 or self.max_value >= 1
        ):
            raise invalid(
                "ReverseLogarithmic scaling needs a continuous range within [0, 1)",
                loc=("scaling",),
                show_input=False,
            )
        return self

    def ends(self) -> list[Any]:
        """The values that must be valid hyperparameters: both ends, or every categorical value."""
        if self.type == "categorical":
            return list(self.values or [])
        if self.type == "integer":
            return [int(self.min_value or 0), int(self.max_value or 0)]
        return [self.min_value, self.max_value]


# Complete dicts (every field of ParameterRange), so a default compares equal to its dump.
def _c(lo: float, hi: float, scaling: str = "Auto") -> dict[str, Any]:
    return {"type": "continuous", "min_value": lo, "max_value": hi, "values": None, "scaling": scaling}


def _i(lo: int, hi: int) -> dict[str, Any]:
    return {"type": "integer", "min_value": lo, "max_value": hi, "values": None, "scaling": "Auto"}


def _cat(*values: int | float | str) -> dict[str, Any]:
    return {"type": "categorical", "min_value": None, "max_value": None, "values": list(values), "scaling": "Auto"}


#: A search space that works for a first tuning run of each framework.
DEFAULT_RANGES: dict[str, dict[str, dict[str, Any]]] = {
    "xgboost": {
        "eta": _c(0.01, 0.3, "Logarithmic"),
        "max_depth": _i(3, 10),
        "min_child_weight": _c(1.0, 10.0),
        "subsample": _c(0.5, 1.0),
        "colsample_bytree": _c(0.5, 1.0),
    },
    "lightgbm": {
        "learning_rate": _c(0.01, 0.3, "Logarithmic"),
        "num_leaves": _i(16, 256),
        "min_data_in_leaf": _i(10, 100),
        "feature_fraction": _c(0.5, 1.0),
    },
    "pytorch": {
        "learning_rate": _c(0.0001, 0.01, "Logarithmic"),
        "batch_size": _cat(128, 256, 512),
        "dropout": _c(0.0, 0.5),
    },
}


def _numeric_kind(annotation: Any) -> str:
    """'integer', 'continuous' or 'categorical': which range kinds suit a hyperparameter's type."""
    base = annotation
    if get_origin(base) in (Union, types.UnionType):
        members = [a for a in get_args(base) if a is not type(None)]
        base = members[0] if len(members) == 1 else base
    if get_origin(base) is Annotated:
        base = get_args(base)[0]
    if base is int:
        return "integer"
    if base is float:
        return "continuous"
    return "categorical"


class HyperparameterTuningConfig(TrainingStepConfig):
    """Searches a framework's hyperparameters (SageMaker automatic model tuning)."""

    STEP_TYPE: ClassVar[str] = "HyperparameterTuning"

    framework: ModelFramework = "xgboost"
    """Framework whose training jobs are tuned."""
    framework_version: str = FRAMEWORK_VERSIONS["xgboost"]
    """Container version (defaults to the framework's)."""
    entry_point: ScriptPath = "xgboost_train.py"
    """Training script (defaults to the framework's)."""
    static_hyperparameters: dict[str, Any] = Field(default_factory=dict)
    """Hyperparameters fixed for every training job; the framework's defaults fill the rest."""
    parameter_ranges: dict[str, ParameterRange] = Field(default_factory=dict)
    """Search space by hyperparameter name (defaults to a first-run space for the framework)."""
    objective_metric_name: Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9_.:/ -]{1,255}$")] = "validation:auc"
    """Metric the training script reports and the tuner optimises."""
    objective_type: Literal["Maximize", "Minimize"] = "Maximize"
    """Whether the objective metric should go up or down."""
    strategy: Literal["Bayesian", "Random", "Hyperband", "Grid"] = "Bayesian"
    """Search strategy."""
    max_jobs: Annotated[StrictInt, Between(lo=1, hi=500)] = 20
    """Training jobs in total."""
    max_parallel_jobs: Annotated[StrictInt, Between(lo=1, hi=100)] = 4
    """Training jobs at the same time (at most max_jobs)."""
    early_stopping_type: Literal["Off", "Auto"] = "Off"
    """Let the tuner stop unpromising training jobs."""

    FRAMEWORK_FIELD: ClassVar[str] = "framework"
    FRAMEWORK_DEFAULTS: ClassVar[dict[str, Callable[[str], Any]]] = {
        "framework_version": FRAMEWORK_VERSIONS.__getitem__,
        "entry_point": lambda f: f"{f}_train.py",
        "parameter_ranges": lambda f: {k: dict(v) for k, v in DEFAULT_RANGES[f].items()},
    }

    @computed_field  # type: ignore[prop-decorator]
    @property
    def model_framework(self) -> str:
        """The framework of the model this step produces."""
        return self.framework

    def hyperparameter_class(self) -> type[Hyperparameters]:
        return FRAMEWORK_HYPERPARAMETERS[self.framework]

    def base_hyperparameters(self) -> Hyperparameters:
        """The framework's hyperparameters with `static_hyperparameters` applied."""
        return self.hyperparameter_class().from_data(self.static_hyperparameters)

    @model_validator(mode="after")
    def _check_search(self) -> Self:
        if self.max_parallel_jobs > self.max_jobs:
            raise invalid(
                f"must be at most max_jobs ({self.max_jobs})",
                loc=("max_parallel_jobs",),
                value=self.max_parallel_jobs,
            )
        if not self.parameter_ranges:
            raise invalid("must name at least one hyperparameter to tune", loc=("parameter_ranges",), show_input=False)
        if self.strategy == "Grid":
            for name, rng in self.parameter_ranges.items():
                if rng.type != "categorical":
                    raise invalid(
                        "the Grid strategy needs categorical ranges only",
                        loc=("parameter_ranges", name, "type"),
                        value=rng.type,
                    )
        model = self.hyperparameter_class()
        self._check_static(model)
        for name, rng in self.parameter_ranges.items():
            self._check_range(model, name, rng)
        return self

    def _check_static(self, model: type[Hyperparameters]) -> None:
        for name in self.static_hyperparameters:
            if name in self.parameter_ranges:
                raise invalid(
                    "is tuned in parameter_ranges; remove it from static_hyperparameters",
                    loc=("static_hyperparameters", name),
                    show_input=False,
                )
        self._validate_nested(model, self.static_hyperparameters, ("static_hyperparameters",))

    def _check_range(self, model: type[Hyperparameters], name: str, rng: ParameterRange) -> None:
        where: tuple[str, ...] = ("parameter_ranges", name)
        if name not in model.model_fields:
            close = model.suggest_fields(name)
            hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else None
            raise invalid(f"is not a hyperparameter of {self.framework}", loc=where, show_input=False, hint=hint)
        kind = _numeric_kind(model.model_fields[name].annotation)
        if rng.type != "categorical" and rng.type != kind:
            suggestion = "categorical" if kind == "categorical" else kind
            raise invalid(f"{name} takes {kind} values: use type {suggestion!r}", loc=(*where, "type"), value=rng.type)
        fields = ("values",) if rng.type == "categorical" else ("min_value", "max_value")
        for index, value in enumerate(rng.ends()):
            attr = fields[0] if rng.type == "categorical" else fields[index]
            sub: tuple[str | int, ...] = (*where, attr, index) if rng.type == "categorical" else (*where, attr)
            self._validate_nested(model, {**self.static_hyperparameters, name: value}, sub, only=name)

    @staticmethod
    def _validate_nested(
        model: type[Hyperparameters],
        data: dict[str, Any],
        where: tuple[str | int, ...],
        only: str | None = None,
    ) -> None:
        # Re-raise the framework model's first problem at this config's location, so the message
        # reads "...parameter_ranges.max_depth.max_value: must be between 1 and 64, got 100".
        try:
            model.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc, message, _ = describe(err)
            if only is not None:
                # For a range end, the location is the range's, not the hyperparameter's.
                raise invalid(message, loc=where, show_input=False) from None
            raise invalid(message, loc=(*where, *loc), show_input=False) from None
