"""Building a definition with no AWS account, no credentials and no network.

The SageMaker SDK 3.x creates boto3 clients when it is imported, reads SDK defaults from
`~/.sagemaker` and admin config files, may validate the role and look up the default bucket
(STS, S3), and sends telemetry (STS and an external URL) from every processor run and model
build. `offline_environment` turns all of that off for the duration of a build:

- environment, set before the SDK is imported and restored afterwards: the region,
  `AWS_EC2_METADATA_DISABLED`, `SAGEMAKER_VALIDATE_ROLE=false`, empty SDK and AWS config files
  (so nothing in the user's home is read), no AWS profile;
- telemetry: the SDK's request function is replaced by a no-op (the `TelemetryOptOut` config
  also works but made builds about 3x slower here);
- a `PipelineSession` on a boto3 session with placeholder credentials (a build never calls
  AWS; real credentials are only needed to deploy) and its default bucket set, so the SDK never
  asks S3 or STS for one.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_LOCK = threading.RLock()
#: Loggers the SDK is chatty on during a build ("Popping out 'ProcessingJobName'...").
_QUIET = ("sagemaker", "botocore", "boto3")
_UNSET = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
#: Placeholder credentials for boto3 client creation; no request is ever signed with them.
OFFLINE_KEY = "specwire-offline-build"


#: The SDK modules a build uses, imported up front so their import-time logging setup can be undone.
SDK_MODULES = (
    "sagemaker.core.telemetry.telemetry_logging",
    "sagemaker.core.image_uris",
    "sagemaker.core.parameter",
    "sagemaker.core.processing",
    "sagemaker.core.shapes",
    "sagemaker.core.transformer",
    "sagemaker.core.workflow.conditions",
    "sagemaker.core.workflow.functions",
    "sagemaker.core.workflow.parameters",
    "sagemaker.core.workflow.pipeline_context",
    "sagemaker.core.workflow.properties",
    "sagemaker.mlops.workflow.condition_step",
    "sagemaker.mlops.workflow.fail_step",
    "sagemaker.mlops.workflow.model_step",
    "sagemaker.mlops.workflow.pipeline",
    "sagemaker.mlops.workflow.steps",
    "sagemaker.serve.model_builder",
    "sagemaker.train",
    "sagemaker.train.configs",
    "sagemaker.train.tuner",
)


def _import_sdk() -> None:
    """Import the SDK and undo what its import does to logging.

    One SDK module calls `logging.basicConfig(level=INFO)` when imported, which would make every
    library's INFO messages appear on stderr; the root logger's handlers and level are put back,
    and the SDK's own loggers (some set to DEBUG or INFO) are held at ERROR during the build.
    """
    import importlib

    from specwire.errors import BuildError

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        for module in SDK_MODULES:
            importlib.import_module(module)
    except ImportError as exc:
        raise BuildError(
            f"building a SageMaker definition needs the SageMaker Python SDK 3.27, which cannot be imported ({exc})",
            suggested_fix="pip install 'sagemaker>=3.27,<3.28' (specwire's own install brings it)",
        ) from None
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _sdk_loggers() -> list[logging.Logger]:
    names = [n for n in logging.root.manager.loggerDict if n.split(".")[0] in _QUIET]
    return [logging.getLogger(n) for n in sorted(names)]


class _MethodNames:
    """Stands in for the SDK's `LocalSagemakerClient` where `steps.py` builds one only to read
    two of its method names (`create_processing_job`, `create_transform_job`) when it checks a
    step's arguments: the real one starts a local-mode session and boto3 clients, about 0.25 s
    per processing or transform step. The names, and so the check, are unchanged.
    """

    def create_processing_job(self) -> None:  # pragma: no cover - only its name is read
        return None

    def create_transform_job(self) -> None:  # pragma: no cover - only its name is read
        return None


@contextmanager
def _faster_sdk() -> Iterator[None]:
    """Two shortcuts that change no output, only time (about 1 s of a 1.6 s fraud build):

    - `steps.LocalSagemakerClient` -> `_MethodNames` (see there);
    - `common_utils._botocore_resolver`, which reads botocore's endpoint data from disk on every
      image lookup, is asked once per build.
    An SDK release without these attributes is simply built the slow way.
    """
    import functools

    import sagemaker.core.common_utils as common_utils
    import sagemaker.mlops.workflow.steps as steps

    patches = [
        (steps, "LocalSagemakerClient", _MethodNames),
        (common_utils, "_botocore_resolver", functools.cache(common_utils._botocore_resolver)),
    ]
    originals = [(module, name, getattr(module, name)) for module, name, _ in patches if hasattr(module, name)]
    for module, name, replacement in patches:
        if hasattr(module, name):
            setattr(module, name, replacement)
    try:
        yield
    finally:
        for module, name, original in originals:
            setattr(module, name, original)


def _silence_telemetry() -> None:
    import sagemaker.core.telemetry.telemetry_logging as telemetry

    def _no_telemetry(*args: Any, **kwargs: Any) -> None:
        return None

    telemetry._send_telemetry_request = _no_telemetry


@contextmanager
def offline_environment(region: str = "us-east-1") -> Iterator[None]:
    """Within this block, importing and using the SageMaker SDK to build a definition stays offline."""
    with _LOCK:
        folder = Path(tempfile.mkdtemp(prefix="specwire-offline-"))
        empty = folder / "empty.yaml"
        empty.write_text("", encoding="utf-8")
        changes = {
            "AWS_DEFAULT_REGION": region,
            "AWS_EC2_METADATA_DISABLED": "true",
            "SAGEMAKER_VALIDATE_ROLE": "false",
            "SAGEMAKER_USER_CONFIG_OVERRIDE": str(empty),
            "SAGEMAKER_ADMIN_CONFIG_OVERRIDE": str(empty),
            "AWS_CONFIG_FILE": str(empty),
            "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        }
        saved = {key: os.environ.get(key) for key in (*changes, *_UNSET)}
        levels: dict[logging.Logger, int] = {}
        os.environ.update(changes)
        for key in _UNSET:
            os.environ.pop(key, None)
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", module=r"sagemaker(\.|$)")
                warnings.filterwarnings("ignore", message=r".*PipelineSession.*")
                _import_sdk()
                for logger in _sdk_loggers():
                    levels[logger] = logger.level
                    logger.setLevel(logging.ERROR)
                _silence_telemetry()
                with _faster_sdk():
                    yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            for logger, level in levels.items():
                logger.setLevel(level)
            shutil.rmtree(folder, ignore_errors=True)


def offline_session(region: str, bucket: str) -> Any:
    """A `PipelineSession` that never calls AWS (use inside `offline_environment`)."""
    import boto3
    from sagemaker.core.workflow.pipeline_context import PipelineSession

    boto_session = boto3.Session(
        region_name=region, aws_access_key_id=OFFLINE_KEY, aws_secret_access_key=OFFLINE_KEY
    )
    session = PipelineSession(boto_session=boto_session, default_bucket=bucket)
    session._default_bucket = bucket
    return session
