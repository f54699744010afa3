"""Processing steps: a specwire script in a SageMaker processing job (`ScriptProcessor`, `ProcessingStep`).

The contract with the scripts (`specwire/scripts/`):

- each wired dependency `D` is downloaded to ``/opt/ml/processing/input/D``;
- each output `O` of the spec is written by the script to ``/opt/ml/processing/output/O`` and
  uploaded to ``<output_s3_uri>/<execution id>/O`` (see `base.execution_scoped`);
- the script is ``<node_s3_root>/code/<entry_point>``, run as ``python3 <entry_point>``;
- settings arrive as environment variables (see `base.job_environment`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

from specwire.builders.base import (
    BuildContext,
    BuiltStep,
    OutputRef,
    StepBuilder,
    execution_scoped,
    job_environment,
    job_tags,
    network_config,
    script_arguments,
    setting,
    step_options,
)
from specwire.configs.base import FRAMEWORK_VERSIONS, ProcessingStepConfig, StepConfig
from specwire.configs.steps import (
    DataLoadingConfig,
    FeatureSelectionConfig,
    MissingValueImputationConfig,
    ModelCalibrationConfig,
    ModelEvaluationConfig,
    ModelExplainabilityConfig,
    TabularPreprocessingConfig,
)

INPUT_ROOT = "/opt/ml/processing/input"
OUTPUT_ROOT = "/opt/ml/processing/output"
#: The file `ModelEvaluation` writes in its `evaluation_report` output, read by quality gates
#: and attached to registered models.
EVALUATION_FILE = "evaluation.json"
#: The file `ModelExplainability` writes in its `explainability_report` output.
EXPLAINABILITY_FILE = "explainability.json"
#: The file `ModelCalibration` writes in its `calibration_metrics` output (see specwire/scripts/calibration.py).
CALIBRATION_METRICS_FILE = "calibration_metrics.json"


def _same(*names: str) -> dict[str, str]:
    return {name: name for name in names}


class ProcessingBuilder(StepBuilder):
    """A processing job: one input per wired dependency, one output per spec output."""

    #: Outputs that hold a JSON report, with the file a `PropertyFile` reads in them.
    PROPERTY_FILES: ClassVar[Mapping[str, str]] = {}
    #: Outputs that hold one data file beside side files, with that file's name (see `OutputRef.data_file`).
    DATA_FILES: ClassVar[Mapping[str, str]] = {}
    PARAMETERS: ClassVar[tuple[str, ...]] = ("InstanceType",)

    def external_inputs(self, config: StepConfig, ctx: BuildContext) -> dict[str, Any]:
        """Inputs that come from outside the pipeline (a parameter), by input name."""
        return {}

    def arguments(self, config: StepConfig) -> list[str]:
        """The script's command-line arguments (specwire's scripts: `base.script_arguments`)."""
        return script_arguments(config)

    def image(self, config: ProcessingStepConfig, ctx: BuildContext) -> str:
        """The config's image, else SageMaker's scikit-learn processing image of `framework_version`."""
        return ctx.image_uri(
            config, "sklearn", config.framework_version, scope="training",
            instance_type=config.instance_type, explicit=config.image_uri,
        )

    def build(self, config: StepConfig, inputs: Mapping[str, OutputRef], ctx: BuildContext) -> BuiltStep:
        from sagemaker.core.processing import ScriptProcessor
        from sagemaker.core.shapes import ProcessingInput, ProcessingOutput, ProcessingS3Input, ProcessingS3Output
        from sagemaker.core.workflow.properties import PropertyFile
        from sagemaker.mlops.workflow.steps import ProcessingStep

        self.check_config(config)
        assert isinstance(config, ProcessingStepConfig)
        sources: dict[str, Any] = self.external_inputs(config, ctx)
        for dependency in self.INPUTS:
            if dependency in inputs:
                sources[self.INPUTS[dependency]] = inputs[dependency].value
        instance_type = ctx.parameter("InstanceType", config.node_name, config.instance_type)
        processor = ScriptProcessor(
            role=config.role_arn,
            image_uri=self.image(config, ctx),
            command=["python3"],
            instance_count=config.instance_count,
            instance_type=instance_type,
            volume_size_in_gb=config.volume_size_gb,
            max_runtime_in_seconds=config.max_runtime_seconds,
            base_job_name=config.node_name,
            sagemaker_session=ctx.session,
            env=job_environment(config),
            volume_kms_key=setting(config, "kms_key_id"),
            output_kms_key=setting(config, "kms_key_id"),
            tags=job_tags(config) or None,
            network_config=network_config(config),
        )
        step_args = processor.run(
            code=config.script_s3_uri,
            inputs=[
                ProcessingInput(
                    input_name=name,
                    s3_input=ProcessingS3Input(
                        s3_uri=value, local_path=f"{INPUT_ROOT}/{name}", s3_data_type="S3Prefix", s3_input_mode="File"
                    ),
                )
                for name, value in sources.items()
            ],
            arguments=self.arguments(config) or None,
            outputs=[
                ProcessingOutput(
                    output_name=name,
                    s3_output=ProcessingS3Output(
                        s3_uri=execution_scoped(config.output_s3_uri, name),
                        local_path=f"{OUTPUT_ROOT}/{name}",
                        s3_upload_mode="EndOfJob",
                    ),
                )
                for name in self.OUTPUTS.values()
            ],
        )
        property_files = {
            output: PropertyFile(name=output, output_name=self.OUTPUTS[output], path=path)
            for output, path in self.PROPERTY_FILES.items()
        }
        step = ProcessingStep(
            name=config.node_name, step_args=step_args, property_files=list(property_files.values()) or None,
            **step_options(config),
        )
        outputs = {
            output: OutputRef(
                node=config.node_name,
                output=output,
                value=step.properties.ProcessingOutputConfig.Outputs[name].S3Output.S3Uri,
                step=step,
                property_file=property_files.get(output),
                file_name=self.PROPERTY_FILES.get(output),
                data_file=self.DATA_FILES.get(output),
            )
            for output, name in self.OUTPUTS.items()
        }
        return BuiltStep(config.node_name, step, outputs)


class DataLoadingBuilder(ProcessingBuilder):
    STEP_TYPE: ClassVar[str] = "DataLoading"
    CONFIG_CLASS: ClassVar[type[StepConfig]] = DataLoadingConfig
    INPUTS: ClassVar[Mapping[str, str]] = {}
    OUTPUTS: ClassVar[Mapping[str, str]] = _same("raw_data")
    PARAMETERS: ClassVar[tuple[str, ...]] = ("InputDataUri", "InstanceType")
    #: The processing input that receives the raw data (from the `InputDataUri` parameter).
    SOURCE_INPUT: ClassVar[str] = "data"

    def external_inputs(self, config: StepConfig, ctx: BuildContext) -> dict[str, Any]:
        assert isinstance(config, DataLoadingConfig)
        return {self.SOURCE_INPUT: ctx.parameter("InputDataUri", config.node_name, config.source_s3_uri)}


class TabularPreprocessingBuilder(ProcessingBuilder):
    STEP_TYPE: ClassVar[str] = "TabularPreprocessing"
    CONFIG_CLASS: ClassVar[type[StepConfig]] = TabularPreprocessingConfig
    INPUTS: ClassVar[Mapping[str, str]] = _same("raw_data")
    OUTPUTS: ClassVar[Mapping[str, str]] = _same("train_data", "validation_data", "test_data")
    #: Each split is `<split>.csv` beside `_schema.json` (specwire/scripts/tabular_preprocessing.py).
    DATA_FILES: ClassVar[Mapping[str, str]] = {
        "train_data": "train.csv", "validation_data": "validation.csv", "test_data": "test.csv"}

    def build(self, config: StepConfig, inputs: Mapping[str, OutputRef], ctx: BuildContext) -> BuiltStep:
        built = super().build(config, inputs, ctx)
        if isinstance(config, TabularPreprocessingConfig) and config.id_field:
            from specwire.scripts import MONITORING_BASELINE_FILE

            train = built.outputs["train_data"]
            built.outputs["train_data"] = replace(train, monitoring_file=MONITORING_BASELINE_FILE)
        return built


class MissingValueImputationBuilder(ProcessingBuilder):
    STEP_TYPE: ClassVar[str] = "MissingValueImputation"
    CONFIG_CLASS: ClassVar[type[StepConfig]] = MissingValueImputationConfig
    INPUTS: ClassVar[Mapping[str, str]] = _same("input_data", "imputation_params")
    OUTPUTS: ClassVar[Mapping[str, str]] = _same("imputed_data", "imputation_params")


class FeatureSelectionBuilder(ProcessingBuilder):
    STEP_TYPE: ClassVar[str] = "FeatureSelection"
    CONFIG_CLASS: ClassVar[type[StepConfig]] = FeatureSelectionConfig
    INPUTS: ClassVar[Mapping[str, str]] = _same("input_data", "selected_features")
    OUTPUTS: ClassVar[Mapping[str, str]] = _same("selected_data", "selected_features")


class LoadsModelBuilder(ProcessingBuilder):
    """A processing step that loads a trained model: it runs in the model framework's image
    (the XGBoost image for XGBoost, ...), where the framework's library is installed.

    LightGBM has no SageMaker image; the scikit-learn image is used, which lacks `lightgbm`:
    give such a node an `image_uri` with it.
    """

    def image(self, config: ProcessingStepConfig, ctx: BuildContext) -> str:
        framework = str(getattr(config, "model_framework", "sklearn"))
        if framework == "lightgbm" or framework not in FRAMEWORK_VERSIONS:
            return super().image(config, ctx)
        return ctx.image_uri(
            config, framework, FRAMEWORK_VERSIONS[framework], scope="training",
            instance_type=config.instance_type, explicit=config.image_uri,
        )


class ModelEvaluationBuilder(LoadsModelBuilder):
    STEP_TYPE: ClassVar[str] = "ModelEvaluation"
    CONFIG_CLASS: ClassVar[type[StepConfig]] = ModelEvaluationConfig
    INPUTS: ClassVar[Mapping[str, str]] = _same("model", "evaluation_data")
    OUTPUTS: ClassVar[Mapping[str, str]] = _same("evaluation_report", "predictions")
    PROPERTY_FILES: ClassVar[Mapping[str, str]] = {"evaluation_report": EVALUATION_FILE}


class ModelCalibrationBuilder(ProcessingBuilder):
    STEP_TYPE: ClassVar[str] = "ModelCalibration"
    CONFIG_CLASS: ClassVar[type[StepConfig]] = ModelCalibrationConfig
    INPUTS: ClassVar[Mapping[str, str]] = _same("predictions")
    OUTPUTS: ClassVar[Mapping[str, str]] = _same("calibration_model", "calibration_metrics")
    PROPERTY_FILES: ClassVar[Mapping[str, str]] = {"calibration_metrics": CALIBRATION_METRICS_FILE}


class ModelExplainabilityBuilder(LoadsModelBuilder):
    STEP_TYPE: ClassVar[str] = "ModelExplainability"
    CONFIG_CLASS: ClassVar[type[StepConfig]] = ModelExplainabilityConfig
    INPUTS: ClassVar[Mapping[str, str]] = _same("model", "evaluation_data")
    OUTPUTS: ClassVar[Mapping[str, str]] = _same("explainability_report")
    PROPERTY_FILES: ClassVar[Mapping[str, str]] = {"explainability_report": EXPLAINABILITY_FILE}
