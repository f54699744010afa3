"""The week-2 fluent methods, up to their configs (no SageMaker SDK): tuning forms, business metrics."""

from __future__ import annotations

from typing import Any

import pytest

from specwire import Pipeline
from specwire.configs.steps import HyperparameterTuningConfig, ModelEvaluationConfig, QualityGateConfig
from specwire.configs.steps.evaluation import DEFAULT_COST_MATRIX, cost_optimal_threshold
from specwire.configs.steps.tuning import DEFAULT_RANGES
from specwire.errors import ConfigError

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
DATA = "s3://fraud-data/"


@pytest.mark.parametrize(("method", "framework", "fixed"), [
    ("train_xgboost_with_hyperparameter_tuning", "xgboost", {"max_depth": 8}),
    ("train_lightgbm_with_hyperparameter_tuning", "lightgbm", {"num_leaves": 31}),
    ("train_pytorch_with_hyperparameter_tuning", "pytorch", {}),
])
def test_training_with_tuning_is_one_tuning_job_over_the_default_space(
        method: str, framework: str, fixed: dict[str, Any]) -> None:
    pipeline = getattr(Pipeline("f", role_arn=ROLE).load_data(DATA), method)(max_jobs=6, max_parallel_jobs=2, **fixed)
    assert [n[1] for n in pipeline.nodes] == ["DataLoading", "HyperparameterTuning"]
    tuning = pipeline.configs()["HyperparameterTuning"]
    assert isinstance(tuning, HyperparameterTuningConfig)
    assert (tuning.framework, tuning.max_jobs, tuning.max_parallel_jobs) == (framework, 6, 2)
    assert tuning.static_hyperparameters == fixed
    # The framework's default space, minus what the call held fixed (one definition: DEFAULT_RANGES).
    assert sorted(tuning.parameter_ranges) == sorted(set(DEFAULT_RANGES[framework]) - set(fixed))
    assert ("TabularPreprocessing", "HyperparameterTuning") in pipeline.resolve().node_edges()


def test_tuning_settings_and_a_second_trainer() -> None:
    pipeline = (Pipeline("f", role_arn=ROLE).load_data(DATA).train_lightgbm()
                .train_xgboost_with_hyperparameter_tuning(
                    tuning={"strategy": "Random", "parameter_ranges": {
                        "eta": {"type": "continuous", "min_value": 0.05, "max_value": 0.2}}},
                    name="tuned"))
    # The tuning job replaces the XGBoost trainer it made, not the LightGBM one already there.
    assert [n[:2] for n in pipeline.nodes] == [("DataLoading", "DataLoading"), ("LightGBMTraining", "LightGBMTraining"),
                                                ("tuned", "HyperparameterTuning")]
    tuning = pipeline.configs()["tuned"]
    assert isinstance(tuning, HyperparameterTuningConfig)
    assert tuning.strategy == "Random" and list(tuning.parameter_ranges) == ["eta"]


def test_a_refused_tuning_leaves_no_trainer_behind() -> None:
    pipeline = Pipeline("f").load_data(DATA)
    with pytest.raises(ConfigError, match="max_parallel_jobs"):
        pipeline.train_xgboost_with_hyperparameter_tuning(max_jobs=2, max_parallel_jobs=3)
    with pytest.raises(ConfigError, match="did you mean 'max_depth'"):
        pipeline.train_xgboost_with_hyperparameter_tuning(max_dept=3)
    assert pipeline.nodes == [("DataLoading", "DataLoading", None)]


def test_business_evaluation_and_its_default_gate() -> None:
    pipeline = Pipeline("f", role_arn=ROLE).load_data(DATA).train_xgboost().evaluate_with_business_metrics(name="money")
    configs = pipeline.configs()
    evaluation = configs["money"]
    assert isinstance(evaluation, ModelEvaluationConfig)
    assert evaluation.cost_matrix == DEFAULT_COST_MATRIX == {
        "false_negative": 100.0, "false_positive": 5.0, "true_positive": 0.0, "true_negative": 0.0}
    assert evaluation.written_metrics()[-2:] == ["business_value", "business_value_gain"]
    # The threshold the costs imply for probabilities: flag when p * 100 > (1 - p) * 5.
    assert evaluation.decision_threshold == cost_optimal_threshold(DEFAULT_COST_MATRIX) == round(5 / 105, 6)
    gate = configs["QualityGate"]
    assert isinstance(gate, QualityGateConfig) and gate.condition == "business_value_gain > 0.0"
    assert ("money", "QualityGate") in pipeline.resolve().node_edges()


def test_business_costs_threshold_and_gate_floor() -> None:
    pipeline = Pipeline("f", role_arn=ROLE).auto_train_lightgbm(DATA).evaluate_with_business_metrics(
        {"false_negative": 250, "true_positive": -20}, false_positive_cost=8, decision_threshold=0.2,
        min_business_value=-3.5)
    # The intent's evaluation gains the costs: one evaluation, the one the gate reads.
    assert [n[1] for n in pipeline.nodes].count("ModelEvaluation") == 1
    assert "the evaluation 'ModelEvaluation' also reports business metrics" in pipeline.explain()
    configs = pipeline.configs()
    evaluation = configs["ModelEvaluation"]
    assert isinstance(evaluation, ModelEvaluationConfig)
    assert evaluation.cost_matrix == {"false_negative": 250.0, "true_positive": -20.0, "false_positive": 8.0}
    assert evaluation.decision_threshold == 0.2 and evaluation.model_framework == "lightgbm"
    assert configs["QualityGate"].condition == "business_value >= -3.5"  # type: ignore[attr-defined]
    assert ("ModelEvaluation", "QualityGate") in pipeline.resolve().node_edges()
    assert len(Pipeline("f").auto_train_xgboost(DATA).evaluate_with_business_metrics(gate=False).nodes) == 3
    # A threshold the evaluation was given stays; costs with a gain move the implied one.
    kept = (Pipeline("f", role_arn=ROLE).load_data(DATA).train_xgboost().evaluate_performance(decision_threshold=0.4)
            .evaluate_with_business_metrics({"false_negative": 30, "false_positive": 10, "true_positive": -10}))
    assert kept.configs()["ModelEvaluation"].decision_threshold == 0.4  # type: ignore[attr-defined]
    assert cost_optimal_threshold({"false_negative": 30, "false_positive": 10, "true_positive": -10}) == 0.2
    # Two evaluations already: a third is added, and the gate reads that one (an explicit edge).
    two = (Pipeline("f", role_arn=ROLE).load_data(DATA).train_xgboost().evaluate_performance(name="a")
           .evaluate_performance(name="b").evaluate_with_business_metrics())
    assert ("ModelEvaluation", "QualityGate") in two.resolve().node_edges()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"cost_matrix": {"false_negatve": 100}}, r"cost_matrix.false_negatve.*did you mean 'false_negative'"),
    ({"cost_matrix": {"false_negative": float("inf")}}, r"cost_matrix.false_negative: must be a finite number"),
    ({"cost_matrix": {"false_negative": -1, "false_positive": -2}}, "a wrong decision must cost more than the right"),
    ({"false_negative_cost": -3}, "false_negative_cost must be a non-negative number, got -3"),
    ({"false_positive_cost": "5"}, "false_positive_cost='5' is not accepted: input should be a valid number"),
    ({"cost_matrix": {"false_negative": 5}, "false_negative_cost": 3}, r"false_negative_cost=3 and cost_matrix"),
    ({"decision_threshold": 2.0}, "decision_threshold: must be between 0 and 1"),
])
def test_bad_costs_are_refused_at_the_call(kwargs: dict[str, Any], message: str) -> None:
    pipeline = Pipeline("f")
    with pytest.raises(ConfigError, match=message):
        pipeline.evaluate_with_business_metrics(**kwargs)
    assert pipeline.nodes == []


def test_a_gate_on_a_business_metric_takes_any_finite_threshold() -> None:
    assert Pipeline("f").quality_gate("business_value", -12.5).nodes[0][1] == "QualityGate"
    with pytest.raises(ConfigError, match="threshold: must be between 0 and 1 for 'auc'"):
        Pipeline("f").quality_gate("auc", -12.5)
    with pytest.raises(ConfigError, match="threshold: must be a finite number"):
        Pipeline("f").quality_gate("business_value", float("nan"))


def test_quality_checks_add_a_check_of_the_training_split() -> None:
    from specwire.configs import DataQualityCheckConfig

    pipeline = (Pipeline("f", role_arn=ROLE).load_data(DATA, validation_split=0.2)
                .preprocess_with_quality_checks(model_package_group_name="fraud-models").train_xgboost())
    assert [n[1] for n in pipeline.nodes] == ["DataLoading", "TabularPreprocessing", "DataQualityCheck",
                                              "XGBoostTraining"]
    result = pipeline.resolve()
    edge = next(e for e in result.edges if e.target == "DataQualityCheck")
    assert (edge.source, edge.output, edge.dependency) == ("TabularPreprocessing", "train_data", "baseline_data")
    check = pipeline.configs()["DataQualityCheck"]
    assert isinstance(check, DataQualityCheckConfig)
    # A package group to check against: the check runs; the baseline checked against stays the drift baseline.
    assert (check.check_skipped, check.baseline_registered, check.fail_on_violation) == (False, False, False)
    assert pipeline.configs()["TabularPreprocessing"].validation_ratio == 0.2  # type: ignore[attr-defined]


def test_a_named_preprocessing_names_its_check_and_the_engine_wires_registration() -> None:
    pipeline = (Pipeline("f", role_arn=ROLE).load_data(DATA).preprocess_with_quality_checks(name="prep")
                .train_xgboost().evaluate_performance().register_model())
    edges = pipeline.resolve().edges
    assert {(e.source, e.output, e.dependency) for e in edges if e.target == "ModelRegistration"} >= {
        ("prep_quality", "baseline_statistics", "data_quality_statistics"),
        ("prep_quality", "baseline_constraints", "data_quality_constraints")}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"baseline_statistics": "s3://baselines/statistics.json"},
     "supplied_baseline_constraints: a supplied baseline needs both its statistics.json and its constraints.json"),
    ({"skip_check": False}, "skip_check: there is no baseline to check against"),
    ({"baseline_statistics": "statistics.json", "baseline_constraints": "s3://baselines/c.json"}, "must be an S3 URI"),
    ({"fail_on_violation": "yes"}, "fail_on_violation"),
    ({"label_fild": "y"}, "did you mean 'label_field'"),
])
def test_bad_quality_check_settings_are_refused_at_the_call(kwargs: dict[str, Any], message: str) -> None:
    pipeline = Pipeline("f").load_data(DATA)
    with pytest.raises(ConfigError, match=message):
        pipeline.preprocess_with_quality_checks(**kwargs)
    assert [n[1] for n in pipeline.nodes] == ["DataLoading"]


def test_steps_list_shows_the_quality_check() -> None:
    from typer.testing import CliRunner

    from specwire.cli import app

    result = CliRunner().invoke(app, ["steps", "show", "DataQualityCheck"])
    assert result.exit_code == 0, result.output
    assert "QualityCheck" in result.output and "baseline_statistics" in result.output
    listed = CliRunner().invoke(app, ["steps", "list"])
    assert "DataQualityCheck" in listed.output
