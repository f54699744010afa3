"""Step specifications: what a step needs and what it produces, nothing about how it runs.

The models are frozen pydantic models. They hold dependency metadata only; instance types,
hyperparameters and images belong to `specwire.configs`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from specwire.errors import suggestion_text
from specwire.specs.implementation import Implementation

#: The split job types: one data set split into chains that must not mix (training data must never
#: reach a step of the testing chain), each with the stem that names it inside another job type's
#: name ("pretrain" draws on training). The one definition of the vocabulary: the engine writes it
#: as the `split_job/1` facts that jobs.lp, gaps.lp and words.lp read (engine/vocabulary.py), and
#: qualified compatible sources ("TabularPreprocessing_training") are split with it.
SPLIT_JOB_STEMS: dict[str, str] = {"training": "train", "validation": "valid", "testing": "test",
                                   "calibration": "calib", "evaluation": "eval"}

#: Job types with a meaning for data chains; any other string is accepted as a custom job type.
STANDARD_JOB_TYPES = tuple(SPLIT_JOB_STEMS)


class StepKind(StrEnum):
    """The kind of SageMaker pipeline step a spec is built as."""

    PROCESSING = "Processing"
    TRAINING = "Training"
    TUNING = "Tuning"
    CREATE_MODEL = "CreateModel"
    TRANSFORM = "Transform"
    REGISTER_MODEL = "RegisterModel"
    CONDITION = "Condition"
    QUALITY_CHECK = "QualityCheck"
    FAIL = "Fail"
    LAMBDA = "Lambda"
    CUSTOM = "Custom"


def _names(values: list[Any] | None) -> tuple[Any, ...]:
    if not values:
        return ()
    if not all(isinstance(v, str) for v in values):
        return tuple(values)  # pydantic names the item that is not a string
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(value, None)
    return tuple(seen)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def _one_line(value: str) -> str:
    """Names are one line of text: a line break or NUL in a name would break every rendering of it."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("a name may not hold a line break or another control character")
    return value


class DependencySpec(_Frozen):
    """One input a step needs."""

    logical_name: Annotated[str, AfterValidator(_one_line)] = Field(min_length=1)
    kind: str = Field(default="processing_output", min_length=1)
    required: bool = True
    data_types: tuple[str, ...] = ("S3Uri",)
    compatible_sources: tuple[str, ...] = ()
    semantic_keywords: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    description: str = ""

    @field_validator("data_types", "compatible_sources", "semantic_keywords", "aliases", mode="before")
    @classmethod
    def _dedupe(cls, value: Any) -> Any:
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list | tuple):
            return _names(list(value))
        return value  # not a list: pydantic says so, naming the field

    @field_validator("data_types")
    @classmethod
    def _non_empty_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("a dependency must accept at least one data type")
        return value


class OutputSpec(_Frozen):
    """One output a step produces."""

    logical_name: Annotated[str, AfterValidator(_one_line)] = Field(min_length=1)
    kind: str = Field(default="processing_output", min_length=1)
    data_type: str = Field(default="S3Uri", min_length=1)
    aliases: tuple[str, ...] = ()
    semantic_keywords: tuple[str, ...] = ()
    property_path: str = ""
    description: str = ""

    @field_validator("aliases", "semantic_keywords", mode="before")
    @classmethod
    def _dedupe(cls, value: Any) -> Any:
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list | tuple):
            return _names(list(value))
        return value  # not a list: pydantic says so, naming the field


class JobTypeVariant(_Frozen):
    """Field overrides of a step's dependencies and outputs for one job type.

    Each entry maps a logical name to the fields that change; unnamed fields keep the base
    value. A variant cannot add or remove ports: the port set is the step's contract.
    """

    dependencies: dict[str, dict[str, Any]] = Field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = Field(default_factory=dict)


class StepSpecification(_Frozen):
    """The dependency contract of one step type."""

    step_type: Annotated[str, AfterValidator(_one_line)] = Field(min_length=1)
    sagemaker_step_kind: StepKind = StepKind.PROCESSING
    description: str = ""
    dependencies: tuple[DependencySpec, ...] = ()
    outputs: tuple[OutputSpec, ...] = ()
    job_type_variants: dict[str, JobTypeVariant] = Field(default_factory=dict)
    #: How the step runs when no Python config class and builder are registered for it (a
    #: file-only step type); the engine never reads it.
    implementation: Implementation | None = None

    @model_validator(mode="after")
    def _check_ports(self) -> StepSpecification:
        for label, ports in (("dependencies", self.dependencies), ("outputs", self.outputs)):
            names = [p.logical_name for p in ports]
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{label}: logical name {dupes[0]!r} is declared twice")
        dep_names = {d.logical_name for d in self.dependencies}
        out_names = {o.logical_name for o in self.outputs}
        for job, variant in self.job_type_variants.items():
            for name in variant.dependencies:
                if name not in dep_names:
                    raise ValueError(
                        f"job_type_variants.{job}.dependencies: {name!r} is not a dependency of this step"
                    )
            for name in variant.outputs:
                if name not in out_names:
                    raise ValueError(f"job_type_variants.{job}.outputs: {name!r} is not an output of this step")
        # Validate each variant now, so a bad override fails at load time, not at resolve time.
        for job in self.job_type_variants:
            self.for_job(job)
        return self

    def dependency(self, name: str) -> DependencySpec | None:
        return next((d for d in self.dependencies if d.logical_name == name), None)

    def output(self, name: str) -> OutputSpec | None:
        return next((o for o in self.outputs if o.logical_name == name), None)

    def variant_key(self, job_type: str | None) -> str | None:
        """The job-type variant that applies to a node of this job type, if any (case-insensitive)."""
        if job_type is None:
            return None
        if job_type in self.job_type_variants:
            return job_type
        lowered = job_type.lower()
        return next((k for k in sorted(self.job_type_variants) if k.lower() == lowered), None)

    def for_job(self, job_type: str | None) -> StepSpecification:
        """The effective spec for a node of `job_type`: the variant's overrides applied to the base."""
        key = self.variant_key(job_type)
        if key is None:
            return self
        variant = self.job_type_variants[key]
        where = f"job_type_variants.{key}"
        deps = tuple(
            _override(d, variant.dependencies.get(d.logical_name), DependencySpec, f"{where}.dependencies")
            for d in self.dependencies
        )
        outs = tuple(
            _override(o, variant.outputs.get(o.logical_name), OutputSpec, f"{where}.outputs") for o in self.outputs
        )
        return StepSpecification.model_construct(
            step_type=self.step_type,
            sagemaker_step_kind=self.sagemaker_step_kind,
            description=self.description,
            dependencies=deps,
            outputs=outs,
            job_type_variants={},
            implementation=self.implementation,
        )


_Port = TypeVar("_Port", DependencySpec, OutputSpec)


def _override(port: _Port, changes: dict[str, Any] | None, cls: type[_Port], where: str) -> _Port:
    if not changes:
        return port
    merged = port.model_dump()
    merged.update(changes)
    merged["logical_name"] = port.logical_name
    try:
        return cls.model_validate(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            hint = suggestion_text(field, cls.model_fields)
            what = f"unknown field {field!r}" + (f" ({hint})" if hint else "")
        else:
            what = err["msg"].removeprefix("Value error, ")
        raise ValueError(f"{where}.{port.logical_name}.{field}: {what}") from None
