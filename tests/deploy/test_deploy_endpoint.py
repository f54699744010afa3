"""After approval, against moto in process: the newest approved package served on an endpoint with data
capture, a data-quality job definition and monitoring schedule on its baseline; runs again update,
never duplicate; what stops a deployment stops it before anything is made.

moto lacks UpdateEndpoint and the monitoring-schedule operations: `SageMakerGaps` answers those on
the client, after botocore validated each request against SageMaker's service model.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from deploy_support import BUCKET, ROLE
from sagemaker_gaps import SageMakerGaps

from specwire.configs.endpoint import EndpointDeploymentConfig
from specwire.deploy import Clients
from specwire.deploy.endpoint import EndpointRequest, deploy_monitored_endpoint
from specwire.errors import ConfigError, DeployError

GROUP = "fraud-detection-models"
IMAGE = "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer"


@pytest.fixture
def gaps(clients: Clients) -> SageMakerGaps:
    return SageMakerGaps(clients.sagemaker)


def register(clients: Clients, status: str = "Approved", *, baseline: bool = True, group: str = GROUP) -> str:
    """A model package as the pipeline's registration step makes one (with its QualityCheck baseline)."""
    sm = clients.sagemaker
    groups = sm.list_model_package_groups().get("ModelPackageGroupSummaryList", [])
    if group not in {g["ModelPackageGroupName"] for g in groups}:
        sm.create_model_package_group(ModelPackageGroupName=group)
    extra: dict[str, Any] = {}
    if baseline:
        version = len(sm.list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]) + 1
        uris = {}
        for name in ("statistics", "constraints"):
            key = f"fraud-detection/1.0.0/QualityCheck/v{version}/{name}.json"
            clients.s3.put_object(Bucket=BUCKET, Key=key, Body=b"{}")
            uris[name] = f"s3://{BUCKET}/{key}"
        extra["DriftCheckBaselines"] = {"ModelDataQuality": {
            "Statistics": {"ContentType": "application/json", "S3Uri": uris["statistics"]},
            "Constraints": {"ContentType": "application/json", "S3Uri": uris["constraints"]}}}
    response = sm.create_model_package(
        ModelPackageGroupName=group, ModelApprovalStatus=status,
        InferenceSpecification={"Containers": [{"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/xgb:1.7-1",
                                                "ModelDataUrl": f"s3://{BUCKET}/model.tar.gz"}],
                                "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
        **extra)
    return str(response["ModelPackageArn"])


def request(**settings: Any) -> EndpointRequest:
    config = EndpointDeploymentConfig(monitoring_image_uri=IMAGE, **settings)
    root = f"s3://{BUCKET}/fraud-detection/endpoints/fraud-endpoint"
    return EndpointRequest(GROUP, ROLE, "fraud-endpoint", config, f"{root}/data-capture", f"{root}/monitoring",
                           tags={"team": "risk"})


def counts(clients: Clients, gaps: SageMakerGaps) -> dict[str, int]:
    sm = clients.sagemaker
    return {"models": len(sm.list_models()["Models"]), "configs": len(sm.list_endpoint_configs()["EndpointConfigs"]),
            "endpoints": len(sm.list_endpoints()["Endpoints"]),
            "jobs": len(sm.list_data_quality_job_definitions()["JobDefinitionSummaries"]),
            "schedules": len(gaps.schedules)}


def test_the_newest_approved_package_is_served_captured_and_monitored(clients: Clients, gaps: SageMakerGaps) -> None:
    register(clients)
    newest = register(clients)
    register(clients, "PendingManualApproval")  # newer, but not approved: not served
    done = deploy_monitored_endpoint(request(capture_percentage=35, schedule="hourly"), clients=clients)
    sm = clients.sagemaker

    assert done.model_package_arn == newest and done.endpoint_action == "created"
    model = sm.describe_model(ModelName=done.model_name)
    assert model["PrimaryContainer"] == {"ModelPackageName": newest} and model["ExecutionRoleArn"] == ROLE
    endpoint = sm.describe_endpoint(EndpointName="fraud-endpoint")
    assert endpoint["EndpointConfigName"] == done.endpoint_config_name and endpoint["EndpointStatus"] == "InService"
    config = sm.describe_endpoint_config(EndpointConfigName=done.endpoint_config_name)
    assert config["ProductionVariants"][0]["ModelName"] == done.model_name
    assert config["ProductionVariants"][0]["InstanceType"] == "ml.m5.large"
    capture = config["DataCaptureConfig"]
    assert capture["EnableCapture"] and capture["InitialSamplingPercentage"] == 35
    assert capture["DestinationS3Uri"] == f"s3://{BUCKET}/fraud-detection/endpoints/fraud-endpoint/data-capture"
    assert sorted(o["CaptureMode"] for o in capture["CaptureOptions"]) == ["Input", "Output"]

    package = sm.describe_model_package(ModelPackageName=newest)["DriftCheckBaselines"]["ModelDataQuality"]
    job = sm.describe_data_quality_job_definition(JobDefinitionName=done.job_definition_name)
    assert job["DataQualityBaselineConfig"] == {"ConstraintsResource": {"S3Uri": package["Constraints"]["S3Uri"]},
                                                "StatisticsResource": {"S3Uri": package["Statistics"]["S3Uri"]}}
    assert job["DataQualityJobInput"]["EndpointInput"]["EndpointName"] == "fraud-endpoint"
    assert job["DataQualityAppSpecification"]["ImageUri"] == IMAGE and job["RoleArn"] == ROLE
    assert job["StoppingCondition"]["MaxRuntimeInSeconds"] <= 3600  # an hourly schedule's jobs end within the hour

    [created] = gaps.calls("CreateMonitoringSchedule")
    schedule = created["MonitoringScheduleConfig"]
    assert schedule == {"ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
                        "MonitoringJobDefinitionName": done.job_definition_name, "MonitoringType": "DataQuality"}
    assert created["Tags"] == [{"Key": "team", "Value": "risk"}]
    assert done.schedule_action == "created" and done.schedule_name == created["MonitoringScheduleName"]


def test_runs_again_reuse_or_update_never_duplicate(clients: Clients, gaps: SageMakerGaps) -> None:
    first_package = register(clients)
    first = deploy_monitored_endpoint(request(), clients=clients)
    again = deploy_monitored_endpoint(request(), clients=clients)
    assert (again.endpoint_action, again.schedule_action) == ("unchanged", "unchanged")
    assert again == first.__class__(**{**first.__dict__, "endpoint_action": "unchanged",
                                       "schedule_action": "unchanged"})
    assert counts(clients, gaps) == {"models": 1, "configs": 1, "endpoints": 1, "jobs": 1, "schedules": 1}

    second_package = register(clients)  # a newer model approved: the same endpoint moves to it
    moved = deploy_monitored_endpoint(request(schedule="cron(0 6 ? * * *)"), clients=clients)
    assert moved.model_package_arn == second_package != first_package
    assert (moved.endpoint_action, moved.schedule_action) == ("updated", "updated")
    [update] = gaps.calls("UpdateEndpoint")
    assert update == {"EndpointName": "fraud-endpoint", "EndpointConfigName": moved.endpoint_config_name}
    assert clients.sagemaker.describe_endpoint(EndpointName="fraud-endpoint")["EndpointConfigName"] == \
        moved.endpoint_config_name
    schedule = gaps.schedules[moved.schedule_name]["MonitoringScheduleConfig"]
    assert schedule["ScheduleConfig"]["ScheduleExpression"] == "cron(0 6 ? * * *)"
    assert schedule["MonitoringJobDefinitionName"] == moved.job_definition_name != first.job_definition_name
    # One endpoint and one schedule; the earlier model, config and job definition stay (rollback targets).
    assert counts(clients, gaps) == {"models": 2, "configs": 2, "endpoints": 1, "jobs": 2, "schedules": 1}
    assert len(gaps.calls("CreateMonitoringSchedule")) == 1


def test_no_approved_package_names_the_group_and_changes_nothing(clients: Clients, gaps: SageMakerGaps) -> None:
    pending = register(clients, "PendingManualApproval")
    with pytest.raises(DeployError) as caught:
        deploy_monitored_endpoint(request(), clients=clients)
    assert f"model package group {GROUP!r} has no approved model package" in caught.value.message
    assert pending in caught.value.message and "waits for approval" in caught.value.message
    assert f"--model-package-arn {pending} --model-approval-status Approved" in str(caught.value.suggested_fix)
    assert caught.value.exit_code == 1
    assert counts(clients, gaps) == {"models": 0, "configs": 0, "endpoints": 0, "jobs": 0, "schedules": 0}


def test_a_package_without_a_baseline_needs_one_given(clients: Clients, gaps: SageMakerGaps) -> None:
    register(clients, baseline=False)
    with pytest.raises(DeployError) as caught:
        deploy_monitored_endpoint(request(), clients=clients)
    assert "records no data-quality baseline" in caught.value.message
    assert "preprocess_with_quality_checks()" in str(caught.value.suggested_fix)
    assert "deploy_approved_model(baseline=" in str(caught.value.suggested_fix)
    assert "--baseline" not in str(caught.value.suggested_fix)  # Python's words to a Python caller
    with pytest.raises(DeployError) as from_cli:
        deploy_monitored_endpoint(replace(request(), interface="cli"), clients=clients)
    fix = str(from_cli.value.suggested_fix)
    assert "--baseline s3://" in fix and "DataQualityCheck node" in fix and "()" not in fix
    assert counts(clients, gaps)["models"] == 0

    missing = f"s3://{BUCKET}/baselines/none"
    with pytest.raises(ConfigError, match=r"baselines/none/statistics\.json does not exist"):
        deploy_monitored_endpoint(request(baseline=missing), clients=clients)
    assert counts(clients, gaps)["models"] == 0

    for name in ("statistics", "constraints"):
        clients.s3.put_object(Bucket=BUCKET, Key=f"baselines/v1/{name}.json", Body=b"{}")
    done = deploy_monitored_endpoint(request(baseline=f"s3://{BUCKET}/baselines/v1/"), clients=clients)
    assert done.baseline_statistics == f"s3://{BUCKET}/baselines/v1/statistics.json"
    assert done.baseline_constraints == f"s3://{BUCKET}/baselines/v1/constraints.json"


def test_a_failed_endpoint_stops_before_the_schedule(clients: Clients, gaps: SageMakerGaps,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    register(clients)
    real = clients.sagemaker.describe_endpoint
    states = iter(["Creating", "Creating", "Failed"])

    def describe(**kwargs: Any) -> dict[str, Any]:
        found = dict(real(**kwargs))
        found.update(EndpointStatus=next(states), FailureReason="image pull failed")
        return found

    created: list[str] = []
    original_create = clients.sagemaker.create_endpoint
    monkeypatch.setattr(clients.sagemaker, "create_endpoint",
                        lambda **kw: (created.append(kw["EndpointName"]), original_create(**kw))[1])
    monkeypatch.setattr(clients.sagemaker, "describe_endpoint",
                        lambda **kw: real(**kw) if not created else describe(**kw))
    sleeps: list[float] = []
    with pytest.raises(DeployError) as caught:
        deploy_monitored_endpoint(request(), clients=clients, poll_seconds=9, sleep=sleeps.append)
    assert "is Failed: image pull failed; no monitoring schedule was made" in caught.value.message
    assert "endpoint fraud-endpoint created" in caught.value.message  # what it left behind is named
    assert sleeps == [9, 9] and gaps.schedules == {}


def test_the_stand_in_sees_only_requests_botocore_validated(clients: Clients, gaps: SageMakerGaps) -> None:
    from botocore.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError):
        clients.sagemaker.create_monitoring_schedule(MonitoringScheduleName="x", MonitoringScheduleConfig={
            "ScheduleConfig": {}, "MonitoringType": "DataQuality"})  # ScheduleExpression missing
    assert gaps.requests == []
