"""`deploy_with_monitoring(...)` in the pipeline, a file's `deployment:` block, and the post-approval
deployment through `Pipeline.deploy_approved_model()` and `specwire deploy --endpoint` (moto)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from deploy_support import BUCKET, ROLE
from sagemaker_gaps import SageMakerGaps
from test_deploy_endpoint import register
from typer.testing import CliRunner, Result

from specwire import Pipeline
from specwire.cli import app
from specwire.deploy import Clients
from specwire.errors import ConfigError, PipelineFileError

GROUP = "fraud-detection-models"

FILE = f"""
name: fraud-detection
context:
  data_location: s3://fraud-data/transactions/
  bucket: {BUCKET}
nodes:
  - {{name: DataLoading, step: DataLoading}}
  - {{name: TabularPreprocessing, step: TabularPreprocessing}}
  - {{name: XGBoostTraining, step: XGBoostTraining}}
  - {{name: ModelEvaluation, step: ModelEvaluation}}
  - {{name: QualityGate, step: QualityGate}}
  - {{name: ModelRegistration, step: ModelRegistration}}
deployment:
  endpoint_name: fraud-live
  capture_percentage: 50
  schedule: hourly
"""


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECWIRE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


def pipeline() -> Pipeline:
    return (Pipeline("fraud-detection", role_arn=ROLE, bucket=BUCKET).load_data("s3://fraud-data/tx/")
            .train_xgboost().evaluate_performance().quality_gate("auc", 0.8))


def run(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


def test_deploy_with_monitoring_registers_pending_approval_and_keeps_the_settings() -> None:
    made = pipeline().deploy_with_monitoring(capture_percentage=50, schedule="hourly", instance_type="ml.c5.xlarge")
    assert [n for n in made.nodes if n[1] == "ModelRegistration"] == [("ModelRegistration", "ModelRegistration", None)]
    configs = made.configs()
    assert configs["ModelRegistration"].approval_status == "PendingManualApproval"  # type: ignore[attr-defined]
    assert made.resolve().ok and ("QualityGate", "ModelRegistration") in made.resolve().node_edges()
    assert made.deployment is not None and made.deployment.schedule_expression == "cron(0 * ? * * *)"
    assert (made.deployment.capture_percentage, made.deployment.instance_type) == (50, "ml.c5.xlarge")
    # Called on a pipeline that registers already: no second registration.
    twice = pipeline().register_model("risk-models").deploy_with_monitoring()
    assert [n[1] for n in twice.nodes].count("ModelRegistration") == 1


def test_bad_settings_name_the_field_and_leave_the_pipeline_as_it_was() -> None:
    made = pipeline()
    with pytest.raises(ConfigError, match=r"deployment\.capture_percentage: .*100"):
        made.deploy_with_monitoring(capture_percentage=150)
    with pytest.raises(ConfigError, match=r"deployment\.sampling_percentage: unknown field.*capture_percentage"):
        made.deploy_with_monitoring(sampling_percentage=10)
    with pytest.raises(ConfigError, match=r"deployment\.schedule: must be 'hourly', 'daily', or a cron"):
        made.deploy_with_monitoring(schedule="weekly")
    with pytest.raises(ConfigError, match=r"max_runtime_seconds: must be at most 3600 seconds for an hourly"):
        made.deploy_with_monitoring(schedule="hourly", max_runtime_seconds=7200)
    assert made.deployment is None and "ModelRegistration" not in [n[1] for n in made.nodes]


def test_a_pipeline_file_keeps_the_deployment_block(tmp_path: Path) -> None:
    path = tmp_path / "fraud.yaml"
    path.write_text(FILE, encoding="utf-8")
    loaded = Pipeline.from_file(path)
    assert loaded.deployment is not None
    assert (loaded.deployment.endpoint_name, loaded.deployment.capture_percentage) == ("fraud-live", 50)
    path.write_text(FILE.replace("capture_percentage: 50", "capture_percent: 50"), encoding="utf-8")
    with pytest.raises(PipelineFileError, match=r"fraud.yaml: deployment\.capture_percent: unknown field") as bad:
        Pipeline.from_file(path)
    assert "capture_percentage" in str(bad.value)
    path.write_text(FILE.replace("  - {name: ModelRegistration, step: ModelRegistration}\n", ""), encoding="utf-8")
    with pytest.raises(PipelineFileError, match="deployment: the pipeline registers no model"):
        Pipeline.from_file(path)


def test_deploy_approved_model_from_the_pipeline(clients: Clients) -> None:
    gaps = SageMakerGaps(clients.sagemaker)
    package = register(clients)
    made = pipeline().deploy_with_monitoring(capture_percentage=50, schedule="hourly")
    done = made.deploy_approved_model(clients=clients, poll_seconds=0)
    assert done.endpoint_name == "fraud-detection-endpoint" and done.model_package_arn == package
    capture = clients.sagemaker.describe_endpoint_config(EndpointConfigName=done.endpoint_config_name)[
        "DataCaptureConfig"]
    expected = f"s3://{BUCKET}/fraud-detection/endpoints/fraud-detection-endpoint/data-capture"
    assert capture["DestinationS3Uri"] == expected and capture["InitialSamplingPercentage"] == 50
    job = clients.sagemaker.describe_data_quality_job_definition(JobDefinitionName=done.job_definition_name)
    # The analyzer image from the SageMaker SDK's table for the region.
    assert job["DataQualityAppSpecification"]["ImageUri"].endswith(
        ".dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer")
    assert gaps.schedules[done.schedule_name]["MonitoringScheduleConfig"]["ScheduleConfig"] == {
        "ScheduleExpression": "cron(0 * ? * * *)"}


def test_cli_deploy_endpoint(clients: Clients, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import specwire.deploy

    gaps = SageMakerGaps(clients.sagemaker)
    monkeypatch.setattr(specwire.deploy, "make_clients", lambda *args, **kwargs: clients)
    path = tmp_path / "fraud.yaml"
    path.write_text(FILE.replace("schedule: hourly", "schedule: hourly\n  monitoring_image_uri: "
                                 "156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer"),
                    encoding="utf-8")

    register(clients, "PendingManualApproval")
    refused = run("deploy", str(path), "--role", ROLE, "--endpoint")
    assert refused.exit_code == 1
    assert f"model package group '{GROUP}' has no approved model package" in refused.stderr.replace("\n", " ")
    assert clients.sagemaker.list_endpoints()["Endpoints"] == []

    package = register(clients)
    first = run("deploy", str(path), "--role", ROLE, "--endpoint", "--poll", "0")
    assert first.exit_code == 0, first.output
    assert "endpoint fraud-live created" in first.stderr and package in first.stderr
    assert "monitoring schedule fraud-live-data-quality created: cron(0 * ? * * *)" in first.stderr
    second = run("deploy", str(path), "--role", ROLE, "--endpoint", "--poll", "0")
    assert second.exit_code == 0 and "endpoint fraud-live unchanged" in second.stderr
    assert len(clients.sagemaker.list_endpoints()["Endpoints"]) == 1 and len(gaps.schedules) == 1

    assert run("deploy", str(path), "--role", ROLE, "--baseline", f"s3://{BUCKET}/b/").exit_code == 2
    both = run("deploy", str(path), "--role", ROLE, "--endpoint", "--start")
    assert both.exit_code == 2 and "do not apply" in both.stderr
    path.write_text(FILE.replace("capture_percentage: 50", "capture_percentage: 0"), encoding="utf-8")
    bad = run("deploy", str(path), "--role", ROLE, "--endpoint")
    assert bad.exit_code == 2 and "deployment.capture_percentage" in bad.stderr


def week_2() -> Pipeline:
    """The design note's week-2 chain, verbatim."""
    return (Pipeline("fraud-detection")
            .load_data("s3://data/", validation_split=0.2)
            .preprocess_with_quality_checks()
            .train_xgboost_with_hyperparameter_tuning()
            .evaluate_with_business_metrics()
            .deploy_with_monitoring())


def test_the_week_2_chain_builds_offline_and_deploys_after_approval(clients: Clients) -> None:
    import json
    import warnings

    from specwire.errors import SpecwireWarning

    pipeline = week_2()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecwireWarning)  # no role: the placeholder, as `specwire build` does
        document = json.loads(pipeline.definition())
    steps = {s["Name"]: s for s in document["Steps"]}
    gate = steps["QualityGate"]
    steps.update({s["Name"]: s for s in gate["Arguments"]["IfSteps"]})
    assert steps["DataQualityCheck"]["Type"] == "QualityCheck" and steps["HyperparameterTuning"]["Type"] == "Tuning"
    (condition,) = gate["Arguments"]["Conditions"]
    assert condition["LeftValue"]["Std:JsonGet"]["Path"] == "metrics.business_value_gain.value"
    registration = steps["ModelRegistration"]
    assert registration["Type"] == "RegisterModel"
    assert registration["Arguments"]["DriftCheckBaselines"]["ModelDataQuality"]["Statistics"]["S3Uri"] == {
        "Get": "Steps.DataQualityCheck.BaselineUsedForDriftCheckStatistics"}
    approval = {p["Name"]: p for p in document["Parameters"]}["ModelApprovalStatus"]
    assert approval["DefaultValue"] == "PendingManualApproval"
    assert not any("Endpoint" in s["Type"] for s in steps.values())  # nothing served before approval

    # After a run registered a package (with the check's baseline) and someone approved it:
    gaps = SageMakerGaps(clients.sagemaker)
    package = register(clients)
    done = pipeline.deploy_approved_model(ROLE, clients=clients, poll_seconds=0)
    assert done.model_package_arn == package and done.endpoint_action == "created"
    drift = clients.sagemaker.describe_model_package(ModelPackageName=package)["DriftCheckBaselines"]
    assert done.baseline_statistics == drift["ModelDataQuality"]["Statistics"]["S3Uri"]
    capture = clients.sagemaker.describe_endpoint_config(EndpointConfigName=done.endpoint_config_name)[
        "DataCaptureConfig"]
    assert capture["EnableCapture"] and capture["DestinationS3Uri"].startswith("s3://sagemaker-us-east-1-123456789012/")
    schedule = gaps.schedules[done.schedule_name]["MonitoringScheduleConfig"]
    assert schedule["ScheduleConfig"]["ScheduleExpression"] == "cron(0 0 ? * * *)"  # daily by default
    assert schedule["MonitoringJobDefinitionName"] == done.job_definition_name


def readme_section(title: str, language: str) -> list[str]:
    """The fenced `language` blocks of the README section `title`, as written."""
    import re

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    return re.findall(rf"```{language}\n(.*?)```", text[start:text.index("\n## ", start + 1)], flags=re.S)


def test_the_readme_deploy_with_monitoring_runs_as_written(clients: Clients, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A new user's path through "Production forms" then "Deploy with monitoring": the Python block
    after the pipeline was built, then the command on a pipeline file, each once a package is approved."""
    import shlex

    import specwire.deploy

    gaps = SageMakerGaps(clients.sagemaker)
    monkeypatch.setattr(specwire.deploy, "make_clients", lambda *args, **kwargs: clients)
    namespace: dict[str, Any] = {}
    (production,) = readme_section("Production forms", "python")
    exec(compile(production, "README.md", "exec"), namespace)
    (python,) = readme_section("Deploy with monitoring", "python")
    package = register(clients, group="fraud-models")  # the pipeline ran and someone approved its model
    exec(compile(python, "README.md", "exec"), namespace)
    served = clients.sagemaker.describe_endpoint(EndpointName="fraud-detection-endpoint")
    config = clients.sagemaker.describe_endpoint_config(EndpointConfigName=served["EndpointConfigName"])
    assert config["DataCaptureConfig"]["InitialSamplingPercentage"] == 20
    model = clients.sagemaker.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    assert model["PrimaryContainer"]["ModelPackageName"] == package
    assert gaps.schedules["fraud-detection-endpoint-data-quality"]["MonitoringScheduleConfig"]["ScheduleConfig"] == {
        "ScheduleExpression": "cron(0 0 ? * * *)"}

    (command,) = readme_section("Deploy with monitoring", "bash")
    words = shlex.split(command.split("#")[0])
    assert words[:3] == ["specwire", "deploy", "pipeline.yaml"]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pipeline.yaml").write_text(FILE, encoding="utf-8")
    package = register(clients)  # approved in the file's group, fraud-detection-models
    result = run(*words[1:])
    assert result.exit_code == 0, result.output
    assert "endpoint fraud-live created" in result.stderr and package in result.stderr
    assert "fraud-live-data-quality" in gaps.schedules


def test_the_pipelines_vpc_kms_isolation_and_tags_reach_the_endpoint_and_its_monitoring_job(
        clients: Clients, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import specwire.deploy

    gaps = SageMakerGaps(clients.sagemaker)
    monkeypatch.setattr(specwire.deploy, "make_clients", lambda *args, **kwargs: clients)
    secured = FILE.replace("context:\n", "context:\n  subnets: [subnet-0abc12345]\n  security_group_ids: "
                           "[sg-0abc12345]\n  kms_key_id: alias/ml-data\n  enable_network_isolation: true\n"
                           "  tags: {team: fraud}\n")
    path = tmp_path / "pipeline.yaml"
    path.write_text(secured, encoding="utf-8")
    register(clients)
    models: list[dict[str, Any]] = []  # moto keeps no EnableNetworkIsolation: read the request botocore sends
    clients.sagemaker.meta.events.register("provide-client-params.sagemaker.CreateModel",
                                           lambda params, **_: models.append(dict(params)))
    result = run("deploy", str(path), "--role", ROLE, "--endpoint", "--poll", "0")
    assert result.exit_code == 0, result.output
    sm, vpc = clients.sagemaker, {"Subnets": ["subnet-0abc12345"], "SecurityGroupIds": ["sg-0abc12345"]}
    endpoint = sm.describe_endpoint(EndpointName="fraud-live")
    config = sm.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    assert config["KmsKeyId"] == config["DataCaptureConfig"]["KmsKeyId"] == "alias/ml-data"
    model = sm.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    assert model["VpcConfig"] == vpc
    assert [m["EnableNetworkIsolation"] for m in models] == [True]
    (summary,) = sm.list_data_quality_job_definitions()["JobDefinitionSummaries"]
    job = sm.describe_data_quality_job_definition(JobDefinitionName=summary["MonitoringJobDefinitionName"])
    assert job["NetworkConfig"] == {"EnableNetworkIsolation": True, "VpcConfig": vpc}
    assert job["JobResources"]["ClusterConfig"]["VolumeKmsKeyId"] == "alias/ml-data"
    assert job["DataQualityJobOutputConfig"]["KmsKeyId"] == "alias/ml-data"
    for arn in (model["ModelArn"], config["EndpointConfigArn"], endpoint["EndpointArn"], job["JobDefinitionArn"]):
        assert {"Key": "team", "Value": "fraud"} in sm.list_tags(ResourceArn=arn)["Tags"], arn
    assert {"Key": "team", "Value": "fraud"} in gaps.schedules["fraud-live-data-quality"]["Tags"]
