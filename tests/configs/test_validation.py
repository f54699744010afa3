"""Every validation rule, with the exact message a user sees.

Each case changes one field of a valid config; the message must name the step, the node and the
field, say what is allowed, and show what was given.
"""

from __future__ import annotations

from typing import Any

import pytest
from fraud_pipeline import context, step_data

from specwire.configs import XGBoostTrainingConfig, config_class_for
from specwire.errors import ConfigError

MISSING = "<missing>"

CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        "XGBoostTraining",
        {"instance_type": "m5.xlarge"},
        (
            "XGBoostTraining (node 'n').instance_type: must be a SageMaker instance type "
            "'ml.<family>.<size>' such as 'ml.m5.xlarge', got 'm5.xlarge' (did you mean 'ml.m5.xlarge'?)"
        ),
    ),
    (
        "XGBoostTraining",
        {"instance_type": "ml.m5"},
        (
            "XGBoostTraining (node 'n').instance_type: must be a SageMaker instance type "
            "'ml.<family>.<size>' such as 'ml.m5.xlarge', got 'ml.m5'"
        ),
    ),
    (
        "XGBoostTraining",
        {"instance_type": "ML.M5.XLARGE"},
        (
            "XGBoostTraining (node 'n').instance_type: must be a SageMaker instance type "
            "'ml.<family>.<size>' such as 'ml.m5.xlarge', got 'ML.M5.XLARGE' (did you mean "
            "'ml.m5.xlarge'?)"
        ),
    ),
    (
        "DataLoading",
        {"source_s3_uri": "fraud-data/raw"},
        (
            "DataLoading (node 'n').source_s3_uri: must be an S3 URI 's3://<bucket>/<key>', got "
            "'fraud-data/raw' (did you mean 's3://fraud-data/raw'?)"
        ),
    ),
    (
        "DataLoading",
        {"source_s3_uri": "s3://Bad_Bucket/raw"},
        (
            "DataLoading (node 'n').source_s3_uri: must be an S3 URI 's3://<bucket>/<key>'; its bucket "
            "'Bad_Bucket' must be an S3 bucket name: lowercase letters, digits, dots and hyphens, "
            "starting and ending with a letter or digit, got 's3://Bad_Bucket/raw'"
        ),
    ),
    (
        "DataLoading",
        {"source_s3_uri": "s3://fraud-data//raw"},
        (
            "DataLoading (node 'n').source_s3_uri: must be an S3 URI 's3://<bucket>/<key>' without empty "
            "path segments ('//'), got 's3://fraud-data//raw'"
        ),
    ),
    (
        "DataLoading",
        {"source_s3_uri": "https://fraud-data.s3.amazonaws.com/raw"},
        (
            "DataLoading (node 'n').source_s3_uri: must be an S3 URI 's3://<bucket>/<key>', got "
            "'https://fraud-data.s3.amazonaws.com/raw'"
        ),
    ),
    (
        "XGBoostTraining",
        {"role_arn": "arn:aws:iam::123:role/x"},
        (
            "XGBoostTraining (node 'n').role_arn: must be an IAM role ARN such as "
            "'arn:aws:iam::123456789012:role/SageMakerRole', got 'arn:aws:iam::123:role/x'"
        ),
    ),
    (
        "XGBoostTraining",
        {"role_arn": "arn:aws:iam::123456789012:user/bob"},
        (
            "XGBoostTraining (node 'n').role_arn: must be an IAM role ARN such as "
            "'arn:aws:iam::123456789012:role/SageMakerRole', got 'arn:aws:iam::123456789012:user/bob'"
        ),
    ),
    (
        "XGBoostTraining",
        {"region": "us-east"},
        "XGBoostTraining (node 'n').region: must be an AWS region such as 'us-east-1', got 'us-east'",
    ),
    (
        "XGBoostTraining",
        {"bucket": "s3://ml-artifacts"},
        (
            "XGBoostTraining (node 'n').bucket: must be a bucket name, not an S3 URI, got "
            "'s3://ml-artifacts' (did you mean 'ml-artifacts'?)"
        ),
    ),
    (
        "XGBoostTraining",
        {"bucket": "ab"},
        "XGBoostTraining (node 'n').bucket: must be an S3 bucket name of 3 to 63 characters, got 'ab'",
    ),
    (
        "XGBoostTraining",
        {"bucket": "192.168.0.1"},
        ("XGBoostTraining (node 'n').bucket: must be an S3 bucket name, not an IP address, got '192.168.0.1'"),
    ),
    (
        "XGBoostTraining",
        {"pipeline_name": "fraud_pipeline"},
        (
            "XGBoostTraining (node 'n').pipeline_name: must be a SageMaker pipeline name: letters, "
            "digits and hyphens, starting and ending with a letter or digit, at most 256 characters, got "
            "'fraud_pipeline' (did you mean 'fraud-pipeline'?)"
        ),
    ),
    (
        "XGBoostTraining",
        {"prefix": "a//b"},
        (
            "XGBoostTraining (node 'n').prefix: must be an S3 key prefix of letters, digits and !_.*'()- "
            "separated by single '/', got 'a//b'"
        ),
    ),
    (
        "XGBoostTraining",
        {"tags": {"aws:owner": "me"}},
        "XGBoostTraining (node 'n').tags.aws:owner: keys must not start with 'aws:' (reserved by AWS)",
    ),
    (
        "XGBoostTraining",
        {"instance_count": 0},
        "XGBoostTraining (node 'n').instance_count: must be at least 1, got 0",
    ),
    (
        "XGBoostTraining",
        {"instance_count": True},
        "XGBoostTraining (node 'n').instance_count: must be an integer, got True",
    ),
    (
        "XGBoostTraining",
        {"instance_count": "2"},
        "XGBoostTraining (node 'n').instance_count: must be an integer, got '2'",
    ),
    (
        "XGBoostTraining",
        {"volume_size_gb": 0},
        "XGBoostTraining (node 'n').volume_size_gb: must be between 1 and 16384, got 0",
    ),
    (
        "TabularPreprocessing",
        {"max_runtime_seconds": 10000000},
        "TabularPreprocessing (node 'n').max_runtime_seconds: must be between 1 and 777600, got 10000000",
    ),
    (
        "XGBoostTraining",
        {"hyperparameters": {"max_depth": 100}},
        "XGBoostTraining (node 'n').hyperparameters.max_depth: must be between 1 and 64, got 100",
    ),
    (
        "XGBoostTraining",
        {"hyperparameters": {"eta": 0}},
        "XGBoostTraining (node 'n').hyperparameters.eta: must be greater than 0 and at most 1, got 0",
    ),
    (
        "XGBoostTraining",
        {"hyperparameters": {"eta": 1.5}},
        "XGBoostTraining (node 'n').hyperparameters.eta: must be greater than 0 and at most 1, got 1.5",
    ),
    (
        "XGBoostTraining",
        {"hyperparameters": {"gamma": float("inf")}},
        "XGBoostTraining (node 'n').hyperparameters.gamma: must be a finite number, got inf",
    ),
    (
        "XGBoostTraining",
        {"hyperparameters": {"objective": "multi:softprob"}},
        (
            "XGBoostTraining (node 'n').hyperparameters.num_class: is required (at least 2) when "
            "objective is 'multi:softprob'"
        ),
    ),
    (
        "XGBoostTraining",
        {"hyperparameters": {"num_class": 3}},
        (
            "XGBoostTraining (node 'n').hyperparameters.num_class: must be left unset unless objective "
            "is 'multi:softmax' or 'multi:softprob', got 3"
        ),
    ),
    (
        "XGBoostTraining",
        {"hyperparameters": {"objective": "binary:logistc"}},
        (
            "XGBoostTraining (node 'n').hyperparameters.objective: must be one of 'binary:logistic', "
            "'binary:logitraw', 'binary:hinge', 'reg:squarederror', 'reg:logistic', 'reg:absoluteerror', "
            "'reg:pseudohubererror', 'count:poisson', 'multi:softmax', 'multi:softprob', "
            "'rank:pairwise', 'rank:ndcg', got 'binary:logistc' (did you mean 'binary:logistic'?)"
        ),
    ),
    (
        "XGBoostTraining",
        {"hyperparameters": {"max_dept": 3}},
        "XGBoostTraining (node 'n').hyperparameters.max_dept: unknown field (did you mean 'max_depth'?)",
    ),
    (
        "XGBoostTraining",
        {"hyperparameters": {"colour": 3}},
        "XGBoostTraining (node 'n').hyperparameters.colour: unknown field",
    ),
    (
        "LightGBMTraining",
        {"hyperparameters": {"max_depth": 0}},
        ("LightGBMTraining (node 'n').hyperparameters.max_depth: must be -1 (no limit) or between 1 and 64, got 0"),
    ),
    (
        "LightGBMTraining",
        {"hyperparameters": {"num_leaves": 1}},
        "LightGBMTraining (node 'n').hyperparameters.num_leaves: must be between 2 and 131072, got 1",
    ),
    (
        "PyTorchTraining",
        {"hyperparameters": {"dropout": 1.0}},
        "PyTorchTraining (node 'n').hyperparameters.dropout: must be at least 0 and less than 1, got 1.0",
    ),
    (
        "PyTorchTraining",
        {"hyperparameters": {"hidden_dims": [64, 0]}},
        "PyTorchTraining (node 'n').hyperparameters.hidden_dims[1]: must be at least 1, got 0",
    ),
    (
        "XGBoostTraining",
        {"instance_typ": "ml.m5.xlarge"},
        "XGBoostTraining (node 'n').instance_typ: unknown field (did you mean 'instance_type'?)",
    ),
    (
        "XGBoostTraining",
        {"output_s3_uri": "s3://x/y"},
        (
            "XGBoostTraining (node 'n').output_s3_uri: is derived from the other fields and cannot be "
            "set (it is 's3://ml-artifacts/fraud/1.0.0/n/output'), got 's3://x/y'"
        ),
    ),
    (
        "QualityGate",
        {"threshold": "<missing>"},
        "QualityGate (node 'n').threshold: required field is missing",
    ),
    (
        "ModelRegistration",
        {"approval_status": "Aproved"},
        (
            "ModelRegistration (node 'n').approval_status: must be one of 'PendingManualApproval', "
            "'Approved', 'Rejected', got 'Aproved' (did you mean 'Approved'?)"
        ),
    ),
    (
        "ModelRegistration",
        {"model_package_group_name": "fraud_models"},
        (
            "ModelRegistration (node 'n').model_package_group_name: must be a model package group name: "
            "letters, digits and hyphens, starting and ending with a letter or digit, at most 63 "
            "characters, got 'fraud_models'"
        ),
    ),
    (
        "QualityGate",
        {"threshold": 1.5},
        "QualityGate (node 'n').threshold: must be between 0 and 1 for 'auc', got 1.5",
    ),
    (
        "QualityGate",
        {"metric_name": "log_loss", "threshold": -1.0, "comparison": "<="},
        "QualityGate (node 'n').threshold: must be at least 0 for 'log_loss', got -1.0",
    ),
    (
        "QualityGate",
        {"comparison": "=>"},
        ("QualityGate (node 'n').comparison: must be one of '>=', '>', '<=', '<', got '=>' (did you mean '>='?)"),
    ),
    (
        "QualityGate",
        {"metric_name": "acu"},
        (
            "QualityGate (node 'n').metric_name: must be one of 'auc', 'pr_auc', 'precision', 'recall', "
            "'f1', 'accuracy', 'log_loss', 'brier_score', 'business_value', 'business_value_gain', got 'acu' "
            "(did you mean 'auc'?)"
        ),
    ),
    (
        "TabularPreprocessing",
        {"train_ratio": 0.9, "validation_ratio": 0.1},
        (
            "TabularPreprocessing (node 'n').validation_ratio: together with train_ratio must leave a "
            "non-empty test split (train_ratio + validation_ratio < 1, got 0.9 + 0.1)"
        ),
    ),
    (
        "MissingValueImputation",
        {"numeric_strategy": "constant"},
        "MissingValueImputation (node 'n').fill_value: is required when numeric_strategy is 'constant'",
    ),
    (
        "MissingValueImputation",
        {"fill_value": 0.0},
        (
            "MissingValueImputation (node 'n').fill_value: is used only with a 'constant' strategy; set "
            "numeric_strategy or categorical_strategy to 'constant' or remove it, got 0.0"
        ),
    ),
    (
        "BatchTransform",
        {"content_type": "application/x-parquet"},
        (
            "BatchTransform (node 'n').split_type: must be 'None' when content_type is "
            "'application/x-parquet', got 'Line'"
        ),
    ),
    (
        "XGBoostTraining",
        {"image_uri": "xgboost:latest"},
        (
            "XGBoostTraining (node 'n').image_uri: must be an ECR image URI "
            "'<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:<tag>]', got 'xgboost:latest'"
        ),
    ),
    (
        "XGBoostTraining",
        {"entry_point": "../train.py"},
        (
            "XGBoostTraining (node 'n').entry_point: must be a relative path to a Python script such as "
            "'train.py', got '../train.py'"
        ),
    ),
    (
        "XGBoostTraining",
        {"node_name": "my node"},
        (
            "XGBoostTraining (node 'my node').node_name: must be a step name of letters, digits, '_' and "
            "'-', starting with a letter or digit, at most 64 characters, got 'my node'"
        ),
    ),
    (
        "XGBoostTraining",
        {"job_type": "1st"},
        ("XGBoostTraining (node 'n').job_type: must be a job type such as 'training' or 'calibration', got '1st'"),
    ),
    (
        "HyperparameterTuning",
        {"max_jobs": 4, "max_parallel_jobs": 8},
        "HyperparameterTuning (node 'n').max_parallel_jobs: must be at most max_jobs (4), got 8",
    ),
    (
        "HyperparameterTuning",
        {"parameter_ranges": {"max_dept": {"type": "integer", "min_value": 3, "max_value": 10}}},
        (
            "HyperparameterTuning (node 'n').parameter_ranges.max_dept: is not a hyperparameter of "
            "xgboost (did you mean 'max_depth'?)"
        ),
    ),
    (
        "HyperparameterTuning",
        {"parameter_ranges": {"max_depth": {"type": "integer", "min_value": 3, "max_value": 100}}},
        ("HyperparameterTuning (node 'n').parameter_ranges.max_depth.max_value: must be between 1 and 64, got 100"),
    ),
    (
        "HyperparameterTuning",
        {"parameter_ranges": {"max_depth": {"type": "continuous", "min_value": 3, "max_value": 10}}},
        (
            "HyperparameterTuning (node 'n').parameter_ranges.max_depth.type: max_depth takes integer "
            "values: use type 'integer', got 'continuous'"
        ),
    ),
    (
        "HyperparameterTuning",
        {"parameter_ranges": {"eta": {"type": "continuous", "min_value": 0.3, "max_value": 0.1}}},
        ("HyperparameterTuning (node 'n').parameter_ranges.eta.min_value: must be less than max_value (0.1), got 0.3"),
    ),
    (
        "HyperparameterTuning",
        {
            "parameter_ranges": {
                "eta": {"type": "continuous", "min_value": 0.0, "max_value": 0.3, "scaling": "Logarithmic"}
            }
        },
        (
            "HyperparameterTuning (node 'n').parameter_ranges.eta.min_value: must be greater than 0 for "
            "Logarithmic scaling, got 0.0"
        ),
    ),
    (
        "HyperparameterTuning",
        {"parameter_ranges": {"tree_method": {"type": "categorical", "values": ["hist", "fast"]}}},
        (
            "HyperparameterTuning (node 'n').parameter_ranges.tree_method.values[1]: must be one of "
            "'auto', 'exact', 'approx', 'hist', 'gpu_hist', got 'fast'"
        ),
    ),
    (
        "HyperparameterTuning",
        {"parameter_ranges": {"max_depth": {"type": "integer", "min_value": 3.5, "max_value": 10}}},
        (
            "HyperparameterTuning (node 'n').parameter_ranges.max_depth.min_value: must be a whole "
            "number for an integer range, got 3.5"
        ),
    ),
    (
        "HyperparameterTuning",
        {"parameter_ranges": {"eta": {"type": "continuous", "min_value": 0.01}}},
        ("HyperparameterTuning (node 'n').parameter_ranges.eta.max_value: is required for a continuous range"),
    ),
    (
        "HyperparameterTuning",
        {"strategy": "Grid"},
        (
            "HyperparameterTuning (node 'n').parameter_ranges.eta.type: the Grid strategy needs "
            "categorical ranges only, got 'continuous'"
        ),
    ),
    (
        "HyperparameterTuning",
        {"static_hyperparameters": {"eta": 0.1}},
        (
            "HyperparameterTuning (node 'n').static_hyperparameters.eta: is tuned in parameter_ranges; "
            "remove it from static_hyperparameters"
        ),
    ),
    (
        "HyperparameterTuning",
        {"static_hyperparameters": {"num_round": 0}},
        ("HyperparameterTuning (node 'n').static_hyperparameters.num_round: must be between 1 and 100000, got 0"),
    ),
    (
        "HyperparameterTuning",
        {"parameter_ranges": {}},
        "HyperparameterTuning (node 'n').parameter_ranges: must name at least one hyperparameter to tune",
    ),
    (
        "HyperparameterTuning",
        {
            "framework": "lightgbm",
            "parameter_ranges": {"eta": {"type": "continuous", "min_value": 0.01, "max_value": 0.3}},
        },
        (
            "HyperparameterTuning (node 'n').parameter_ranges.eta: is not a hyperparameter of lightgbm "
            "(did you mean 'learning_rate'?)"
        ),
    ),
]


@pytest.mark.parametrize(("step_type", "changes", "message"), CASES)
def test_validation_message(step_type: str, changes: dict[str, Any], message: str) -> None:
    data = step_data(step_type, **changes)
    for name in [k for k, v in changes.items() if v == MISSING]:
        del data[name]
    with pytest.raises(ConfigError) as info:
        config_class_for(step_type).from_data(data)
    assert info.value.message == message
    assert info.value.nodes == (data["node_name"],)


def test_direct_construction_raises_config_error_too() -> None:
    cls = config_class_for("XGBoostTraining")
    with pytest.raises(ConfigError) as info:
        cls(**step_data("XGBoostTraining", hyperparameters={"max_depth": 100}))
    assert info.value.message == (
        "XGBoostTraining (node 'n').hyperparameters.max_depth: must be between 1 and 64, got 100"
    )


def test_a_did_you_mean_becomes_the_suggested_fix() -> None:
    with pytest.raises(ConfigError) as info:
        config_class_for("XGBoostTraining").from_data(step_data("XGBoostTraining", instance_type="m5.xlarge"))
    assert info.value.suggested_fix == "did you mean 'ml.m5.xlarge'?"


def test_a_missing_field_suggests_setting_it() -> None:
    data = step_data("QualityGate")
    del data["threshold"]
    with pytest.raises(ConfigError) as info:
        config_class_for("QualityGate").from_data(data)
    assert info.value.suggested_fix == "set 'threshold'"


def test_several_problems_are_reported_together() -> None:
    data = step_data("XGBoostTraining", instance_count=0, volume_size_gb=0)
    with pytest.raises(ConfigError) as info:
        config_class_for("XGBoostTraining").from_data(data)
    assert info.value.message == (
        "XGBoostTraining (node 'n').instance_count: must be at least 1, got 0; "
        "XGBoostTraining (node 'n').volume_size_gb: must be between 1 and 16384, got 0"
    )


def test_a_config_that_is_not_a_mapping() -> None:
    with pytest.raises(ConfigError) as info:
        config_class_for("XGBoostTraining").from_data(["ml.m5.xlarge"])  # type: ignore[arg-type]
    assert info.value.message == "XGBoostTraining: expected a mapping of fields, got list"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"data_location": "fraud-data"},
            "context.data_location: must be an S3 URI 's3://<bucket>/<key>', got 'fraud-data' "
            "(did you mean 's3://fraud-data'?)",
        ),
        ({"environment": "staging"}, "context.environment: must be one of 'dev', 'prod', got 'staging'"),
        ({"data_size_gb": -1.0}, "context.data_size_gb: must be at least 0, got -1.0"),
    ],
)
def test_context_validation(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        context(**changes)
    assert info.value.message == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ml.m5.xlarge", "ml.m5.xlarge"),
        ("ml.g4dn.12xlarge", "ml.g4dn.12xlarge"),
        ("ml.p4d.24xlarge", "ml.p4d.24xlarge"),
        ("ml.t3.medium", "ml.t3.medium"),
        ("ml.trn1n.32xlarge", "ml.trn1n.32xlarge"),
    ],
)
def test_valid_instance_types(value: str, expected: str) -> None:
    config = XGBoostTrainingConfig.from_data(step_data("XGBoostTraining", instance_type=value))
    assert config.instance_type == expected


def test_prefix_slashes_are_normalised() -> None:
    config = config_class_for("XGBoostTraining").from_data(step_data("XGBoostTraining", prefix="/team/ml/"))
    assert config.prefix == "team/ml"
    assert config.pipeline_s3_root == "s3://ml-artifacts/team/ml/fraud/1.0.0"


@pytest.mark.parametrize(
    "role",
    [
        "arn:aws:iam::123456789012:role/SageMakerRole",
        "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole-2024",
        "arn:aws-cn:iam::123456789012:role/SM",
        "arn:aws-us-gov:iam::123456789012:role/SM",
    ],
)
def test_valid_role_arns(role: str) -> None:
    config_class_for("XGBoostTraining").from_data(step_data("XGBoostTraining", role_arn=role))
