"""The design note's config forms: a config on its own (pipeline fields filled by the pipeline it
joins), flat hyperparameters mapped to the framework's names, `custom_transformations` validated by
name, and `s3_bucket` / `s3_prefix` for the data location. No SageMaker SDK: configs only."""

from __future__ import annotations

import pytest

from specwire import Pipeline
from specwire.configs import (
    DataLoadingConfig,
    LightGBMTrainingConfig,
    TabularPreprocessingConfig,
    XGBoostTrainingConfig,
)
from specwire.errors import ConfigError

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


def test_a_config_on_its_own_leaves_the_pipeline_fields_to_the_pipeline() -> None:
    training = XGBoostTrainingConfig(max_depth=8, n_estimators=200)
    assert (training.pipeline_name, training.region, training.role_arn, training.bucket) == (None, None, None, None)
    pipeline = Pipeline.from_configs([DataLoadingConfig(s3_bucket="fraud-data"), training],
                                     auto_resolve_dependencies=True)
    pipeline.role_arn, pipeline.bucket = ROLE, "ml-artifacts"
    configs = pipeline.configs()
    attached = configs["XGBoostTraining"]
    assert (attached.role_arn, attached.bucket) == (ROLE, "ml-artifacts")
    assert attached.hyperparameters.max_depth == 8  # type: ignore[attr-defined]
    own_region = XGBoostTrainingConfig(region="eu-west-1").attach({"region": "us-east-1", "bucket": "b-123"})
    assert (own_region.region, own_region.bucket) == ("eu-west-1", "b-123")  # what it set stays its own


def test_flat_hyperparameters_take_each_frameworks_name() -> None:
    xgboost = XGBoostTrainingConfig(max_depth=8, n_estimators=200).hyperparameters
    assert (xgboost.max_depth, xgboost.num_round) == (8, 200)
    assert LightGBMTrainingConfig(n_estimators=50, num_leaves=63).hyperparameters.num_iterations == 50
    assert XGBoostTrainingConfig(hyperparameters={"max_depth": 4}).hyperparameters.max_depth == 4
    with pytest.raises(ConfigError, match=r"max_depth: is given both as a field and in hyperparameters"):
        XGBoostTrainingConfig(max_depth=8, hyperparameters={"max_depth": 6})
    with pytest.raises(ConfigError, match=r"max_dept: unknown field \(did you mean 'max_depth'\?\)"):
        XGBoostTrainingConfig(max_dept=8)


def test_custom_transformations_are_named_ones_with_a_did_you_mean() -> None:
    config = TabularPreprocessingConfig(custom_transformations=["log_transform", "standardise", "one_hot:merchant"])
    assert config.custom_transformations == ["log_transform", "standardize", "one_hot_encode:merchant"]
    with pytest.raises(ConfigError, match=r"custom_transformations\[0\]: must name a transformation.*"
                                          r"did you mean 'log_transform'"):
        TabularPreprocessingConfig(custom_transformations=["log_transfrom"])


def test_s3_bucket_and_prefix_are_the_data_location() -> None:
    assert DataLoadingConfig(s3_bucket="fraud-data").source_s3_uri == "s3://fraud-data/"
    assert DataLoadingConfig(s3_bucket="fraud-data", s3_prefix="tx/2024").source_s3_uri == "s3://fraud-data/tx/2024"
