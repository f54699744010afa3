"""The AWS side of a `Pipeline`: upload scripts, create or update it in SageMaker, start and follow runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from specwire.errors import ConfigError
from specwire.pipeline.roles import role_of

if TYPE_CHECKING:
    from specwire.deploy import Deployment, ExecutionReport
    from specwire.pipeline.api import Pipeline


def upsert(pipeline: Pipeline, role_arn: str | None = None, *, clients: Any = None) -> Deployment:
    """Upload the step scripts to S3, then create the pipeline in SageMaker or update it.

    `role_arn` (if given) becomes the pipeline's role. AWS problems raise one `DeployError`
    each, saying what had been done (scripts uploaded) before the failure.
    """
    from specwire import deploy

    if role_arn is not None:
        pipeline.role_arn = role_arn
    check_deployable(pipeline)
    definition = pipeline.definition()
    uploads = pipeline.script_uploads()
    aws = clients or deploy.make_clients(pipeline.aws_region)
    return deploy.upsert_pipeline(
        definition, name=pipeline.sagemaker_name, role_arn=role_of(pipeline, deploy=True),
        description=pipeline.description, tags=pipeline.tags, uploads=uploads, clients=aws, source_name=pipeline.name,
    )


def start(pipeline: Pipeline, parameters: Mapping[str, Any] | None = None, *, clients: Any = None) -> str:
    """Start an execution of the deployed pipeline; returns its ARN."""
    from specwire import deploy

    aws = clients or deploy.make_clients(pipeline.aws_region)
    return deploy.start_execution(pipeline.sagemaker_name, parameters=parameters, clients=aws)


def execute(pipeline: Pipeline,
    *,
    wait: bool = True,
    parameters: Mapping[str, Any] | None = None,
    role_arn: str | None = None,
    poll_seconds: float = 30.0,
    timeout: float | None = None,
    progress: bool = True,
    clients: Any = None,
) -> ExecutionReport:
    """Upsert (scripts uploaded), start, and — with `wait` — follow the execution step by step
    until it ends, showing each step's status; returns the last status seen."""
    from specwire import deploy

    aws = clients or deploy.make_clients(pipeline.aws_region)
    deployed = pipeline.upsert(role_arn, clients=aws)
    arn = deploy.start_execution(pipeline.sagemaker_name, parameters=parameters, clients=aws, after=deployed)
    if not wait:
        return deploy.describe_execution(arn, clients=aws)
    if progress:
        with deploy.ProgressDisplay(pipeline.sagemaker_name) as display:
            return deploy.wait_for_execution(arn, clients=aws, poll_seconds=poll_seconds, timeout=timeout,
                                             on_update=display.update)
    return deploy.wait_for_execution(arn, clients=aws, poll_seconds=poll_seconds, timeout=timeout)


def check_deployable(pipeline: Pipeline) -> None:
    """What deploying needs that a build does not, checked before anything touches AWS: a real role
    and the data's location (the plan's errors come first, as configs() raises them)."""
    role_of(pipeline, deploy=True)
    check_data_location(pipeline)


def check_data_location(pipeline: Pipeline) -> None:
    """Deploying a pipeline that loads data needs to know where the data is: the default location a
    build falls back to (with a warning) is an error here, so that warning is not given as well."""
    import warnings

    from specwire.errors import SpecwireWarning
    from specwire.pipeline.generation import fallback_data_location

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"pipeline .* does not say where its data is",
                                category=SpecwireWarning)
        configs = pipeline.configs()
    fallback = fallback_data_location(pipeline)
    loading = [name for name, config in configs.items() if getattr(config, "source_s3_uri", None) == fallback]
    if fallback is not None and loading:
        raise ConfigError(
            f"pipeline {pipeline.name!r} does not say where its data is: {', '.join(loading)} would read the "
            f"default {fallback}",
            suggested_fix="add `data_location: s3://...` to the pipeline file's context" if pipeline.interface == "cli"
            else "give the data's location: load_data('s3://...'), a pipeline file's context data_location, "
            "or source_s3_uri in the DataLoading config",
            nodes=loading,
        )
