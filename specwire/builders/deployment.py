"""Steps that ship a model: create it and register it (`ModelBuilder` in a `ModelStep`), score with it
(`Transformer` in a `TransformStep`), and the quality gate that lets them run (`ConditionStep`).

The `approval` dependency of CreateModel and ModelRegistration is not a value: the assembler
places the steps that consume a gate's `approval` in the gate's `if` branch, so they run only
when its condition holds. Their builders therefore list `approval` among their inputs but put
nothing in their arguments for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from specwire.builders.base import (
    BuildContext,
    BuiltStep,
    GatePlan,
    OutputRef,
    StepBuilder,
    execution_scoped,
    job_tags,
    setting,
    step_options,
    vpc_settings,
)
from specwire.builders.code import has_serving_code, source_archive_uri
from specwire.builders.processing import EVALUATION_FILE
from specwire.configs.base import StepConfig
from specwire.configs.steps import BatchTransformConfig, CreateModelConfig, ModelRegistrationConfig, QualityGateConfig
from specwire.errors import BuildError

#: What a consumer of a gate's `approval` output receives: the branch, not a value.
APPROVAL_CHANNEL = "(runs in the gate's if branch)"
#: Where a metric is in evaluation.json (see specwire/scripts/evaluation.py):
#: {"metrics": {"auc": {"value": 0.93}, ...}, ...}.
METRIC_JSON_PATH = "metrics.{metric}.value"


def _serving_environment(config: CreateModelConfig | ModelRegistrationConfig, region: str) -> dict[str, str]:
    """The inference container's environment: specwire's inference script when there is one."""
    env: dict[str, str] = {}
    if has_serving_code(config):
        env.update(
            {
                "SAGEMAKER_PROGRAM": config.entry_point,
                "SAGEMAKER_SUBMIT_DIRECTORY": source_archive_uri(config),
                "SAGEMAKER_REGION": region,
            }
        )
    env.update(getattr(config, "environment", {}) or {})
    return dict(sorted(env.items()))


def _model_builder(
    config: CreateModelConfig | ModelRegistrationConfig, model_data: Any, ctx: BuildContext, instance_type: str
) -> Any:
    from sagemaker.serve.model_builder import ModelBuilder

    return ModelBuilder(
        image_uri=ctx.image_uri(
            config, config.model_framework, config.framework_version, scope="inference",
            instance_type=instance_type, explicit=config.image_uri,
        ),
        s3_model_data_url=model_data,
        role_arn=config.role_arn,
        sagemaker_session=ctx.session,
        env_vars=_serving_environment(config, ctx.region),
        dependencies={},
    )


class CreateModelBuilder(StepBuilder):
    STEP_TYPE: ClassVar[str] = "CreateModel"
    CONFIG_CLASS: ClassVar[type[StepConfig]] = CreateModelConfig
    INPUTS: ClassVar[Mapping[str, str]] = {"model_artifacts": "PrimaryContainer.ModelDataUrl",
                                           "approval": APPROVAL_CHANNEL}
    OUTPUTS: ClassVar[Mapping[str, str]] = {"model_name": "ModelName"}

    def build(self, config: StepConfig, inputs: Mapping[str, OutputRef], ctx: BuildContext) -> BuiltStep:
        from sagemaker.mlops.workflow.model_step import ModelStep

        self.check_config(config)
        assert isinstance(config, CreateModelConfig)
        artifacts = self.require(config, inputs, "model_artifacts")
        builder = _model_builder(config, artifacts.value, ctx, config.instance_type)
        step_args = builder.build(model_name=config.node_name)
        step = ModelStep(name=config.node_name, step_args=step_args, **step_options(config, job=False, cache=False))
        # ModelBuilder takes these only from its own deployment settings: set the CreateModel
        # request's fields (the same ones SageMaker's API names).
        request = step.step_args.create_model_request
        if config.enable_network_isolation:
            request["EnableNetworkIsolation"] = True
        vpc = vpc_settings(config)
        if vpc is not None:
            request["VpcConfig"] = {"Subnets": vpc[0], "SecurityGroupIds": vpc[1]}
        if job_tags(config):
            request["Tags"] = job_tags(config)
        ref = OutputRef(config.node_name, "model_name", step.properties.ModelName, step)
        return BuiltStep(config.node_name, step, {"model_name": ref})


class ModelRegistrationBuilder(StepBuilder):
    STEP_TYPE: ClassVar[str] = "ModelRegistration"
    CONFIG_CLASS: ClassVar[type[StepConfig]] = ModelRegistrationConfig
    INPUTS: ClassVar[Mapping[str, str]] = {
        "model_artifacts": "InferenceSpecification.Containers[0].ModelDataUrl",
        "evaluation_report": "ModelMetrics.ModelQuality.Statistics",
        "calibration_model": "CustomerMetadataProperties.calibration_model",
        "explainability_report": "ModelMetrics.Explainability.Report",
        # Both as the model's data-quality metrics and as its drift-check baseline (see _data_quality).
        "data_quality_statistics": "ModelMetrics.ModelDataQuality.Statistics",
        "data_quality_constraints": "ModelMetrics.ModelDataQuality.Constraints",
        "approval": APPROVAL_CHANNEL,
    }
    OUTPUTS: ClassVar[Mapping[str, str]] = {"model_package_arn": "ModelPackageArn"}
    PARAMETERS: ClassVar[tuple[str, ...]] = ("ModelApprovalStatus",)

    def build(self, config: StepConfig, inputs: Mapping[str, OutputRef], ctx: BuildContext) -> BuiltStep:
        from sagemaker.core.shapes import Explainability, MetricsSource, ModelMetrics, ModelQuality
        from sagemaker.core.workflow.functions import Join
        from sagemaker.mlops.workflow.model_step import ModelStep

        self.check_config(config)
        assert isinstance(config, ModelRegistrationConfig)
        artifacts = self.require(config, inputs, "model_artifacts")
        report = self.require(config, inputs, "evaluation_report")

        def source(ref: OutputRef, default_file: str) -> Any:
            return MetricsSource(
                content_type="application/json",
                s3_uri=Join(on="/", values=[ref.value, ref.file_name or default_file]),
            )

        metrics: dict[str, Any] = {"model_quality": ModelQuality(statistics=source(report, EVALUATION_FILE))}
        if "explainability_report" in inputs:
            metrics["explainability"] = Explainability(report=source(inputs["explainability_report"], "report.json"))
        drift_check = _data_quality(inputs, metrics)
        metadata = {"calibration_model": inputs["calibration_model"].value} if "calibration_model" in inputs else None
        builder = _model_builder(config, artifacts.value, ctx, config.inference_instance_types[0])
        step_args = builder.register(
            model_package_group_name=config.model_package_group_name,
            content_types=list(config.content_types),
            response_types=list(config.response_types),
            inference_instances=list(config.inference_instance_types),
            transform_instances=list(config.transform_instance_types),
            model_metrics=ModelMetrics(**metrics),
            approval_status=ctx.parameter("ModelApprovalStatus", config.node_name, config.approval_status),
            description=config.model_description or None,
            customer_metadata_properties=metadata,
            drift_check_baselines=drift_check,
        )
        step = ModelStep(name=config.node_name, step_args=step_args, **step_options(config, job=False, cache=False))
        ref = OutputRef(config.node_name, "model_package_arn", step.properties.ModelPackageArn, step)
        return BuiltStep(config.node_name, step, {"model_package_arn": ref})


def _data_quality(inputs: Mapping[str, OutputRef], metrics: dict[str, Any]) -> Any:
    """The data-quality baseline of a registered model, when a DataQualityCheck feeds it: the baseline
    computed in this run as its `ModelDataQuality` metrics, and the one SageMaker keeps for drift
    checks as its `DriftCheckBaselines` (what a monitoring schedule of the deployed model reads:
    DescribeModelPackage's `DriftCheckBaselines.ModelDataQuality.Statistics.S3Uri` / `.Constraints.S3Uri`)."""
    from sagemaker.core.shapes import DriftCheckBaselines, DriftCheckModelDataQuality, MetricsSource, ModelDataQuality

    from specwire.builders.quality import drift_check_ref

    statistics, constraints = inputs.get("data_quality_statistics"), inputs.get("data_quality_constraints")
    if statistics is None and constraints is None:
        return None

    def source(value: Any) -> Any:
        return MetricsSource(content_type="application/json", s3_uri=value)

    calculated = {k: source(ref.value) for k, ref in (("statistics", statistics), ("constraints", constraints)) if ref}
    drift = {k: source(drift_check_ref(ref)) for k, ref in (("statistics", statistics), ("constraints", constraints))
             if ref}
    metrics["model_data_quality"] = ModelDataQuality(**calculated)
    return DriftCheckBaselines(model_data_quality=DriftCheckModelDataQuality(**drift))


class BatchTransformBuilder(StepBuilder):
    STEP_TYPE: ClassVar[str] = "BatchTransform"
    CONFIG_CLASS: ClassVar[type[StepConfig]] = BatchTransformConfig
    INPUTS: ClassVar[Mapping[str, str]] = {"model_name": "ModelName",
                                           "input_data": "TransformInput.DataSource.S3DataSource.S3Uri"}
    OUTPUTS: ClassVar[Mapping[str, str]] = {"transform_output": "TransformOutput.S3OutputPath"}
    PARAMETERS: ClassVar[tuple[str, ...]] = ("InstanceType",)

    def build(self, config: StepConfig, inputs: Mapping[str, OutputRef], ctx: BuildContext) -> BuiltStep:
        from sagemaker.core.transformer import Transformer
        from sagemaker.core.workflow.functions import Join
        from sagemaker.mlops.workflow.steps import TransformStep

        self.check_config(config)
        assert isinstance(config, BatchTransformConfig)
        model = self.require(config, inputs, "model_name")
        data = self.require(config, inputs, "input_data")
        transformer = Transformer(
            model_name=model.value,
            instance_count=config.instance_count,
            instance_type=ctx.parameter("InstanceType", config.node_name, config.instance_type),
            strategy=config.batch_strategy,
            assemble_with=config.assemble_with,
            output_path=execution_scoped(config.output_s3_uri),
            output_kms_key=setting(config, "kms_key_id"),
            volume_kms_key=setting(config, "kms_key_id"),
            tags=job_tags(config) or None,
            accept=config.accept,
            max_concurrent_transforms=config.max_concurrent_transforms,
            max_payload=config.max_payload_mb,
            base_transform_job_name=config.node_name,
            sagemaker_session=ctx.session,
        )
        # A transform job scores every object under its S3 prefix: a split's folder also holds
        # `_schema.json`, which would be sent to the model as records. Name the data file itself.
        source = Join(on="/", values=[data.value, data.data_file]) if data.data_file else data.value
        step_args = transformer.transform(
            data=source,
            content_type=config.content_type,
            split_type=config.split_type,
            join_source=config.join_source,
        )
        step = TransformStep(name=config.node_name, step_args=step_args, **step_options(config))
        ref = OutputRef(config.node_name, "transform_output", step.properties.TransformOutput.S3OutputPath, step)
        return BuiltStep(config.node_name, step, {"transform_output": ref})


#: A gate's comparison -> the SageMaker condition that holds when the metric passes.
_CONDITIONS = {
    ">=": "ConditionGreaterThanOrEqualTo",
    ">": "ConditionGreaterThan",
    "<=": "ConditionLessThanOrEqualTo",
    "<": "ConditionLessThan",
}


def fail_step_name(gate: str) -> str:
    """Name of the `FailStep` on a gate's else branch (the one step that is not a node)."""
    return f"{gate}-fail"


class QualityGateBuilder(StepBuilder):
    """`metric <comparison> threshold` on evaluation.json; a `FailStep` when it does not hold."""

    STEP_TYPE: ClassVar[str] = "QualityGate"
    CONFIG_CLASS: ClassVar[type[StepConfig]] = QualityGateConfig
    INPUTS: ClassVar[Mapping[str, str]] = {"evaluation_report": "Conditions[0].LeftValue (JsonGet)"}
    OUTPUTS: ClassVar[Mapping[str, str]] = {"approval": "IfSteps"}
    PARAMETERS: ClassVar[tuple[str, ...]] = ("MetricThreshold",)

    def build(self, config: StepConfig, inputs: Mapping[str, OutputRef], ctx: BuildContext) -> BuiltStep:
        from sagemaker.core.workflow import conditions
        from sagemaker.core.workflow.functions import JsonGet
        from sagemaker.mlops.workflow.condition_step import ConditionStep
        from sagemaker.mlops.workflow.fail_step import FailStep

        self.check_config(config)
        assert isinstance(config, QualityGateConfig)
        report = self.require(config, inputs, "evaluation_report")
        if report.property_file is None or report.step is None:
            raise BuildError(
                f"QualityGate (node {config.node_name!r}): its evaluation_report comes from {report.node!r}, "
                f"whose output {report.output!r} is not a JSON report a condition can read",
                suggested_fix="wire the gate to a ModelEvaluation step's evaluation_report",
                nodes=[config.node_name, report.node],
            )
        metric = JsonGet(
            step_name=report.step.name,
            property_file=report.property_file,
            json_path=METRIC_JSON_PATH.format(metric=config.metric_name),
        )
        threshold = ctx.parameter("MetricThreshold", config.node_name, config.threshold)
        condition = getattr(conditions, _CONDITIONS[config.comparison])(left=metric, right=threshold)
        fail = FailStep(name=fail_step_name(config.node_name), error_message=config.failure_message)
        name = config.node_name

        def make(if_steps: list[Any]) -> Any:
            return ConditionStep(name=name, conditions=[condition], if_steps=if_steps, else_steps=[fail])

        approval = OutputRef(config.node_name, "approval", None)
        return BuiltStep(config.node_name, None, {"approval": approval}, gate=GatePlan([condition], [fail], make))
