"""`EndpointDeploymentConfig`: how an approved model is served and watched after the pipeline ran.

Not a step: SageMaker has no pipeline step for a monitoring schedule, and an endpoint made inside
the pipeline would serve a model before anyone approved it in the model registry. So the pipeline
registers the model (pending manual approval) and keeps these settings (a pipeline file's
`deployment:` block, `Pipeline.deploy_with_monitoring(...)`); after approval, `specwire deploy
--endpoint` (or `Pipeline.deploy_approved_model()`) serves the newest approved package with data
capture and schedules data-quality monitoring against its baseline.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import StrictInt, StrictStr, field_validator, model_validator

from specwire.configs.model import ConfigModel
from specwire.configs.types import (
    Between,
    ImageUri,
    InstanceType,
    PositiveInt,
    S3Uri,
    VolumeSizeGB,
    _pattern_check,
    invalid,
)

#: Endpoint, model, endpoint-config and schedule names: letters, digits and hyphens, at most 63.
EndpointName = Annotated[
    str,
    _pattern_check(
        r"[A-Za-z0-9](?:-*[A-Za-z0-9]){0,62}",
        "must be an endpoint name: letters, digits and hyphens, starting and ending with a letter or digit, "
        "at most 63 characters",
        lambda v: f"did you mean {re.sub(r'[^A-Za-z0-9]+', '-', v).strip('-')[:63]!r}?" if v.strip("_- ") else None,
    ),
]

#: Model Monitor runs hourly or daily (cron expressions at whole hours); the words are shorthands.
SCHEDULES = {"hourly": "cron(0 * ? * * *)", "daily": "cron(0 0 ? * * *)"}
_CRON = re.compile(r"cron\(\S+( \S+){5}\)")

#: A monitoring job of an hourly schedule must end within the hour.
HOUR = 3600


class EndpointDeploymentConfig(ConfigModel):
    """A real-time endpoint with data capture, and a data-quality monitoring schedule on it."""

    endpoint_name: EndpointName | None = None
    """Endpoint name; None means `<pipeline>-endpoint`."""
    instance_type: InstanceType = "ml.m5.large"
    """Instance type serving the model."""
    initial_instance_count: PositiveInt = 1
    """Number of serving instances."""
    capture_percentage: Annotated[StrictInt, Between(lo=1, hi=100)] = 20
    """Percentage of requests (and their responses) captured to S3 for monitoring."""
    capture_destination: S3Uri | None = None
    """Where captured requests and responses go; None means `<pipeline S3 root>/data-capture`."""
    schedule: StrictStr = "daily"
    """When the data-quality check runs: 'hourly', 'daily', or a Model Monitor cron expression."""
    baseline: S3Uri | None = None
    """S3 folder holding statistics.json and constraints.json; None means the approved model package's
    data-quality drift baseline (recorded by the pipeline's QualityCheck step)."""
    monitoring_instance_type: InstanceType = "ml.m5.xlarge"
    """Instance type of the monitoring jobs."""
    monitoring_instance_count: PositiveInt = 1
    """Instances per monitoring job."""
    monitoring_volume_size_gb: VolumeSizeGB = 20
    """Disk of each monitoring instance, in GB."""
    max_runtime_seconds: Annotated[StrictInt, Between(lo=1, hi=86_400)] = HOUR
    """A monitoring job stops after this long (at most an hour for an hourly schedule)."""
    monitoring_output: S3Uri | None = None
    """Where monitoring reports go; None means `<pipeline S3 root>/monitoring`."""
    monitoring_image_uri: ImageUri | None = None
    """Model Monitor analyzer image; None means SageMaker's for the region."""

    SYNONYMS: ClassVar[dict[str, str]] = {
        "sampling_percentage": "capture_percentage", "instance_count": "initial_instance_count",
        "schedule_expression": "schedule", "cron": "schedule", "baseline_uri": "baseline",
    }

    @classmethod
    def _label(cls, data: Mapping[str, Any]) -> str:
        return "deployment"

    @field_validator("schedule")
    @classmethod
    def _check_schedule(cls, value: str) -> str:
        text = value.strip()
        if text.lower() in SCHEDULES or _CRON.fullmatch(text):
            return text.lower() if text.lower() in SCHEDULES else text
        raise invalid("must be 'hourly', 'daily', or a cron expression such as 'cron(0 6 ? * * *)'")

    @model_validator(mode="after")
    def _check_runtime(self) -> EndpointDeploymentConfig:
        if self.schedule_expression == SCHEDULES["hourly"] and self.max_runtime_seconds > HOUR:
            raise invalid(f"must be at most {HOUR} seconds for an hourly schedule", loc=("max_runtime_seconds",),
                          value=self.max_runtime_seconds)
        return self

    @property
    def schedule_expression(self) -> str:
        """The schedule as SageMaker takes it (a cron expression)."""
        return SCHEDULES.get(self.schedule, self.schedule)
