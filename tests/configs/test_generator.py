"""The config generator: context-aware defaults, job types, frameworks, overrides."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from fraud_pipeline import FRAUD_EDGES, FRAUD_NODES, PIPELINE, context

from specwire.configs import (
    BatchTransformConfig,
    ConfigNode,
    CreateModelConfig,
    DataLoadingConfig,
    GenerationContext,
    ModelEvaluationConfig,
    ModelRegistrationConfig,
    QualityGateConfig,
    StepConfig,
    TabularPreprocessingConfig,
    XGBoostTrainingConfig,
    generate_configs,
    infer_format,
    parse_assignments,
)
from specwire.errors import ConfigError, UnknownStepError


def fraud(ctx: GenerationContext | None = None, overrides: Any = None, **kwargs: Any) -> dict[str, StepConfig]:
    return generate_configs(FRAUD_NODES, ctx or context(), overrides, **kwargs)


def error_of(*args: Any, **kwargs: Any) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        generate_configs(*args, **kwargs)
    return info.value


# --------------------------------------------------------------------------- the fraud pipeline


def test_one_config_per_node_in_node_order(fraud_context: GenerationContext) -> None:
    configs = fraud(fraud_context)
    assert list(configs) == [n.name for n in FRAUD_NODES]
    for node in FRAUD_NODES:
        config = configs[node.name]
        assert config.step_type == node.step_type
        assert config.node_name == node.name
        assert config.pipeline_fields() == {**fraud_context.pipeline_fields()}
    assert isinstance(configs["train"], XGBoostTrainingConfig)
    assert configs["train"].tags == {"team": "risk"}


def test_job_types_are_carried_from_the_nodes() -> None:
    configs = fraud()
    assert {name: c.job_type for name, c in configs.items()} == {
        "load": "training",
        "prep": "training",
        "train": None,
        "eval": "testing",
        "gate": None,
        "model": None,
        "register": None,
        "score": "testing",
    }


def test_context_defaults_of_the_fraud_pipeline() -> None:
    configs = fraud(context(data_location="s3://fraud-data/raw/transactions.parquet", label_field="is_fraud"))
    load = configs["load"]
    assert isinstance(load, DataLoadingConfig)
    assert load.source_s3_uri == "s3://fraud-data/raw/transactions.parquet"
    assert load.data_format == "parquet"
    prep = configs["prep"]
    assert isinstance(prep, TabularPreprocessingConfig) and prep.label_field == "is_fraud"
    gate = configs["gate"]
    assert isinstance(gate, QualityGateConfig) and gate.condition == "auc >= 0.7"
    register = configs["register"]
    assert isinstance(register, ModelRegistrationConfig)
    assert register.model_package_group_name == "fraud-models"
    assert register.model_framework == "xgboost"


def test_small_data_in_prod_keeps_the_class_defaults() -> None:
    configs = fraud()
    assert configs["prep"].instance_type == "ml.m5.xlarge"  # type: ignore[attr-defined]
    assert configs["train"].instance_type == "ml.m5.2xlarge"  # type: ignore[attr-defined]
    assert configs["score"].instance_type == "ml.m5.xlarge"  # type: ignore[attr-defined]
    assert configs["model"].instance_type == "ml.m5.large"  # type: ignore[attr-defined]


def test_large_data_gets_bigger_instances_more_of_them_and_bigger_volumes() -> None:
    configs = fraud(context(data_size_gb=150.0))
    train = configs["train"]
    assert isinstance(train, XGBoostTrainingConfig)
    assert (train.instance_type, train.instance_count, train.volume_size_gb) == ("ml.m5.12xlarge", 2, 375)
    assert configs["prep"].instance_type == "ml.m5.4xlarge"  # type: ignore[attr-defined]
    score = configs["score"]
    assert isinstance(score, BatchTransformConfig)
    assert (score.instance_type, score.instance_count) == ("ml.m5.4xlarge", 2)
    # CreateModel's instance type only picks an image: never sized by the data.
    assert configs["model"].instance_type == "ml.m5.large"  # type: ignore[attr-defined]


def test_very_large_data_runs_longer_on_more_instances() -> None:
    train = fraud(context(data_size_gb=2000))["train"]
    assert isinstance(train, XGBoostTrainingConfig)
    assert (train.instance_type, train.instance_count, train.max_runtime_seconds) == ("ml.m5.24xlarge", 4, 172_800)
    assert train.volume_size_gb == 5000


def test_dev_is_cheaper_and_shorter() -> None:
    nodes = [*FRAUD_NODES, ConfigNode("tune", "HyperparameterTuning"), ConfigNode("net", "PyTorchTraining")]
    configs = generate_configs(nodes, context(environment="dev", data_size_gb=150.0), edges=FRAUD_EDGES)
    train = configs["train"]
    assert isinstance(train, XGBoostTrainingConfig)
    assert (train.instance_type, train.instance_count, train.max_runtime_seconds) == ("ml.m5.4xlarge", 1, 14_400)
    assert configs["prep"].instance_type == "ml.m5.2xlarge"  # type: ignore[attr-defined]
    assert (configs["tune"].max_jobs, configs["tune"].max_parallel_jobs) == (4, 2)  # type: ignore[attr-defined]
    small = generate_configs(nodes, context(environment="dev"), edges=FRAUD_EDGES)
    assert small["prep"].instance_type == "ml.m5.large"  # type: ignore[attr-defined]
    assert small["train"].instance_type == "ml.m5.xlarge"  # type: ignore[attr-defined]
    assert small["net"].instance_type == "ml.g5.xlarge"  # type: ignore[attr-defined]  # smallest of its ladder


def test_data_location_per_job_type_and_explicit_format() -> None:
    nodes = [ConfigNode("load", "DataLoading", "training"), ConfigNode("load_cal", "DataLoading", "calibration")]
    ctx = context(data_locations={"calibration": "s3://fraud-data/calibration/"}, data_format="json")
    configs = generate_configs(nodes, ctx)
    assert configs["load"].source_s3_uri == "s3://fraud-data/raw/"  # type: ignore[attr-defined]
    assert configs["load_cal"].source_s3_uri == "s3://fraud-data/calibration/"  # type: ignore[attr-defined]
    assert configs["load_cal"].data_format == "json"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("uri", "fmt"),
    [
        ("s3://b/x.csv", "csv"),
        ("s3://b/x.csv.gz", "csv"),
        ("s3://b/x.parquet", "parquet"),
        ("s3://b/x.pq", "parquet"),
        ("s3://b/x.jsonl", "json"),
        ("s3://b/folder/", None),
    ],
)
def test_infer_format(uri: str, fmt: str | None) -> None:
    assert infer_format(uri) == fmt


# --------------------------------------------------------------------------- job types and frameworks

CALIBRATION_NODES = [
    ConfigNode("load", "DataLoading", "training"),
    ConfigNode("prep", "TabularPreprocessing", "training"),
    ConfigNode("train", "XGBoostTraining"),
    ConfigNode("load_cal", "DataLoading", "calibration"),
    ConfigNode("prep_cal", "TabularPreprocessing"),
    ConfigNode("eval_cal", "ModelEvaluation"),
    ConfigNode("calibrate", "ModelCalibration"),
]
CALIBRATION_EDGES = [
    ("load", "prep"),
    ("prep", "train"),
    ("load_cal", "prep_cal"),
    ("prep_cal", "eval_cal"),
    ("train", "eval_cal"),
    ("eval_cal", "calibrate"),
]


def test_the_calibration_chain_gets_the_calibration_job_type() -> None:
    configs = generate_configs(CALIBRATION_NODES, context(), edges=CALIBRATION_EDGES)
    assert {name: c.job_type for name, c in configs.items()} == {
        "load": "training",
        "prep": "training",
        "train": None,  # a trainer is not a data-chain step: it consumes several chains
        "load_cal": "calibration",
        "prep_cal": "calibration",
        "eval_cal": "calibration",
        "calibrate": "calibration",
    }


def test_without_edges_only_the_calibration_step_itself_defaults_to_calibration() -> None:
    configs = generate_configs(CALIBRATION_NODES, context())
    assert configs["prep_cal"].job_type is None
    assert configs["calibrate"].job_type == "calibration"


def test_the_framework_of_the_only_trainer_reaches_the_model_consumers() -> None:
    nodes = [ConfigNode("train", "LightGBMTraining"), ConfigNode("eval", "ModelEvaluation")]
    nodes += [ConfigNode("model", "CreateModel"), ConfigNode("register", "ModelRegistration")]
    configs = generate_configs(nodes, context())
    assert {c.model_framework for c in configs.values()} == {"lightgbm"}  # type: ignore[attr-defined]
    model = configs["model"]
    assert isinstance(model, CreateModelConfig) and model.framework_version == "1.2-1"


def test_an_overridden_tuning_framework_reaches_the_model_consumers() -> None:
    nodes = [ConfigNode("tune", "HyperparameterTuning"), ConfigNode("model", "CreateModel")]
    configs = generate_configs(nodes, context(), {"tune": {"framework": "pytorch"}})
    model = configs["model"]
    assert isinstance(model, CreateModelConfig)
    assert (model.model_framework, model.framework_version) == ("pytorch", "2.3")


TWO_TRAINERS = [
    ConfigNode("xgb", "XGBoostTraining"),
    ConfigNode("lgbm", "LightGBMTraining"),
    ConfigNode("eval_xgb", "ModelEvaluation"),
    ConfigNode("eval_lgbm", "ModelEvaluation"),
]


def test_two_trainers_and_edges_give_each_consumer_its_own_framework() -> None:
    configs = generate_configs(TWO_TRAINERS, context(), edges=[("xgb", "eval_xgb"), ("lgbm", "eval_lgbm")])
    assert configs["eval_xgb"].model_framework == "xgboost"  # type: ignore[attr-defined]
    assert configs["eval_lgbm"].model_framework == "lightgbm"  # type: ignore[attr-defined]


def test_two_trainers_without_edges_is_an_error_unless_overridden() -> None:
    error = error_of(TWO_TRAINERS, context(), {"eval_lgbm": {"model_framework": "lightgbm"}})
    assert error.message == (
        "ModelEvaluation (node 'eval_xgb').model_framework: the pipeline trains 'lightgbm' and 'xgboost', "
        "so which model this step loads is unclear"
    )
    assert error.suggested_fix == "pass the pipeline's edges, or override model_framework for node 'eval_xgb'"
    assert error.nodes == ("eval_xgb",)


# --------------------------------------------------------------------------- overrides


def test_node_override_beats_step_type_override() -> None:
    overrides = {
        "XGBoostTraining": {"instance_type": "ml.c5.4xlarge", "hyperparameters": {"max_depth": 4}},
        "train": {"instance_type": "ml.m5.4xlarge"},
    }
    train = fraud(overrides=overrides)["train"]
    assert isinstance(train, XGBoostTrainingConfig)
    assert train.instance_type == "ml.m5.4xlarge"
    assert train.hyperparameters.max_depth == 4


def test_a_step_type_override_applies_to_every_node_of_the_type() -> None:
    nodes = [ConfigNode("load", "DataLoading", "training"), ConfigNode("load_cal", "DataLoading", "calibration")]
    configs = generate_configs(nodes, context(), {"DataLoading": {"instance_type": "ml.m5.large"}})
    assert {c.instance_type for c in configs.values()} == {"ml.m5.large"}  # type: ignore[attr-defined]


def test_nested_overrides_merge_and_plain_dicts_replace() -> None:
    overrides = {"train": {"hyperparameters": {"max_depth": 8}, "tags": {"owner": "ana"}}}
    train = fraud(context(tags={"team": "risk"}), overrides)["train"]
    assert isinstance(train, XGBoostTrainingConfig)
    assert train.hyperparameters.max_depth == 8
    assert train.hyperparameters.eta == 0.3  # kept
    assert train.tags == {"owner": "ana"}  # replaced: a tag must be removable


def test_an_override_beats_a_context_default() -> None:
    configs = fraud(context(data_size_gb=150.0), {"gate": {"threshold": 0.9}, "train": {"instance_count": 1}})
    assert configs["gate"].threshold == 0.9  # type: ignore[attr-defined]
    assert configs["train"].instance_count == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("overrides", "message", "fix"),
    [
        (
            {"trian": {"instance_count": 2}},
            "override 'trian' names no node or step type of the pipeline (did you mean 'train'?)",
            "did you mean 'train'?",
        ),
        (
            {"LightGBMTraining": {"instance_count": 2}},
            "override 'LightGBMTraining': the pipeline has no LightGBMTraining node",
            "remove the override, or add the step to the pipeline",
        ),
        (
            {"train": {"instance_typ": "ml.m5.xlarge"}},
            "override for node 'train' (XGBoostTraining): instance_typ is not a field of XGBoostTraining "
            "(did you mean 'instance_type'?)",
            "did you mean 'instance_type'?",
        ),
        (
            {"XGBoostTraining": {"hyperparameters": {"max_dept": 8}}},
            "override for step type 'XGBoostTraining': hyperparameters.max_dept is not a field "
            "of XGBoostHyperparameters (did you mean 'max_depth'?)",
            "did you mean 'max_depth'?",
        ),
        (
            {"train": {"hyperparameters": {"lambda": 2.0}}},
            "override for node 'train' (XGBoostTraining): hyperparameters.lambda is not a field "
            "of XGBoostHyperparameters (did you mean 'reg_lambda'?)",
            "did you mean 'reg_lambda'?",
        ),
        (
            {"train": {"output_s3_uri": "s3://elsewhere/x"}},
            "override for node 'train' (XGBoostTraining): output_s3_uri is derived from other fields and cannot be set",
            "run `specwire configs show XGBoostTraining` to see which fields it is computed from",
        ),
        (
            {"train": {"node_name": "training"}},
            "override for node 'train' (XGBoostTraining): node_name cannot be overridden",
            "rename the node in the pipeline instead",
        ),
        (
            {"train": 8},
            "override 'train': expected a mapping of fields, got int",
            None,
        ),
    ],
)
def test_override_errors(overrides: Any, message: str, fix: str | None) -> None:
    error = error_of(FRAUD_NODES, context(), overrides)
    assert error.message == message
    assert error.suggested_fix == fix


def test_a_bad_override_value_names_the_node_and_field() -> None:
    error = error_of(FRAUD_NODES, context(), {"train": {"hyperparameters": {"max_depth": 100}}})
    assert (
        error.message == "XGBoostTraining (node 'train').hyperparameters.max_depth: must be between 1 and 64, got 100"
    )
    assert error.nodes == ("train",)


def test_problems_of_several_nodes_are_reported_together() -> None:
    overrides = {"train": {"instance_count": 0}, "gate": {"threshold": 1.5}}
    error = error_of(FRAUD_NODES, context(), overrides)
    assert error.message == (
        "2 config problems: XGBoostTraining (node 'train').instance_count: must be at least 1, got 0; "
        "QualityGate (node 'gate').threshold: must be between 0 and 1 for 'auc', got 1.5"
    )
    assert error.nodes == ("train", "gate")


# --------------------------------------------------------------------------- nodes


def test_any_object_with_name_step_type_and_job_type_is_a_node() -> None:
    nodes = [SimpleNamespace(name="load", step_type="DataLoading", job_type=None, extra="ignored")]
    assert list(generate_configs(nodes, context())) == ["load"]


def test_duplicate_node_names() -> None:
    error = error_of([ConfigNode("a", "DataLoading"), ConfigNode("a", "XGBoostTraining")], context())
    assert error.message == "node 'a' appears twice in the pipeline"


def test_a_node_of_a_step_type_without_config_class() -> None:
    with pytest.raises(UnknownStepError) as info:
        generate_configs([ConfigNode("a", "XGBoostTrainer")], context())
    assert info.value.message == "no config class for step type 'XGBoostTrainer'"


def test_an_edge_to_an_unknown_node() -> None:
    error = error_of(FRAUD_NODES, context(), edges=[("load", "preprocess")])
    assert error.message == "edge 'load' -> 'preprocess' names 'preprocess', which is not a node"


def test_a_node_name_that_cannot_be_a_step_name() -> None:
    error = error_of([ConfigNode('a"). evil(', "DataLoading")], context())
    assert error.message.startswith("DataLoading (node 'a\"). evil(').node_name: must be a step name")


def test_generation_does_not_depend_on_edge_order() -> None:
    forward = generate_configs(CALIBRATION_NODES, context(), edges=CALIBRATION_EDGES)
    backward = generate_configs(CALIBRATION_NODES, context(), edges=list(reversed(CALIBRATION_EDGES)))
    assert forward == backward


# --------------------------------------------------------------------------- a=b overrides


def test_parse_assignments() -> None:
    parsed = parse_assignments(
        ["train.hyperparameters.max_depth=8", "train.instance_type=ml.m5.4xlarge", "gate.fail_message='8'"]
    )
    assert parsed == {
        "train": {"hyperparameters": {"max_depth": 8}, "instance_type": "ml.m5.4xlarge"},
        "gate": {"fail_message": "8"},
    }
    configs = fraud(overrides=parsed)
    assert configs["train"].hyperparameters.max_depth == 8  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", ["train", "train=8", ".max_depth=8", "train..x=1"])
def test_parse_assignments_refuses_malformed_text(text: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_assignments([text])
    assert info.value.message == f"override {text!r}: expected <node or step type>.<field>[.<field>]=<value>"


def test_the_context_is_a_pipeline_config() -> None:
    ctx = context()
    assert ctx.pipeline_fields() == {**PIPELINE, "prefix": "", "tags": {}, "pipeline_version": "1.0.0",
                                     # every job's settings: outside a VPC, default keys, retried 3 times
                                     "subnets": [], "security_group_ids": [], "kms_key_id": None,
                                     "enable_network_isolation": False, "cache": False, "retry_attempts": 3}
    assert isinstance(fraud(ctx)["eval"], ModelEvaluationConfig)
