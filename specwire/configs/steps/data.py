"""Configs of the data steps: loading, preprocessing, imputation, feature selection."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Self

from pydantic import Field, StrictFloat, StrictStr, computed_field, model_validator

from specwire.configs.base import ProcessingStepConfig
from specwire.configs.types import Between, Fraction, PositiveInt, S3Uri, ScriptPath, invalid

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
