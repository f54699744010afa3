"""The three tiers of every config: essential, default, derived; and derived values."""

from __future__ import annotations

import pytest
from fraud_pipeline import PIPELINE, step_data

from specwire.configs import (
    CONFIG_CLASSES,
    BatchTransformConfig,
    FieldTier,
    ModelCalibrationConfig,
    ModelRegistrationConfig,
    QualityGateConfig,
    TabularPreprocessingConfig,
    XGBoostHyperparameters,
    XGBoostTrainingConfig,
)
from specwire.errors import ConfigError

PIPELINE_ESSENTIALS = ["pipeline_name", "region", "role_arn", "bucket"]


@pytest.mark.parametrize("step_type", sorted(CONFIG_CLASSES))
def test_every_config_has_three_tiers_and_validates_from_its_essentials(step_type: str) -> None:
    cls = CONFIG_CLASSES[step_type]
    tiers = cls.field_tiers()
    assert set(tiers.values()) <= set(FieldTier)
    # The pipeline's own fields are left to the pipeline a config is given to (None until then).
    assert not set(cls.fields_in_tier("essential")) & set(PIPELINE_ESSENTIALS)
    assert tuple(PIPELINE_ESSENTIALS) == cls.ATTACHED_FIELDS
    assert all(cls.model_fields[f].default is None for f in PIPELINE_ESSENTIALS)
    assert {"step_type", "pipeline_s3_root", "node_s3_root"} <= set(cls.fields_in_tier(FieldTier.DERIVED))
    config = cls.from_data(step_data(step_type))
    # A dump (which carries the derived values) validates back to an equal config.
    assert cls.from_data(config.model_dump()) == config
    assert cls.from_data(config.inputs()) == config
    assert not set(config.inputs()) & set(cls.fields_in_tier("derived"))


def test_tiers_of_a_quality_gate() -> None:
    tiers = QualityGateConfig.field_tiers()
    assert [f for f, t in tiers.items() if t is FieldTier.ESSENTIAL] == ["metric_name", "threshold"]
    assert tiers["comparison"] is FieldTier.DEFAULT
    assert tiers["condition"] is FieldTier.DERIVED


def test_derived_s3_locations() -> None:
    config = XGBoostTrainingConfig(**step_data("XGBoostTraining", node_name="train", prefix="team"))
    assert config.pipeline_s3_root == "s3://ml-artifacts/team/fraud/1.0.0"
    assert config.node_s3_root == "s3://ml-artifacts/team/fraud/1.0.0/train"
    assert config.output_s3_uri == "s3://ml-artifacts/team/fraud/1.0.0/train/output"
    assert config.script_s3_uri == "s3://ml-artifacts/team/fraud/1.0.0/train/code/xgboost_train.py"
    assert config.output_uri("model_artifacts") == "s3://ml-artifacts/team/fraud/1.0.0/train/output/model_artifacts"
    assert config.account_id == "123456789012"
    assert config.model_framework == "xgboost"
    moved = config.replace({"output_prefix": "s3://elsewhere/models/"})
    assert moved.output_s3_uri == "s3://elsewhere/models"


def test_other_derived_fields() -> None:
    prep = TabularPreprocessingConfig(**step_data("TabularPreprocessing", train_ratio=0.7, validation_ratio=0.15))
    assert prep.test_ratio == 0.15
    gate = QualityGateConfig(**step_data("QualityGate", node_name="gate"))
    assert gate.condition == "auc >= 0.7"
    assert gate.failure_message == "quality gate 'gate' failed: auc >= 0.7 does not hold"
    registration = ModelRegistrationConfig(**step_data("ModelRegistration"))
    assert registration.model_package_group_arn == (
        "arn:aws:sagemaker:us-east-1:123456789012:model-package-group/fraud-models"
    )
    transform = BatchTransformConfig(**step_data("BatchTransform", node_name="score"))
    assert transform.output_s3_uri == "s3://ml-artifacts/fraud/1.0.0/score/output"


def test_default_node_name_and_job_type() -> None:
    assert XGBoostTrainingConfig(**PIPELINE).node_name == "XGBoostTraining"
    assert XGBoostTrainingConfig(**PIPELINE, job_type="training").node_name == "XGBoostTraining-training"
    calibration = ModelCalibrationConfig(**PIPELINE)
    assert calibration.job_type == "calibration"
    assert calibration.node_name == "ModelCalibration-calibration"


def test_framework_version_follows_the_framework() -> None:
    from specwire.configs import CreateModelConfig, HyperparameterTuningConfig

    assert CreateModelConfig(**PIPELINE, model_framework="pytorch").framework_version == "2.3"
    tuning = HyperparameterTuningConfig(**PIPELINE, framework="lightgbm")
    assert tuning.framework_version == "1.2-1"
    assert tuning.entry_point == "lightgbm_train.py"
    assert set(tuning.parameter_ranges) == {"learning_rate", "num_leaves", "min_data_in_leaf", "feature_fraction"}
    assert tuning.model_framework == "lightgbm"
    assert tuning.base_hyperparameters().to_sagemaker()["objective"] == "binary"


def test_configs_are_frozen_and_replace_revalidates() -> None:
    config = XGBoostTrainingConfig(**step_data("XGBoostTraining"))
    with pytest.raises(ValueError):
        config.instance_count = 2  # type: ignore[misc]
    deeper = config.replace({"hyperparameters": {"max_depth": 8}})
    assert deeper.hyperparameters.max_depth == 8
    assert deeper.hyperparameters.eta == config.hyperparameters.eta  # merged, not replaced
    with pytest.raises(ConfigError):
        config.replace({"hyperparameters": {"max_depth": 65}})


def test_hyperparameters_as_the_container_sees_them() -> None:
    params = XGBoostHyperparameters(max_depth=8, reg_lambda=2.0, eval_metric=["auc", "logloss"])
    sagemaker = params.to_sagemaker()
    assert sagemaker["max_depth"] == "8"
    assert sagemaker["lambda"] == "2.0"
    assert sagemaker["eval_metric"] == "auc,logloss"
    assert "num_class" not in sagemaker  # unset optional values are left out
    assert "reg_lambda" not in sagemaker


def test_field_docs_describe_type_default_and_rule() -> None:
    docs = {d.name: d for d in XGBoostHyperparameters.describe_fields()}
    assert docs["max_depth"].type == "int"
    assert docs["max_depth"].default == 6
    assert docs["max_depth"].rule == "must be between 1 and 64"
    assert docs["early_stopping_rounds"].type == "int | None"
    assert docs["early_stopping_rounds"].rule == "must be at least 1"
    assert docs["max_depth"].description == "Maximum depth of a tree."
    step_docs = {d.name: d for d in XGBoostTrainingConfig.describe_fields()}
    assert step_docs["pipeline_name"].default_text == "None"  # the pipeline's, once attached
    assert step_docs["output_s3_uri"].default_text == "(computed)"
    assert step_docs["node_name"].default_text == "(from other fields)"


def test_changing_the_framework_moves_its_defaults_but_keeps_choices() -> None:
    from specwire.configs import CreateModelConfig, HyperparameterTuningConfig

    model = CreateModelConfig(**PIPELINE)
    assert model.replace({"model_framework": "pytorch"}).framework_version == "2.3"
    pinned = model.replace({"framework_version": "1.5-1"}).replace({"model_framework": "pytorch"})
    assert pinned.framework_version == "1.5-1"  # chosen by the user: kept

    tuning = HyperparameterTuningConfig(**PIPELINE)
    moved = tuning.replace({"framework": "lightgbm"})
    assert (moved.framework_version, moved.entry_point) == ("1.2-1", "lightgbm_train.py")
    assert set(moved.parameter_ranges) == {"learning_rate", "num_leaves", "min_data_in_leaf", "feature_fraction"}
    # A search space the user chose is kept, and then must fit the new framework.
    custom = tuning.replace({"parameter_ranges": {"eta": {"type": "continuous", "min_value": 0.05, "max_value": 0.2}}})
    with pytest.raises(ConfigError) as info:
        custom.replace({"framework": "lightgbm"})
    assert info.value.message == (
        "HyperparameterTuning (node 'HyperparameterTuning').parameter_ranges.eta: "
        "is not a hyperparameter of lightgbm (did you mean 'learning_rate'?)"
    )
