"""The data-quality check on this machine: the Model Monitor files from a CSV, the check against a
supplied baseline, and the week-2 chain run end to end with the baseline reaching the registry."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from specwire.local.quality import constraints, read_table, statistics, violations
from specwire.local.sample_data import write_sample

ROLE = "arn:aws:iam::111122223333:role/SageMakerRole"
ROWS = 400


def table(tmp_path: Path, rows: list[list[Any]], header: list[str]) -> tuple[list[str], list[list[str]]]:
    folder = tmp_path / "data"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "train.csv").open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows([header, *rows])
    return read_table(folder, header=True)


def test_statistics_and_constraints_in_the_model_monitor_format(tmp_path: Path) -> None:
    names, rows = table(tmp_path, [[1, 2.5, "web"], [0, -1.5, "store"], [1, "", "web"], [0, 4.0, ""]],
                        ["label", "amount", "channel"])
    stats = statistics(names, rows)
    assert stats["dataset"] == {"item_count": 4}
    label, amount, channel = stats["features"]
    assert (label["name"], label["inferred_type"]) == ("label", "Integral")
    assert amount["inferred_type"] == "Fractional"
    numbers = amount["numerical_statistics"]
    assert numbers["common"] == {"num_present": 3, "num_missing": 1}
    assert (numbers["mean"], numbers["sum"], numbers["min"], numbers["max"]) == (5 / 3, 5.0, -1.5, 4.0)
    assert numbers["std_dev"] == pytest.approx((sum((v - 5 / 3) ** 2 for v in (2.5, -1.5, 4.0)) / 3) ** 0.5)
    assert channel["string_statistics"]["distribution"]["categorical"]["buckets"] == [
        {"value": "store", "count": 1}, {"value": "web", "count": 2}]
    suggested = {f["name"]: f for f in constraints(stats)["features"]}
    assert suggested["amount"]["completeness"] == 0.75
    assert suggested["amount"]["num_constraints"] == {"is_non_negative": False}
    assert suggested["label"]["num_constraints"] == {"is_non_negative": True}
    assert suggested["channel"]["string_constraints"] == {"domains": ["store", "web"]}
    assert constraints(stats)["monitoring_config"]["evaluate_constraints"] == "Enabled"


def test_violations_name_the_column_and_the_check(tmp_path: Path) -> None:
    names, rows = table(tmp_path, [[1, 2.5, "web"], [0, 1.5, "store"]], ["label", "amount", "channel"])
    baseline = constraints(statistics(names, rows))
    drifted_names, drifted_rows = table(tmp_path / "x", [[1, -2.5, "phone", 3], [0, "", "web", 4]],
                                        ["label", "amount", "channel", "extra"])
    found = violations(constraints(statistics(drifted_names, drifted_rows)), baseline)
    assert [(v["feature_name"], v["constraint_check_type"]) for v in found] == [
        ("amount", "completeness_check"), ("amount", "negative_values_check"),
        ("channel", "categorical_values_check"), ("extra", "extra_column_check")]
    assert "['phone']" in found[2]["description"]
    assert violations(baseline, baseline) == []


def week_2(**checks: Any) -> Any:
    from specwire import Pipeline

    return (Pipeline("fraud-detection", role_arn=ROLE).load_data("s3://data/", validation_split=0.2)
            .preprocess_with_quality_checks(**checks)
            .train_xgboost_with_hyperparameter_tuning(max_jobs=2, max_parallel_jobs=1)
            .evaluate_with_business_metrics().register_model("fraud-models"))


def test_the_week_2_chain_runs_locally_and_registers_its_baseline(tmp_path: Path) -> None:
    data = write_sample(tmp_path / "data.csv", rows=ROWS)
    result = week_2().run_local({"InputDataUri": str(data)}, workdir=tmp_path / "run", progress=False, max_trials=2)
    assert result.ok, result.to_json()
    check = result.step("DataQualityCheck")
    stats = json.loads(Path(check.outputs["statistics"]).read_text())
    train = (tmp_path / "run" / "steps" / "DataQualityCheck" / "opt" / "ml" / "processing" / "input"
             / "baseline_dataset_input" / "train.csv")
    assert [f["name"] for f in stats["features"]] == next(csv.reader(train.open()))  # the training split, as is
    assert "violations" not in check.outputs  # a first run: nothing to check against
    record = json.loads((tmp_path / "run" / "registry" / "fraud-models" / "1.json").read_text())
    drift = record["DriftCheckBaselines"]["ModelDataQuality"]
    assert drift["Statistics"]["document"] == stats
    assert drift["Constraints"]["S3Uri"].endswith("/baseline/constraints.json")
    assert record["ModelMetrics"]["ModelDataQuality"]["Statistics"]["S3Uri"] == drift["Statistics"]["S3Uri"]
    report = record["ModelMetrics"]["ModelQuality"]["Statistics"]["document"]
    assert report["business"]["decision_threshold"] == round(5 / 105, 6)
    assert report["metrics"]["business_value_gain"]["value"] > 0  # the gate passed: the model is worth having


@pytest.mark.parametrize("fail", [True, False])
def test_a_supplied_baseline_the_data_breaks(tmp_path: Path, fail: bool) -> None:
    from specwire.local import run_definition

    baseline = {"version": 0.0, "features": [
        {"name": "amount", "inferred_type": "Fractional", "completeness": 1.0,
         "num_constraints": {"is_non_negative": True}},
        {"name": "merchant_category", "inferred_type": "String", "completeness": 1.0,
         "string_constraints": {"domains": ["grocery", "fuel"]}}]}
    (tmp_path / "constraints.json").write_text(json.dumps(baseline), encoding="utf-8")
    (tmp_path / "statistics.json").write_text(json.dumps({"version": 0.0, "features": []}), encoding="utf-8")
    from specwire import Pipeline

    pipeline = (Pipeline("fraud-detection", role_arn=ROLE).load_data("s3://data/")
                .preprocess_with_quality_checks(fail_on_violation=fail,
                                                baseline_statistics="s3://baselines/v1/statistics.json",
                                                baseline_constraints="s3://baselines/v1/constraints.json")
                .train_xgboost(n_estimators=10).evaluate_performance(metrics=["auc"]).register_model("fraud-models"))
    uploads = [*pipeline.script_uploads(), (tmp_path / "constraints.json", "s3://baselines/v1/constraints.json"),
               (tmp_path / "statistics.json", "s3://baselines/v1/statistics.json")]
    data = write_sample(tmp_path / "data.csv", rows=ROWS)
    result = run_definition(pipeline.definition(), parameters={"InputDataUri": str(data)}, uploads=uploads,
                            workdir=tmp_path / "run", pipeline_name="fraud-detection", max_trials=2)
    check = result.step("DataQualityCheck")
    if fail:
        assert check.status == "Failed" and not result.ok
        assert "data-quality violation(s) of the baseline s3://baselines/v1/constraints.json" in (
            check.failure_reason or "")
        assert result.step("XGBoostTraining").status == "NotRun"
        return
    assert check.status == "Succeeded" and result.ok, result.to_json()
    found = json.loads(Path(check.outputs["violations"]).read_text())["violations"]
    kinds = {(v["feature_name"], v["constraint_check_type"]) for v in found}
    assert ("merchant_category", "categorical_values_check") in kinds and ("label", "extra_column_check") in kinds
    # Checked, not re-baselined: the model keeps the supplied baseline for drift checks.
    record = json.loads((tmp_path / "run" / "registry" / "fraud-models" / "1.json").read_text())
    assert record["DriftCheckBaselines"]["ModelDataQuality"]["Constraints"]["S3Uri"] == (
        "s3://baselines/v1/constraints.json")
