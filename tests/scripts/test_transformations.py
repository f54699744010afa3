"""tabular_preprocessing.py's --custom-transformations on generated data: each transformation's
effect, fitted on the training split, one-hot columns, and names checked with a suggestion."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scripts.scripts_support import make_dataset, write_raw
from specwire.configs.steps.data import TRANSFORMATIONS as CONFIG_TRANSFORMATIONS
from specwire.scripts import tabular_preprocessing


def run(tmp_path: Path, transformations: str) -> tuple[dict[str, pd.DataFrame], dict[str, object]]:
    write_raw(tmp_path / "in", make_dataset(rows=300))
    out = tmp_path / "out"
    args = ["--input-dir", str(tmp_path / "in"), "--output-dir", str(out), "--id-field", "txn_id",
            "--custom-transformations", transformations]
    assert tabular_preprocessing.main(args) == 0
    splits = {name: pd.read_csv(out / name / f"{split}.csv") for name, split in tabular_preprocessing.OUTPUTS.items()}
    return splits, json.loads((out / "train_data" / "_schema.json").read_text())


def test_the_config_and_the_script_know_the_same_transformations() -> None:
    assert set(CONFIG_TRANSFORMATIONS) == set(tabular_preprocessing.TRANSFORMATIONS)


def test_log_then_standardize_on_the_training_split(tmp_path: Path) -> None:
    plain, _ = run(tmp_path / "plain", "clip_outliers:noise")
    splits, schema = run(tmp_path / "t", "log_transform:amount,standardize:amount")
    train = splits["train_data"]
    assert train["amount"].mean() == pytest.approx(0.0, abs=1e-9)
    assert train["amount"].std(ddof=0) == pytest.approx(1.0, abs=1e-9)
    fitted = schema["fitted"]["standardize:amount"]
    expected = np.log1p(plain["train_data"]["amount"])
    assert fitted["mean"] == pytest.approx(expected.mean())
    # the held-out splits use the training split's mean and std, not their own
    test = splits["test_data"]["amount"]
    assert np.allclose(test, (np.log1p(plain["test_data"]["amount"]) - fitted["mean"]) / fitted["std"])
    assert schema["transformations"] == ["log_transform:amount", "standardize:amount"]


def test_one_hot_encode_replaces_the_categorical_column(tmp_path: Path) -> None:
    splits, schema = run(tmp_path, "one_hot_encode")
    columns = {"channel=web", "channel=store", "channel=phone", "channel=__missing__"}
    assert columns <= set(splits["train_data"].columns) and "channel" not in splits["test_data"].columns
    assert schema["categorical"] == []
    assert columns <= set(schema["features"])
    assert (splits["train_data"][sorted(columns)].sum(axis=1) == 1).all()


def test_min_max_and_clip_stay_in_the_training_range(tmp_path: Path) -> None:
    splits, schema = run(tmp_path, "clip_outliers,min_max_scale:x2")
    for frame in splits.values():
        assert frame["x2"].between(0.0, 1.0).all()
    low, high = schema["fitted"]["clip_outliers:noise"]["low"], schema["fitted"]["clip_outliers:noise"]["high"]
    assert splits["validation_data"]["noise"].between(low, high).all()


def test_an_unknown_transformation_suggests_the_closest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_raw(tmp_path / "in", make_dataset(rows=50))
    with pytest.raises(SystemExit):
        tabular_preprocessing.main(["--input-dir", str(tmp_path / "in"), "--output-dir", str(tmp_path / "o"),
                                    "--custom-transformations", "log_transfrom"])
    assert "did you mean 'log_transform'" in capsys.readouterr().err


def test_a_column_that_is_not_a_feature_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_raw(tmp_path / "in", make_dataset(rows=50))
    code = tabular_preprocessing.main(["--input-dir", str(tmp_path / "in"), "--output-dir", str(tmp_path / "o"),
                                       "--custom-transformations", "standardize:amout"])
    assert code == 2
    assert "did you mean 'amount'" in capsys.readouterr().err
