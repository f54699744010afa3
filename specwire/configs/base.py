"""The fields every step shares (`BasePipelineConfig`) and the bases of the step configs.

Step configs inherit the pipeline fields rather than holding a nested `pipeline` object: a
builder reads `config.role_arn` and `config.output_s3_uri` from one object, and the derived S3
locations need the pipeline's bucket, prefix, name and version next to the node's own name.
When a pipeline's configs are saved, the shared fields are written once (see `store`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, ValidationError, computed_field, model_validator

from specwire.configs.messages import config_error
from specwire.configs.model import ConfigModel, merge_inputs, nested_model
from specwire.configs.types import (
    BucketName,
    CacheSetting,
    ImageUri,
    InstanceType,
    JobType,
    KmsKeyId,
    NodeName,
    PipelineName,
    PositiveInt,
    ProcessingRuntime,
    Region,
    RetryAttempts,
    RoleArn,
    S3Prefix,
    S3Uri,
    ScriptPath,
    SecurityGroupId,
    SubnetId,
    Tags,
    TrainingRuntime,
    Version,
    VolumeSizeGB,
    invalid,
)
from specwire.errors import ConfigError

#: The model frameworks specwire trains, evaluates and deploys.
ModelFramework = Literal["xgboost", "lightgbm", "pytorch"]

#: Container version of each framework (SageMaker XGBoost, scikit-learn for the LightGBM scripts,
#: PyTorch), used where a config's `framework_version` follows its framework.
FRAMEWORK_VERSIONS: dict[str, str] = {"xgboost": "1.7-1", "lightgbm": "1.2-1", "pytorch": "2.3"}


def fill_framework_defaults(data: Any, framework_field: str, defaults: dict[str, Callable[[str], Any]]) -> Any:
    """Fill fields whose default depends on the framework the input names.

    A before-validator does this, not a data-taking `default_factory`: inherited fields are
    validated before the subclass's framework field, so a factory could not see it.
    """
    if not isinstance(data, dict):
        return data
    framework = data.get(framework_field, "xgboost")
    if not isinstance(framework, str) or framework not in FRAMEWORK_VERSIONS:
        return data  # the framework field reports the problem
    filled = dict(data)
    for name, make in defaults.items():
        if name not in filled:
            filled[name] = make(framework)
    return filled


class BasePipelineConfig(ConfigModel):
    """What every step of one pipeline shares: where it runs, as whom, and where it writes."""

    # The four fields below may be left out of a config made on its own (`XGBoostTrainingConfig(
    # max_depth=8)`): the pipeline it is given to fills them (and every pipeline field the config
    # did not set). A build refuses a config that still lacks them.
    pipeline_name: PipelineName | None = None
    """SageMaker pipeline name (letters, digits, hyphens); None: the pipeline's."""
    region: Region | None = None
    """AWS region the pipeline runs in, e.g. 'us-east-1'; None: the pipeline's."""
    role_arn: RoleArn | None = None
    """IAM role the pipeline's jobs run as; None: the pipeline's."""
    bucket: BucketName | None = None
    """S3 bucket for code, intermediate data and outputs (a name, not an s3:// URI); None: the pipeline's."""
    prefix: S3Prefix = ""
    """Key prefix inside the bucket under which the pipeline writes; '' for the bucket root."""
    tags: Tags = Field(default_factory=dict)
    """AWS tags put on the pipeline and its jobs."""
    pipeline_version: Version = "1.0.0"
    """Version of the pipeline; part of every S3 path, so versions never overwrite each other."""
    subnets: list[SubnetId] = Field(default_factory=list)
    """VPC subnets every job runs in (with `security_group_ids`); [] runs outside a VPC."""
    security_group_ids: list[SecurityGroupId] = Field(default_factory=list)
    """VPC security groups of every job (with `subnets`)."""
    kms_key_id: KmsKeyId | None = None
    """KMS key that encrypts every job's volumes and outputs; None uses SageMaker's default keys."""
    enable_network_isolation: bool = False
    """Run every job's container without network access (data still moves through SageMaker)."""
    cache: CacheSetting = False
    """Step caching: False, True (results reused for 30 days), or an ISO 8601 duration such as 'P7D'."""
    retry_attempts: RetryAttempts = 3
    """Retries of a step after a transient SageMaker error (throttling, service fault, capacity,
    internal error); 0 never retries."""

    #: The fields above, by name: what `store` writes once per pipeline.
    PIPELINE_FIELDS: ClassVar[tuple[str, ...]] = (
        "pipeline_name",
        "region",
        "role_arn",
        "bucket",
        "prefix",
        "tags",
        "pipeline_version",
        "subnets",
        "security_group_ids",
        "kms_key_id",
        "enable_network_isolation",
        "cache",
        "retry_attempts",
    )
    #: The pipeline fields that say how every job runs (network, encryption, caching, retries):
    #: a pipeline file's `context` and `Pipeline(...)` take them under these names.
    JOB_SETTINGS: ClassVar[tuple[str, ...]] = (
        "subnets",
        "security_group_ids",
        "kms_key_id",
        "enable_network_isolation",
        "cache",
        "retry_attempts",
    )

    @model_validator(mode="after")
    def _vpc_pairs(self) -> Self:
        if bool(self.subnets) != bool(self.security_group_ids):
            given, missing = ("subnets", "security_group_ids") if self.subnets else ("security_group_ids", "subnets")
            raise invalid(f"is empty while {given} is set: a SageMaker job in a VPC needs both", loc=(missing,),
                          show_input=False, hint=f"give {missing} as well, or leave both empty to run outside a VPC")
        return self

    #: The fields a config made on its own may leave to its pipeline, and that a build needs.
    ATTACHED_FIELDS: ClassVar[tuple[str, ...]] = ("pipeline_name", "region", "role_arn", "bucket")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def account_id(self) -> str:
        """AWS account of the role (from its ARN); '' until the config has a role."""
        return self.role_arn.split(":")[4] if self.role_arn else ""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def pipeline_s3_root(self) -> str:
        """s3://<bucket>/<prefix>/<pipeline_name>/<pipeline_version>: all the pipeline writes is under it.

        Until the config belongs to a pipeline, the missing parts read `<bucket>`, `<pipeline_name>`.
        """
        parts = [self.bucket or "<bucket>", self.prefix, self.pipeline_name or "<pipeline_name>",
                 self.pipeline_version]
        return "s3://" + "/".join(p for p in parts if p)

    def missing_pipeline_fields(self) -> list[str]:
        """The pipeline fields a build needs that this config lacks (it was made on its own)."""
        return [name for name in self.ATTACHED_FIELDS if getattr(self, name) is None]

    def attach(self, pipeline_fields: Mapping[str, Any]) -> Self:
        """This config inside a pipeline: every pipeline field it did not set comes from `pipeline_fields`."""
        unset = {name: value for name, value in pipeline_fields.items()
                 if name in BasePipelineConfig.PIPELINE_FIELDS and name not in self.model_fields_set}
        return self.from_data({**self.inputs(), **unset}) if unset else self

    def pipeline_fields(self) -> dict[str, Any]:
        """The shared fields only, e.g. to start a step config from a context."""
        return {name: getattr(self, name) for name in BasePipelineConfig.PIPELINE_FIELDS}


def _default_node_name(data: dict[str, Any], step_type: str) -> str:
    # "XGBoostTraining" + "calibration" -> "XGBoostTraining-calibration": readable and unique
    # enough for a hand-written config; the generator always passes the node's own name.
    job = data.get("job_type")
    if isinstance(job, str) and re.fullmatch(r"[A-Za-z0-9_-]+", job):
        return f"{step_type}-{job}"[:64]
    return step_type


class StepConfig(BasePipelineConfig):
    """Base of the config of one step type: how one node of the pipeline runs."""

    #: The step type of the catalog this config class is paired with.
    STEP_TYPE: ClassVar[str] = ""
    #: Whether the step's behaviour depends on its data chain (training, calibration...); such
    #: steps inherit a job type from the steps that feed them (see the generator).
    CHAIN_STEP: ClassVar[bool] = False
    #: The field naming a framework, and the fields whose default follows it (name -> default
    #: for a framework); see `fill_framework_defaults`.
    FRAMEWORK_FIELD: ClassVar[str] = ""
    FRAMEWORK_DEFAULTS: ClassVar[dict[str, Callable[[str], Any]]] = {}

    job_type: JobType | None = None
    """Data chain the node serves: 'training', 'validation', 'testing', 'calibration' or a custom one."""
    # Declared after job_type: its default name reads the job type.
    node_name: NodeName = Field(default_factory=lambda data: _default_node_name(data, "step"))
    """Name of the pipeline node (and SageMaker step) this config is for."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        # Each concrete class names its nodes after its own step type by default. pydantic copies
        # field infos per class, so changing this class's copy leaves the parent's alone.
        super().__pydantic_init_subclass__(**kwargs)
        step_type = cls.STEP_TYPE
        node = cls.model_fields["node_name"]
        if not step_type or getattr(node.default_factory, "step_type", None) == step_type:
            return

        def default_name(data: dict[str, Any]) -> str:
            return _default_node_name(data, step_type)

        default_name.step_type = step_type  # type: ignore[attr-defined]
        node.default_factory = default_name
        cls.model_rebuild(force=True)

    @model_validator(mode="before")
    @classmethod
    def _framework_defaults(cls, data: Any) -> Any:
        if not cls.FRAMEWORK_FIELD:
            return data
        return fill_framework_defaults(data, cls.FRAMEWORK_FIELD, cls.FRAMEWORK_DEFAULTS)

    def replace(self, changes: Mapping[str, Any]) -> Self:
        """A copy with `changes` applied and validated again.

        Changing the framework also moves the fields that still hold the old framework's
        default (container version, script, search space) to the new one's; a value the user
        chose is kept.
        """
        base = self.inputs()
        field = self.FRAMEWORK_FIELD
        if field and field in changes and changes[field] != base[field]:
            old = base[field]
            for name, default_for in self.FRAMEWORK_DEFAULTS.items():
                if name not in changes and base.get(name) == default_for(old):
                    del base[name]
        return self.from_data(merge_inputs(type(self), base, changes))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def step_type(self) -> str:
        """The catalog step type this config runs."""
        return self.STEP_TYPE

    @computed_field  # type: ignore[prop-decorator]
    @property
    def node_s3_root(self) -> str:
        """<pipeline_s3_root>/<node_name>: the node's own folder."""
        return f"{self.pipeline_s3_root}/{self.node_name}"

    @classmethod
    def _label(cls, data: Mapping[str, Any]) -> str:
        node = data.get("node_name")
        name = cls.STEP_TYPE or cls.__name__
        return f"{name} (node {node!r})" if isinstance(node, str) and node else name

    @classmethod
    def _error(cls, exc: ValidationError, data: Mapping[str, Any]) -> ConfigError:
        node = data.get("node_name")
        return config_error(exc, cls._label(data), nodes=[node] if isinstance(node, str) and node else [])


class JobStepConfig(StepConfig):
    """A step that runs a SageMaker job on instances with a script of its own."""

    #: The instance type a context-free config starts from.
    DEFAULT_INSTANCE: ClassVar[str] = "ml.m5.xlarge"

    instance_type: InstanceType = "ml.m5.xlarge"
    """Instance type of the job, 'ml.<family>.<size>'."""
    instance_count: PositiveInt = 1
    """Number of instances."""
    volume_size_gb: VolumeSizeGB = 30
    """EBS volume attached to each instance, in GB."""
    image_uri: ImageUri | None = None
    """Container image; None lets the builder pick the framework image for `framework_version`."""
    entry_point: ScriptPath = "script.py"
    """Script the job runs, relative to `source_dir`."""
    source_dir: str | None = None
    """Local folder holding `entry_point`; None means specwire's built-in scripts."""
    environment: dict[str, str] = Field(default_factory=dict)
    """Environment variables of the job."""
    output_prefix: S3Uri | None = None
    """Where the step writes its outputs; None means `<node_s3_root>/output`."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def output_s3_uri(self) -> str:
        """S3 folder of the step's outputs: `output_prefix`, else <node_s3_root>/output."""
        return self.output_prefix.rstrip("/") if self.output_prefix else f"{self.node_s3_root}/output"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def script_s3_uri(self) -> str:
        """Where the builder uploads the entry-point script: <node_s3_root>/code/<entry_point>."""
        return f"{self.node_s3_root}/code/{self.entry_point}"

    def output_uri(self, output_name: str) -> str:
        """S3 location of one named output of the step, outside any execution (the name comes from
        its spec). Built pipelines write to `<output_s3_uri>/<execution id>/<name>` instead, so that
        executions never overwrite each other (see `specwire.builders.base.execution_scoped`)."""
        return f"{self.output_s3_uri}/{output_name}"


class ProcessingStepConfig(JobStepConfig):
    """A SageMaker processing job running a specwire script in the scikit-learn container."""

    CHAIN_STEP: ClassVar[bool] = True

    framework_version: str = "1.2-1"
    """Version of the SageMaker scikit-learn processing container."""
    max_runtime_seconds: ProcessingRuntime = 86_400
    """The job is stopped after this many seconds (at most 9 days)."""


class TrainingStepConfig(JobStepConfig):
    """A SageMaker training job."""

    DEFAULT_INSTANCE: ClassVar[str] = "ml.m5.2xlarge"
    #: The model framework this step trains, for the steps that load its model.
    FRAMEWORK: ClassVar[str] = ""

    instance_type: InstanceType = "ml.m5.2xlarge"
    """Instance type of the training job, 'ml.<family>.<size>'."""
    max_runtime_seconds: TrainingRuntime = 86_400
    """The job is stopped after this many seconds (at most 28 days)."""
    use_spot_instances: bool = False
    """Train on spot capacity (cheaper, may be interrupted)."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def model_framework(self) -> str:
        """The framework of the model this step produces."""
        return self.FRAMEWORK

    @classmethod
    def suggest_fields(cls, name: str) -> list[str]:
        """Close names among the fields and, flat, the hyperparameters (`max_dept` -> 'max_depth')."""
        close = super().suggest_fields(name)
        hp_cls = nested_model(cls, "hyperparameters") if "hyperparameters" in cls.model_fields else None
        if close or hp_cls is None:
            return close
        return hp_cls.suggest_fields(name)

    @classmethod
    def _normalise_input(cls, data: dict[str, Any]) -> dict[str, Any]:
        """`XGBoostTrainingConfig(max_depth=8, n_estimators=200)`: hyperparameters given as fields
        go into `hyperparameters`, under the framework's own names (`n_estimators` is XGBoost's
        `num_round`, LightGBM's `num_iterations`)."""
        if "hyperparameters" not in cls.model_fields:
            return data
        hp_cls = nested_model(cls, "hyperparameters")
        if hp_cls is None:
            return data
        flat: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        for key, value in data.items():
            name = key if key in hp_cls.model_fields else hp_cls.SYNONYMS.get(key)
            if key in cls.model_fields or name is None:
                rest[key] = value
            elif name in flat:
                raise invalid(f"and {name!r} name the same hyperparameter", loc=(key,), show_input=False,
                              hint=f"give only {name!r}")
            else:
                flat[name] = value
        if not flat:
            return data
        given = rest.get("hyperparameters") or {}
        given = given.inputs() if isinstance(given, ConfigModel) else given
        if not isinstance(given, Mapping):
            return data  # the hyperparameters field reports what is wrong with it
        twice = sorted(set(flat) & set(given))
        if twice:
            raise invalid("is given both as a field and in hyperparameters={...}", loc=(twice[0],),
                          show_input=False, hint="give it in one place")
        rest["hyperparameters"] = {**given, **flat}
        return rest
