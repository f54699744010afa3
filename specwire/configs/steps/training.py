"""Configs of the training steps: one per framework, each with its typed hyperparameters."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from specwire.configs.base import FRAMEWORK_VERSIONS, TrainingStepConfig
from specwire.configs.hyperparameters import (
    LightGBMHyperparameters,
    PyTorchHyperparameters,
    XGBoostHyperparameters,
)
from specwire.configs.types import InstanceType, ScriptPath


class XGBoostTrainingConfig(TrainingStepConfig):
    """Trains an XGBoost model (SageMaker XGBoost container, script mode)."""

    STEP_TYPE: ClassVar[str] = "XGBoostTraining"
    FRAMEWORK: ClassVar[str] = "xgboost"

    framework_version: str = FRAMEWORK_VERSIONS["xgboost"]
    """Version of the SageMaker XGBoost container."""
    py_version: str = "py3"
    """Python version of the container."""
    entry_point: ScriptPath = "xgboost_train.py"
    """Training script."""
    hyperparameters: XGBoostHyperparameters = Field(default_factory=XGBoostHyperparameters)
    """XGBoost parameters."""


class LightGBMTrainingConfig(TrainingStepConfig):
    """Trains a LightGBM model (a specwire script in the SageMaker scikit-learn container)."""

    STEP_TYPE: ClassVar[str] = "LightGBMTraining"
    FRAMEWORK: ClassVar[str] = "lightgbm"

    framework_version: str = FRAMEWORK_VERSIONS["lightgbm"]
    """Version of the SageMaker scikit-learn container the LightGBM script runs in."""
    py_version: str = "py3"
    """Python version of the container."""
    entry_point: ScriptPath = "lightgbm_train.py"
    """Training script."""
    hyperparameters: LightGBMHyperparameters = Field(default_factory=LightGBMHyperparameters)
    """LightGBM parameters."""


class PyTorchTrainingConfig(TrainingStepConfig):
    """Trains specwire's PyTorch tabular network (SageMaker PyTorch container)."""

    STEP_TYPE: ClassVar[str] = "PyTorchTraining"
    FRAMEWORK: ClassVar[str] = "pytorch"
    DEFAULT_INSTANCE: ClassVar[str] = "ml.g5.xlarge"

    instance_type: InstanceType = "ml.g5.xlarge"
    """Instance type of the training job (a GPU instance by default)."""
    framework_version: str = FRAMEWORK_VERSIONS["pytorch"]
    """Version of the SageMaker PyTorch container."""
    py_version: str = "py311"
    """Python version of the container."""
    entry_point: ScriptPath = "pytorch_train.py"
    """Training script."""
    hyperparameters: PyTorchHyperparameters = Field(default_factory=PyTorchHyperparameters)
    """Network and optimiser parameters."""
