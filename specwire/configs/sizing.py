"""Context-aware sizing: instance type, count, volume and runtime from data size and environment.

The rules are deliberately coarse and written down in one place, so a person can predict them:

- each tenfold of data (10 GB, 100 GB, 1 TB) moves an instance one size up its family's ladder;
- `dev` moves one size down (cheaper, and a dev run is a smoke test), caps runtimes at 4 hours,
  uses one instance and shrinks a tuning job to 4 training jobs;
- volumes hold the data 2.5 times over (input, output and scratch), at least the class default;
- from 100 GB on, the steps that parallelise without coordination across instances (XGBoost's
  distributed training, batch transform) get 2 instances, from 1 TB on 4.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from specwire.configs.base import JobStepConfig, StepConfig, TrainingStepConfig
from specwire.configs.steps import BatchTransformConfig, HyperparameterTuningConfig, XGBoostTrainingConfig

Environment = Literal["dev", "prod"]

#: Sizes of the families specwire picks by default, smallest first. A family not listed (chosen
#: by the user) is never resized: its sizes do not follow one ladder (c5 has 9xlarge, not 12xlarge).
LADDERS: dict[str, tuple[str, ...]] = {
    "m5": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
    "g5": ("xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge", "48xlarge"),
}

DEV_MAX_RUNTIME_SECONDS = 4 * 3600
LARGE_DATA_MAX_RUNTIME_SECONDS = 2 * 86_400
DEV_TUNING_JOBS = (4, 2)  # max_jobs, max_parallel_jobs
MAX_VOLUME_GB = 16_384


def size_steps(data_size_gb: float | None) -> int:
    """How many sizes up the ladder a data set of this size moves an instance."""
    if data_size_gb is None or data_size_gb < 10:
        return 0
    if data_size_gb < 100:
        return 1
    if data_size_gb < 1000:
        return 2
    return 3


def resize(instance_type: str, steps: int) -> str:
    """`instance_type` moved `steps` sizes along its family's ladder, clamped at its ends."""
    _, family, size = instance_type.split(".", 2)
    ladder = LADDERS.get(family)
    if ladder is None or size not in ladder:
        return instance_type
    index = min(max(ladder.index(size) + steps, 0), len(ladder) - 1)
    return f"ml.{family}.{ladder[index]}"


def sizing_defaults(cls: type[StepConfig], *, data_size_gb: float | None, environment: Environment) -> dict[str, Any]:
    """Field values for a step of class `cls` in this context (only fields the class has)."""
    dev = environment == "dev"
    steps = size_steps(data_size_gb) - (1 if dev else 0)
    values: dict[str, Any] = {}
    fields = cls.model_fields
    # Only instances that run jobs are sized; CreateModel's instance type only picks an image.
    if issubclass(cls, JobStepConfig | BatchTransformConfig) and "instance_type" in fields:
        default = fields["instance_type"].default
        if isinstance(default, str):
            values["instance_type"] = resize(default, steps)
    if issubclass(cls, JobStepConfig) and data_size_gb is not None:
        wanted = math.ceil(data_size_gb * 2.5)
        base = fields["volume_size_gb"].default
        values["volume_size_gb"] = min(max(base, wanted), MAX_VOLUME_GB)
    if issubclass(cls, XGBoostTrainingConfig | BatchTransformConfig) and not dev:
        count = 4 if (data_size_gb or 0) >= 1000 else 2 if (data_size_gb or 0) >= 100 else 1
        if count > 1:
            values["instance_count"] = count
    if "max_runtime_seconds" in fields:
        if dev:
            values["max_runtime_seconds"] = DEV_MAX_RUNTIME_SECONDS
        elif issubclass(cls, TrainingStepConfig) and (data_size_gb or 0) >= 1000:
            values["max_runtime_seconds"] = LARGE_DATA_MAX_RUNTIME_SECONDS
    if issubclass(cls, HyperparameterTuningConfig) and dev:
        values["max_jobs"], values["max_parallel_jobs"] = DEV_TUNING_JOBS
    return values
