"""Deploying and running pipelines with boto3: upsert, start, follow.

This talks to AWS directly rather than through the SageMaker SDK's `Pipeline.upsert()`: the calls
are few (`CreatePipeline`, or `UpdatePipeline` when the name is taken; `StartPipelineExecution`;
`DescribePipelineExecution` and `ListPipelineExecutionSteps` to follow a run; S3 `PutObject` for
the step scripts), and owning them means every AWS failure becomes one `DeployError` with a
message a person can act on, and a deploy that stops half-way says exactly what it left behind.

boto3 and botocore are imported inside the functions: `import specwire` never pays for them.
Clients use botocore's *standard* retry mode, so throttling and transient errors are retried
with backoff before they are reported.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from specwire.errors import DeployError

#: Attempts per call in botocore's standard retry mode (first try included).
MAX_ATTEMPTS = 5

#: Execution states after which nothing changes any more.
FINAL_STATES = frozenset({"Succeeded", "Failed", "Stopped"})

_ACCESS = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException",
                     "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException",
                     "InvalidAccessKeyId", "AuthFailure", "NotAuthorized"})
_THROTTLE = frozenset({"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled",
                       "RequestThrottledException", "TooManyRequestsException", "RequestLimitExceeded",
                       "SlowDown", "ProvisionedThroughputExceededException", "BandwidthLimitExceeded"})


@dataclass(frozen=True)
class Clients:
    """The two AWS clients a deploy uses, and the region they talk to."""

    sagemaker: Any
    s3: Any
    region: str


@dataclass(frozen=True)
class Deployment:
    """What an upsert did."""

    pipeline_name: str
    pipeline_arn: str
    created: bool
    uploaded: tuple[str, ...] = ()

    @property
    def action(self) -> str:
        return "created" if self.created else "updated"


@dataclass(frozen=True)
class StepStatus:
    name: str
    status: str
    failure_reason: str = ""


@dataclass(frozen=True)
class ExecutionReport:
    """The state of one pipeline execution, with its steps when AWS lists them."""

    arn: str
    status: str
    steps: tuple[StepStatus, ...] = ()
    failure_reason: str = ""

    @property
    def done(self) -> bool:
        return self.status in FINAL_STATES

    @property
    def succeeded(self) -> bool:
        return self.status == "Succeeded"


# --------------------------------------------------------------------------- clients


def make_clients(region: str, *, session: Any = None, max_attempts: int = MAX_ATTEMPTS,
                 profile: str | None = None) -> Clients:
    """SageMaker and S3 clients for `region` with standard-mode retries; `profile` names a profile of
    the AWS config files (as AWS_PROFILE would)."""
    import boto3
    from botocore.config import Config

    config = Config(region_name=region, retries={"mode": "standard", "total_max_attempts": max_attempts},
                    user_agent_extra="specwire")
    with _aws("creating AWS clients", region=region):
        boto = session or boto3.session.Session(profile_name=profile)
        made = Clients(boto.client("sagemaker", config=config), boto.client("s3", config=config), region)
    _remember_credentials(boto)
    return made


def _remember_credentials(boto: Any) -> None:
    """Note the session's credentials (resolved when its clients were made) so `scrub` removes them
    wherever they appear, whatever the format of the message that echoes them."""
    try:
        credentials = boto.get_credentials()
        frozen = credentials.get_frozen_credentials() if credentials is not None else None
    except Exception:  # no credentials yet: the first call reports that
        return
    if frozen is not None:
        _KEY_IDS.add(str(frozen.access_key or ""))
        _SECRET_VALUES.update(str(v) for v in (frozen.secret_key, frozen.token) if v)


# --------------------------------------------------------------------------- deploy


def upload_scripts(uploads: Iterable[tuple[str | Path, str]], *, clients: Clients) -> list[str]:
    """Put each local script at its S3 URI; returns the URIs written. A failure names what was
    already uploaded (those objects stay: an earlier version of the pipeline may use them)."""
    done: list[str] = []
    for local, uri in uploads:
        bucket, key = split_s3_uri(uri)
        path = Path(local)
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise DeployError(
                f"cannot read the step script {path} ({exc.strerror or exc})" + _left(done),
                suggested_fix="reinstall specwire, or fix source_dir/entry_point in the step's config",
                operation="PutObject", left_behind=done,
            ) from None
        with _aws(f"uploading {path.name} to {uri}", operation="PutObject", region=clients.region,
                  left_behind=done, bucket=bucket):
            clients.s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/x-python")
        done.append(uri)
    return done


def upsert_pipeline(
    definition: str,
    *,
    name: str,
    role_arn: str,
    clients: Clients,
    description: str | None = None,
    tags: Mapping[str, str] | None = None,
    uploads: Iterable[tuple[str | Path, str]] = (),
    source_name: str | None = None,
) -> Deployment:
    """Upload the scripts, then create the pipeline, or update it if the name is taken.

    `source_name` is the pipeline's name as the user wrote it (`name` is its SageMaker form): the
    pipeline is created with a tag recording it, and an existing pipeline is updated only when it
    was deployed from the same name (`fraud_detection` and `fraud detection` share the SageMaker name
    `fraud-detection`, and must not overwrite each other).
    """
    uploaded = upload_scripts(uploads, clients=clients)
    args: dict[str, Any] = {"PipelineName": name, "PipelineDefinition": definition, "RoleArn": role_arn}
    if description:
        args["PipelineDescription"] = description[:3072]
    left = [f"uploaded (left in place): {u}" for u in uploaded]
    try:
        create = dict(args)
        all_tags = dict(tags or {})
        if source_name is not None:
            all_tags[SOURCE_NAME_TAG] = _name_digest(source_name)
        if all_tags:
            create["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(all_tags.items())]
        response = clients.sagemaker.create_pipeline(**create)
        return Deployment(name, str(response["PipelineArn"]), True, tuple(uploaded))
    except Exception as exc:
        if not _already_exists(exc):
            _raise(exc, f"creating pipeline {name!r}", "CreatePipeline", clients.region, left,
                   nothing_done=f"the pipeline {name!r} was not created")
    if source_name is not None:
        _refuse_other_source(name, source_name, clients, left)
    try:
        response = clients.sagemaker.update_pipeline(**args)
    except Exception as exc:
        _raise(exc, f"updating pipeline {name!r}", "UpdatePipeline", clients.region, left,
               nothing_done=f"the pipeline {name!r} keeps its previous definition")
    return Deployment(name, str(response["PipelineArn"]), False, tuple(uploaded))


#: The tag recording which name (as the user wrote it) a pipeline was deployed from, as a digest
#: (a tag value allows only some characters; a pipeline name may hold any).
SOURCE_NAME_TAG = "specwire:source-name-sha256"


def _name_digest(name: str) -> str:
    import hashlib

    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def _refuse_other_source(name: str, source_name: str, clients: Clients, left: list[str]) -> None:
    """Refuse to update pipeline `name` when it was deployed from another name than `source_name`."""
    try:
        arn = clients.sagemaker.describe_pipeline(PipelineName=name)["PipelineArn"]
        tags = clients.sagemaker.list_tags(ResourceArn=arn).get("Tags", [])
    except Exception as exc:
        _raise(exc, f"checking which name pipeline {name!r} was deployed from", "DescribePipeline/ListTags",
               clients.region, left, nothing_done=f"the pipeline {name!r} was not changed")
    recorded = next((t.get("Value") for t in tags if t.get("Key") == SOURCE_NAME_TAG), None)
    same = recorded == _name_digest(source_name) if recorded is not None else source_name == name
    if not same:
        from specwire.errors import BadInputError

        raise BadInputError(
            f"pipeline name {source_name!r} becomes the SageMaker name {name!r}, which a pipeline deployed from "
            f"another name already has: deploying would overwrite it"
            + (f" ({'; '.join(left)})" if left else ""),
            suggested_fix="give this pipeline a name that differs in letters or digits (SageMaker names keep "
                          "only those and hyphens), or deploy it under the other pipeline's exact name")


def start_execution(name: str, *, clients: Clients, parameters: Mapping[str, Any] | None = None,
                    display_name: str | None = None, after: Deployment | None = None) -> str:
    """Start an execution; returns its ARN. `after` is the deploy just done, named if the start fails."""
    args: dict[str, Any] = {"PipelineName": name}
    if parameters:
        args["PipelineParameters"] = [{"Name": str(k), "Value": _parameter_text(v)} for k, v in parameters.items()]
    if display_name:
        args["PipelineExecutionDisplayName"] = display_name
    done = [f"pipeline {after.pipeline_name!r} {after.action} ({after.pipeline_arn})", *after.uploaded] if after else []
    with _aws(f"starting pipeline {name!r}", operation="StartPipelineExecution", region=clients.region,
              nothing_done="no execution was started", left_behind=done):
        response = clients.sagemaker.start_pipeline_execution(**args)
    return str(response["PipelineExecutionArn"])


def describe_execution(arn: str, *, clients: Clients) -> ExecutionReport:
    """The execution's status, and its steps' statuses where AWS lists them."""
    with _aws("reading the execution's status", operation="DescribePipelineExecution", region=clients.region):
        response = clients.sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)
    return ExecutionReport(arn, str(response.get("PipelineExecutionStatus", "Unknown")), _steps(arn, clients),
                           str(response.get("FailureReason") or ""))


def wait_for_execution(
    arn: str,
    *,
    clients: Clients,
    poll_seconds: float = 30.0,
    timeout: float | None = None,
    on_update: Callable[[ExecutionReport], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> ExecutionReport:
    """Poll until the execution ends (or `timeout` seconds pass); `on_update` sees each report."""
    start = clock()
    while True:
        report = describe_execution(arn, clients=clients)
        if on_update is not None:
            on_update(report)
        if report.done:
            return report
        if timeout is not None and clock() - start >= timeout:
            raise DeployError(
                f"the execution {arn} was still {report.status} after {timeout:g} s",
                suggested_fix="it keeps running in SageMaker; follow it in the console or wait again",
                operation="DescribePipelineExecution",
            )
        sleep(poll_seconds)


# --------------------------------------------------------------------------- progress


@dataclass
class ProgressDisplay:
    """A live table of the execution's steps (rich), for `Pipeline.execute()`."""

    pipeline_name: str
    console: Any = None
    _live: Any = field(default=None, init=False)
    last: ExecutionReport | None = field(default=None, init=False)

    def __enter__(self) -> ProgressDisplay:
        from rich.console import Console
        from rich.live import Live

        self.console = self.console or Console(stderr=True, highlight=False, emoji=False)
        self._live = Live(self._table(None), console=self.console, refresh_per_second=2, transient=False)
        self._live.__enter__()
        return self

    def update(self, report: ExecutionReport) -> None:
        self.last = report
        if self._live is not None:
            self._live.update(self._table(report))

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._live is not None:
            self._live.__exit__(kind, exc, tb)

    def _table(self, report: ExecutionReport | None) -> Any:
        from rich.table import Table
        from rich.text import Text

        from specwire.errors import printable

        status = report.status if report else "Starting"
        table = Table(title=f"{self.pipeline_name}: {status}", title_justify="left", box=None)
        table.add_column("step")
        table.add_column("status")
        table.add_column("reason", overflow="fold")
        for step in report.steps if report else ():
            # Failure reasons quote the step's own script: shown, never obeyed by the terminal.
            table.add_row(Text(printable(step.name)), Text(step.status, style=_STYLE.get(step.status, "")),
                          Text(printable(step.failure_reason)))
        if report and not report.steps:
            table.add_row(Text("(steps not listed by AWS)"), Text(report.status),
                          Text(printable(report.failure_reason)))
        return table


_STYLE = {"Succeeded": "green", "Failed": "red", "Stopped": "yellow", "Executing": "cyan", "Starting": "cyan"}


# --------------------------------------------------------------------------- errors


def split_s3_uri(uri: str) -> tuple[str, str]:
    match = re.fullmatch(r"s3://([^/]+)/(.+)", uri)
    if not match:
        raise DeployError(f"{uri!r} is not an S3 object URI (s3://bucket/key)", operation="PutObject")
    return match.group(1), match.group(2)


_SECRETS = [
    (re.compile(r"\b(?:AKIA|ASIA|AIDA|AROA)[A-Z0-9]{16}\b"), "<access key id>"),
    (re.compile(r"(X-Amz-(?:Credential|Signature|Security-Token)=)[^&\s]+", re.I), r"\1<redacted>"),
    (re.compile(r"((?:aws_)?(?:secret_access_key|session_token|SecretAccessKey|SessionToken)\W{1,3})[^\s'\",]+",
                re.I), r"\1<redacted>"),
    # STS session tokens, by their fixed opening (base64 of the token's header).
    (re.compile(r"\b(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9+/=]{8,}"), "<session token>"),
]


#: Credential values of the sessions clients were made from (and the environment's): removed as written.
_KEY_IDS: set[str] = set()
_SECRET_VALUES: set[str] = set()
_CREDENTIAL_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def scrub(text: str) -> str:
    """AWS's message without anything that could be a credential: the values in use, and anything
    shaped like an access key id, a signed-URL credential, a secret or a session token."""
    import os

    secrets = {*_SECRET_VALUES, *(os.environ.get(name, "") for name in _CREDENTIAL_VARIABLES)}
    key_ids = {*_KEY_IDS, os.environ.get("AWS_ACCESS_KEY_ID", "")}
    for value in sorted((v for v in secrets if len(v) >= 8), key=len, reverse=True):
        text = text.replace(value, "<redacted>")
    for value in sorted((v for v in key_ids if len(v) >= 8), key=len, reverse=True):
        text = text.replace(value, "<access key id>")
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def _already_exists(exc: Exception) -> bool:
    code, message = _code(exc)
    return code in ("ResourceInUse", "ResourceInUseException") or (
        code == "ValidationException" and "already exist" in message.lower()
    )


def _code(exc: Exception) -> tuple[str, str]:
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        error = response.get("Error") or {}
        return str(error.get("Code") or ""), str(error.get("Message") or "")
    return "", str(exc)


def _left(left_behind: Iterable[str]) -> str:
    items = list(left_behind)
    if not items:
        return ""
    return "; already done before the failure: " + "; ".join(items)


@contextmanager
def _aws(action: str, *, operation: str | None = None, region: str = "", left_behind: Iterable[str] = (),
         nothing_done: str = "", bucket: str = "") -> Iterator[None]:
    try:
        yield
    except DeployError:
        raise
    except Exception as exc:
        left = [f"uploaded (left in place): {u}" if u.startswith("s3://") else u for u in left_behind]
        _raise(exc, action, operation, region, left, nothing_done=nothing_done, bucket=bucket)


def _raise(exc: Exception, action: str, operation: str | None, region: str, left: list[str], *,
           nothing_done: str = "", bucket: str = "") -> None:
    """Turn a boto3/botocore failure into one DeployError (and re-raise anything else)."""
    from botocore import exceptions as bex

    where = f" in {region}" if region else ""
    tail = (f"; {nothing_done}" if nothing_done else "") + _left(left)
    code, message = _code(exc)
    fix: str
    if isinstance(exc, bex.NoCredentialsError | bex.PartialCredentialsError):
        text, fix, code = "no AWS credentials were found", (
            "configure credentials (aws configure, AWS_PROFILE, or an instance/role session) and run again"
        ), type(exc).__name__
    elif isinstance(exc, bex.ProfileNotFound):
        text, fix, code = (f"no AWS profile named {getattr(exc, 'kwargs', {}).get('profile', '')!r} in the AWS "
                           "config files"), "give a profile listed by `aws configure list-profiles`", "ProfileNotFound"
    elif isinstance(exc, bex.NoRegionError):
        text, fix, code = "no AWS region is set", "set the pipeline's region or AWS_REGION", "NoRegionError"
    elif isinstance(exc, bex.EndpointConnectionError | bex.ConnectTimeoutError | bex.ReadTimeoutError
                    | bex.ConnectionClosedError):
        endpoint = getattr(exc, "kwargs", {}).get("endpoint_url", "")
        text = f"cannot reach AWS{where}" + (f" ({endpoint})" if endpoint else "") + f": {type(exc).__name__}"
        fix, code = "check the network connection, proxy settings and the region name, then run again", \
            type(exc).__name__
    elif isinstance(exc, bex.ClientError):
        attempts = int(getattr(exc, "response", {}).get("ResponseMetadata", {}).get("RetryAttempts", 0)) + 1
        if code in _ACCESS:
            text = f"AWS denied access ({code}){where}: {scrub(message)}"
            fix = (f"use credentials allowed to call sagemaker:{operation}" if operation and "Pipeline" in operation
                   else f"use credentials allowed to call {operation or 'this operation'}") + \
                " (and iam:PassRole on the pipeline's role), e.g. another AWS_PROFILE"
        elif code in _THROTTLE:
            tries = f"{attempts} attempts" if attempts > 1 else "the attempt"
            text = f"AWS throttled the request ({code}) and kept doing so: {tries} with backoff (standard retry mode)"
            fix = "wait a minute and run again; if it persists, ask AWS for a higher request quota"
        elif code == "ValidationException":
            text = f"SageMaker rejected the request as invalid: {scrub(message)}"
            fix = "check the definition (Pipeline.definition() or `specwire build`) and the role ARN"
        elif code in ("NoSuchBucket",):
            text = f"the S3 bucket {bucket or ''} does not exist{where}".replace("  ", " ")
            fix = "create the bucket, or give the pipeline one that exists"
        elif code in ("ResourceLimitExceeded", "ServiceQuotaExceededException"):
            text = f"an AWS quota was reached ({code}): {scrub(message)}"
            fix = "delete unused pipelines or ask AWS for a higher quota"
        elif code in ("ResourceNotFound", "ResourceNotFoundException"):
            text = f"not found ({code}): {scrub(message)}"
            fix = "deploy the pipeline first, and check its name and region"
        else:
            text = f"AWS returned {code or 'an error'}: {scrub(message)}"
            fix = "read AWS's message above; run again once it is fixed"
    elif isinstance(exc, bex.BotoCoreError):
        text, fix, code = f"{type(exc).__name__}: {scrub(str(exc))}", "check the AWS configuration", \
            type(exc).__name__
    else:
        raise exc
    error = DeployError(f"{action} failed: {text}{tail}", suggested_fix=fix, operation=operation, aws_code=code,
                        left_behind=left)
    if code == "ProfileNotFound":
        error.exit_code = 2  # a profile the AWS config files do not have is bad input, not AWS refusing
    raise error from None


def _parameter_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _steps(arn: str, clients: Clients) -> tuple[StepStatus, ...]:
    """The execution's steps, oldest first; () where AWS (or a stand-in) cannot list them."""
    try:
        paginator = clients.sagemaker.get_paginator("list_pipeline_execution_steps")
        found: list[StepStatus] = []
        for page in paginator.paginate(PipelineExecutionArn=arn, SortOrder="Ascending"):
            for step in page.get("PipelineExecutionSteps", []):
                found.append(StepStatus(str(step.get("StepName", "?")), str(step.get("StepStatus", "Unknown")),
                                        str(step.get("FailureReason") or "")))
        return tuple(found)
    except NotImplementedError:
        return ()
    except Exception as exc:
        from botocore.exceptions import ClientError

        if isinstance(exc, ClientError):
            return ()
        raise
