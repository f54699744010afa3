"""The `implementation:` block of a spec-pack entry: how a file-only step type runs.

A team that adds a step type with a spec pack alone (no Python) says here what the step runs:

    implementation:
      kind: processing            # processing | training | transform | model
      image_uri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/embed:1.0   # or framework: sklearn
      script: scripts/embed.py    # relative to the pack file
      instance_type: ml.m5.xlarge
      arguments: {dim: 64}        # processing; training takes `hyperparameters:`
      environment: {MODE: fast}

This module only checks that the block is well formed, field by field (the spec pack loader
names the file and the field of any problem). It knows nothing of SageMaker: which frameworks
have images is the config layer's business (`specwire.configs.generated`), and turning the
block into a config class and a builder is done there and in `specwire.builders.generic`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

#: What a file-only step is built as.
ImplementationKind = Literal["processing", "training", "transform", "model"]

#: A container image in a registry: `<host>/<repository>[:<tag>|@sha256:<digest>]`, where the host
#: has a dot (`<account>.dkr.ecr.<region>.amazonaws.com`, `public.ecr.aws`, a private registry).
IMAGE_URI_PATTERN = (
    r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+(?::[0-9]{1,5})?"
    r"/[a-z0-9][a-z0-9._/-]*(?::[A-Za-z0-9_.-]{1,128}|@sha256:[0-9a-f]{64})?"
)
#: A script path relative to the pack file: no absolute path, no `..`, ending in .py.
SCRIPT_PATTERN = r"(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*\.py"


def _image_uri(value: str) -> str:
    if not re.fullmatch(IMAGE_URI_PATTERN, value):
        raise ValueError(
            f"{value!r} is not a container registry URI; expected "
            "'<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:<tag>]' (or another registry host)"
        )
    return value


def _script(value: str) -> str:
    if not re.fullmatch(SCRIPT_PATTERN, value) or ".." in value.split("/"):
        raise ValueError(f"{value!r} must be a relative path to a Python script inside the pack's folder, "
                         "such as 'scripts/embed.py'")
    return value


def _arg_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", value):
        raise ValueError(f"{value!r} is not a valid name (letters, digits, '_', '-', '.')")
    return value


#: A value of an argument or hyperparameter: the text a script receives.
Scalar = StrictStr | StrictBool | StrictInt | StrictFloat
ArgName = Annotated[str, AfterValidator(_arg_name)]
EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class Implementation(BaseModel):
    """How a step type that has no Python of its own runs (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    kind: ImplementationKind
    image_uri: Annotated[str, AfterValidator(_image_uri)] | None = None
    framework: StrictStr | None = None
    framework_version: StrictStr | None = None
    script: Annotated[str, AfterValidator(_script)] | None = None
    instance_type: Annotated[str, Field(pattern=r"^ml\.[a-z0-9-]+\.[a-z0-9]+$")] | None = None
    instance_count: Annotated[StrictInt, Field(ge=1, le=100)] | None = None
    volume_size_gb: Annotated[StrictInt, Field(ge=1, le=16384)] | None = None
    max_runtime_seconds: Annotated[StrictInt, Field(ge=1, le=2_419_200)] | None = None
    arguments: dict[ArgName, Scalar] = Field(default_factory=dict)
    hyperparameters: dict[ArgName, Scalar] = Field(default_factory=dict)
    environment: dict[EnvName, StrictStr] = Field(default_factory=dict)
    description: str = ""

    @model_validator(mode="before")
    @classmethod
    def _numbers_as_text(cls, data: Any) -> Any:
        # `framework_version: 1.2` in YAML is a float; the version is its text.
        if isinstance(data, dict) and isinstance(data.get("framework_version"), int | float):
            data = {**data, "framework_version": str(data["framework_version"])}
        if isinstance(data, dict) and isinstance(data.get("environment"), dict):
            env = data["environment"]
            data = {**data, "environment": {k: (str(v).lower() if isinstance(v, bool) else str(v))
                                            if isinstance(v, int | float) else v for k, v in env.items()}}
        return data

    @model_validator(mode="after")
    def _check_kind(self) -> Self:
        if self.image_uri and self.framework:
            raise ValueError("image_uri and framework: give one (an image, or a framework whose SageMaker "
                             "image is used)")
        if self.kind != "training" and self.hyperparameters:
            raise ValueError(f"hyperparameters: a {self.kind} step takes no hyperparameters"
                             + ("; use `arguments:` for container arguments" if self.kind == "processing" else ""))
        if self.kind != "processing" and self.arguments:
            raise ValueError(f"arguments: a {self.kind} step takes no container arguments"
                             + ("; use `hyperparameters:`" if self.kind == "training" else ""))
        if self.kind == "training" and not self.script and not self.image_uri:
            raise ValueError("a training step needs a script (run in a framework image) or an algorithm "
                             "image_uri (run without a script); give script: or image_uri:")
        if self.kind == "processing" and not self.script:
            raise ValueError("script: a processing step runs a script; give its path relative to the pack file")
        if self.kind == "transform" and (self.script or self.framework or self.image_uri):
            raise ValueError("a transform step runs the model it is wired to; it takes no script, framework "
                             "or image_uri")
        if self.kind == "model" and not (self.image_uri or self.framework):
            raise ValueError("a model step needs an image_uri (its serving container) or a framework")
        return self
