"""The built-in examples, built by the real build path and run locally end to end on sample data.

Each run starts the steps' scripts as child processes (a few seconds per example on 400 rows).
The definitions are built once per session (the SageMaker SDK's import, about 2 s).
"""

from __future__ import annotations

import csv
import json
import tarfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pytest

from specwire.local import RunResult, run_definition
from specwire.local.sample_data import COLUMNS, LABEL, write_sample

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


@pytest.fixture(scope="session")
def calibrated() -> Built:
    return build("calibrated")


def run(built: Built, folder: Path, data: Path, **parameters: str) -> RunResult:
    given = {name: str(data) for name in built.data_parameters}
    return run_definition(built.definition, parameters={**given, **parameters}, uploads=built.uploads,
                          workdir=folder / "run", pipeline_name=built.name)


def statuses(result: RunResult) -> dict[str, str]:
    return {s.name: s.status for s in result.steps}


@pytest.fixture(scope="module")
def fraud_run(fraud: Built, tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    folder = tmp_path_factory.mktemp("fraud")
    return run(fraud, folder, write_sample(folder / "data" / "transactions.csv", rows=ROWS))


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


def test_a_threshold_above_the_metric_ends_at_the_fail_step(fraud: Built, tmp_path: Path) -> None:
    result = run(fraud, tmp_path, write_sample(tmp_path / "data.csv", rows=ROWS), MetricThreshold="0.999")
    assert result.exit_code == 1 and not result.ok
    assert statuses(result) == {
        "DataLoading": "Succeeded", "TabularPreprocessing": "Succeeded", "XGBoostTraining": "Succeeded",
        "ModelEvaluation": "Succeeded", "QualityGate": "Succeeded", "CreateModel": "NotRun",
        "BatchTransform": "NotRun", "ModelRegistration": "NotRun", "QualityGate-fail": "Failed"}
    assert "quality gate 'QualityGate' failed" in (result.step("QualityGate-fail").failure_reason or "")
    assert not (Path(result.workdir) / "registry").exists()


def test_data_without_the_label_fails_the_first_step_that_needs_it(fraud: Built, tmp_path: Path) -> None:
    no_label = tuple(c for c in COLUMNS if c != LABEL)
    result = run(fraud, tmp_path, write_sample(tmp_path / "data.csv", rows=50, columns=no_label))
    assert result.exit_code == 1
    failed = result.failed
    assert [s.name for s in failed] == ["TabularPreprocessing"]
    assert "label column 'label' is not in the data" in (failed[0].failure_reason or "")
    assert statuses(result)["DataLoading"] == "Succeeded"
    assert {statuses(result)[n] for n in ("XGBoostTraining", "ModelEvaluation", "CreateModel")} == {"NotRun"}


def test_calibrated_runs_both_chains_and_registers_the_calibration(calibrated: Built, tmp_path: Path) -> None:
    result = run(calibrated, tmp_path, write_sample(tmp_path / "data.csv", rows=ROWS))
    assert result.ok, result.to_json()
    assert set(statuses(result).values()) == {"Succeeded"} and len(result.steps) == 9
    record = json.loads(Path(result.step("register").outputs["model_package"]).read_text())
    assert record["ModelMetrics"]["ModelQuality"]["Statistics"]["document"]["metrics"]["auc"]["value"] > 0.7
    calibration = Path(result.step("calibrate").outputs["calibration_model"])
    assert any(calibration.iterdir())
    assert record["CustomerMetadataProperties"]["calibration_model"].endswith("/calibrate/output/calibration_model")
