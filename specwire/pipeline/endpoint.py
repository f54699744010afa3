"""A pipeline's deployment after approval: its endpoint and monitoring settings, and deploying them.

`deploy_with_monitoring(...)` (fluent) and a pipeline file's `deployment:` block record the
settings; the pipeline itself registers the model pending manual approval. `deploy_approved_model`
(`specwire deploy --endpoint`) then serves the group's newest approved package with data capture
and a data-quality monitoring schedule (see `specwire.deploy.endpoint` for why it is split so).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from specwire.errors import ConfigError
from specwire.pipeline.roles import role_of

if TYPE_CHECKING:
    from specwire.configs.endpoint import EndpointDeploymentConfig
    from specwire.deploy.endpoint import EndpointDeployment, EndpointRequest
    from specwire.pipeline.api import Pipeline

#: The step type whose model package group the deployment reads.
REGISTRATION = "ModelRegistration"


def settings_of(pipeline: Pipeline) -> EndpointDeploymentConfig:
    """The pipeline's deployment settings (`deploy_with_monitoring`, a file's `deployment:`), else defaults."""
    from specwire.configs.endpoint import EndpointDeploymentConfig

    recorded = pipeline.deployment
    return recorded if recorded is not None else EndpointDeploymentConfig()


def default_endpoint_name(pipeline: Pipeline) -> str:
    return pipeline.sagemaker_name[:54].rstrip("-") + "-endpoint"


def endpoint_request(pipeline: Pipeline, *, baseline: str | None = None) -> EndpointRequest:
    """What to deploy, from the resolved plan: its registration's group, role, bucket and job settings."""
    from specwire.configs.steps import ModelRegistrationConfig
    from specwire.deploy.endpoint import EndpointRequest

    settings = settings_of(pipeline)
    if baseline is not None:
        settings = settings.replace({"baseline": baseline})
    registrations = [c for c in pipeline.configs().values() if isinstance(c, ModelRegistrationConfig)]
    if len(registrations) != 1:
        names = ", ".join(c.node_name for c in registrations)
        raise ConfigError(
            f"pipeline {pipeline.name!r} registers {'no model' if not registrations else 'models in ' + names}: a "
            "deployment serves the approved package of exactly one model package group",
            suggested_fix=("add a ModelRegistration node to the pipeline file" if pipeline.interface == "cli"
                           else "call deploy_with_monitoring() (it adds the registration) or register_model()")
            if not registrations else "keep one ModelRegistration node",
        )
    registration = registrations[0]
    name = settings.endpoint_name or default_endpoint_name(pipeline)
    parts = [registration.bucket or "", registration.prefix, registration.pipeline_name or pipeline.sagemaker_name,
             "endpoints", name]
    root = "s3://" + "/".join(p for p in parts if p)
    return EndpointRequest(
        model_package_group=registration.model_package_group_name,
        role_arn=role_of(pipeline, deploy=True),
        endpoint_name=name,
        settings=settings,
        capture_destination=(settings.capture_destination or f"{root}/data-capture").rstrip("/"),
        monitoring_output=(settings.monitoring_output or f"{root}/monitoring").rstrip("/"),
        tags=dict(pipeline.tags),
        kms_key_id=pipeline.kms_key_id,
        subnets=tuple(pipeline.subnets),
        security_group_ids=tuple(pipeline.security_group_ids),
        enable_network_isolation=pipeline.enable_network_isolation,
        interface=pipeline.interface,
    )


def deploy_approved_model(pipeline: Pipeline, role_arn: str | None = None, *, baseline: str | None = None,
                          clients: Any = None, poll_seconds: float = 30.0, timeout: float = 3600.0,
                          ) -> EndpointDeployment:
    """Serve the newest approved model package of the pipeline's group on its endpoint, with data
    capture and a data-quality monitoring schedule; a second run updates, never duplicates."""
    from specwire import deploy
    from specwire.deploy.endpoint import deploy_monitored_endpoint

    if role_arn is not None:
        pipeline.role_arn = role_arn
    request = endpoint_request(pipeline, baseline=baseline)
    aws = clients or deploy.make_clients(pipeline.aws_region)
    return deploy_monitored_endpoint(request, clients=aws, poll_seconds=poll_seconds, timeout=timeout)


def parse_block(block: Any, source: str) -> EndpointDeploymentConfig:
    """A pipeline file's `deployment:` block; errors name the file and the field."""
    from specwire.configs.endpoint import EndpointDeploymentConfig
    from specwire.errors import PipelineFileError

    if block is None:
        return EndpointDeploymentConfig()
    if not isinstance(block, Mapping):
        raise PipelineFileError(f"{source}: deployment: expected a mapping, got {type(block).__name__}")
    try:
        return EndpointDeploymentConfig.from_data(block)
    except ConfigError as exc:
        raise PipelineFileError(f"{source}: {exc.message}", suggested_fix=exc.suggested_fix) from None
