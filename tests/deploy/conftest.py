"""AWS in process: fake credentials, moto's SageMaker and S3, and step scripts to upload."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deploy_support import ACCESS_KEY, BUCKET, REGION, SECRET_KEY


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Credentials and a region from the environment only; no config files, no instance metadata."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))


@pytest.fixture
def mocked_aws(aws_env: None) -> Iterator[Any]:
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture(scope="session")
def boto_session() -> Any:
    """One boto3 session for the suite: its loader reads SageMaker's large API model once."""
    import boto3
    import moto  # noqa: F401  (moto hooks botocore before the session exists)

    return boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                 region_name=REGION)


@pytest.fixture
def clients(mocked_aws: None, boto_session: Any) -> Any:
    from specwire.deploy import make_clients

    aws = make_clients(REGION, session=boto_session)
    aws.s3.create_bucket(Bucket=BUCKET)
    return aws


@pytest.fixture
def scripts(tmp_path: Path) -> list[tuple[str, str]]:
    """Two local scripts and where a deploy puts them."""
    uploads = []
    for name in ("preprocess.py", "train.py"):
        path = tmp_path / "scripts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"print('this is {name}')\n", encoding="utf-8")
        uploads.append((str(path), f"s3://{BUCKET}/fraud/1.0.0/code/{name}"))
    return uploads
