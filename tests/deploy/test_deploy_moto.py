"""Deploy against moto in process: create, update on the second upsert, start, describe, S3 uploads."""

from __future__ import annotations

import json
from typing import Any

import pytest
from deploy_support import BUCKET, ROLE

from specwire.deploy import (
    Clients,
    ExecutionReport,
    describe_execution,
    start_execution,
    upsert_pipeline,
    wait_for_execution,
)
from specwire.errors import DeployError


def definition(*steps: str) -> str:
    return json.dumps({"Version": "2020-12-01", "Metadata": {}, "Parameters": [],
                       "Steps": [{"Name": s, "Type": "Processing", "Arguments": {}} for s in steps]})


def test_first_upsert_creates_and_uploads_the_scripts(clients: Clients, scripts: list[tuple[str, str]]) -> None:
    result = upsert_pipeline(definition("a"), name="fraud", role_arn=ROLE, clients=clients, uploads=scripts,
                             description="fraud detection", tags={"team": "risk"})
    assert result.created and result.action == "created"
    assert result.pipeline_arn.endswith(":pipeline/fraud")
    assert result.uploaded == tuple(uri for _, uri in scripts)
    described = clients.sagemaker.describe_pipeline(PipelineName="fraud")
    assert json.loads(described["PipelineDefinition"]) == json.loads(definition("a"))
    assert described["RoleArn"] == ROLE
    for local, uri in scripts:
        key = uri.removeprefix(f"s3://{BUCKET}/")
        body = clients.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        with open(local, "rb") as handle:
            assert body == handle.read()


def test_second_upsert_updates_the_same_pipeline(clients: Clients) -> None:
    first = upsert_pipeline(definition("a"), name="fraud", role_arn=ROLE, clients=clients)
    second = upsert_pipeline(definition("a", "b"), name="fraud", role_arn=ROLE, clients=clients)
    assert first.created and not second.created and second.action == "updated"
    assert second.pipeline_arn == first.pipeline_arn
    described = clients.sagemaker.describe_pipeline(PipelineName="fraud")
    assert [s["Name"] for s in json.loads(described["PipelineDefinition"])["Steps"]] == ["a", "b"]
    names = [p["PipelineName"] for p in clients.sagemaker.list_pipelines()["PipelineSummaries"]]
    assert names == ["fraud"]


def test_start_describe_and_wait(clients: Clients) -> None:
    upsert_pipeline(definition("a"), name="fraud", role_arn=ROLE, clients=clients)
    arn = start_execution("fraud", clients=clients, parameters={"InputData": "s3://fraud-data/", "Threshold": 0.8})
    assert arn.startswith("arn:aws:sagemaker:us-east-1:123456789012:pipeline/fraud/execution/")
    report = describe_execution(arn, clients=clients)
    assert report.arn == arn and report.done  # moto ends executions at once
    assert report.steps == ()  # moto does not list execution steps: reported as none, not as an error
    seen: list[ExecutionReport] = []
    final = wait_for_execution(arn, clients=clients, poll_seconds=0, on_update=seen.append)
    assert final.status == report.status and seen == [final]


def test_wait_polls_until_the_execution_ends(clients: Clients, monkeypatch: pytest.MonkeyPatch) -> None:
    upsert_pipeline(definition("a"), name="fraud", role_arn=ROLE, clients=clients)
    arn = start_execution("fraud", clients=clients)
    states = iter(["Executing", "Executing", "Succeeded"])
    real = clients.sagemaker.describe_pipeline_execution

    def describe(**kwargs: Any) -> dict[str, Any]:
        return {**real(**kwargs), "PipelineExecutionStatus": next(states)}

    monkeypatch.setattr(clients.sagemaker, "describe_pipeline_execution", describe)
    sleeps: list[float] = []
    statuses: list[str] = []
    final = wait_for_execution(arn, clients=clients, poll_seconds=7, sleep=sleeps.append,
                               on_update=lambda r: statuses.append(r.status))
    assert statuses == ["Executing", "Executing", "Succeeded"]
    assert sleeps == [7, 7] and final.succeeded


def test_wait_gives_up_after_its_timeout(clients: Clients, monkeypatch: pytest.MonkeyPatch) -> None:
    upsert_pipeline(definition("a"), name="fraud", role_arn=ROLE, clients=clients)
    arn = start_execution("fraud", clients=clients)
    real = clients.sagemaker.describe_pipeline_execution
    monkeypatch.setattr(clients.sagemaker, "describe_pipeline_execution",
                        lambda **kw: {**real(**kw), "PipelineExecutionStatus": "Executing"})
    ticks = iter(range(0, 1000, 10))
    with pytest.raises(DeployError, match="still Executing after 25 s"):
        wait_for_execution(arn, clients=clients, poll_seconds=10, timeout=25, sleep=lambda s: None,
                           clock=lambda: float(next(ticks)))


def test_missing_bucket_stops_before_the_pipeline_and_says_what_was_uploaded(
        clients: Clients, scripts: list[tuple[str, str]]) -> None:
    uploads = [scripts[0], (scripts[1][0], "s3://no-such-bucket-here/code/train.py")]
    with pytest.raises(DeployError) as caught:
        upsert_pipeline(definition("a"), name="fraud", role_arn=ROLE, clients=clients, uploads=uploads)
    err = caught.value
    assert err.aws_code == "NoSuchBucket" and err.operation == "PutObject"
    assert "no-such-bucket-here" in err.message and "does not exist" in err.message
    assert scripts[0][1] in err.message  # the one upload that happened is named
    assert err.left_behind == (f"uploaded (left in place): {scripts[0][1]}",)
    assert clients.sagemaker.list_pipelines()["PipelineSummaries"] == []


def test_start_of_an_unknown_pipeline_is_one_clear_error(clients: Clients) -> None:
    with pytest.raises(DeployError) as caught:
        start_execution("never-deployed", clients=clients)
    assert "starting pipeline 'never-deployed' failed" in caught.value.message
    assert "no execution was started" in caught.value.message


def test_a_start_that_fails_after_a_deploy_says_the_pipeline_is_there(clients: Clients,
                                                                       scripts: list[tuple[str, str]]) -> None:
    from botocore.stub import Stubber

    deployed = upsert_pipeline(definition("a"), name="fraud", role_arn=ROLE, clients=clients, uploads=scripts)
    with Stubber(clients.sagemaker) as stub:
        stub.add_client_error("start_pipeline_execution", service_error_code="ResourceLimitExceeded",
                              service_message="too many concurrent executions")
        with pytest.raises(DeployError) as caught:
            start_execution("fraud", clients=clients, after=deployed)
    err = caught.value
    assert "an AWS quota was reached" in err.message and "no execution was started" in err.message
    assert err.left_behind[0] == f"pipeline 'fraud' created ({deployed.pipeline_arn})"
    assert err.left_behind[1:] == tuple(f"uploaded (left in place): {uri}" for _, uri in scripts)
