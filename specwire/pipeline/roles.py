"""Which IAM role a pipeline's steps run as, for a build (a placeholder, with a warning) and for a
deploy (a real one or an error). Apart from aws.py so that generation can ask without a cycle."""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING

from specwire.errors import ConfigError, SpecwireWarning
from specwire.pipeline.state import PLACEHOLDER_ROLE, ROLE_ENV

if TYPE_CHECKING:
    from specwire.pipeline.api import Pipeline


def given_role(pipeline: Pipeline) -> str | None:
    """The role the user gave (`role_arn`, else SPECWIRE_ROLE_ARN), if any."""
    return pipeline.role_arn or os.environ.get(ROLE_ENV) or None


def role_of(pipeline: Pipeline, *, deploy: bool = False) -> str:
    """The pipeline's IAM role: `role_arn`, else SPECWIRE_ROLE_ARN. Without one, a definition is
    built with a placeholder role and a `SpecwireWarning` (as `specwire build` does); deploying
    needs a real role (`ConfigError`)."""
    role = given_role(pipeline)
    example = "arn:aws:iam::<account>:role/<role>"
    fix = (f"pass --role {example} (or set {ROLE_ENV})" if pipeline.interface == "cli" else
           f"Pipeline({pipeline.name!r}, role_arn='{example}'), role_arn=... to upsert() or "
           f"deploy_approved_model(), or set {ROLE_ENV}")
    if role and not (deploy and role == PLACEHOLDER_ROLE):
        return role
    if deploy:
        raise ConfigError(
            f"pipeline {pipeline.name!r} has no IAM role"
            + (" (only the placeholder a definition is built with)" if role else "")
            + ": SageMaker runs every step as a role",
            suggested_fix=fix,
        )
    warnings.warn(
        f"pipeline {pipeline.name!r} has no IAM role: its definition names {PLACEHOLDER_ROLE}, which builds "
        f"but cannot deploy; give one: {fix}",
        SpecwireWarning,
        stacklevel=4,
    )
    return PLACEHOLDER_ROLE
