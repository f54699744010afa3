"""evaluation.py and calibration.py: the report a quality gate reads, predictions, calibrators."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from scripts.scripts_support import ChainRun, evaluation_inputs
from specwire.configs.steps.evaluation import Metric
from specwire.scripts import calibration, evaluation, quality_gate_json_path


def load(path: Path) -> Any:
    return json.loads(path.read_text())


def json_get(document: Any, path: str) -> Any:
    """What SageMaker's JsonGet returns for a dotted path."""
    for key in path.split("."):
        document = document[key]
    return document


def test_report_has_every_metric_at_the_gate_path(chain: ChainRun) -> None:
    document = load(chain.eval_out / "evaluation_report" / "evaluation.json")
    assert list(evaluation.METRICS) == list(Metric.__args__)  # the config's metric names, all of them
    for name in evaluation.METRICS:
        value = json_get(document, quality_gate_json_path(name))
        assert isinstance(value, float), name
        assert document["binary_classification_metrics"][name]["value"] == value
    assert json_get(document, "metrics.auc.value") > 0.8  # a learnable signal is learnt
    for name in ("auc", "pr_auc", "precision", "recall", "f1", "accuracy", "brier_score"):
        assert 0 <= document["metrics"][name]["value"] <= 1


def test_report_agrees_with_its_predictions(chain: ChainRun) -> None:
    document = load(chain.eval_out / "evaluation_report" / "evaluation.json")
    predictions = pd.read_csv(chain.eval_out / "predictions" / "predictions.csv")
    test = pd.read_csv(chain.prep_out / "test_data" / "test.csv")
    assert list(predictions.columns) == ["txn_id", "label", "prediction"]
    assert predictions["txn_id"].tolist() == test["txn_id"].tolist()
    y, p = predictions["label"], predictions["prediction"]
    assert p.between(0, 1).all()
    values = document["metrics"]
    assert values["auc"]["value"] == pytest.approx(skm.roc_auc_score(y, p), abs=1e-5)
    decided = (p >= 0.5).astype(int)
    assert values["recall"]["value"] == pytest.approx(skm.recall_score(y, decided), abs=1e-5)
    matrix = document["binary_classification_metrics"]["confusion_matrix"]
    assert matrix["1"]["1"] == int(((decided == 1) & (y == 1)).sum())
    assert sum(matrix[a][b] for a in "01" for b in "01") == len(y) == document["evaluation"]["records"]
    curve = document["binary_classification_metrics"]["receiver_operating_characteristic_curve"]
    assert len(curve["false_positive_rates"]) == len(curve["true_positive_rates"]) <= evaluation.CURVE_POINTS


def test_default_metrics_for_a_lightgbm_model_from_a_folder(chain: ChainRun) -> None:
    document = load(chain.lgb_eval_out / "evaluation_report" / "evaluation.json")
    assert list(document["metrics"]) == sorted(evaluation.DEFAULT_METRICS)
    assert document["evaluation"]["model_framework"] == "lightgbm"
    assert document["metrics"]["auc"]["value"] > 0.8


def run_eval(inputs: Path, out: Path, *extra: str) -> int:
    return evaluation.main(["--input-dir", str(inputs), "--output-dir", str(out), *extra])


def test_wrong_label_column_fails_naming_it(
    chain: ChainRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = evaluation_inputs(tmp_path, chain.xgb_model, chain.prep_out / "test_data", packed=True)
    assert run_eval(inputs, tmp_path / "out", "--label-field", "is_fraud") == 2
    assert "label column 'is_fraud' is not in the evaluation data" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_framework_mismatch_is_named(chain: ChainRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = evaluation_inputs(tmp_path, chain.xgb_model, chain.prep_out / "test_data", packed=False)
    assert run_eval(inputs, tmp_path / "out", "--model-framework", "lightgbm") == 2
    assert "configured for a lightgbm model but received a xgboost model" in capsys.readouterr().err


def test_one_class_evaluation_data_is_refused(
    chain: ChainRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = evaluation_inputs(tmp_path, chain.xgb_model, chain.prep_out / "test_data", packed=False)
    data = inputs / "evaluation_data" / "test.csv"
    frame = pd.read_csv(data)
    frame[frame["label"] == 0].to_csv(data, index=False)
    assert run_eval(inputs, tmp_path / "out") == 2
    assert "holds only class 0; AUC needs both classes" in capsys.readouterr().err


def test_archive_escaping_its_folder_is_refused(
    chain: ChainRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = evaluation_inputs(tmp_path, chain.xgb_model, chain.prep_out / "test_data", packed=True)
    archive = inputs / "model" / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    assert run_eval(inputs, tmp_path / "out") == 2
    assert "'../escaped.txt', which is not a plain file inside it" in capsys.readouterr().err
    assert not list(tmp_path.rglob("escaped.txt"))


def test_unknown_metric_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        evaluation.parse_args(["--metrics", "auc,roc"])
    assert "unknown metric(s) ['roc']" in capsys.readouterr().err


# ---------------------------------------------------------------- calibration.py


def test_isotonic_calibrator_is_monotone_and_improves_brier(chain: ChainRun) -> None:
    model = load(chain.calib_out / "calibration_model" / "calibration_model.json")
    report = load(chain.calib_out / "calibration_metrics" / "calibration_metrics.json")
    assert model["method"] == "isotonic" and model["score_field"] == "prediction"
    grid = np.linspace(-0.5, 1.5, 401)  # beyond [0, 1] on purpose
    calibrated = calibration.apply_calibration(model, grid)
    assert np.all(np.diff(calibrated) >= 0) and calibrated.min() >= 0 and calibrated.max() <= 1
    assert report["after"]["brier_score"] <= report["before"]["brier_score"]
    assert report["metrics"]["brier_score"]["value"] == report["after"]["brier_score"]
    bins = report["after"]["reliability"]
    assert len(bins) == 10 and sum(b["count"] for b in bins) == report["records"]


def test_platt_calibrator_is_monotone_and_improves_log_loss(chain: ChainRun, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    shutil.copytree(chain.eval_out / "predictions", inputs / "predictions")
    args = ["--input-dir", str(inputs), "--output-dir", str(tmp_path / "out"), "--method", "platt", "--n-bins", "5"]
    assert calibration.main(args) == 0
    model = load(tmp_path / "out" / "calibration_model" / "calibration_model.json")
    report = load(tmp_path / "out" / "calibration_metrics" / "calibration_metrics.json")
    assert model["method"] == "platt" and model["a"] > 0
    calibrated = calibration.apply_calibration(model, np.linspace(0, 1, 201))
    assert np.all(np.diff(calibrated) >= 0) and calibrated.min() >= 0 and calibrated.max() <= 1
    assert report["after"]["log_loss"] <= report["before"]["log_loss"] + 1e-9
    assert len(report["after"]["reliability"]) == 5


def test_calibration_names_a_missing_score_column(
    chain: ChainRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = tmp_path / "in"
    shutil.copytree(chain.eval_out / "predictions", inputs / "predictions")
    args = ["--input-dir", str(inputs), "--output-dir", str(tmp_path / "out"), "--score-field", "score"]
    assert calibration.main(args) == 2
    assert "score column 'score' is not in the predictions" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
