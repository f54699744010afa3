"""How each step runs: pydantic configs, their generator, and their files.

Knows nothing of dependencies (that is `specwire.specs` and the engine) and nothing of SageMaker's
SDK (that is `specwire.builders`): it must not import `specwire.engine`, `sagemaker` or `boto3`.

    from specwire.configs import ConfigNode, GenerationContext, generate_configs, save_configs

    context = GenerationContext(pipeline_name="fraud", region="us-east-1", role_arn=ROLE,
                                bucket="ml-artifacts", data_location="s3://fraud-data/raw/")
    configs = generate_configs(nodes, context, {"train": {"hyperparameters": {"max_depth": 8}}})
    save_configs(configs, "fraud.configs.yaml")
"""

from specwire.configs.base import (
    FRAMEWORK_VERSIONS,
    BasePipelineConfig,
    JobStepConfig,
    ModelFramework,
    ProcessingStepConfig,
    StepConfig,
    TrainingStepConfig,
)
from specwire.configs.generator import (
    DEFAULT_GATE,
    ConfigNode,
    GenerationContext,
    NodeLike,
    generate_configs,
    infer_format,
)
from specwire.configs.hyperparameters import (
    FRAMEWORK_HYPERPARAMETERS,
    Hyperparameters,
    LightGBMHyperparameters,
    PyTorchHyperparameters,
    XGBoostHyperparameters,
)
from specwire.configs.messages import config_error
from specwire.configs.model import ConfigModel, FieldDoc, FieldTier
from specwire.configs.overrides import Overrides, parse_assignments
from specwire.configs.registry import CONFIG_CLASSES, config_class_for, register_config_class, step_types
from specwire.configs.steps import (
    BatchTransformConfig,
    CreateModelConfig,
    DataLoadingConfig,
    DataQualityCheckConfig,
    FeatureSelectionConfig,
    HyperparameterTuningConfig,
    LightGBMTrainingConfig,
    MissingValueImputationConfig,
    ModelCalibrationConfig,
    ModelEvaluationConfig,
    ModelExplainabilityConfig,
    ModelRegistrationConfig,
    ParameterRange,
    PyTorchTrainingConfig,
    QualityGateConfig,
    TabularPreprocessingConfig,
    XGBoostTrainingConfig,
)
from specwire.configs.store import (
    configs_from_document,
    configs_to_document,
    dumps_configs,
    load_configs,
    save_configs,
)

__all__ = [
    "CONFIG_CLASSES",
    "DEFAULT_GATE",
    "FRAMEWORK_HYPERPARAMETERS",
    "FRAMEWORK_VERSIONS",
    "BasePipelineConfig",
    "BatchTransformConfig",
    "ConfigModel",
    "ConfigNode",
    "CreateModelConfig",
    "DataLoadingConfig",
    "DataQualityCheckConfig",
    "FeatureSelectionConfig",
    "FieldDoc",
    "FieldTier",
    "GenerationContext",
    "HyperparameterTuningConfig",
    "Hyperparameters",
    "JobStepConfig",
    "LightGBMHyperparameters",
    "LightGBMTrainingConfig",
    "MissingValueImputationConfig",
    "ModelCalibrationConfig",
    "ModelEvaluationConfig",
    "ModelExplainabilityConfig",
    "ModelFramework",
    "ModelRegistrationConfig",
    "NodeLike",
    "Overrides",
    "ParameterRange",
    "ProcessingStepConfig",
    "PyTorchHyperparameters",
    "PyTorchTrainingConfig",
    "QualityGateConfig",
    "StepConfig",
    "TabularPreprocessingConfig",
    "TrainingStepConfig",
    "XGBoostHyperparameters",
    "XGBoostTrainingConfig",
    "config_class_for",
    "config_error",
    "configs_from_document",
    "configs_to_document",
    "dumps_configs",
    "generate_configs",
    "infer_format",
    "load_configs",
    "parse_assignments",
    "register_config_class",
    "save_configs",
    "step_types",
]
