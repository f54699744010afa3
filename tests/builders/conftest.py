"""Definitions built once per session, offline: no AWS credentials or profile in the environment,
no ~/.aws, and every socket that is not loopback refused (and recorded) during the build.

The SageMaker SDK import costs about 2 s; every SDK test shares these fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from builders_support import AWS_VARIABLES, EVERYTHING, EXAMPLES, Built, NetworkGuard, build_example


@pytest.fixture(scope="session")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetworkGuard]:
    """No credentials, no profile, an empty home (no ~/.aws, ~/.sagemaker), no network."""
    mp = pytest.MonkeyPatch()
    for key in AWS_VARIABLES:
        mp.delenv(key, raising=False)
    mp.setenv("HOME", str(tmp_path_factory.mktemp("empty-home")))
    mp.setenv("SPECWIRE_CACHE_DIR", str(tmp_path_factory.mktemp("specwire-cache")))
    guard = NetworkGuard()
    guard.install(mp)
    yield guard
    mp.undo()


@pytest.fixture(scope="session")
def fraud(offline: NetworkGuard) -> Built:
    """The fraud example, built twice in this process, offline."""
    return build_example(EXAMPLES / "fraud.yaml", offline, bucket="ml-artifacts")




@pytest.fixture(scope="session")
def everything(offline: NetworkGuard, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Every built-in step type in one pipeline (tuning, LightGBM, PyTorch, imputation, ...)."""
    path = tmp_path_factory.mktemp("everything") / "everything.yaml"
    path.write_text(EVERYTHING, encoding="utf-8")
    return build_example(path, offline, region="eu-west-1", bucket="ml-artifacts")
