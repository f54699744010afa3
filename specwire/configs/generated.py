"""Config classes generated from the `implementation:` block of a file-only step type.

A spec pack entry with an `implementation:` block and no Python gets a config class here: a
subclass of the built-in bases (`ProcessingStepConfig`, `TrainingStepConfig`, ...) whose
defaults are the block's values, so it has the same three tiers, the same validation, sizing
and overrides (per step type or per node, in the pipeline file and through `Pipeline`) as a
built-in config. The block's script becomes `entry_point` + `source_dir` (the script's folder,
resolved against the pack file), exactly as a built-in step names its script.

Classes are made per catalog (`catalog_config_classes`), not registered globally: a migrated
catalog may define its own `TabularPreprocessing`, which must not replace the built-in one for
a pipeline on the built-in catalog in the same process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StrictStr, computed_field

from specwire.configs.base import ProcessingStepConfig, StepConfig, TrainingStepConfig
from specwire.configs.registry import CONFIG_CLASSES
from specwire.configs.types import InstanceType, ScriptPath, _pattern_check
from specwire.errors import SpecPackError, suggestion_text
from specwire.specs.implementation import IMAGE_URI_PATTERN, Implementation

if TYPE_CHECKING:
    from specwire.specs.models import StepSpecification

#: Frameworks a file-only step may name, with the container version used when the pack gives none.
FILE_FRAMEWORKS: dict[str, str] = {"sklearn": "1.2-1", "xgboost": "1.7-1", "pytorch": "2.3"}
Framework = Literal["sklearn", "xgboost", "pytorch"]

#: Any registry image (ECR, or another registry SageMaker can pull from).
RegistryImageUri = Annotated[
    str, _pattern_check(IMAGE_URI_PATTERN, "must be a container registry URI '<host>/<repository>[:<tag>]'")
]
ArgumentValue = StrictStr | StrictBool | StrictInt | StrictFloat


class FileStepConfig(StepConfig):
    """Base of every generated config: where the step type came from and its ports."""

    #: The block the class was generated from, and the pack file it is in.
    IMPLEMENTATION: ClassVar[Implementation | None] = None
    PACK: ClassVar[str] = ""
    KIND: ClassVar[str] = ""
    #: The spec's dependencies (inputs) and outputs with their property paths, for the builder.
    INPUT_NAMES: ClassVar[tuple[str, ...]] = ()
    OUTPUT_PATHS: ClassVar[tuple[tuple[str, str], ...]] = ()

    @classmethod
    def where(cls, field: str) -> str:
        """`<pack>: <StepType>.implementation.<field>`: how errors name a field of the block."""
        return f"{cls.PACK}: {cls.STEP_TYPE}.implementation.{field}"


class FileProcessingConfig(ProcessingStepConfig, FileStepConfig):
    """A processing job running the pack's script (base of generated processing configs)."""

    framework: Framework | None = "sklearn"
    """Framework whose SageMaker image runs the script (when no image_uri is given)."""
    framework_version: str = FILE_FRAMEWORKS["sklearn"]
    """Version of the framework's processing image."""
    image_uri: RegistryImageUri | None = None
    """Container image; None uses the framework's SageMaker image."""
    arguments: dict[str, ArgumentValue] = Field(default_factory=dict)
    """Container arguments, passed to the script as `--<name> <value>`."""


class FileTrainingConfig(TrainingStepConfig, FileStepConfig):
    """A training job: the pack's script in a framework image, or an algorithm image without one."""

    framework: Framework | None = None
    """Framework whose SageMaker training image runs the script (when no image_uri is given)."""
    framework_version: str | None = None
    """Version of the framework's training image."""
    image_uri: RegistryImageUri | None = None
    """Training image (an algorithm image runs without a script)."""
    entry_point: ScriptPath | None = None  # type: ignore[assignment]
    """Training script; None for an algorithm image that needs none."""
    hyperparameters: dict[str, ArgumentValue] = Field(default_factory=dict)
    """Hyperparameters of the training job (the container reads them from hyperparameters.json)."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def model_framework(self) -> str:
        """The framework of the model this step produces ('' for an algorithm image)."""
        return self.framework or ""


class FileTransformConfig(FileStepConfig):
    """A batch transform job over the model it is wired to."""

    instance_type: InstanceType = "ml.m5.xlarge"
    """Instance type of the transform job."""
    instance_count: Annotated[StrictInt, Field(ge=1)] = 1
    """Number of instances."""
    environment: dict[str, str] = Field(default_factory=dict)
    """Environment variables of the job."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def output_s3_uri(self) -> str:
        """Where the transform writes its output: <node_s3_root>/output."""
        return f"{self.node_s3_root}/output"


class FileModelConfig(FileStepConfig):
    """A SageMaker model over the artifacts it is wired to (with the pack's inference script, if any)."""

    framework: Framework | None = None
    """Framework whose SageMaker inference image serves the model (when no image_uri is given)."""
    framework_version: str | None = None
    """Version of the framework's inference image."""
    image_uri: RegistryImageUri | None = None
    """Serving image."""
    instance_type: InstanceType = "ml.m5.large"
    """Instance type the image is chosen for."""
    entry_point: ScriptPath | None = None
    """Inference script; None uses the container's default serving."""
    source_dir: str | None = None
    """Local folder holding `entry_point`."""
    environment: dict[str, str] = Field(default_factory=dict)
    """Environment variables of the model."""


_BASES: dict[str, type[FileStepConfig]] = {
    "processing": FileProcessingConfig,
    "training": FileTrainingConfig,
    "transform": FileTransformConfig,
    "model": FileModelConfig,
}
_CACHE: dict[str, type[StepConfig]] = {}


def config_class_from_spec(spec: StepSpecification, pack: str) -> type[StepConfig]:
    """The config class of a step type with an `implementation:` block (cached per content)."""
    impl = spec.implementation
    if impl is None:
        raise SpecPackError(f"{pack}: {spec.step_type} has no implementation block")
    key = hashlib.sha256(
        f"{pack}\0{spec.model_dump_json(exclude={'description', 'job_type_variants'})}".encode()
    ).hexdigest()
    if key in _CACHE:
        return _CACHE[key]
    base = _BASES[impl.kind]
    defaults = _defaults(spec.step_type, impl, pack)
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__doc__": impl.description or spec.description or f"{spec.step_type}: a {impl.kind} step from {pack}.",
        "__annotations__": annotations,
        "STEP_TYPE": spec.step_type,
        "IMPLEMENTATION": impl,
        "PACK": pack,
        "KIND": impl.kind,
        "INPUT_NAMES": tuple(d.logical_name for d in spec.dependencies),
        "OUTPUT_PATHS": tuple((o.logical_name, o.property_path) for o in spec.outputs),
    }
    if impl.kind == "training" and impl.framework:
        namespace["FRAMEWORK"] = impl.framework
    for name, value in defaults.items():
        if name not in base.model_fields:
            continue  # e.g. volume_size_gb of a transform step: nothing to size
        info = base.model_fields[name]
        annotations[name] = info.annotation if not info.metadata else Annotated[(info.annotation, *info.metadata)]
        namespace[name] = Field(default=value, description=info.description)
    cls = type(_class_name(spec.step_type), (base,), namespace)
    _CACHE[key] = cls
    return cls


def catalog_config_classes(specs: Iterable[StepSpecification], source_of: Any) -> dict[str, type[StepConfig]]:
    """Config class of every step type of a catalog: generated for those with an implementation
    block, the registered class (built-in or a plugin's) for the others. `source_of(step_type)`
    names the pack file (`SpecRegistry.source`)."""
    classes: dict[str, type[StepConfig]] = dict(CONFIG_CLASSES)
    for spec in specs:
        if spec.implementation is not None:
            classes[spec.step_type] = config_class_from_spec(spec, str(source_of(spec.step_type)))
    return classes


def registry_config_classes(registry: Any) -> dict[str, type[StepConfig]]:
    """`catalog_config_classes` of a `SpecRegistry`."""
    return catalog_config_classes(iter(registry), registry.source)


def file_step_classes(classes: Mapping[str, type[StepConfig]]) -> dict[str, type[FileStepConfig]]:
    return {k: c for k, c in classes.items() if issubclass(c, FileStepConfig)}


# --------------------------------------------------------------------------- helpers


def _class_name(step_type: str) -> str:
    words = "".join(ch if ch.isalnum() else " " for ch in step_type).split()
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Step"
    return (name if name[0].isalpha() else f"Step{name}") + "Config"


def _framework(step_type: str, impl: Implementation, pack: str) -> str | None:
    if impl.framework is None:
        return None
    if impl.framework not in FILE_FRAMEWORKS:
        hint = suggestion_text(impl.framework, FILE_FRAMEWORKS)
        raise SpecPackError(
            f"{pack}: {step_type}.implementation.framework: unknown framework {impl.framework!r}"
            + (f" ({hint})" if hint else ""),
            suggested_fix="frameworks with a SageMaker image: " + ", ".join(FILE_FRAMEWORKS)
            + "; or give image_uri instead",
        )
    return impl.framework


def _defaults(step_type: str, impl: Implementation, pack: str) -> dict[str, Any]:
    framework = _framework(step_type, impl, pack)
    values: dict[str, Any] = {}
    if impl.kind in ("processing", "training", "model"):
        if impl.kind == "processing":
            framework = framework or (None if impl.image_uri else "sklearn")
        values["framework"] = framework
        version = impl.framework_version or (FILE_FRAMEWORKS[framework] if framework else None)
        if version is not None or impl.kind != "processing":
            values["framework_version"] = version
        values["image_uri"] = impl.image_uri
        if impl.script is not None:
            script = PurePosixPath(impl.script)
            values["entry_point"] = script.name
            folder = Path(pack).resolve().parent / Path(*script.parent.parts)
            values["source_dir"] = str(folder)
        values["environment"] = dict(impl.environment)
    if impl.kind == "transform":
        values["environment"] = dict(impl.environment)
    for name in ("instance_type", "instance_count", "volume_size_gb", "max_runtime_seconds"):
        value = getattr(impl, name)
        if value is not None:
            values[name] = value
    if impl.kind == "processing":
        values["arguments"] = dict(impl.arguments)
    if impl.kind == "training":
        values["hyperparameters"] = dict(impl.hyperparameters)
    return values
