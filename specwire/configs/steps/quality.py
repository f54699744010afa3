"""Config of the data-quality check: a Model Monitor baseline of the training data, and a check against the last one."""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import StrictBool, computed_field, model_validator

from specwire.configs.base import StepConfig
from specwire.configs.types import (
    InstanceType,
    PackageGroupName,
    PositiveInt,
    ProcessingRuntime,
    S3Uri,
    VolumeSizeGB,
    invalid,
)

#: The files SageMaker's Model Monitor analyzer writes: what a monitoring schedule reads as its baseline.
STATISTICS_FILE = "statistics.json"
CONSTRAINTS_FILE = "constraints.json"


class DataQualityCheckConfig(StepConfig):
    """Baselines the training data with SageMaker Model Monitor's analyzer (statistics.json,
    constraints.json) and checks it against a previous baseline (SageMaker's QualityCheck step).

    The check needs a baseline to check against: `supplied_baseline_statistics` and
    `supplied_baseline_constraints`, or the latest approved model of `model_package_group_name`.
    Without either (a first run) the check is skipped and the new baseline is registered: it
    becomes the drift-check baseline of the model registered in the same run.
    """

    STEP_TYPE: ClassVar[str] = "DataQualityCheck"
    DEFAULT_INSTANCE: ClassVar[str] = "ml.m5.xlarge"

    instance_type: InstanceType = "ml.m5.xlarge"
    """Instance type of the analyzer job."""
    instance_count: PositiveInt = 1
    """Number of instances."""
    volume_size_gb: VolumeSizeGB = 30
    """EBS volume attached to each instance, in GB."""
    max_runtime_seconds: ProcessingRuntime = 3600
    """The analyzer job is stopped after this many seconds."""
    header: StrictBool = True
    """The CSV data has a header row (specwire's preprocessing writes one)."""
    fail_on_violation: StrictBool = False
    """Fail the pipeline when the data violates the baseline's constraints (otherwise the
    violations are reported and the pipeline goes on)."""
    skip_check: StrictBool | None = None
    """Skip the check and only compute the baseline; None: skip when there is nothing to check against."""
    register_new_baseline: StrictBool | None = None
    """Make the new baseline the drift-check baseline of the model registered in this run
    (otherwise the baseline checked against stays); None: the same as the resolved skip_check."""
    supplied_baseline_statistics: S3Uri | None = None
    """statistics.json of the baseline to check against (with supplied_baseline_constraints)."""
    supplied_baseline_constraints: S3Uri | None = None
    """constraints.json of the baseline to check against (with supplied_baseline_statistics)."""
    model_package_group_name: PackageGroupName | None = None
    """Check against the baseline of the latest approved model of this model package group."""
    output_prefix: S3Uri | None = None
    """Where the baseline is written; None means `<node_s3_root>/output`."""

    @model_validator(mode="after")
    def _check_baseline(self) -> Self:
        supplied = (self.supplied_baseline_statistics, self.supplied_baseline_constraints)
        if (supplied[0] is None) != (supplied[1] is None):
            missing = "supplied_baseline_constraints" if supplied[1] is None else "supplied_baseline_statistics"
            raise invalid("a supplied baseline needs both its statistics.json and its constraints.json",
                          loc=(missing,), value=None)
        if self.skip_check is False and not self.has_baseline:
            raise invalid(
                "there is no baseline to check against: give supplied_baseline_statistics and "
                "supplied_baseline_constraints, or model_package_group_name (its latest approved model's "
                "baseline), or leave skip_check unset",
                loc=("skip_check",), value=False,
            )
        return self

    @property
    def has_baseline(self) -> bool:
        """Whether there is a previous baseline to check against."""
        return self.supplied_baseline_statistics is not None or self.model_package_group_name is not None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def check_skipped(self) -> bool:
        """`skip_check`, resolved: skipped when set so, or when there is no baseline to check against."""
        return self.skip_check if self.skip_check is not None else not self.has_baseline

    @computed_field  # type: ignore[prop-decorator]
    @property
    def baseline_registered(self) -> bool:
        """`register_new_baseline`, resolved: by default a skipped check registers what it computed."""
        return self.register_new_baseline if self.register_new_baseline is not None else self.check_skipped

    @computed_field  # type: ignore[prop-decorator]
    @property
    def output_s3_uri(self) -> str:
        """S3 folder of the baseline: `output_prefix`, else <node_s3_root>/output."""
        return self.output_prefix.rstrip("/") if self.output_prefix else f"{self.node_s3_root}/output"
