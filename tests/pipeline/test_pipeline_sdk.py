"""The Pipeline API with the SageMaker SDK: README snippets build definitions; upsert/execute on moto.

The SDK import costs about 2 s, so the definitions are built once per session (fixtures) and
only this module pays for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from specwire import Pipeline
from specwire.errors import DeployError

README = Path(__file__).resolve().parents[2] / "README.md"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
DEFAULT_BUCKET = "sagemaker-us-east-1-123456789012"


def readme_python_blocks() -> list[str]:
    """The python blocks of the README's Pipeline API section, as written."""
    text = README.read_text(encoding="utf-8")
    start = text.index("## The Pipeline API")
    end = text.find("\n## ", start + 1)
    section = text[start:end if end != -1 else None]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


@pytest.fixture(scope="session")
def aws_env() -> Iterator[None]:
    """Fake credentials and a region for the whole session (moto in process; nothing leaves)."""
    mp = pytest.MonkeyPatch()
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}.items():
        mp.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "SPECWIRE_ROLE_ARN"):
        mp.delenv(key, raising=False)
    yield
    mp.undo()


@pytest.fixture(scope="session")
def readme_runs(aws_env: None) -> list[dict[str, Any]]:
    """Each README block run in turn in one namespace (deploy blocks inside moto)."""
    from moto import mock_aws

    namespace: dict[str, Any] = {"__name__": "readme"}
    snapshots: list[dict[str, Any]] = []
    with mock_aws():
        import boto3

        s3 = boto3.client("s3", region_name="us-east-1")
        for bucket in (DEFAULT_BUCKET, "ml-artifacts"):  # the buckets the README's pipelines use
            s3.create_bucket(Bucket=bucket)
        for block in readme_python_blocks():
            exec(compile(block, str(README), "exec"), namespace)
            snapshots.append(dict(namespace))
    return snapshots


def test_readme_has_the_three_levels_and_deploy() -> None:
    blocks = readme_python_blocks()
    assert len(blocks) == 4
    assert "auto_train_xgboost(" in blocks[0] and ".load_data(" in blocks[1] and "from_configs(" in blocks[2]
    assert "upsert()" in blocks[3] and "execute(wait=True)" in blocks[3]


@pytest.mark.parametrize("level", [0, 1, 2])
def test_each_readme_level_produces_a_definition(readme_runs: list[dict[str, Any]], level: int) -> None:
    namespace = readme_runs[level]
    pipeline: Pipeline = namespace["pipeline"]
    definition = json.loads(namespace["definition"])
    assert definition["Version"] == "2020-12-01"
    result = pipeline.resolve()
    assert result.ok
    assert sorted(s["Name"] for s in definition["Steps"] if s["Type"] != "Fail") == sorted(
        _step_names(definition, result.order))
    if level < 2:
        assert "TabularPreprocessing" in [n.name for n in result.inserted]  # the engine filled the gap


def _step_names(definition: dict[str, Any], order: list[str]) -> list[str]:
    # A QualityGate node is a ConditionStep whose branches hold the steps after it; every node is one step.
    names = [s["Name"] for s in definition["Steps"] if s["Type"] != "Fail"]
    assert set(order) <= set(names) | _nested(definition)
    return names


def _nested(definition: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for step in definition["Steps"]:
        for branch in ("IfSteps", "ElseSteps"):
            for inner in step.get("Arguments", {}).get(branch, []):
                found.add(inner["Name"])
    return found


def test_readme_deploy_block_ran_against_moto(readme_runs: list[dict[str, Any]]) -> None:
    report = readme_runs[3]["report"]
    assert report.succeeded


def test_to_sagemaker_is_the_sdk_pipeline_of_the_same_definition(readme_runs: list[dict[str, Any]]) -> None:
    pipeline: Pipeline = readme_runs[1]["pipeline"]
    sdk = pipeline.to_sagemaker()
    assert type(sdk).__module__.startswith("sagemaker.")
    assert sdk.name == "fraud-detection"
    assert json.loads(pipeline.definition()) == json.loads(readme_runs[1]["definition"])


@pytest.fixture
def moto_bucket(aws_env: None) -> Iterator[Any]:
    from moto import mock_aws

    from specwire.deploy import make_clients

    with mock_aws():
        clients = make_clients("us-east-1")
        clients.s3.create_bucket(Bucket=DEFAULT_BUCKET)
        yield clients


def test_upsert_creates_then_updates_and_uploads_every_script(readme_runs: list[dict[str, Any]],
                                                              moto_bucket: Any) -> None:
    pipeline: Pipeline = readme_runs[0]["pipeline"]
    first = pipeline.upsert(clients=moto_bucket)
    assert first.created and first.pipeline_name == "fraud-detection"
    uploads = pipeline.script_uploads()
    assert first.uploaded == tuple(uri for _, uri in uploads) and uploads
    for local, uri in uploads:
        key = uri.removeprefix(f"s3://{DEFAULT_BUCKET}/")
        assert moto_bucket.s3.get_object(Bucket=DEFAULT_BUCKET, Key=key)["Body"].read() == Path(local).read_bytes()
    stored = moto_bucket.sagemaker.describe_pipeline(PipelineName="fraud-detection")
    assert json.loads(stored["PipelineDefinition"]) == json.loads(pipeline.definition())
    second = pipeline.upsert(clients=moto_bucket)
    assert not second.created and second.pipeline_arn == first.pipeline_arn
    arn = pipeline.start(parameters={"QualityThreshold": 0.9}, clients=moto_bucket)
    described = moto_bucket.sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)
    assert described["PipelineArn"] == first.pipeline_arn


def test_upsert_refused_after_uploads_reports_them(readme_runs: list[dict[str, Any]], moto_bucket: Any) -> None:
    from botocore.stub import Stubber

    pipeline: Pipeline = readme_runs[0]["pipeline"]
    with Stubber(moto_bucket.sagemaker) as stub:
        stub.add_client_error("create_pipeline", service_error_code="AccessDeniedException",
                              service_message="not authorized to perform: sagemaker:CreatePipeline")
        with pytest.raises(DeployError) as caught:
            pipeline.upsert(clients=moto_bucket)
    uploaded = [uri for _, uri in pipeline.script_uploads()]
    assert caught.value.left_behind == tuple(f"uploaded (left in place): {u}" for u in uploaded)
    assert "was not created" in caught.value.message


def test_deploy_cli_end_to_end(moto_bucket: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from specwire.cli import app
    from specwire.cli.common import example_path

    monkeypatch.setenv("SPECWIRE_CACHE_DIR", str(tmp_path / "cache"))
    fraud = str(example_path("fraud"))
    result = CliRunner().invoke(app, ["deploy", fraud, "--role", ROLE, "--start", "--wait", "--poll", "0",
                                      "-P", "Threshold=0.9"])
    assert result.exit_code == 0, result.output
    assert "created pipeline fraud-detection" in result.stderr
    assert "execution succeeded" in result.stderr
    names = [p["PipelineName"] for p in moto_bucket.sagemaker.list_pipelines()["PipelineSummaries"]]
    assert names == ["fraud-detection"]


def test_deploy_cli_reports_an_aws_error_in_one_message(moto_bucket: Any, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from specwire.cli import app
    from specwire.cli.common import example_path

    monkeypatch.setenv("SPECWIRE_CACHE_DIR", str(tmp_path / "cache"))
    result = CliRunner().invoke(app, ["deploy", str(example_path("fraud")), "--role", ROLE,
                                      "--bucket", "no-such-bucket-anywhere"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "the S3 bucket no-such-bucket-anywhere does not exist in us-east-1" in result.stderr
    assert "fix: create the bucket" in result.stderr
    assert moto_bucket.sagemaker.list_pipelines()["PipelineSummaries"] == []
