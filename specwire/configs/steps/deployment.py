"""Configs of the steps that ship a model: create it, register it, run batch transform with it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import Field, StrictInt, StrictStr, computed_field, model_validator

from specwire.configs.base import (
    FRAMEWORK_VERSIONS,
    ModelFramework,
    StepConfig,
)
from specwire.configs.types import (
    Between,
    ImageUri,
    InstanceType,
    PackageGroupName,
    PositiveInt,
    S3Uri,
    ScriptPath,
    invalid,
)

ContentType = Literal["text/csv", "application/x-parquet", "application/json", "application/jsonlines"]

_CSV: tuple[ContentType, ...] = ("text/csv",)


class _ServesModel(StepConfig):
    """Fields of the steps that package a model with its inference container."""

    model_framework: ModelFramework = "xgboost"
    """Framework of the model (selects the inference container)."""
    framework_version: str = FRAMEWORK_VERSIONS["xgboost"]
    """Inference container version (defaults to the framework's)."""
    image_uri: ImageUri | None = None
    """Inference image; None lets the builder pick the framework image."""
    entry_point: ScriptPath = "inference.py"
    """Inference script (model loading, input and output handling)."""
    source_dir: str | None = None
    """Local folder holding `entry_point`; None means specwire's built-in scripts."""

    FRAMEWORK_FIELD: ClassVar[str] = "model_framework"
    FRAMEWORK_DEFAULTS: ClassVar[dict[str, Callable[[str], Any]]] = {
        "framework_version": FRAMEWORK_VERSIONS.__getitem__
    }

    @computed_field  # type: ignore[prop-decorator]
    @property
    def script_s3_uri(self) -> str:
        """Where the builder uploads the inference script: <node_s3_root>/code/<entry_point>."""
        return f"{self.node_s3_root}/code/{self.entry_point}"


class CreateModelConfig(_ServesModel):
    """Creates a SageMaker model (image plus artifacts) for batch transform or an endpoint."""

    STEP_TYPE: ClassVar[str] = "CreateModel"

    instance_type: InstanceType = "ml.m5.large"
    """Instance type the model is meant for (selects a CPU or GPU image)."""
    environment: dict[str, str] = Field(default_factory=dict)
    """Environment variables of the inference container."""
    enable_network_isolation: bool = False
    """Run the inference container without network access."""


class ModelRegistrationConfig(_ServesModel):
    """Registers the model in a SageMaker model package group."""

    STEP_TYPE: ClassVar[str] = "ModelRegistration"

    model_package_group_name: PackageGroupName
    """Model package group the model is registered in."""
    approval_status: Literal["PendingManualApproval", "Approved", "Rejected"] = "PendingManualApproval"
    """Approval status of the new model package."""
    model_description: StrictStr = ""
    """Description shown in the model registry."""
    inference_instance_types: Annotated[list[InstanceType], Field(min_length=1)] = Field(
        default_factory=lambda: ["ml.m5.large"]
    )
    """Instance types the model may be deployed on for real-time inference."""
    transform_instance_types: Annotated[list[InstanceType], Field(min_length=1)] = Field(
        default_factory=lambda: ["ml.m5.xlarge"]
    )
    """Instance types the model may run batch transform on."""
    content_types: Annotated[list[ContentType], Field(min_length=1)] = Field(default_factory=lambda: list(_CSV))
    """Input content types the model accepts."""
    response_types: Annotated[list[ContentType], Field(min_length=1)] = Field(default_factory=lambda: list(_CSV))
    """Output content types the model produces."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def model_package_group_arn(self) -> str:
        """ARN of the model package group (partition and account from the role ARN)."""
        partition = self.role_arn.split(":")[1] if self.role_arn else "aws"
        return (
            f"arn:{partition}:sagemaker:{self.region or '<region>'}:{self.account_id}:model-package-group/"
            f"{self.model_package_group_name}"
        )


class BatchTransformConfig(StepConfig):
    """Scores a data set offline with a created model (batch transform job)."""

    STEP_TYPE: ClassVar[str] = "BatchTransform"
    CHAIN_STEP: ClassVar[bool] = True
    DEFAULT_INSTANCE: ClassVar[str] = "ml.m5.xlarge"

    instance_type: InstanceType = "ml.m5.xlarge"
    """Instance type of the transform job."""
    instance_count: PositiveInt = 1
    """Number of instances."""
    content_type: ContentType = "text/csv"
    """Content type of the input records."""
    accept: ContentType = "text/csv"
    """Content type of the predictions."""
    split_type: Literal["Line", "RecordIO", "TFRecord", "None"] = "Line"
    """How input files are split into records."""
    assemble_with: Literal["Line", "None"] = "Line"
    """How predictions are joined in the output files."""
    batch_strategy: Literal["MultiRecord", "SingleRecord"] = "MultiRecord"
    """Records per request to the model container."""
    max_payload_mb: Annotated[StrictInt, Between(lo=1, hi=100)] = 6
    """Largest request to the model container, in MB."""
    max_concurrent_transforms: Annotated[StrictInt, Between(lo=1, hi=1000)] | None = None
    """Parallel requests per instance; None lets SageMaker choose."""
    join_source: Literal["Input", "None"] = "None"
    """'Input' writes each input record next to its prediction."""
    output_prefix: S3Uri | None = None
    """Where predictions are written; None means `<node_s3_root>/output`."""

    @model_validator(mode="after")
    def _check_split(self) -> Self:
        # A Parquet file cannot be cut at line breaks: SageMaker must send it whole.
        if self.content_type == "application/x-parquet" and self.split_type != "None":
            raise invalid(
                "must be 'None' when content_type is 'application/x-parquet'",
                loc=("split_type",),
                value=self.split_type,
            )
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def output_s3_uri(self) -> str:
        """S3 folder of the predictions: `output_prefix`, else <node_s3_root>/output."""
        return self.output_prefix.rstrip("/") if self.output_prefix else f"{self.node_s3_root}/output"
