"""The data-quality check: SageMaker's `QualityCheckStep` with Model Monitor's analyzer image.

The analyzer computes statistics.json and constraints.json of the training split; with a
previous baseline (supplied, or the latest approved model's of a package group) it also checks
the data against it, and fails the pipeline on violations when `fail_on_violation` is set.
Its consumers receive `CalculatedBaselineStatistics` / `CalculatedBaselineConstraints` (the
S3 URIs of the two files); a model registration also reads `BaselineUsedForDriftCheck*` from
the step (`drift_check_refs`), which SageMaker resolves by `skip_check` and
`register_new_baseline` (see the AWS guide "Baseline calculation, drift detection and
lifecycle with ClarifyCheck and QualityCheck steps").
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, ClassVar

from specwire.builders.base import (
    BuildContext,
    BuiltStep,
    OutputRef,
    StepBuilder,
    execution_scoped,
    job_tags,
    network_config,
    setting,
    step_options,
)
from specwire.configs.base import StepConfig
from specwire.configs.steps.quality import DataQualityCheckConfig

#: The step's outputs -> the property of a QualityCheckStep its consumers read.
CALCULATED = {"baseline_statistics": "CalculatedBaselineStatistics",
              "baseline_constraints": "CalculatedBaselineConstraints"}
#: ... and the baseline SageMaker keeps for drift checks (the new one or the one checked against).
DRIFT_CHECK = {"baseline_statistics": "BaselineUsedForDriftCheckStatistics",
               "baseline_constraints": "BaselineUsedForDriftCheckConstraints"}


def drift_check_ref(ref: OutputRef) -> Any:
    """For an output of a data-quality check, the baseline it keeps for drift checks; else the output itself."""
    property_name = DRIFT_CHECK.get(ref.output)
    if ref.step is None or property_name is None or not hasattr(ref.step.properties, property_name):
        return ref.value
    return getattr(ref.step.properties, property_name)


@cache
def _quality_check_step() -> Any:
    """SageMaker's `QualityCheckStep`, with its `NetworkConfig` written as the API's fields: SDK 3.27
    puts the `NetworkConfig` object itself in the request, which no definition can serialise."""
    from sagemaker.mlops.workflow.quality_check_step import QualityCheckStep

    class QualityCheckStepWithNetwork(QualityCheckStep):  # type: ignore[misc]
        @property
        def arguments(self) -> Any:
            request = super().arguments
            network = request.get("NetworkConfig")
            if network is not None and hasattr(network, "_to_request_dict"):
                request["NetworkConfig"] = network._to_request_dict()
            return request

    return QualityCheckStepWithNetwork


class DataQualityCheckBuilder(StepBuilder):
    STEP_TYPE: ClassVar[str] = "DataQualityCheck"
    CONFIG_CLASS: ClassVar[type[StepConfig]] = DataQualityCheckConfig
    INPUTS: ClassVar[Mapping[str, str]] = {"baseline_data": "baseline_dataset_input"}
    OUTPUTS: ClassVar[Mapping[str, str]] = CALCULATED
    PARAMETERS: ClassVar[tuple[str, ...]] = ("InstanceType",)
    CODE: ClassVar[str] = "none"  # the analyzer image is SageMaker's; no code of ours runs

    def build(self, config: StepConfig, inputs: Mapping[str, OutputRef], ctx: BuildContext) -> BuiltStep:
        from sagemaker.core.model_monitor import DatasetFormat
        from sagemaker.core.workflow.functions import Join
        from sagemaker.mlops.workflow.check_job_config import CheckJobConfig
        from sagemaker.mlops.workflow.quality_check_step import DataQualityCheckConfig as CheckConfig

        self.check_config(config)
        assert isinstance(config, DataQualityCheckConfig)
        data = self.require(config, inputs, "baseline_data")
        # The analyzer reads every object under the prefix: name the data file when the folder
        # also holds side files (TabularPreprocessing's `_schema.json`), and the file without the id
        # column when there is one (Model Monitor lines captured records up with it by position).
        file = data.monitoring_file or data.data_file
        dataset = Join(on="/", values=[data.value, file]) if file else data.value
        job = CheckJobConfig(
            role=config.role_arn,
            instance_count=config.instance_count,
            instance_type=ctx.parameter("InstanceType", config.node_name, config.instance_type),
            volume_size_in_gb=config.volume_size_gb,
            volume_kms_key=setting(config, "kms_key_id"),
            output_kms_key=setting(config, "kms_key_id"),
            max_runtime_in_seconds=config.max_runtime_seconds,
            base_job_name=config.node_name,
            sagemaker_session=ctx.session,
            tags=job_tags(config) or None,
            network_config=network_config(config),
        )
        check = CheckConfig(
            baseline_dataset=dataset,
            dataset_format=DatasetFormat.csv(header=config.header),
            output_s3_uri=execution_scoped(config.output_s3_uri, "baseline"),
        )
        # QualityCheckStep takes no retry policies (SDK 3.27): caching only.
        step = _quality_check_step()(
            name=config.node_name,
            quality_check_config=check,
            check_job_config=job,
            skip_check=config.check_skipped,
            fail_on_violation=config.fail_on_violation,
            register_new_baseline=config.baseline_registered,
            model_package_group_name=config.model_package_group_name,
            supplied_baseline_statistics=config.supplied_baseline_statistics,
            supplied_baseline_constraints=config.supplied_baseline_constraints,
            **step_options(config, retry=False),
        )
        outputs = {
            output: OutputRef(config.node_name, output, getattr(step.properties, name), step)
            for output, name in CALCULATED.items()
        }
        return BuiltStep(config.node_name, step, outputs)
