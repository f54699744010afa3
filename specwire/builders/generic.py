"""Generic builders: one per `implementation:` kind, for the step types a spec pack adds without Python.

They are the built-in builders with their ports taken from the step's spec instead of written
in a class: a processing step is `ProcessingBuilder` (one processing input per dependency at
``/opt/ml/processing/input/<dependency>``, one output per spec output at
``/opt/ml/processing/output/<output>``), a training step goes through the same `ModelTrainer`
helper as the built-in trainers (one channel per dependency, named after it). So every setting a
built-in job gets from the shared helpers (images, instance parameters, environment, and any
per-job setting added there later) reaches these steps too, and their scripts are uploaded to
the same places (`<node_s3_root>/code/<script>`, or `sourcedir.tar.gz` for training).

Consumers receive each output as the property reference its spec's `property_path` names
(``properties.ModelArtifacts.S3ModelArtifacts``, ...), else the kind's usual one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from specwire.builders.base import (
    BuildContext,
    BuiltStep,
    OutputRef,
    StepBuilder,
    execution_scoped,
    job_environment,
    job_tags,
    setting,
    step_options,
    vpc_settings,
)
from specwire.builders.code import has_serving_code, source_archive_uri
from specwire.builders.processing import ProcessingBuilder
from specwire.builders.training import _trainer, script_mode
from specwire.configs.base import ProcessingStepConfig, StepConfig
from specwire.configs.generated import (
    FileModelConfig,
    FileProcessingConfig,
    FileStepConfig,
    FileTrainingConfig,
    FileTransformConfig,
)
from specwire.errors import BuildError

_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[(?:'[^']*'|\"[^\"]*\"|[0-9]+)\])*)")
_INDEX = re.compile(r"\[(?:'([^']*)'|\"([^\"]*)\"|([0-9]+))\]")


def argument_list(values: Mapping[str, Any]) -> list[str]:
    """`{dim: 64, fast: true}` as `--dim 64 --fast true`, in the block's order."""
    out: list[str] = []
    for name, value in values.items():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        out += [f"--{name}", text]
    return out


def hyperparameter_text(values: Mapping[str, Any]) -> dict[str, str]:
    """Hyperparameters as SageMaker takes them: every value a string."""
    return {k: ("true" if v else "false") if isinstance(v, bool) else str(v) for k, v in values.items()}


def property_at(properties: Any, path: str) -> Any:
    """The SDK property a path names: `properties.OutputDataConfig.S3OutputPath`,
    `ProcessingOutputConfig.Outputs['DATA'].S3Output.S3Uri`; None when it is not a property."""
    text = path.strip().removeprefix("properties.")
    current = properties
    for part in text.split("."):
        match = _SEGMENT.fullmatch(part)
        if match is None:
            return None
        try:
            current = getattr(current, match.group(1))
            for index in _INDEX.finditer(match.group(2)):
                key: Any = index.group(1) if index.group(1) is not None else index.group(2)
                current = current[int(index.group(3)) if key is None else key]
        except (AttributeError, KeyError, IndexError, TypeError):
            return None
    return current


class FileStepBuilder(StepBuilder):
    """What the generic builders share: their config class and ports come from the spec."""

    CODE: ClassVar[str] = "script"

    def outputs(self, config: StepConfig, step: Any, default: Any) -> dict[str, OutputRef]:
        """One reference per spec output: its `property_path` if that names a property of the step,
        else `default(name)`."""
        assert isinstance(config, FileStepConfig)
        refs: dict[str, OutputRef] = {}
        for name, path in type(config).OUTPUT_PATHS:
            value = property_at(step.properties, path) if path else None
            refs[name] = OutputRef(config.node_name, name, value if value is not None else default(name), step)
        return refs


class FileProcessingBuilder(ProcessingBuilder, FileStepBuilder):
    """A processing step of a file-only step type (ports from its spec)."""

    def arguments(self, config: StepConfig) -> list[str]:
        assert isinstance(config, FileProcessingConfig)
        return argument_list(config.arguments)

    def image(self, config: ProcessingStepConfig, ctx: BuildContext) -> str:
        assert isinstance(config, FileProcessingConfig)
        return ctx.image_uri(
            config, config.framework or "sklearn", config.framework_version, scope="training",
            instance_type=config.instance_type, explicit=config.image_uri,
        )


class FileTrainingBuilder(FileStepBuilder):
    """A training job of a file-only step type: the pack's script in a framework image (script
    mode, as built-in trainers), or an algorithm image with no script."""

    PARAMETERS: ClassVar[tuple[str, ...]] = ("InstanceType",)
    CODE: ClassVar[str] = "archive"

    def build(self, config: StepConfig, inputs: Mapping[str, OutputRef], ctx: BuildContext) -> BuiltStep:
        from sagemaker.mlops.workflow.steps import TrainingStep
        from sagemaker.train.configs import InputData

        self.check_config(config)
        assert isinstance(config, FileTrainingConfig)
        hyperparameters = hyperparameter_text(config.hyperparameters)
        if config.entry_point:
            hyperparameters.update(script_mode(config, config.entry_point, ctx.region))
        if not config.image_uri and not config.framework:
            raise BuildError(
                f"{config.STEP_TYPE} (node {config.node_name!r}): no image_uri and no framework",
                suggested_fix=f"set image_uri or framework in {config.where('image_uri')}, or override it for the node",
                nodes=[config.node_name],
            )
        trainer = _trainer(config, ctx, config.framework or "", config.framework_version or "", hyperparameters)
        channels = [InputData(channel_name=name, data_source=inputs[name].value)
                    for name in self.INPUTS if name in inputs]
        step = TrainingStep(name=config.node_name, step_args=trainer.train(input_data_config=channels or None),
                            **step_options(config))
        outputs = self.outputs(config, step, lambda name: step.properties.ModelArtifacts.S3ModelArtifacts)
        return BuiltStep(config.node_name, step, outputs)


class FileTransformBuilder(FileStepBuilder):
    """A batch transform over the model its `model`-like dependency is wired to (a model name),
    reading the data its other dependency is wired to."""

    CODE: ClassVar[str] = "none"
    PARAMETERS: ClassVar[tuple[str, ...]] = ("InstanceType",)

    def build(self, config: StepConfig, inputs: Mapping[str, OutputRef], ctx: BuildContext) -> BuiltStep:
        from sagemaker.core.transformer import Transformer
        from sagemaker.mlops.workflow.steps import TransformStep

        self.check_config(config)
        assert isinstance(config, FileTransformConfig)
        model, data = _model_and_data(self, config, inputs)
        transformer = Transformer(
            model_name=model.value,
            instance_count=config.instance_count,
            instance_type=ctx.parameter("InstanceType", config.node_name, config.instance_type),
            output_path=execution_scoped(config.output_s3_uri),
            output_kms_key=setting(config, "kms_key_id"),
            volume_kms_key=setting(config, "kms_key_id"),
            tags=job_tags(config) or None,
            env=job_environment(config) or None,
            base_transform_job_name=config.node_name,
            sagemaker_session=ctx.session,
        )
        step = TransformStep(name=config.node_name, step_args=transformer.transform(data=data.value),
                             **step_options(config))
        outputs = self.outputs(config, step, lambda name: step.properties.TransformOutput.S3OutputPath)
        return BuiltStep(config.node_name, step, outputs)


class FileModelBuilder(FileStepBuilder):
    """A SageMaker model (`ModelBuilder` in a `ModelStep`, as the built-in CreateModel) over the
    artifacts its dependency is wired to, served by the pack's image or framework image, with the
    pack's inference script when it has one."""

    CODE: ClassVar[str] = "optional"

    def build(self, config: StepConfig, inputs: Mapping[str, OutputRef], ctx: BuildContext) -> BuiltStep:
        from sagemaker.mlops.workflow.model_step import ModelStep
        from sagemaker.serve.model_builder import ModelBuilder

        self.check_config(config)
        assert isinstance(config, FileModelConfig)
        names = list(self.INPUTS)
        if not names:
            raise BuildError(f"{config.STEP_TYPE} (node {config.node_name!r}): a model step needs a dependency "
                             "for its model artifacts, and its spec has none", nodes=[config.node_name])
        artifacts = self.require(config, inputs, next((n for n in names if "model" in n.lower()), names[0]))
        env: dict[str, str] = {}
        if config.entry_point and has_serving_code(config):
            env = {"SAGEMAKER_PROGRAM": config.entry_point, "SAGEMAKER_SUBMIT_DIRECTORY": source_archive_uri(config),
                   "SAGEMAKER_REGION": ctx.region}
        env.update(job_environment(config))
        builder = ModelBuilder(
            image_uri=ctx.image_uri(config, config.framework or "", config.framework_version or "",
                                    scope="inference", instance_type=config.instance_type, explicit=config.image_uri),
            s3_model_data_url=artifacts.value,
            role_arn=config.role_arn,
            sagemaker_session=ctx.session,
            env_vars=dict(sorted(env.items())),
            dependencies={},
        )
        step = ModelStep(name=config.node_name, step_args=builder.build(model_name=config.node_name),
                         **step_options(config, job=False, cache=False))
        # As the built-in CreateModel: ModelBuilder takes these only through the request itself.
        request = step.step_args.create_model_request
        if setting(config, "enable_network_isolation"):
            request["EnableNetworkIsolation"] = True
        vpc = vpc_settings(config)
        if vpc is not None:
            request["VpcConfig"] = {"Subnets": vpc[0], "SecurityGroupIds": vpc[1]}
        if job_tags(config):
            request["Tags"] = job_tags(config)
        outputs = self.outputs(config, step, lambda name: step.properties.ModelName)
        return BuiltStep(config.node_name, step, outputs)


def _model_and_data(builder: StepBuilder, config: StepConfig, inputs: Mapping[str, OutputRef]
                    ) -> tuple[OutputRef, OutputRef]:
    names = list(builder.INPUTS)
    model_names = [n for n in names if "model" in n.lower()]
    data_names = [n for n in names if n not in model_names]
    if not model_names or not data_names:
        raise BuildError(
            f"{config.STEP_TYPE} (node {config.node_name!r}): a transform step needs a dependency naming "
            f"its model (a name with 'model') and one for its data; its spec has {', '.join(names) or 'none'}",
            suggested_fix="name the dependencies e.g. model_name and input_data in the step's spec",
            nodes=[config.node_name],
        )
    return builder.require(config, inputs, model_names[0]), builder.require(config, inputs, data_names[0])


_KIND_BUILDERS: dict[str, type[FileStepBuilder]] = {
    "processing": FileProcessingBuilder,
    "training": FileTrainingBuilder,
    "transform": FileTransformBuilder,
    "model": FileModelBuilder,
}
_BUILT: dict[type[StepConfig], type[StepBuilder]] = {}


def generic_builder_class(cls: type[FileStepConfig]) -> type[StepBuilder]:
    """The builder class of a generated config class: the kind's builder, ports from the spec."""
    if cls not in _BUILT:
        base = _KIND_BUILDERS[cls.KIND]
        namespace = {
            "STEP_TYPE": cls.STEP_TYPE,
            "CONFIG_CLASS": cls,
            "INPUTS": {name: name for name in cls.INPUT_NAMES},
            "OUTPUTS": {name: name for name, _ in cls.OUTPUT_PATHS},
            "__module__": __name__,
        }
        _BUILT[cls] = type(f"{cls.__name__.removesuffix('Config')}Builder", (base,), namespace)
    return _BUILT[cls]
