"""Training and tuning steps: `ModelTrainer` in a framework container (`TrainingStep`, `TuningStep`).

The SDK's `SourceCode` uploads the code with a timestamped name while the definition is built,
which needs AWS and changes every build. specwire runs the framework containers in script mode
instead: the hyperparameters `sagemaker_program` and `sagemaker_submit_directory` name the
entry point and an archive ``<node_s3_root>/code/sourcedir.tar.gz`` that is uploaded at deploy
time (see `uploads.script_uploads`). The training split is the channel `training_data`, the
validation split the channel `validation_data` (each channel is named after its dependency);
the model is written to ``<output_s3_uri>/<execution id>/<job name>/output/model.tar.gz``.
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
from specwire.builders.code import source_archive_uri
from specwire.configs.base import StepConfig, TrainingStepConfig
from specwire.configs.steps import (
    HyperparameterTuningConfig,
    LightGBMTrainingConfig,
    PyTorchTrainingConfig,
    XGBoostTrainingConfig,
)

#: Each data dependency is the channel of its own name (the scripts read it as
#: /opt/ml/input/data/<dependency>, or SM_CHANNEL_<DEPENDENCY>).
_CHANNELS: dict[str, str] = {"training_data": "training_data", "validation_data": "validation_data"}


def script_mode(config: StepConfig, entry_point: str, region: str) -> dict[str, str]:
    """The hyperparameters that make a SageMaker framework container run a script from S3."""
    return {
        "sagemaker_program": entry_point,
        "sagemaker_submit_directory": source_archive_uri(config),
        "sagemaker_region": region,
    }


def metric_definition(name: str) -> dict[str, str]:
    """How SageMaker reads a metric such as 'validation:auc' from the log line 'validation:auc=0.91'
    that specwire's training scripts print."""
    return {"Name": name, "Regex": re.escape(name) + r"=([-+0-9.eE]+)"}


def _channels(builder: StepBuilder, config: StepConfig, inputs: Mapping[str, OutputRef]) -> list[Any]:
    from sagemaker.train.configs import InputData

    builder.require(config, inputs, "training_data")
    return [
        InputData(channel_name=channel, data_source=inputs[dependency].value)
        for dependency, channel in builder.INPUTS.items()
        if dependency in inputs
    ]


def _trainer(
    config: TrainingStepConfig, ctx: BuildContext, framework: str, version: str, hyperparameters: dict[str, str]
) -> Any:
    from sagemaker.core.shapes import OutputDataConfig, StoppingCondition, Tag
    from sagemaker.train import ModelTrainer
    from sagemaker.train.configs import Compute, Networking

    instance_type = ctx.parameter("InstanceType", config.node_name, config.instance_type)
    kms = setting(config, "kms_key_id")
    vpc, isolated = vpc_settings(config), bool(setting(config, "enable_network_isolation"))
    stopping = StoppingCondition(max_runtime_in_seconds=config.max_runtime_seconds)
    if config.use_spot_instances:
        stopping = StoppingCondition(
            max_runtime_in_seconds=config.max_runtime_seconds, max_wait_time_in_seconds=config.max_runtime_seconds
        )
    return ModelTrainer(
        training_image=ctx.image_uri(
            config, framework, version, scope="training", instance_type=config.instance_type,
            explicit=config.image_uri,
        ),
        role=config.role_arn,
        base_job_name=config.node_name,
        sagemaker_session=ctx.session,
        compute=Compute(
            instance_type=instance_type,
            instance_count=config.instance_count,
            volume_size_in_gb=config.volume_size_gb,
            enable_managed_spot_training=config.use_spot_instances or None,
            volume_kms_key_id=kms,
        ),
        stopping_condition=stopping,
        output_data_config=OutputDataConfig(s3_output_path=execution_scoped(config.output_s3_uri), kms_key_id=kms),
        environment=job_environment(config),
        hyperparameters=hyperparameters,
        networking=Networking(
            subnets=vpc[0] if vpc else None,
            security_group_ids=vpc[1] if vpc else None,
            enable_network_isolation=isolated,
        ) if vpc or isolated else None,
        tags=[Tag(key=t["Key"], value=t["Value"]) for t in job_tags(config)] or None,
    )


def _tuning_step_class(base: type[Any], config: StepConfig) -> type[Any]:
    """`TuningStep` whose training job definition keeps the volume KMS key and network isolation
    that the SDK's tuner (3.27) drops when it copies the trainer's settings."""
    kms, isolated = setting(config, "kms_key_id"), bool(setting(config, "enable_network_isolation"))

    class CompleteTuningStep(base):  # type: ignore[misc]
        @property
        def arguments(self) -> Any:
            args = super().arguments
            definition = args.get("TrainingJobDefinition")
            if isinstance(definition, dict):
                if kms:
                    definition.setdefault("ResourceConfig", {})["VolumeKmsKeyId"] = kms
                if isolated:
                    definition["EnableNetworkIsolation"] = True
            return args

    return CompleteTuningStep


class TrainingBuilder(StepBuilder):
    """A training job of one framework; the model's S3 location is its `model_artifacts` output."""

    FRAMEWORK: ClassVar[str] = ""
    INPUTS: ClassVar[Mapping[str, str]] = _CHANNELS
    OUTPUTS: ClassVar[Mapping[str, str]] = {"model_artifacts": "ModelArtifacts.S3ModelArtifacts"}
    PARAMETERS: ClassVar[tuple[str, ...]] = ("InstanceType",)

    def build(self, config: StepConfig, inputs: Mapping[str, OutputRef], ctx: BuildContext) -> BuiltStep:
        from sagemaker.mlops.workflow.steps import TrainingStep

        self.check_config(config)
        assert isinstance(config, XGBoostTrainingConfig | LightGBMTrainingConfig | PyTorchTrainingConfig)
        hyperparameters = {
            **config.hyperparameters.to_sagemaker(),
            **script_mode(config, config.entry_point, ctx.region),
        }
        trainer = _trainer(config, ctx, self.FRAMEWORK, config.framework_version, hyperparameters)
        step_args = trainer.train(input_data_config=_channels(self, config, inputs))
        step = TrainingStep(name=config.node_name, step_args=step_args, **step_options(config))
        ref = OutputRef(config.node_name, "model_artifacts", step.properties.ModelArtifacts.S3ModelArtifacts, step)
        return BuiltStep(config.node_name, step, {"model_artifacts": ref})


class XGBoostTrainingBuilder(TrainingBuilder):
    STEP_TYPE: ClassVar[str] = "XGBoostTraining"
    CONFIG_CLASS: ClassVar[type[StepConfig]] = XGBoostTrainingConfig
    FRAMEWORK: ClassVar[str] = "xgboost"


class LightGBMTrainingBuilder(TrainingBuilder):
    STEP_TYPE: ClassVar[str] = "LightGBMTraining"
    CONFIG_CLASS: ClassVar[type[StepConfig]] = LightGBMTrainingConfig
    FRAMEWORK: ClassVar[str] = "lightgbm"


class PyTorchTrainingBuilder(TrainingBuilder):
    STEP_TYPE: ClassVar[str] = "PyTorchTraining"
    CONFIG_CLASS: ClassVar[type[StepConfig]] = PyTorchTrainingConfig
    FRAMEWORK: ClassVar[str] = "pytorch"


class HyperparameterTuningBuilder(StepBuilder):
    """A tuning job over the framework's training job; `best_model` is the best job's model.tar.gz."""

    STEP_TYPE: ClassVar[str] = "HyperparameterTuning"
    CONFIG_CLASS: ClassVar[type[StepConfig]] = HyperparameterTuningConfig
    INPUTS: ClassVar[Mapping[str, str]] = _CHANNELS
    OUTPUTS: ClassVar[Mapping[str, str]] = {"best_model": "TrainingJobSummaries[0] model.tar.gz"}
    PARAMETERS: ClassVar[tuple[str, ...]] = ("InstanceType",)

    def build(self, config: StepConfig, inputs: Mapping[str, OutputRef], ctx: BuildContext) -> BuiltStep:
        from sagemaker.core.parameter import CategoricalParameter, ContinuousParameter, IntegerParameter
        from sagemaker.mlops.workflow.steps import TuningStep
        from sagemaker.train.tuner import HyperparameterTuner

        self.check_config(config)
        assert isinstance(config, HyperparameterTuningConfig)
        tuned = set(config.parameter_ranges)
        static = {k: v for k, v in config.base_hyperparameters().to_sagemaker().items() if k not in tuned}
        trainer = _trainer(
            config, ctx, config.framework, config.framework_version,
            {**static, **script_mode(config, config.entry_point, ctx.region)},
        )
        ranges: dict[str, Any] = {}
        for name, rng in sorted(config.parameter_ranges.items()):
            if rng.type == "categorical":
                ranges[name] = CategoricalParameter(list(rng.values or []))
            elif rng.type == "integer":
                low, high = int(rng.min_value or 0), int(rng.max_value or 0)
                ranges[name] = IntegerParameter(low, high, scaling_type=rng.scaling)
            else:
                ranges[name] = ContinuousParameter(rng.min_value, rng.max_value, scaling_type=rng.scaling)
        tuner = HyperparameterTuner(
            model_trainer=trainer,
            objective_metric_name=config.objective_metric_name,
            hyperparameter_ranges=ranges,
            metric_definitions=[metric_definition(config.objective_metric_name)],
            strategy=config.strategy,
            objective_type=config.objective_type,
            max_jobs=config.max_jobs,
            max_parallel_jobs=config.max_parallel_jobs,
            early_stopping_type=config.early_stopping_type,
            base_tuning_job_name=config.node_name,
        )
        step = _tuning_step_class(TuningStep, config)(
            name=config.node_name, step_args=tuner.tune(inputs=_channels(self, config, inputs)), **step_options(config)
        )
        # The best job's model, under the execution-scoped output path the trainer was given
        # (what `get_top_model_s3_uri` joins, with the execution ID in the prefix).
        best = execution_scoped(
            config.output_s3_uri, step.properties.TrainingJobSummaries[0].TrainingJobName, "output/model.tar.gz"
        )
        return BuiltStep(config.node_name, step, {"best_model": OutputRef(config.node_name, "best_model", best, step)})
