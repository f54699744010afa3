"""What a `Pipeline` is made of before the engine sees it: the steps asked for, and its name rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from specwire.errors import ConfigError

if TYPE_CHECKING:
    from specwire.configs import StepConfig
    from specwire.plan import ResolvedPipeline

#: Environment variable read for the IAM role when none is given (handy in notebooks).
ROLE_ENV = "SPECWIRE_ROLE_ARN"

#: The role a definition names when none is given: it builds (with a warning), it never deploys.
PLACEHOLDER_ROLE = "arn:aws:iam::000000000000:role/specwire-placeholder-role"

Environment = Literal["dev", "prod"]


@dataclass
class RequestedStep:
    """A node the user asked for: its name, step type, job type and how it should be configured."""

    name: str
    step_type: str
    job_type: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    #: Level 3: the config given whole, used as is.
    config: StepConfig | None = None


@dataclass(frozen=True)
class Plan:
    """A resolved pipeline and its configs: what the builders turn into SageMaker objects."""

    resolved: ResolvedPipeline
    configs: dict[str, StepConfig]


def sagemaker_name(name: str) -> str:
    """A SageMaker pipeline name for `name`: runs of other characters become one hyphen."""
    text = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:256].rstrip("-")
    if not text:
        raise ConfigError(
            f"pipeline name {name!r} has no letter or digit",
            suggested_fix="name the pipeline with letters, digits and hyphens, e.g. Pipeline('fraud-detection')",
        )
    return text


