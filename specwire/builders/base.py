"""What every step builder shares: the references passed between steps, the build context, the base class.

A builder turns one config into one SageMaker step. It knows nothing of dependencies: the
assembler hands it, for each of its spec's dependencies that the resolved plan wired, the
`OutputRef` of the provider's output, and the builder puts that reference where the SageMaker
API wants it (a processing input, a training channel, a model's artifacts, ...).

Nothing here imports the SageMaker SDK at module level: `specwire resolve` and the pairing
tests import this module without paying for it. The SDK objects travel as `Any`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from specwire.configs.base import BasePipelineConfig, JobStepConfig, StepConfig
from specwire.errors import BuildError


@dataclass(frozen=True)
class OutputRef:
    """One output of a built step, as its consumers see it.

    `value` is what goes into the consumer's arguments: a SageMaker property reference such as
    ``Steps.prep.ProcessingOutputConfig.Outputs['train_data'].S3Output.S3Uri`` (a
    `PipelineVariable`), so the edge becomes a data dependency in the definition.
    """

    node: str
    output: str
    value: Any
    step: Any = None
    #: A `PropertyFile` over the output, when it holds a JSON report a condition can read.
    property_file: Any = None
    #: The file inside the output's S3 folder that the property file reads (e.g. evaluation.json).
    file_name: str | None = None
    #: The one data file of the output, when the folder also holds side files (TabularPreprocessing's
    #: `_schema.json`): a consumer that reads every object under the prefix (batch transform) names it.
    data_file: str | None = None
    #: The file of the output a data-quality baseline reads, when it is not `data_file` (the training split
    #: without its id column: see TabularPreprocessingBuilder).
    monitoring_file: str | None = None


@dataclass
class GatePlan:
    """A condition whose `ConditionStep` is made once the steps of its branch are built."""

    conditions: list[Any]
    else_steps: list[Any]
    make: Callable[[list[Any]], Any]


@dataclass
class BuiltStep:
    """A builder's result: the SDK step (None for a gate until its branch is known) and its outputs."""

    node: str
    step: Any
    outputs: dict[str, OutputRef] = field(default_factory=dict)
    gate: GatePlan | None = None


#: Kinds of pipeline parameter a builder may ask for, with their SageMaker type.
PARAMETER_TYPES: dict[str, str] = {
    "InputDataUri": "String",
    "InstanceType": "String",
    "ModelApprovalStatus": "String",
    "MetricThreshold": "Float",
}
#: Kinds named once per pipeline when only one node uses them ("InputDataUri"); every other
#: kind, and these when several nodes use them, are named `<node><kind>` ("prepInstanceType").
SHARED_PARAMETERS = frozenset({"InputDataUri", "ModelApprovalStatus", "MetricThreshold"})
#: The values a string parameter may take, where SageMaker knows them.
PARAMETER_ENUMS: dict[str, list[str]] = {"ModelApprovalStatus": ["PendingManualApproval", "Approved", "Rejected"]}


def parameter_name(kind: str, node: str, users: int) -> str:
    return kind if kind in SHARED_PARAMETERS and users == 1 else f"{node}{kind}"


#: Image of each model framework: the SageMaker container family and the Python version tag.
FRAMEWORK_IMAGES: dict[str, tuple[str, str]] = {
    "xgboost": ("xgboost", "py3"),
    "lightgbm": ("sklearn", "py3"),  # specwire's LightGBM scripts run in the scikit-learn container
    "pytorch": ("pytorch", "py311"),
    "sklearn": ("sklearn", "py3"),
}


class BuildContext:
    """What builders share during one build: the SDK session, the pipeline parameters, images."""

    def __init__(self, session: Any, region: str, parameter_users: Mapping[str, int]) -> None:
        self.session = session
        self.region = region
        self.parameter_users = dict(parameter_users)
        #: Parameters by name, in the order they were first asked for (the definition's order).
        self.parameters: dict[str, Any] = {}
        #: Image URIs already looked up (each SDK lookup reads botocore's endpoint data again).
        self._images: dict[tuple[str, str, str, str, str], str] = {}

    def parameter(self, kind: str, node: str, default: Any) -> Any:
        """The pipeline parameter of `kind` for `node` (created on first use), defaulting to `default`."""
        from sagemaker.core.workflow.parameters import ParameterFloat, ParameterString

        name = parameter_name(kind, node, self.parameter_users.get(kind, 1))
        if name in self.parameters:
            existing = self.parameters[name]
            if existing.default_value != default:
                raise BuildError(
                    f"pipeline parameter {name!r} gets two defaults: {existing.default_value!r} and {default!r} "
                    f"(node {node!r})",
                    suggested_fix=f"give the nodes that use {kind} the same value, or rename one node",
                    nodes=[node],
                )
            return existing
        kind_type = PARAMETER_TYPES[kind]
        parameter = (
            ParameterFloat(name=name, default_value=float(default))
            if kind_type == "Float"
            else ParameterString(name=name, default_value=str(default), enum_values=PARAMETER_ENUMS.get(kind))
        )
        self.parameters[name] = parameter
        return parameter

    def image_uri(
        self,
        config: StepConfig,
        framework: str,
        version: str,
        *,
        scope: str,
        instance_type: str,
        explicit: str | None = None,
    ) -> str:
        """The container image: the config's own `image_uri`, else SageMaker's image for the framework."""
        if explicit:
            return explicit
        from sagemaker.core import image_uris

        family, py_version = FRAMEWORK_IMAGES.get(framework, (framework, "py3"))
        key = (family, version, py_version, instance_type, scope)
        if key in self._images:
            return self._images[key]
        try:
            uri: str = image_uris.retrieve(
                family,
                region=self.region,
                version=version,
                py_version=py_version,
                instance_type=instance_type,
                image_scope=scope,
            )
        except Exception as exc:  # the SDK raises ValueError, KeyError... for unknown versions
            raise BuildError(
                f"{config.STEP_TYPE} (node {config.node_name!r}): no SageMaker {family} {scope} image "
                f"for version {version!r} in {self.region}: {exc}",
                suggested_fix="set image_uri in the node's config, or choose a framework_version SageMaker ships",
                nodes=[config.node_name],
            ) from None
        self._images[key] = uri
        return uri


#: Fields of a config that are not the script's business (where and how the job runs, or, for
#: `source_s3_uri`, data that arrives as an input).
_JOB_FIELDS = frozenset(
    {
        *BasePipelineConfig.PIPELINE_FIELDS,
        *JobStepConfig.model_fields,
        "framework_version",
        "max_runtime_seconds",
        "py_version",
        "use_spot_instances",
        "hyperparameters",
        "node_name",
        "job_type",
        "source_s3_uri",
    }
)


def _argument_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(_argument_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def script_arguments(config: StepConfig) -> list[str]:
    """The command-line arguments of a specwire script: `--<field> <value>` per step-specific field.

    Field names take dashes (`label_field` -> `--label-field`), lists are joined with commas,
    booleans are `true`/`false`; unset (None) and empty values are left out so the script's own
    default applies; `--job-type` comes first when the node has one. The scripts in
    `specwire/scripts/` accept exactly these.
    """
    args: list[str] = ["--job-type", config.job_type] if config.job_type else []
    for name, value in config.inputs().items():
        if name in _JOB_FIELDS or value is None or value == [] or value == {}:
            continue
        args += [f"--{name.replace('_', '-')}", _argument_text(value)]
    return args


def job_environment(config: StepConfig) -> dict[str, str]:
    """The job's environment variables: the config's `environment`, sorted."""
    return dict(sorted((getattr(config, "environment", {}) or {}).items()))


# --------------------------------------------------------------------------- per-job settings
# One place for what every job of a pipeline shares (VPC, KMS, network isolation, tags, caching,
# retries, execution-scoped outputs): the built-in builders and the generic builders of team steps
# read them here, so a new builder cannot forget one.

#: How long a cached step result stays valid when caching is switched on with `cache: true`.
DEFAULT_CACHE_EXPIRY = "P30D"
#: Seconds before the first retry of a step after a transient error; doubled at each attempt.
RETRY_INTERVAL_SECONDS = 30
RETRY_BACKOFF_RATE = 2.0


def setting(config: StepConfig, name: str) -> Any:
    """A pipeline-wide job setting of a config (its field, else the field's default)."""
    if name in type(config).model_fields:
        return getattr(config, name)
    return BasePipelineConfig.model_fields[name].get_default(call_default_factory=True)


def execution_scoped(base: str, *parts: str) -> Any:
    """`<base>/<execution id>/<parts...>`: an S3 location of one pipeline execution.

    Two executions never write to the same place (no overwritten data or models, and each
    execution's lineage stays its own). Step caching is unaffected: SageMaker's cache keys hold
    a step's inputs, code and settings, never its output locations.
    """
    from sagemaker.core.workflow.execution_variables import ExecutionVariables
    from sagemaker.core.workflow.functions import Join

    return Join(on="/", values=[base.rstrip("/"), ExecutionVariables.PIPELINE_EXECUTION_ID, *parts])


def job_tags(config: StepConfig) -> list[dict[str, str]]:
    """The config's tags as SageMaker job tags, sorted by key."""
    return [{"Key": key, "Value": value} for key, value in sorted((setting(config, "tags") or {}).items())]


def vpc_settings(config: StepConfig) -> tuple[list[str], list[str]] | None:
    """(subnets, security group IDs), or None outside a VPC."""
    subnets, groups = list(setting(config, "subnets")), list(setting(config, "security_group_ids"))
    return (subnets, groups) if subnets and groups else None


def network_config(config: StepConfig) -> Any:
    """A processing job's `NetworkConfig` (VPC and isolation), or None when neither is asked for."""
    from sagemaker.core.network import NetworkConfig

    vpc, isolated = vpc_settings(config), bool(setting(config, "enable_network_isolation"))
    if vpc is None and not isolated:
        return None
    return NetworkConfig(
        enable_network_isolation=isolated,
        subnets=vpc[0] if vpc else None,
        security_group_ids=vpc[1] if vpc else None,
    )


def step_options(config: StepConfig, *, retry: bool = True, job: bool = True, cache: bool = True) -> dict[str, Any]:
    """The step-level keywords of a SageMaker step: `cache_config` (for the step types that cache),
    and `retry_policies` (`retry=False` for the step types that take none; `job=False` for steps
    that run no job, such as model creation and registration, which retry on step errors only)."""
    from sagemaker.mlops.workflow.steps import CacheConfig

    options: dict[str, Any] = {}
    expiry = setting(config, "cache")
    if cache and expiry:
        options["cache_config"] = CacheConfig(
            enable_caching=True, expire_after=expiry if isinstance(expiry, str) else DEFAULT_CACHE_EXPIRY
        )
    if retry:
        policies = retry_policies(config, job=job)
        if policies:
            options["retry_policies"] = policies
    return options


def retry_policies(config: StepConfig, *, job: bool = True) -> list[Any]:
    """Retries on transient errors: throttling and service faults of the step, and (for a step that
    runs a job) the job errors SageMaker reports as internal, capacity or resource limit. Never on
    a failure of the code."""
    from sagemaker.mlops.workflow.retry import (
        SageMakerJobExceptionTypeEnum,
        SageMakerJobStepRetryPolicy,
        StepExceptionTypeEnum,
        StepRetryPolicy,
    )

    attempts = int(setting(config, "retry_attempts"))
    if attempts <= 0:
        return []
    timing = {"max_attempts": attempts, "interval_seconds": RETRY_INTERVAL_SECONDS, "backoff_rate": RETRY_BACKOFF_RATE}
    step_policy = StepRetryPolicy(
        exception_types=[StepExceptionTypeEnum.SERVICE_FAULT, StepExceptionTypeEnum.THROTTLING], **timing
    )
    if not job:
        return [step_policy]
    return [
        step_policy,
        SageMakerJobStepRetryPolicy(
            exception_types=[
                SageMakerJobExceptionTypeEnum.INTERNAL_ERROR,
                SageMakerJobExceptionTypeEnum.CAPACITY_ERROR,
                SageMakerJobExceptionTypeEnum.RESOURCE_LIMIT,
            ],
            **timing,
        ),
    ]


class StepBuilder:
    """Base of a step builder: one per config class, paired by `STEP_TYPE`.

    `INPUTS` maps each dependency of the step's spec to the SageMaker input it fills (a
    processing input name, a training channel, ...); `OUTPUTS` maps each output of the spec to
    the SageMaker property its consumers receive. A test checks both against the specs.
    """

    STEP_TYPE: ClassVar[str] = ""
    CONFIG_CLASS: ClassVar[type[StepConfig]] = StepConfig
    INPUTS: ClassVar[Mapping[str, str]] = {}
    OUTPUTS: ClassVar[Mapping[str, str]] = {}
    #: Kinds of pipeline parameter the step uses (see `PARAMETER_TYPES`).
    PARAMETERS: ClassVar[tuple[str, ...]] = ()
    #: How the step's code reaches S3 (see `uploads.code_kind`): "script", "archive", "optional",
    #: "none"; "" lets specwire's lists of its own step types decide.
    CODE: ClassVar[str] = ""

    def build(self, config: StepConfig, inputs: Mapping[str, OutputRef], ctx: BuildContext) -> BuiltStep:
        raise NotImplementedError

    # ----------------------------------------------------------------- helpers for subclasses

    def check_config(self, config: StepConfig) -> None:
        if not isinstance(config, self.CONFIG_CLASS):
            raise BuildError(
                f"node {config.node_name!r}: the {self.STEP_TYPE} builder needs a {self.CONFIG_CLASS.__name__}, "
                f"got a {type(config).__name__}",
                suggested_fix="regenerate the node's config for its step type",
                nodes=[config.node_name],
            )

    def require(self, config: StepConfig, inputs: Mapping[str, OutputRef], dependency: str) -> OutputRef:
        """The provider of a dependency the step cannot run without."""
        if dependency in inputs:
            return inputs[dependency]
        raise BuildError(
            f"{self.STEP_TYPE} (node {config.node_name!r}): nothing provides its dependency {dependency!r}",
            suggested_fix=f"add a step that produces it (`specwire resolve --fill-gaps` finds one), "
            f"or an edge into {config.node_name!r}",
            nodes=[config.node_name],
        )
