"""AWS failures come back as one clear DeployError each: what failed, what to do, what was left.

SageMaker answers are stubbed with botocore's Stubber (or an event hook for network failures and
real retries); S3 is moto, so the uploads that happen before a failure are real objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deploy_support import ACCESS_KEY, BUCKET, REGION, ROLE, SECRET_KEY

from specwire.deploy import Clients, make_clients, scrub, start_execution, upsert_pipeline
from specwire.errors import DeployError

DEFINITION = json.dumps({"Version": "2020-12-01", "Steps": []})


@pytest.fixture
def stubbed(clients: Clients) -> Iterator[tuple[Clients, Any]]:
    from botocore.stub import Stubber

    with Stubber(clients.sagemaker) as stub:
        yield clients, stub


def fails_with(clients: Clients, uploads: list[tuple[str, str]] = ()) -> DeployError:  # type: ignore[assignment]
    with pytest.raises(DeployError) as caught:
        upsert_pipeline(DEFINITION, name="fraud", role_arn=ROLE, clients=clients, uploads=uploads)
    err = caught.value
    text = str(err) + json.dumps(err.to_dict())
    assert SECRET_KEY not in text and ACCESS_KEY not in text
    assert "Traceback" not in text
    return err


def test_access_denied_names_the_permission_and_what_was_uploaded(
        stubbed: tuple[Clients, Any], scripts: list[tuple[str, str]]) -> None:
    clients, stub = stubbed
    stub.add_client_error(
        "create_pipeline", service_error_code="AccessDeniedException", http_status_code=400,
        service_message=f"User: arn:aws:iam::123456789012:user/ci (key {ACCESS_KEY}) is not authorized to "
                        "perform: sagemaker:CreatePipeline")
    err = fails_with(clients, scripts)
    assert err.aws_code == "AccessDeniedException" and err.operation == "CreatePipeline"
    assert err.message.startswith("creating pipeline 'fraud' failed: AWS denied access")
    assert "the pipeline 'fraud' was not created" in err.message
    assert "<access key id>" in err.message  # AWS's message kept, the key inside it removed
    assert "sagemaker:CreatePipeline" in (err.suggested_fix or "")
    # Nothing half-deployed goes unreported: both scripts are in S3 and named in the error.
    assert err.left_behind == tuple(f"uploaded (left in place): {uri}" for _, uri in scripts)
    for _, uri in scripts:
        assert uri in err.message
        clients.s3.head_object(Bucket=BUCKET, Key=uri.removeprefix(f"s3://{BUCKET}/"))
    assert err.exit_code == 1


def test_throttling_after_retries_is_one_message(stubbed: tuple[Clients, Any]) -> None:
    clients, stub = stubbed
    stub.add_client_error("create_pipeline", service_error_code="ThrottlingException", http_status_code=400,
                          service_message="Rate exceeded")
    err = fails_with(clients)
    assert err.aws_code == "ThrottlingException"
    assert "throttled" in err.message and "standard retry mode" in err.message
    assert "wait a minute" in (err.suggested_fix or "")


def test_validation_error_on_update_keeps_the_previous_definition(stubbed: tuple[Clients, Any]) -> None:
    clients, stub = stubbed
    stub.add_client_error("create_pipeline", service_error_code="ValidationException",
                          service_message="Pipeline names must be unique. Pipeline with name (fraud) already exists.")
    stub.add_client_error("update_pipeline", service_error_code="ValidationException",
                          service_message="Step 'train' references an unknown property")
    err = fails_with(clients)
    assert err.operation == "UpdatePipeline" and err.aws_code == "ValidationException"
    assert "SageMaker rejected the request as invalid: Step 'train' references an unknown property" in err.message
    assert "keeps its previous definition" in err.message


def test_validation_error_on_create(stubbed: tuple[Clients, Any]) -> None:
    clients, stub = stubbed
    stub.add_client_error("create_pipeline", service_error_code="ValidationException",
                          service_message="1 validation error detected: Value at 'roleArn' failed")
    err = fails_with(clients)
    assert err.operation == "CreatePipeline"
    assert "rejected the request as invalid" in err.message and "was not created" in err.message


def test_network_failure(aws_env: None) -> None:
    from botocore.exceptions import EndpointConnectionError

    clients = make_clients(REGION, max_attempts=1)

    def unreachable(request: Any, **_: Any) -> None:
        raise EndpointConnectionError(endpoint_url=request.url)

    clients.sagemaker.meta.events.register("before-send.sagemaker.StartPipelineExecution", unreachable)
    with pytest.raises(DeployError) as caught:
        start_execution("fraud", clients=clients)
    err = caught.value
    assert err.aws_code == "EndpointConnectionError"
    assert "cannot reach AWS in us-east-1 (https://api.sagemaker.us-east-1.amazonaws.com/)" in err.message
    assert "no execution was started" in err.message
    assert "network" in (err.suggested_fix or "")


def test_throttling_is_retried_in_standard_mode_before_it_is_reported(
        aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.awsrequest import AWSResponse

    monkeypatch.setattr("botocore.retries.standard.RetryPolicy.compute_retry_delay", lambda self, ctx: 0)
    clients = make_clients(REGION, max_attempts=3)
    calls: list[str] = []

    class Raw:
        def stream(self, **_: Any) -> Iterator[bytes]:
            yield b'{"__type": "ThrottlingException", "message": "Rate exceeded"}'

    def throttle(request: Any, **_: Any) -> AWSResponse:
        calls.append(request.url)
        return AWSResponse(request.url, 400, {"x-amzn-requestid": "r"}, Raw())

    clients.sagemaker.meta.events.register("before-send.sagemaker.CreatePipeline", throttle)
    err = fails_with(clients)
    assert len(calls) == 3  # three attempts, then one error
    assert err.aws_code == "ThrottlingException"
    assert "3 attempts with backoff (standard retry mode)" in err.message


def test_no_credentials(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    clients = make_clients(REGION, max_attempts=1)
    with pytest.raises(DeployError) as caught:
        start_execution("fraud", clients=clients)
    assert "no AWS credentials were found" in caught.value.message
    assert "aws configure" in (caught.value.suggested_fix or "")


def test_scrub_removes_anything_credential_like() -> None:
    text = (f"key {ACCESS_KEY} url https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA/2024&X-Amz-Signature=abcd "
            f"aws_secret_access_key={SECRET_KEY} SessionToken: IQoJb3JpZ2luX2VjEXAMPLE")
    clean = scrub(text)
    for secret in (ACCESS_KEY, "abcd", SECRET_KEY, "IQoJb3JpZ2luX2VjEXAMPLE", "AKIA/2024"):
        assert secret not in clean
    assert "https://b.s3.amazonaws.com/k" in clean


def test_a_named_profile_gives_its_own_credentials(aws_env: None, monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text("[team]\naws_access_key_id = AKIATEAMPROFILE00001\n"
                           "aws_secret_access_key = teamsecret\n", encoding="utf-8")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    clients = make_clients(REGION, profile="team")
    assert clients.sagemaker._request_signer._credentials.access_key == "AKIATEAMPROFILE00001"
    assert make_clients(REGION).sagemaker._request_signer._credentials.access_key != "AKIATEAMPROFILE00001"


def test_an_unknown_profile_is_named_in_the_error(aws_env: None) -> None:
    with pytest.raises(DeployError) as caught:
        make_clients(REGION, profile="no-such-profile")
    assert "no AWS profile named 'no-such-profile'" in caught.value.message
    assert "list-profiles" in (caught.value.suggested_fix or "")


@pytest.mark.parametrize("endpoint", [False, True], ids=["deploy", "deploy --endpoint"])
def test_specwire_deploy_uses_the_profile_it_is_given(aws_env: None, tmp_path: Path, endpoint: bool) -> None:
    """`--profile` reaches the AWS clients of both forms of `specwire deploy`: an unknown one is
    named (no traceback), after the pipeline and the deployment settings were checked."""
    from typer.testing import CliRunner

    from specwire.cli import app

    path = tmp_path / "fraud.yaml"
    path.write_text("name: fraud\ncontext: {data_location: 's3://fraud-data/tx/'}\nnodes:\n"
                    "  - {name: load, step: DataLoading}\n  - {name: prep, step: TabularPreprocessing}\n"
                    "  - {name: train, step: XGBoostTraining}\n  - {name: evaluate, step: ModelEvaluation}\n"
                    "  - {name: register, step: ModelRegistration}\n",
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["deploy", str(path), "--role", ROLE, "--profile", "no-such-profile",
                                      *(["--endpoint"] if endpoint else [])])
    assert result.exit_code == 2, result.output  # bad input: the flag names a profile that is not there
    assert "no AWS profile named 'no-such-profile'" in result.stderr and "Traceback" not in result.output
