"""One config class per built-in step type."""

from specwire.configs.steps.data import (
    DataLoadingConfig,
    FeatureSelectionConfig,
    MissingValueImputationConfig,
    TabularPreprocessingConfig,
)
from specwire.configs.steps.deployment import BatchTransformConfig, CreateModelConfig, ModelRegistrationConfig
from specwire.configs.steps.evaluation import (
    ModelCalibrationConfig,
    ModelEvaluationConfig,
    ModelExplainabilityConfig,
    QualityGateConfig,
)
from specwire.configs.steps.quality import DataQualityCheckConfig
from specwire.configs.steps.training import (
    LightGBMTrainingConfig,
    PyTorchTrainingConfig,
    XGBoostTrainingConfig,
)
from specwire.configs.steps.tuning import HyperparameterTuningConfig, ParameterRange

__all__ = [
    "BatchTransformConfig",
    "CreateModelConfig",
    "DataLoadingConfig",
    "DataQualityCheckConfig",
    "FeatureSelectionConfig",
    "HyperparameterTuningConfig",
    "LightGBMTrainingConfig",
    "MissingValueImputationConfig",
    "ModelCalibrationConfig",
    "ModelEvaluationConfig",
    "ModelExplainabilityConfig",
    "ModelRegistrationConfig",
    "ParameterRange",
    "PyTorchTrainingConfig",
    "QualityGateConfig",
    "TabularPreprocessingConfig",
    "XGBoostTrainingConfig",
]
