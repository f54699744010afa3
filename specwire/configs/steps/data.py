"""Configs of the data steps: loading, preprocessing, imputation, feature selection."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import AfterValidator, Field, StrictFloat, StrictStr, computed_field, model_validator

from specwire.configs.base import ProcessingStepConfig
from specwire.configs.types import Between, Fraction, PositiveInt, S3Uri, ScriptPath, invalid
from specwire.errors import did_you_mean

#: A column name of the data set.
Column = Annotated[StrictStr, Field(min_length=1, max_length=256)]


class DataLoadingConfig(ProcessingStepConfig):
    """Copies raw tabular data from S3 into the pipeline's workspace."""

    STEP_TYPE: ClassVar[str] = "DataLoading"

    source_s3_uri: S3Uri
    """Where the raw data is: an S3 file or folder."""
    data_format: Literal["csv", "parquet", "json"] = "csv"
    """Format of the raw files."""
    entry_point: ScriptPath = "data_loading.py"
    """Script the job runs."""

    @classmethod
    def _normalise_input(cls, data: dict[str, Any]) -> dict[str, Any]:
        """`s3_bucket` (and `s3_prefix`) name the data's location the way many teams write it:
        `DataLoadingConfig(s3_bucket="fraud-data", s3_prefix="2024/")` is
        `source_s3_uri="s3://fraud-data/2024/"`."""
        if "s3_bucket" not in data and "s3_prefix" not in data:
            return data
        data = dict(data)
        bucket, prefix = data.pop("s3_bucket", None), data.pop("s3_prefix", None)
        if "source_s3_uri" in data:
            raise invalid("and s3_bucket/s3_prefix both say where the data is", loc=("source_s3_uri",),
                          show_input=False, hint="give source_s3_uri='s3://bucket/prefix/' or s3_bucket=..., not both")
        if not isinstance(bucket, str) or not bucket:
            raise invalid("is needed with s3_prefix (the bucket the data is in)", loc=("s3_bucket",),
                          show_input=False)
        if prefix is not None and not isinstance(prefix, str):
            raise invalid("must be a key prefix such as 'transactions/2024/'", loc=("s3_prefix",), value=prefix)
        bucket = bucket.removeprefix("s3://").strip("/")
        data["source_s3_uri"] = f"s3://{bucket}/{(prefix or '').lstrip('/')}"
        return data


#: The column transformations TabularPreprocessing applies (specwire/scripts/tabular_preprocessing.py
#: `TRANSFORMATIONS`; a test keeps the two the same), with what each does.
TRANSFORMATIONS: dict[str, str] = {
    "log_transform": "sign(x) * log(1 + |x|) (long-tailed amounts)",
    "sqrt_transform": "sign(x) * sqrt(|x|)",
    "standardize": "(x - mean) / std, fitted on the training split",
    "min_max_scale": "(x - min) / (max - min), fitted on the training split, clipped to [0, 1]",
    "clip_outliers": "clipped to the 1st and 99th percentiles of the training split",
    "one_hot_encode": "a categorical column becomes one 0/1 column per category seen in training",
}
#: Other names each transformation is known by.
TRANSFORMATION_ALIASES: dict[str, str] = {
    "log": "log_transform", "log1p": "log_transform", "sqrt": "sqrt_transform",
    "standardise": "standardize", "standard_scale": "standardize", "zscore": "standardize",
    "min_max": "min_max_scale", "minmax": "min_max_scale", "normalize": "min_max_scale", "normalise": "min_max_scale",
    "clip": "clip_outliers", "winsorize": "clip_outliers",
    "one_hot": "one_hot_encode", "onehot": "one_hot_encode", "one_hot_encoding": "one_hot_encode",
}


def _check_transformation(value: str) -> str:
    """'log_transform' or 'log_transform:<column>'; another known name becomes the canonical one."""
    name, colon, column = value.partition(":")
    name = TRANSFORMATION_ALIASES.get(name.strip(), name.strip())
    if name not in TRANSFORMATIONS:
        close = did_you_mean(name, [*TRANSFORMATIONS, *TRANSFORMATION_ALIASES])
        close = sorted({TRANSFORMATION_ALIASES.get(c, c) for c in close})
        raise invalid(
            "must name a transformation: " + ", ".join(TRANSFORMATIONS) + " (optionally ':<column>')",
            hint=f"did you mean {' or '.join(repr(c) for c in close)}?" if close else None,
        )
    if colon and (not column.strip() or "," in column):
        raise invalid("must name one column after ':' (e.g. 'log_transform:amount')")
    return f"{name}:{column.strip()}" if colon else name


Transformation = Annotated[StrictStr, AfterValidator(_check_transformation)]


class TabularPreprocessingConfig(ProcessingStepConfig):
    """Cleans raw tabular data and splits it into train, validation and test sets."""

    STEP_TYPE: ClassVar[str] = "TabularPreprocessing"

    label_field: Column = "label"
    """Column holding the target."""
    id_field: Column | None = None
    """Column identifying a record, kept out of the features."""
    categorical_columns: list[Column] = Field(default_factory=list)
    """Columns to treat as categorical."""
    train_ratio: Fraction = 0.7
    """Share of records in the training split."""
    validation_ratio: Annotated[StrictFloat, Between(lo=0, hi=1, hi_open=True)] = 0.15
    """Share of records in the validation split; the rest is the test split."""
    drop_duplicates: bool = True
    """Drop duplicate records before splitting."""
    custom_transformations: list[Transformation] = Field(default_factory=list)
    """Column transformations applied after cleaning, in order: log_transform, sqrt_transform,
    standardize, min_max_scale, clip_outliers, one_hot_encode; each on every numeric feature
    (one_hot_encode: every categorical one) or, as 'name:column', on one column."""
    entry_point: ScriptPath = "tabular_preprocessing.py"
    """Script the job runs."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def test_ratio(self) -> float:
        """Share of records in the test split: 1 - train_ratio - validation_ratio."""
        # Rounded so 1 - 0.7 - 0.15 reads 0.15, not 0.15000000000000002.
        return round(1.0 - self.train_ratio - self.validation_ratio, 10)

    @model_validator(mode="after")
    def _check_split(self) -> Self:
        if self.train_ratio + self.validation_ratio >= 1.0:
            raise invalid(
                "together with train_ratio must leave a non-empty test split "
                f"(train_ratio + validation_ratio < 1, got {self.train_ratio} + {self.validation_ratio})",
                loc=("validation_ratio",),
                show_input=False,
            )
        return self


class MissingValueImputationConfig(ProcessingStepConfig):
    """Fills missing values; fits the imputers on the training chain, applies them on the others."""

    STEP_TYPE: ClassVar[str] = "MissingValueImputation"

    label_field: Column = "label"
    """Column holding the target (never imputed)."""
    numeric_strategy: Literal["mean", "median", "constant"] = "median"
    """How numeric columns are filled."""
    categorical_strategy: Literal["most_frequent", "constant"] = "most_frequent"
    """How categorical columns are filled."""
    fill_value: StrictStr | StrictFloat | None = None
    """The value a 'constant' strategy fills in."""
    entry_point: ScriptPath = "missing_value_imputation.py"
    """Script the job runs."""

    @model_validator(mode="after")
    def _check_fill_value(self) -> Self:
        constant = [
            name
            for name, strategy in (
                ("numeric_strategy", self.numeric_strategy),
                ("categorical_strategy", self.categorical_strategy),
            )
            if strategy == "constant"
        ]
        if constant and self.fill_value is None:
            raise invalid(f"is required when {constant[0]} is 'constant'", loc=("fill_value",), show_input=False)
        if not constant and self.fill_value is not None:
            raise invalid(
                "is used only with a 'constant' strategy; set numeric_strategy or categorical_strategy "
                "to 'constant' or remove it",
                loc=("fill_value",),
                value=self.fill_value,
            )
        return self


class FeatureSelectionConfig(ProcessingStepConfig):
    """Selects the most informative features on the training chain; applies the choice elsewhere."""

    STEP_TYPE: ClassVar[str] = "FeatureSelection"

    label_field: Column = "label"
    """Column holding the target (never dropped)."""
    method: Literal["mutual_info", "variance", "correlation", "chi2"] = "mutual_info"
    """How features are scored."""
    n_features: PositiveInt = 50
    """How many features to keep."""
    entry_point: ScriptPath = "feature_selection.py"
    """Script the job runs."""
