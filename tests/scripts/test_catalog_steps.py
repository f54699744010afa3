"""missing_value_imputation.py, feature_selection.py and model_explainability.py: fitted on the
training chain, applied unchanged on the others; importance finds the features that carry signal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from scripts.scripts_support import ChainRun, evaluation_inputs, make_dataset, write_raw
from specwire.scripts import feature_selection, missing_value_imputation, model_explainability, tabular_preprocessing


@pytest.fixture(scope="module")
def unfilled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Splits of the generated data with their missing values left in (`--impute false`)."""
    root = tmp_path_factory.mktemp("unfilled")
    write_raw(root / "in", make_dataset(300))
    args = ["--input-dir", str(root / "in"), "--output-dir", str(root / "out"), "--id-field", "txn_id"]
    assert tabular_preprocessing.main([*args, "--impute", "false"]) == 0
    return root / "out"


def step_input(root: Path, name: str, source: Path) -> Path:
    shutil.copytree(source, root / "input" / name)
    return root / "input"


def test_imputation_fits_on_training_and_applies_elsewhere(unfilled: Path, tmp_path: Path) -> None:
    train_in = step_input(tmp_path / "train", "input_data", unfilled / "train_data")
    assert missing_value_imputation.main(["--input-dir", str(train_in), "--output-dir", str(tmp_path / "t")]) == 0
    params = json.loads((tmp_path / "t" / "imputation_params" / "imputation_params.json").read_text())
    raw_train = pd.read_csv(unfilled / "train_data" / "train.csv")
    assert params["numeric"]["x1"] == pytest.approx(raw_train["x1"].median())
    assert params["categorical"]["channel"] == raw_train["channel"].mode().sort_values().iloc[0]
    filled = pd.read_csv(tmp_path / "t" / "imputed_data" / "train.csv")
    assert not filled.isna().any().any() and len(filled) == len(raw_train)

    test_in = step_input(tmp_path / "test", "input_data", unfilled / "test_data")
    args = ["--input-dir", str(test_in), "--output-dir", str(tmp_path / "o"), "--job-type", "testing"]
    assert missing_value_imputation.main(args) == 2  # no fitted values: refused, not refitted
    step_input(tmp_path / "test", "imputation_params", tmp_path / "t" / "imputation_params")
    assert missing_value_imputation.main(args) == 0
    raw_test = pd.read_csv(unfilled / "test_data" / "test.csv")
    test = pd.read_csv(tmp_path / "o" / "imputed_data" / "test.csv")
    holes = raw_test["x1"].isna()
    assert holes.any() and (test.loc[holes, "x1"] == params["numeric"]["x1"]).all()  # the training median


def test_imputation_chain_without_params_is_told_what_to_wire(
    unfilled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = step_input(tmp_path, "input_data", unfilled / "test_data")
    args = ["--input-dir", str(inputs), "--output-dir", str(tmp_path / "o"), "--job-type", "calibration"]
    assert missing_value_imputation.main(args) == 2
    assert "the 'calibration' chain needs the input 'imputation_params'" in capsys.readouterr().err


@pytest.mark.parametrize("method", feature_selection.METHODS)
def test_feature_selection_keeps_the_signal(method: str, chain: ChainRun, tmp_path: Path) -> None:
    inputs = step_input(tmp_path, "input_data", chain.prep_out / "train_data")
    args = ["--input-dir", str(inputs), "--output-dir", str(tmp_path / "o"), "--method", method, "--n-features", "2"]
    assert feature_selection.main(args) == 0
    selection = json.loads((tmp_path / "o" / "selected_features" / "selected_features.json").read_text())
    assert len(selection["features"]) == 2 and set(selection["scores"]) == {"x1", "x2", "noise", "amount", "channel"}
    if method in ("mutual_info", "correlation"):
        assert set(selection["features"]) == {"x1", "x2"}
    elif method == "chi2":  # made for counts, it favours large values ('amount'), but never pure noise
        assert "noise" not in selection["features"]
    data = pd.read_csv(tmp_path / "o" / "selected_data" / "train.csv")
    assert list(data.columns) == ["txn_id", "label", *selection["features"]]
    schema = json.loads((tmp_path / "o" / "selected_data" / "_schema.json").read_text())
    assert schema["features"] == selection["features"]


def test_feature_selection_applies_the_training_choice(chain: ChainRun, tmp_path: Path) -> None:
    train_in = step_input(tmp_path / "a", "input_data", chain.prep_out / "train_data")
    args = ["--input-dir", str(train_in), "--output-dir", str(tmp_path / "t"), "--n-features", "3"]
    assert feature_selection.main(args) == 0
    test_in = step_input(tmp_path / "b", "input_data", chain.prep_out / "test_data")
    step_input(tmp_path / "b", "selected_features", tmp_path / "t" / "selected_features")
    args = ["--input-dir", str(test_in), "--output-dir", str(tmp_path / "o"), "--job-type", "testing"]
    assert feature_selection.main(args) == 0
    train = pd.read_csv(tmp_path / "t" / "selected_data" / "train.csv")
    test = pd.read_csv(tmp_path / "o" / "selected_data" / "test.csv")
    assert list(test.columns) == list(train.columns)


def test_explainability_ranks_the_signal_first(chain: ChainRun, tmp_path: Path) -> None:
    inputs = evaluation_inputs(tmp_path, chain.xgb_model, chain.prep_out / "test_data", packed=True)
    args = ["--input-dir", str(inputs), "--output-dir", str(tmp_path / "o"), "--n-repeats", "3"]
    assert model_explainability.main(args) == 0
    report = json.loads((tmp_path / "o" / "explainability_report" / "explainability.json").read_text())
    assert report["method"] == "permutation_importance" and report["baseline"] > 0.8
    assert set(report["ranking"][:2]) == {"x1", "x2"}
    importance = report["feature_importance"]
    assert importance["x1"]["mean"] > 0.05 > abs(importance["noise"]["mean"])


def test_explainability_with_a_loss_metric(chain: ChainRun, tmp_path: Path) -> None:
    inputs = evaluation_inputs(tmp_path, chain.lgb_model, chain.prep_out / "test_data", packed=False)
    args = ["--input-dir", str(inputs), "--output-dir", str(tmp_path / "o"), "--scoring", "log_loss"]
    assert model_explainability.main([*args, "--n-repeats", "2", "--max-samples", "60"]) == 0
    report = json.loads((tmp_path / "o" / "explainability_report" / "explainability.json").read_text())
    assert report["records"] == 60 and report["feature_importance"][report["ranking"][0]]["mean"] > 0
