"""Validated value types shared by every config: numbers in a range, AWS names, S3 URIs.

Each check raises `invalid(...)`, a pydantic error whose message reads as the end of a sentence
("must be between 1 and 64"); `specwire.configs.messages` prefixes the step, node and field and
appends what the user gave. Keeping the wording here, next to the rule, keeps the two in step.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StrictBool,
    StrictFloat,
    StrictInt,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from specwire.plan import STEP_NAME_PATTERN, STEP_NAME_RULE

#: The pydantic error type of every rule written here; the message is already user-facing.
ERROR_TYPE = "specwire"


def invalid(
    message: str,
    *,
    loc: tuple[str | int, ...] = (),
    show_input: bool = True,
    value: Any = None,
    hint: str | None = None,
) -> PydanticCustomError:
    """A validation error with a finished message.

    `loc` is appended to pydantic's own location: a model-level check uses it to name the field it
    is about. `value` replaces pydantic's input (the whole model, for a model-level check) in the
    ", got ..." suffix; `show_input=False` drops that suffix. `hint` ("did you mean ...?") goes
    last, in parentheses, and becomes the error's suggested fix.
    """
    return PydanticCustomError(
        ERROR_TYPE,
        "{message}",
        {"message": message, "loc": loc, "show_input": show_input, "value": value, "hint": hint},
    )


def number_text(value: float) -> str:
    """1 rather than 1.0, 2419200 rather than 2.4192e+06."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class Between:
    """A closed or half-open numeric range, checked after the type, shown in the JSON Schema.

    pydantic's own `ge`/`le` report one bound at a time ("should be less than or equal to 64");
    a person fixing a value wants the whole range in one message.
    """

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False

    def describe(self) -> str:
        lo = None if self.lo is None else number_text(self.lo)
        hi = None if self.hi is None else number_text(self.hi)
        if lo is not None and hi is not None:
            if not self.lo_open and not self.hi_open:
                return f"must be between {lo} and {hi}"
            low = f"greater than {lo}" if self.lo_open else f"at least {lo}"
            high = f"less than {hi}" if self.hi_open else f"at most {hi}"
            return f"must be {low} and {high}"
        if lo is not None:
            return f"must be greater than {lo}" if self.lo_open else f"must be at least {lo}"
        if hi is not None:
            return f"must be less than {hi}" if self.hi_open else f"must be at most {hi}"
        return "must be a number"

    def contains(self, value: float) -> bool:
        if self.lo is not None and (value <= self.lo if self.lo_open else value < self.lo):
            return False
        return not (self.hi is not None and (value >= self.hi if self.hi_open else value > self.hi))

    def _check(self, value: float) -> float:
        if not self.contains(value):
            raise invalid(self.describe())
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        js = handler(schema)
        if self.lo is not None:
            js["exclusiveMinimum" if self.lo_open else "minimum"] = self.lo
        if self.hi is not None:
            js["exclusiveMaximum" if self.hi_open else "maximum"] = self.hi
        return js


def _pattern_check(pattern: str, message: str, hint: Any = None) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if compiled.fullmatch(value):
            return value
        raise invalid(message, hint=hint(value) if hint else None)

    return AfterValidator(check)


# --------------------------------------------------------------------------- numbers

#: Strict so that `true` is not taken for 1 and "8" is not taken for 8 in a config file.
PositiveInt = Annotated[StrictInt, Between(lo=1)]
NonNegativeInt = Annotated[StrictInt, Between(lo=0)]
NonNegativeFloat = Annotated[StrictFloat, Between(lo=0)]
PositiveFloat = Annotated[StrictFloat, Between(lo=0, lo_open=True)]
#: A fraction such as a sampling ratio or a learning rate: (0, 1].
Fraction = Annotated[StrictFloat, Between(lo=0, hi=1, lo_open=True)]
#: SageMaker's EBS volume limit for training and processing jobs.
VolumeSizeGB = Annotated[StrictInt, Between(lo=1, hi=16384)]
#: Processing jobs stop after at most 9 days (777,600 s); training jobs after 28 days.
ProcessingRuntime = Annotated[StrictInt, Between(lo=1, hi=777_600)]
TrainingRuntime = Annotated[StrictInt, Between(lo=1, hi=2_419_200)]


# --------------------------------------------------------------------------- AWS names

_INSTANCE = r"ml\.[a-z][a-z0-9-]*\.(?:[0-9]{0,2}xlarge|large|medium|small|micro|nano|metal)"


def _instance_hint(value: str) -> str | None:
    # "m5.xlarge" is the most common slip: the EC2 name without SageMaker's "ml." prefix.
    if re.fullmatch(_INSTANCE, "ml." + value.strip().lower()):
        return f"did you mean 'ml.{value.strip().lower()}'?"
    if re.fullmatch(_INSTANCE, value.strip().lower()):
        return f"did you mean {value.strip().lower()!r}?"
    return None


InstanceType = Annotated[
    str,
    _pattern_check(
        _INSTANCE,
        "must be a SageMaker instance type 'ml.<family>.<size>' such as 'ml.m5.xlarge'",
        _instance_hint,
    ),
]

Region = Annotated[
    str,
    _pattern_check(r"[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-[0-9]", "must be an AWS region such as 'us-east-1'"),
]

RoleArn = Annotated[
    str,
    _pattern_check(
        r"arn:aws(?:-cn|-us-gov|-iso[a-z]?)?:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}",
        "must be an IAM role ARN such as 'arn:aws:iam::123456789012:role/SageMakerRole'",
    ),
]


def _check_bucket(value: str) -> str:
    if value.startswith("s3://"):
        raise invalid("must be a bucket name, not an S3 URI", hint=f"did you mean {value[5:].split('/')[0]!r}?")
    problem = bucket_problem(value)
    if problem:
        raise invalid(problem)
    return value


def bucket_problem(name: str) -> str | None:
    """Why `name` breaks S3's bucket naming rules, or None."""
    if not 3 <= len(name) <= 63:
        return "must be an S3 bucket name of 3 to 63 characters"
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", name):
        return (
            "must be an S3 bucket name: lowercase letters, digits, dots and hyphens, "
            "starting and ending with a letter or digit"
        )
    if ".." in name:
        return "must be an S3 bucket name without two dots in a row"
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return None
    return "must be an S3 bucket name, not an IP address"


BucketName = Annotated[str, AfterValidator(_check_bucket)]


def _check_s3_uri(value: str) -> str:
    message = "must be an S3 URI 's3://<bucket>/<key>'"
    if not value.startswith("s3://"):
        # Suggest the URI for the usual slips: another S3 scheme spelling, or no scheme at all.
        scheme, sep, rest = value.partition("://")
        if not sep:
            # "s3:/bucket/key" or "s3:bucket/key" is a mistyped scheme, not part of the bucket name.
            rest = value[3:] if value[:3].lower() == "s3:" else value
        if rest and (not sep or scheme.lower() in ("s3", "s3a", "s3n")):
            candidate = "s3://" + re.sub("/+", "/", rest.lstrip("/"))
            if _s3_uri_problem(candidate) is None:  # suggest only a URI that would be accepted
                raise invalid(message, hint=f"did you mean {candidate!r}?")
        raise invalid(message)
    bucket = value[5:].split("/", 1)[0]
    problem = bucket_problem(bucket)
    if problem:
        raise invalid(f"{message}; its bucket {bucket!r} {problem}")
    if "//" in value[5:]:
        raise invalid(f"{message} without empty path segments ('//')")
    return value


def _s3_uri_problem(value: str) -> str | None:
    try:
        _check_s3_uri(value)
    except PydanticCustomError as exc:
        return str(exc)
    return None


S3Uri = Annotated[str, AfterValidator(_check_s3_uri)]


def _normalise_prefix(value: Any) -> Any:
    # "a/b/", "/a/b" and "a/b" name the same place; keep one spelling so saved files compare equal.
    return value.strip("/") if isinstance(value, str) else value


S3Prefix = Annotated[
    str,
    BeforeValidator(_normalise_prefix),
    _pattern_check(
        r"(?:[A-Za-z0-9!_.*'()-]+(?:/[A-Za-z0-9!_.*'()-]+)*)?",
        "must be an S3 key prefix of letters, digits and !_.*'()- separated by single '/'",
    ),
]

#: SageMaker pipeline names: letters, digits and hyphens, starting with a letter or digit.
PipelineName = Annotated[
    str,
    _pattern_check(
        r"[A-Za-z0-9](?:-*[A-Za-z0-9]){0,255}",
        "must be a SageMaker pipeline name: letters, digits and hyphens, starting and ending with a letter "
        "or digit, at most 256 characters",
        lambda v: f"did you mean {re.sub(r'[^A-Za-z0-9]+', '-', v).strip('-')!r}?" if v.strip("_- ") else None,
    ),
]

#: Node names become SageMaker step names and S3 path segments.
NodeName = Annotated[str, _pattern_check(STEP_NAME_PATTERN, f"must be {STEP_NAME_RULE}")]

JobType = Annotated[
    str,
    _pattern_check(r"[A-Za-z][A-Za-z0-9_-]{0,63}", "must be a job type such as 'training' or 'calibration'"),
]

Version = Annotated[
    str,
    _pattern_check(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", "must be a version of letters, digits, '.', '_' and '-'"),
]

#: A SageMaker model package group name (same rule as pipeline names, at most 63 characters).
PackageGroupName = Annotated[
    str,
    _pattern_check(
        r"[A-Za-z0-9](?:-*[A-Za-z0-9]){0,62}",
        "must be a model package group name: letters, digits and hyphens, starting and ending with a "
        "letter or digit, at most 63 characters",
    ),
]

ImageUri = Annotated[
    str,
    _pattern_check(
        r"[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/[a-z0-9][a-z0-9._/-]*"
        r"(?::[A-Za-z0-9_.-]{1,128}|@sha256:[0-9a-f]{64})?",
        "must be an ECR image URI '<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:<tag>]'",
    ),
]

#: An entry-point script: a relative path to a .py file that cannot climb out of its folder.
ScriptPath = Annotated[
    str,
    _pattern_check(
        r"(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*\.py",
        "must be a relative path to a Python script such as 'train.py'",
    ),
]


def _check_tags(value: dict[str, str]) -> dict[str, str]:
    # AWS tag rules, checked here so a typo fails before an upsert half-creates resources.
    if len(value) > 50:
        raise invalid(f"must hold at most 50 tags, got {len(value)}", show_input=False)
    for key, text in value.items():
        if not 1 <= len(key) <= 128:
            raise invalid("keys must be 1 to 128 characters", loc=(key,), show_input=False)
        if key.lower().startswith("aws:"):
            raise invalid("keys must not start with 'aws:' (reserved by AWS)", loc=(key,), show_input=False)
        if len(text) > 256:
            raise invalid("values must be at most 256 characters", loc=(key,), show_input=False)
    return value


Tags = Annotated[dict[str, str], AfterValidator(_check_tags)]


#: VPC subnets and security groups, as SageMaker's VpcConfig takes them.
SubnetId = Annotated[str, _pattern_check(r"subnet-[0-9a-f]{8,17}", "must be a subnet ID such as 'subnet-0abc1234'")]
SecurityGroupId = Annotated[
    str, _pattern_check(r"sg-[0-9a-f]{8,17}", "must be a security group ID such as 'sg-0abc1234'")
]
#: A KMS key: its ID, an alias, or the ARN of either (what SageMaker's KmsKeyId fields accept).
KmsKeyId = Annotated[
    str,
    _pattern_check(
        r"(?:arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(?:key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+))"
        r"|(?:alias/[A-Za-z0-9/_-]+)|(?:[A-Za-z0-9-]{1,128})",
        "must be a KMS key ID, 'alias/<name>', or a key or alias ARN",
    ),
]


def _check_cache(value: bool | str) -> bool | str:
    if isinstance(value, str) and not re.fullmatch(r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?)?", value):
        raise invalid("must be true, false, or how long a cached result stays valid as an ISO 8601 duration "
                      "such as 'P30D' (30 days) or 'PT12H' (12 hours)")
    return value


#: Step caching: False, True (30 days), or an ISO 8601 duration ('P7D').
CacheSetting = Annotated[StrictBool | str, AfterValidator(_check_cache)]
#: Retry attempts of a step on a transient SageMaker error (0: never retried); SageMaker caps it at 20.
RetryAttempts = Annotated[StrictInt, Between(lo=0, hi=20)]
