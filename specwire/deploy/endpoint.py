"""After approval: serve the newest approved model package of a group on a real-time endpoint with
data capture, and check the captured data against the package's data-quality baseline on a schedule.

Why this runs after the pipeline and not in it: an endpoint step inside the pipeline would serve
every model the pipeline registers, before anyone approved it in the model registry; and SageMaker
pipelines have no step type for a monitoring schedule. So the pipeline registers (pending manual
approval) and this deploys what was approved.

Every resource is named after what it is made of (the endpoint's name, the package version, and a
digest of the request), so a second run finds what the first made: the model, endpoint config and
job definition are reused when unchanged (they cannot be edited in SageMaker), the endpoint is
updated to a new endpoint config, and the schedule is updated in place. Nothing is duplicated.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from specwire.configs.endpoint import EndpointDeploymentConfig
from specwire.deploy import Clients, _aws, _code, _raise, split_s3_uri
from specwire.errors import ConfigError, DeployError

#: Endpoint states from which nothing more happens without a new request.
_SETTLED = frozenset({"InService", "Failed", "OutOfService"})
#: Where a data-quality job reads the captured data and writes its report inside its container.
_INPUT_PATH = "/opt/ml/processing/input/endpoint"
_OUTPUT_PATH = "/opt/ml/processing/output"


@dataclass(frozen=True)
class EndpointRequest:
    """What to deploy: the group's newest approved package, as `settings` say, run as `role_arn`."""

    model_package_group: str
    role_arn: str
    endpoint_name: str
    settings: EndpointDeploymentConfig
    capture_destination: str
    monitoring_output: str
    tags: Mapping[str, str] = field(default_factory=dict)
    kms_key_id: str | None = None
    subnets: Sequence[str] = ()
    security_group_ids: Sequence[str] = ()
    enable_network_isolation: bool = False
    #: Who asked: fixes name Python arguments ("python") or flags and file keys ("cli").
    interface: Literal["python", "cli"] = "python"


@dataclass(frozen=True)
class EndpointDeployment:
    """What a deployment did, resource by resource ("created", "updated" or "unchanged")."""

    endpoint_name: str
    endpoint_arn: str
    endpoint_action: str
    model_package_arn: str
    model_name: str
    endpoint_config_name: str
    capture_destination: str
    job_definition_name: str
    schedule_name: str
    schedule_action: str
    schedule_expression: str
    baseline_statistics: str
    baseline_constraints: str

    def lines(self) -> list[str]:
        return [
            f"endpoint {self.endpoint_name} {self.endpoint_action} ({self.endpoint_arn})",
            f"  model package {self.model_package_arn} as model {self.model_name}",
            f"  endpoint config {self.endpoint_config_name}: data capture to {self.capture_destination}",
            f"monitoring schedule {self.schedule_name} {self.schedule_action}: {self.schedule_expression}, "
            f"job definition {self.job_definition_name}",
            f"  baseline {self.baseline_statistics} and {self.baseline_constraints}",
        ]


# --------------------------------------------------------------------------- the approved package


def newest_approved_package(group: str, *, clients: Clients) -> dict[str, Any]:
    """DescribeModelPackage of the group's newest approved package; a `DeployError` naming the group
    (and its newest package waiting for approval, if any) when none is approved."""
    sm = clients.sagemaker
    with _aws(f"listing the approved model packages of group {group!r}", operation="ListModelPackages",
              region=clients.region, nothing_done="nothing was deployed"):
        approved = sm.list_model_packages(ModelPackageGroupName=group, ModelApprovalStatus="Approved",
                                          SortBy="CreationTime", SortOrder="Descending", MaxResults=1)
        pending = [] if approved.get("ModelPackageSummaryList") else sm.list_model_packages(
            ModelPackageGroupName=group, ModelApprovalStatus="PendingManualApproval", SortBy="CreationTime",
            SortOrder="Descending", MaxResults=1).get("ModelPackageSummaryList", [])
    found = approved.get("ModelPackageSummaryList") or []
    if not found:
        waiting = pending[0]["ModelPackageArn"] if pending else None
        raise DeployError(
            f"model package group {group!r} has no approved model package in {clients.region}: nothing was deployed"
            + (f" (the newest, {waiting}, waits for approval)" if waiting else
               " (run the pipeline first: its registration step adds packages to the group)"),
            suggested_fix="approve a package in SageMaker Studio's model registry, or: aws sagemaker "
            f"update-model-package --model-package-arn {waiting or '<package ARN>'} --model-approval-status Approved",
            operation="ListModelPackages",
        )
    arn = str(found[0]["ModelPackageArn"])
    with _aws(f"reading model package {arn}", operation="DescribeModelPackage", region=clients.region,
              nothing_done="nothing was deployed"):
        package: dict[str, Any] = sm.describe_model_package(ModelPackageName=arn)
    return package


def baseline_of(package: Mapping[str, Any], explicit: str | None, group: str,
                interface: Literal["python", "cli"] = "python") -> tuple[str, str]:
    """(statistics, constraints) S3 URIs: in the `explicit` folder, else the package's data-quality
    drift baseline (`DriftCheckBaselines.ModelDataQuality`)."""
    if explicit is not None:
        folder = explicit.rstrip("/")
        return f"{folder}/statistics.json", f"{folder}/constraints.json"
    quality = (package.get("DriftCheckBaselines") or {}).get("ModelDataQuality") or {}
    statistics = (quality.get("Statistics") or {}).get("S3Uri")
    constraints = (quality.get("Constraints") or {}).get("S3Uri")
    if not statistics or not constraints:
        raise DeployError(
            f"model package {package.get('ModelPackageArn', '?')} (group {group!r}) records no data-quality "
            "baseline (DriftCheckBaselines.ModelDataQuality): a monitoring schedule needs one; nothing was deployed",
            suggested_fix=(
                "add a DataQualityCheck node to the pipeline file (its registration then records the baseline), or "
                "give one: --baseline s3://.../ (a folder with statistics.json and constraints.json) or `baseline:` "
                "in the file's deployment block" if interface == "cli" else
                "build the pipeline with preprocess_with_quality_checks() (its registration then records the "
                "baseline), or give one: deploy_approved_model(baseline='s3://.../') (a folder with statistics.json "
                "and constraints.json) or deploy_with_monitoring(baseline=...)"),
            operation="DescribeModelPackage",
        )
    return str(statistics), str(constraints)


def check_baseline_files(uris: Sequence[str], *, clients: Clients) -> None:
    """Each baseline file exists: a schedule on a missing baseline would fail every run."""
    for uri in uris:
        bucket, key = split_s3_uri(uri)
        try:
            clients.s3.head_object(Bucket=bucket, Key=key)
        except Exception as exc:
            code, _ = _code(exc)
            if code in ("404", "NoSuchKey", "NotFound", "NoSuchBucket"):
                raise ConfigError(
                    f"the monitoring baseline {uri} does not exist: nothing was deployed",
                    suggested_fix="give a folder holding statistics.json and constraints.json (a Model Monitor "
                    "baselining job or the pipeline's QualityCheck step writes them)",
                ) from None
            _raise(exc, f"reading the monitoring baseline {uri}", "HeadObject", clients.region, [],
                   nothing_done="nothing was deployed", bucket=bucket)


def monitoring_image(region: str, explicit: str | None) -> str:
    """The Model Monitor analyzer image of `region` (the SageMaker SDK's table), unless given."""
    if explicit:
        return explicit
    from sagemaker.core import image_uris

    try:
        return str(image_uris.retrieve("model-monitor", region=region))
    except ValueError:
        raise ConfigError(
            f"the SageMaker SDK knows no Model Monitor image for region {region!r}",
            suggested_fix="set monitoring_image_uri in the deployment settings",
        ) from None


# --------------------------------------------------------------------------- deploy


def deploy_monitored_endpoint(
    request: EndpointRequest,
    *,
    clients: Clients,
    poll_seconds: float = 30.0,
    timeout: float = 3600.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> EndpointDeployment:
    """Serve the newest approved package of the request's group, capture data, monitor it.

    Everything that can be refused is checked before anything is created: an approved package, its
    baseline (files included) and the monitoring image. A failure later names what was already done.
    """
    settings = request.settings
    package = newest_approved_package(request.model_package_group, clients=clients)
    package_arn = str(package["ModelPackageArn"])
    statistics, constraints = baseline_of(package, settings.baseline, request.model_package_group, request.interface)
    check_baseline_files([statistics, constraints], clients=clients)
    image = monitoring_image(clients.region, settings.monitoring_image_uri)
    version = package.get("ModelPackageVersion") or package_arn.rsplit("/", 1)[-1]
    done: list[str] = []
    tags = [{"Key": k, "Value": v} for k, v in sorted(request.tags.items())]

    model: dict[str, Any] = {"PrimaryContainer": {"ModelPackageName": package_arn},
                             "ExecutionRoleArn": request.role_arn}
    if request.subnets:
        model["VpcConfig"] = {"Subnets": list(request.subnets), "SecurityGroupIds": list(request.security_group_ids)}
    if request.enable_network_isolation:
        model["EnableNetworkIsolation"] = True
    model_name = _named(request.endpoint_name, f"-v{version}", model)
    _create_unless_present(
        clients, "model", model_name, done, operation="CreateModel",
        describe=lambda: clients.sagemaker.describe_model(ModelName=model_name),
        create=lambda: clients.sagemaker.create_model(ModelName=model_name, Tags=tags, **model))

    capture: dict[str, Any] = {
        "EnableCapture": True, "InitialSamplingPercentage": settings.capture_percentage,
        "DestinationS3Uri": request.capture_destination,
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        "CaptureContentTypeHeader": {"CsvContentTypes": ["text/csv"]},
    }
    config: dict[str, Any] = {
        "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": model_name,
                                "InitialInstanceCount": settings.initial_instance_count,
                                "InstanceType": settings.instance_type, "InitialVariantWeight": 1.0}],
        "DataCaptureConfig": capture,
    }
    if request.kms_key_id:
        capture["KmsKeyId"] = request.kms_key_id
        config["KmsKeyId"] = request.kms_key_id
    config_name = _named(request.endpoint_name, f"-v{version}", config, digest_size=4)
    _create_unless_present(
        clients, "endpoint config", config_name, done, operation="CreateEndpointConfig",
        describe=lambda: clients.sagemaker.describe_endpoint_config(EndpointConfigName=config_name),
        create=lambda: clients.sagemaker.create_endpoint_config(EndpointConfigName=config_name, Tags=tags, **config))

    endpoint_arn, endpoint_action = _create_or_update_endpoint(request.endpoint_name, config_name, tags, clients, done)
    _wait_in_service(request.endpoint_name, clients, done, poll_seconds=poll_seconds, timeout=timeout, sleep=sleep,
                     clock=clock)

    job: dict[str, Any] = {
        "DataQualityBaselineConfig": {"ConstraintsResource": {"S3Uri": constraints},
                                      "StatisticsResource": {"S3Uri": statistics}},
        "DataQualityAppSpecification": {"ImageUri": image},
        "DataQualityJobInput": {"EndpointInput": {"EndpointName": request.endpoint_name, "LocalPath": _INPUT_PATH,
                                                  "S3InputMode": "File",
                                                  "S3DataDistributionType": "FullyReplicated"}},
        "DataQualityJobOutputConfig": {"MonitoringOutputs": [{"S3Output": {
            "S3Uri": request.monitoring_output, "LocalPath": _OUTPUT_PATH, "S3UploadMode": "EndOfJob"}}]},
        "JobResources": {"ClusterConfig": {"InstanceCount": settings.monitoring_instance_count,
                                           "InstanceType": settings.monitoring_instance_type,
                                           "VolumeSizeInGB": settings.monitoring_volume_size_gb}},
        "RoleArn": request.role_arn,
        "StoppingCondition": {"MaxRuntimeInSeconds": settings.max_runtime_seconds},
    }
    if request.kms_key_id:
        job["DataQualityJobOutputConfig"]["KmsKeyId"] = request.kms_key_id
        job["JobResources"]["ClusterConfig"]["VolumeKmsKeyId"] = request.kms_key_id
    network: dict[str, Any] = {}
    if request.enable_network_isolation:
        network["EnableNetworkIsolation"] = True
    if request.subnets:
        network["VpcConfig"] = {"Subnets": list(request.subnets), "SecurityGroupIds": list(request.security_group_ids)}
    if network:
        job["NetworkConfig"] = network
    job_name = _named(request.endpoint_name, "-dq", job)
    _create_unless_present(
        clients, "data-quality job definition", job_name, done, operation="CreateDataQualityJobDefinition",
        describe=lambda: clients.sagemaker.describe_data_quality_job_definition(JobDefinitionName=job_name),
        create=lambda: clients.sagemaker.create_data_quality_job_definition(JobDefinitionName=job_name, Tags=tags,
                                                                           **job))

    schedule_name = _named(request.endpoint_name, "-data-quality", None)
    schedule = {"ScheduleConfig": {"ScheduleExpression": settings.schedule_expression},
                "MonitoringJobDefinitionName": job_name, "MonitoringType": "DataQuality"}
    schedule_action = _create_or_update_schedule(schedule_name, schedule, tags, clients, done)
    return EndpointDeployment(
        request.endpoint_name, endpoint_arn, endpoint_action, package_arn, model_name, config_name,
        request.capture_destination, job_name, schedule_name, schedule_action, settings.schedule_expression,
        statistics, constraints,
    )


# --------------------------------------------------------------------------- helpers


def _named(base: str, suffix: str, request: Any, *, digest_size: int = 4) -> str:
    """`base` + `suffix` (+ a digest of `request`), within SageMaker's 63 characters: the same request
    gets the same name, so a second deployment finds what the first made."""
    if request is not None:
        text = json.dumps(request, sort_keys=True, default=str)
        suffix += "-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[: 2 * digest_size]
    return base[: 63 - len(suffix)].rstrip("-") + suffix


def _not_found(exc: Exception) -> bool:
    code, message = _code(exc)
    return code in ("ResourceNotFound", "ResourceNotFoundException") or (
        code == "ValidationException" and "could not find" in message.lower())


def _describe(what: str, name: str, call: Callable[[], Any], clients: Clients, done: list[str]) -> Any:
    """The description, or None when there is no such resource."""
    try:
        return call()
    except Exception as exc:
        if _not_found(exc):
            return None
        _raise(exc, f"reading {what} {name!r}", None, clients.region, list(done))
    return None  # unreachable: _raise raises


def _create_unless_present(clients: Clients, what: str, name: str, done: list[str], *, operation: str,
                           describe: Callable[[], Any], create: Callable[[], Any]) -> None:
    if _describe(what, name, describe, clients, done) is not None:
        return
    with _aws(f"creating {what} {name!r}", operation=operation, region=clients.region, left_behind=list(done)):
        create()
    done.append(f"{what} {name} created")


def _create_or_update_endpoint(name: str, config_name: str, tags: list[dict[str, str]], clients: Clients,
                               done: list[str]) -> tuple[str, str]:
    sm = clients.sagemaker
    current = _describe("endpoint", name, lambda: sm.describe_endpoint(EndpointName=name), clients, done)
    if current is None:
        with _aws(f"creating endpoint {name!r}", operation="CreateEndpoint", region=clients.region,
                  left_behind=list(done)):
            arn = sm.create_endpoint(EndpointName=name, EndpointConfigName=config_name, Tags=tags)["EndpointArn"]
        done.append(f"endpoint {name} created")
        return str(arn), "created"
    if current.get("EndpointConfigName") == config_name:
        return str(current["EndpointArn"]), "unchanged"
    status = str(current.get("EndpointStatus", ""))
    if status not in ("InService", "OutOfService"):
        reason = f" ({current['FailureReason']})" if current.get("FailureReason") else ""
        raise DeployError(
            f"endpoint {name!r} is {status}{reason}: it cannot be updated now" + _done(done),
            suggested_fix="run again once it is InService" if status != "Failed" else
            f"delete it (aws sagemaker delete-endpoint --endpoint-name {name}) and run again",
            operation="UpdateEndpoint", left_behind=done,
        )
    with _aws(f"updating endpoint {name!r} to endpoint config {config_name!r}", operation="UpdateEndpoint",
              region=clients.region, left_behind=list(done), nothing_done=f"endpoint {name!r} is unchanged"):
        arn = sm.update_endpoint(EndpointName=name, EndpointConfigName=config_name)["EndpointArn"]
    done.append(f"endpoint {name} updated to {config_name}")
    return str(arn), "updated"


def _wait_in_service(name: str, clients: Clients, done: list[str], *, poll_seconds: float, timeout: float,
                     sleep: Callable[[float], None], clock: Callable[[], float]) -> None:
    """A monitoring schedule needs an endpoint in service; creating or updating one takes minutes."""
    start = clock()
    while True:
        with _aws(f"reading endpoint {name!r}", operation="DescribeEndpoint", region=clients.region,
                  left_behind=list(done)):
            status = clients.sagemaker.describe_endpoint(EndpointName=name)
        state = str(status.get("EndpointStatus", ""))
        if state == "InService":
            return
        if state in _SETTLED:
            reason = f": {status['FailureReason']}" if status.get("FailureReason") else ""
            raise DeployError(f"endpoint {name!r} is {state}{reason}; no monitoring schedule was made" + _done(done),
                              suggested_fix="read the endpoint's CloudWatch logs, fix the cause and run again",
                              operation="DescribeEndpoint", left_behind=done)
        if clock() - start >= timeout:
            raise DeployError(f"endpoint {name!r} was still {state} after {timeout:g} s; no monitoring schedule "
                              "was made" + _done(done), suggested_fix="run again once it is InService (the run "
                              "finds what this one made)", operation="DescribeEndpoint", left_behind=done)
        sleep(poll_seconds)


def _create_or_update_schedule(name: str, schedule: dict[str, Any], tags: list[dict[str, str]], clients: Clients,
                               done: list[str]) -> str:
    sm = clients.sagemaker
    current = _describe("monitoring schedule", name,
                        lambda: sm.describe_monitoring_schedule(MonitoringScheduleName=name), clients, done)
    if current is None:
        with _aws(f"creating monitoring schedule {name!r}", operation="CreateMonitoringSchedule",
                  region=clients.region, left_behind=list(done)):
            sm.create_monitoring_schedule(MonitoringScheduleName=name, MonitoringScheduleConfig=schedule, Tags=tags)
        return "created"
    have = current.get("MonitoringScheduleConfig") or {}
    if (have.get("MonitoringJobDefinitionName") == schedule["MonitoringJobDefinitionName"]
            and (have.get("ScheduleConfig") or {}).get("ScheduleExpression")
            == schedule["ScheduleConfig"]["ScheduleExpression"]):
        return "unchanged"
    with _aws(f"updating monitoring schedule {name!r}", operation="UpdateMonitoringSchedule", region=clients.region,
              left_behind=list(done), nothing_done=f"the schedule {name!r} is unchanged"):
        sm.update_monitoring_schedule(MonitoringScheduleName=name, MonitoringScheduleConfig=schedule)
    return "updated"


def _done(done: Sequence[str]) -> str:
    return ("; already done: " + "; ".join(done)) if done else ""
