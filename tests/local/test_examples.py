"""The built-in examples, built by the real build path and run locally end to end on sample data.

Three ways in, one runner: `specwire run --local` (the fraud example, as the README runs it),
`Pipeline.run_local` (calibrated) and `specwire.local.run_definition` (a built definition and
its uploads). Each run starts the steps' scripts as child processes: a few seconds per example.
"""

from __future__ import annotations

import csv
import json
import tarfile
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from specwire.errors import SpecwireWarning
from specwire.local import RunResult, StepResult, run_definition
from specwire.local.sample_data import COLUMNS, LABEL, sample_csv, write_sample

ROWS = 400
ROLE = "arn:aws:iam::111122223333:role/SageMakerRole"


@dataclass(frozen=True)
class Built:
    definition: str
    uploads: list[tuple[str, str]]
    name: str

    @property
    def data_parameters(self) -> list[str]:
        return [p["Name"] for p in json.loads(self.definition)["Parameters"] if p["Name"].endswith("InputDataUri")]


def build(example: str) -> Built:
    from specwire.pipeline import Pipeline

    path = Path(str(resources.files("specwire") / "examples" / f"{example}.yaml"))
    pipeline = Pipeline.from_file(path, role_arn=ROLE)
    return Built(pipeline.definition(), pipeline.script_uploads(), pipeline.sagemaker_name)


@pytest.fixture(scope="session")
def fraud() -> Built:
    return build("fraud")


def run(built: Built, folder: Path, data: Path, **parameters: str) -> RunResult:
    given = {name: str(data) for name in built.data_parameters}
    return run_definition(built.definition, parameters={**given, **parameters}, uploads=built.uploads,
                          workdir=folder / "run", pipeline_name=built.name)


def statuses(result: RunResult) -> dict[str, str]:
    return {s.name: s.status for s in result.steps}


def cli(*args: str) -> Result:
    from specwire.cli import app

    return CliRunner().invoke(app, list(args))


def result_of(document: dict[str, Any]) -> RunResult:
    steps = [StepResult(**{k: v for k, v in s.items()}) for s in document["steps"]]
    result = RunResult(document["workdir"], document["parameters"], steps)
    assert result.ok == document["ok"]
    return result


@pytest.fixture(scope="module")
def fraud_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    """`specwire run --local --example fraud`, on the generated sample (2,000 records)."""
    workdir = tmp_path_factory.mktemp("fraud") / "run"
    outcome = cli("run", "--local", "--example", "fraud", "--workdir", str(workdir), "--format", "json")
    assert outcome.exit_code == 0, outcome.output
    return result_of(json.loads(outcome.stdout))


def test_the_example_reads_the_generated_sample(fraud_run: RunResult) -> None:
    sample = Path(fraud_run.parameters["InputDataUri"])
    assert sample == Path(fraud_run.workdir) / "sample-data" / "InputDataUri.csv"
    assert sample.read_text() == sample_csv()


def test_fraud_runs_end_to_end(fraud_run: RunResult) -> None:
    assert fraud_run.ok, fraud_run.to_json()
    assert statuses(fraud_run) == {
        "DataLoading": "Succeeded", "TabularPreprocessing": "Succeeded", "XGBoostTraining": "Succeeded",
        "ModelEvaluation": "Succeeded", "QualityGate": "Succeeded", "CreateModel": "Succeeded",
        "BatchTransform": "Succeeded", "ModelRegistration": "Succeeded", "QualityGate-fail": "NotRun"}


def test_the_gate_reads_the_metric_the_evaluation_wrote(fraud_run: RunResult) -> None:
    report = json.loads((Path(fraud_run.step("ModelEvaluation").outputs["evaluation_report"])
                         / "evaluation.json").read_text())
    auc = report["metrics"]["auc"]["value"]
    assert 0.7 <= auc <= 1.0
    gate_log = (Path(fraud_run.workdir) / "steps" / "QualityGate" / "log.txt").read_text()
    assert f"GreaterThanOrEqualTo: {auc!r} vs 0.7" in gate_log


def test_the_model_archive_is_what_the_model_and_transform_steps_use(fraud_run: RunResult) -> None:
    archive = Path(fraud_run.step("XGBoostTraining").outputs["model"])
    assert archive.name == "model.tar.gz"
    with tarfile.open(archive) as tar:
        packed = sorted(tar.getnames())
    assert "specwire-model.json" in packed and "xgboost-model.json" in packed
    model = Path(fraud_run.step("CreateModel").outputs["model"])
    assert json.loads((model / "model.json").read_text())["archive"] == str(archive)
    assert sorted(p.name for p in (model / "model").iterdir()) == packed
    job = json.loads((Path(fraud_run.workdir) / "steps" / "BatchTransform" / "transform-job.json").read_text())
    assert job["model_dir"] == str(model / "model") and job["program"] == "inference.py"


def test_batch_output_has_one_prediction_per_input_row(fraud_run: RunResult) -> None:
    test_split = Path(fraud_run.step("TabularPreprocessing").outputs["test_data"]) / "test.csv"
    with test_split.open() as handle:
        rows = list(csv.DictReader(handle))
    output = Path(fraud_run.step("BatchTransform").outputs["transform_output"])
    assert sorted(p.name for p in output.iterdir()) == ["test.csv.out"]  # not _schema.json.out
    predictions = (output / "test.csv.out").read_text().splitlines()
    assert len(predictions) == len(rows) > 0
    assert all(0.0 <= float(p) <= 1.0 for p in predictions)


def test_the_registry_records_the_package_with_its_metrics(fraud_run: RunResult) -> None:
    record_file = Path(fraud_run.step("ModelRegistration").outputs["model_package"])
    assert record_file == Path(fraud_run.workdir) / "registry" / "fraud-detection-models" / "1.json"
    record = json.loads(record_file.read_text())
    report = json.loads((Path(fraud_run.step("ModelEvaluation").outputs["evaluation_report"])
                         / "evaluation.json").read_text())
    assert record["ModelMetrics"]["ModelQuality"]["Statistics"]["document"] == report
    assert record["ModelApprovalStatus"] == "PendingManualApproval"
    assert record["Containers"][0]["model_archive"] == fraud_run.step("XGBoostTraining").outputs["model"]


def test_a_threshold_above_the_metric_ends_at_the_fail_step(tmp_path: Path) -> None:
    outcome = cli("run", "--local", "--example", "fraud", "-P", "MetricThreshold=0.999", "--workdir",
                  str(tmp_path / "run"))
    assert outcome.exit_code == 1, outcome.output
    assert "Fail step QualityGate-fail: quality gate 'QualityGate' failed" in outcome.stdout
    assert "not run: CreateModel, BatchTransform, ModelRegistration" in outcome.stdout
    result = result_of(json.loads((tmp_path / "run" / "results.json").read_text()))
    assert statuses(result) == {
        "DataLoading": "Succeeded", "TabularPreprocessing": "Succeeded", "XGBoostTraining": "Succeeded",
        "ModelEvaluation": "Succeeded", "QualityGate": "Succeeded", "CreateModel": "NotRun",
        "BatchTransform": "NotRun", "ModelRegistration": "NotRun", "QualityGate-fail": "Failed"}
    assert result.parameters["MetricThreshold"] == 0.999
    assert not (tmp_path / "run" / "registry").exists()


def test_bad_input_exits_2_before_anything_runs(tmp_path: Path) -> None:
    outcome = cli("run", "--local", "--example", "fraud", "-P", "MetricTreshold=0.9", "--workdir", str(tmp_path / "r"))
    assert outcome.exit_code == 2
    assert "the pipeline has no parameter 'MetricTreshold' (did you mean 'MetricThreshold'" in outcome.stderr
    assert "Traceback" not in outcome.output
    assert not (tmp_path / "r" / "steps").exists()
    assert cli("run", "--example", "fraud").exit_code == 2  # --local is required


def test_data_without_the_label_fails_the_first_step_that_needs_it(fraud: Built, tmp_path: Path) -> None:
    no_label = tuple(c for c in COLUMNS if c != LABEL)
    result = run(fraud, tmp_path, write_sample(tmp_path / "data.csv", rows=50, columns=no_label))
    assert result.exit_code == 1
    failed = result.failed
    assert [s.name for s in failed] == ["TabularPreprocessing"]
    assert "label column 'label' is not in the data" in (failed[0].failure_reason or "")
    assert statuses(result)["DataLoading"] == "Succeeded"
    assert {statuses(result)[n] for n in ("XGBoostTraining", "ModelEvaluation", "CreateModel")} == {"NotRun"}


def test_calibrated_runs_both_chains_and_registers_the_calibration(tmp_path: Path) -> None:
    from specwire.pipeline import Pipeline

    pipeline = Pipeline.from_file(resources.files("specwire") / "examples" / "calibrated.yaml")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SpecwireWarning)
        result = pipeline.run_local({"load_trainInputDataUri": str(write_sample(tmp_path / "train.csv", rows=ROWS))},
                                    workdir=tmp_path / "run", sample_data=True, progress=False)
    assert pipeline.role_arn is None  # a local run built with a placeholder role and kept none
    assert not [str(w.message) for w in caught if "IAM role" in str(w.message)]  # no step assumes a role locally
    assert result.ok, result.to_json()
    assert set(statuses(result).values()) == {"Succeeded"} and len(result.steps) == 9
    calibration_sample = Path(result.parameters["load_calibInputDataUri"])
    assert calibration_sample.parent == tmp_path / "run" / "sample-data"
    record = json.loads(Path(result.step("register").outputs["model_package"]).read_text())
    assert record["ModelMetrics"]["ModelQuality"]["Statistics"]["document"]["metrics"]["auc"]["value"] > 0.7
    calibration = Path(result.step("calibrate").outputs["calibration_model"])
    assert any(calibration.iterdir())
    uri = record["CustomerMetadataProperties"]["calibration_model"]
    assert "/calibrate/output/" in uri and uri.endswith("/calibration_model")
    assert str(calibration).endswith(uri.removeprefix("s3://"))


def test_a_tuning_step_runs_a_few_trials_and_keeps_the_best_by_its_objective(tmp_path: Path) -> None:
    from specwire.pipeline import Pipeline

    pipeline = (Pipeline("tuned", role_arn=ROLE).load_data("s3://specwire-example/data/").train_xgboost(max_depth=3)
                .tune_hyperparameters(max_jobs=5, max_parallel_jobs=1).evaluate_performance(metrics=["auc"]))
    data = write_sample(tmp_path / "data.csv", rows=ROWS)
    result = pipeline.run_local({"InputDataUri": str(data)}, workdir=tmp_path / "run", progress=False, max_trials=2)
    assert result.ok, result.to_json()
    tuning = result.step("HyperparameterTuning")
    log = (tmp_path / "run" / "steps" / "HyperparameterTuning" / "log.txt").read_text()
    scores = [float(line.rsplit("=", 1)[1]) for line in log.splitlines() if "validation:auc=" in line]
    assert len(scores) == 2  # max_jobs 5, at most 2 trials locally
    best = Path(tuning.outputs["best_model"])
    trial = best.parent.parent.name
    assert f"trial {trial}: validation:auc={max(scores)}" in log
    evaluation_log = (tmp_path / "run" / "steps" / "ModelEvaluation" / "log.txt").read_text()
    assert "evaluation.py:" in evaluation_log
    staged = tmp_path / "run" / "steps" / "ModelEvaluation" / "opt" / "ml" / "processing" / "input" / "model"
    assert (staged / "model.tar.gz").read_bytes() == best.read_bytes()
