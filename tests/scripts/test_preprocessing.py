"""tabular_preprocessing.py and data_loading.py on generated data: splits, cleaning, failures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scripts.scripts_support import ROWS, ChainRun, make_dataset, write_raw
from specwire.scripts import data_loading, tabular_preprocessing


def read_split(root: Path, output: str) -> tuple[pd.DataFrame, dict[str, object]]:
    split = tabular_preprocessing.OUTPUTS[output]
    folder = root / output
    return pd.read_csv(folder / f"{split}.csv"), json.loads((folder / "_schema.json").read_text())


def test_split_proportions_partition_the_records(chain: ChainRun) -> None:
    parts = {name: read_split(chain.prep_out, name)[0] for name in tabular_preprocessing.OUTPUTS}
    sizes = {name: len(frame) for name, frame in parts.items()}
    assert sum(sizes.values()) == ROWS  # duplicates gone, nothing else lost
    assert sizes["train_data"] == pytest.approx(0.7 * ROWS, abs=1)
    assert sizes["validation_data"] == pytest.approx(0.15 * ROWS, abs=1)
    ids = [set(frame["txn_id"]) for frame in parts.values()]
    assert set().union(*ids) == set(range(ROWS))
    assert sum(len(i) for i in ids) == ROWS  # no record in two splits
    # stratified: every split has the overall positive rate within a couple of records
    rate = chain.raw.drop_duplicates()["label"].mean()
    for frame in parts.values():
        assert abs(frame["label"].mean() - rate) < 2.5 / len(frame)


def test_no_missing_values_and_train_medians_fill_numbers(chain: ChainRun) -> None:
    train, schema = read_split(chain.prep_out, "train_data")
    for name in tabular_preprocessing.OUTPUTS:
        frame, _ = read_split(chain.prep_out, name)
        assert not frame.isna().any().any(), name
    raw = chain.raw.drop_duplicates().set_index("txn_id")
    fills = schema["numeric_fill_values"]
    assert isinstance(fills, dict)
    expected = raw.loc[train["txn_id"], "x1"].median()  # from the training split only
    assert fills["x1"] == pytest.approx(expected)
    filled = train.set_index("txn_id").loc[raw.index[raw["x1"].isna()].intersection(train["txn_id"]), "x1"]
    assert len(filled) > 0 and np.allclose(filled, expected)
    missing_channel = raw.index[raw["channel"].isna()].intersection(train["txn_id"])
    assert set(train.set_index("txn_id").loc[missing_channel, "channel"]) == {"__missing__"}


def test_schema_describes_columns(chain: ChainRun) -> None:
    train, schema = read_split(chain.prep_out, "train_data")
    assert schema["label"] == "label" and schema["id"] == "txn_id"
    assert schema["features"] == ["x1", "x2", "noise", "amount", "channel"]
    assert schema["categorical"] == ["channel"]  # 'amount' is numbers stored as text
    assert pd.api.types.is_numeric_dtype(train["amount"])
    assert list(train.columns) == ["txn_id", "label", "x1", "x2", "noise", "amount", "channel"]


def run_prep(tmp_path: Path, frame: pd.DataFrame, *extra: str) -> int:
    write_raw(tmp_path / "in", frame)
    return tabular_preprocessing.main(
        ["--input-dir", str(tmp_path / "in"), "--output-dir", str(tmp_path / "out"), *extra]
    )


def test_missing_label_column_fails_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_prep(tmp_path, make_dataset(50), "--label-field", "lable")
    err = capsys.readouterr().err
    assert code == 2
    assert "label column 'lable' is not in the data" in err and "Did you mean 'label'?" in err
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_failure_reason_reaches_sagemaker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    failure = tmp_path / "opt-ml-output" / "message"
    failure.parent.mkdir()
    monkeypatch.setattr(tabular_preprocessing, "FAILURE_FILE", failure)
    assert run_prep(tmp_path, make_dataset(50), "--id-field", "id") == 2
    assert "id column 'id' is not in the data" in failure.read_text()


def test_text_labels_are_refused_and_booleans_mapped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = make_dataset(60)
    words = frame.assign(label=np.where(frame["label"] == 1, "fraud", "ok"))
    assert run_prep(tmp_path / "a", words) == 2
    assert "label column 'label' holds values that are not numbers ('" in capsys.readouterr().err
    booleans = frame.assign(label=np.where(frame["label"] == 1, "True", "False"))
    assert run_prep(tmp_path / "b", booleans) == 0
    train = pd.read_csv(tmp_path / "b" / "out" / "train_data" / "train.csv")
    assert set(train["label"]) == {0, 1}


def test_other_chains_are_not_split(tmp_path: Path) -> None:
    frame = make_dataset(80)
    assert run_prep(tmp_path, frame, "--job-type", "calibration", "--drop-duplicates", "false") == 0
    test, schema = read_split(tmp_path / "out", "test_data")
    assert len(test) == len(frame) and schema["job_type"] == "calibration"
    for name in ("train_data", "validation_data"):
        empty, _ = read_split(tmp_path / "out", name)
        assert len(empty) == 0 and list(empty.columns) == list(test.columns)  # header only


def test_declared_categorical_columns(tmp_path: Path) -> None:
    frame = make_dataset(80).assign(region=lambda f: f["txn_id"] % 4)
    assert run_prep(tmp_path, frame, "--categorical-columns", '["region", "channel"]') == 0
    _, schema = read_split(tmp_path / "out", "train_data")
    assert schema["categorical"] == ["channel", "region"]
    assert "region" not in schema["numeric_fill_values"]


def test_bad_split_ratios_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_prep(tmp_path, make_dataset(40), "--train-ratio", "0.8", "--validation-ratio", "0.2") == 2
    assert "must leave a test split" in capsys.readouterr().err


# ---------------------------------------------------------------- data_loading.py


def test_data_loading_copies_files_unchanged(tmp_path: Path) -> None:
    source = tmp_path / "in" / "data"
    (source / "nested").mkdir(parents=True)
    make_dataset(30).to_csv(source / "a.csv", index=False)
    make_dataset(20, seed=3).to_parquet(source / "nested" / "b.parquet")
    (source / "_SUCCESS").write_text("")
    assert data_loading.main(["--input-dir", str(tmp_path / "in"), "--output-dir", str(tmp_path / "out")]) == 0
    out = tmp_path / "out" / "raw_data"
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == ["a.csv", "nested/b.parquet"]
    assert (out / "a.csv").read_bytes() == (source / "a.csv").read_bytes()


def test_data_loading_refuses_mismatched_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in" / "data"
    source.mkdir(parents=True)
    make_dataset(10).to_csv(source / "a.csv", index=False)
    make_dataset(10).drop(columns=["noise"]).to_csv(source / "b.csv", index=False)
    assert data_loading.main(["--input-dir", str(tmp_path / "in"), "--output-dir", str(tmp_path / "out")]) == 2
    assert "b.csv does not have the columns of a.csv: missing ['noise']" in capsys.readouterr().err
    assert not any((tmp_path / "out").rglob("*.csv"))


def test_data_loading_needs_a_format_for_bare_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in" / "data"
    source.mkdir(parents=True)
    make_dataset(10).to_csv(source / "part-00000", index=False)
    args = ["--input-dir", str(tmp_path / "in"), "--output-dir", str(tmp_path / "out")]
    assert data_loading.main(args) == 2
    assert "pass --data-format" in capsys.readouterr().err
    assert data_loading.main([*args, "--data-format", "csv"]) == 0


def test_with_an_id_the_training_split_has_a_monitoring_baseline_without_it(chain: ChainRun) -> None:
    import specwire.scripts

    folder = chain.prep_out / "train_data"
    schema = json.loads((folder / "_schema.json").read_text())
    assert schema["id"] == "txn_id"
    baseline = pd.read_csv(folder / tabular_preprocessing.MONITORING_BASELINE_FILE)
    train = pd.read_csv(folder / "train.csv")
    # What a deployed model's captured records look like to Model Monitor: its output first, then its input.
    assert list(baseline.columns) == [schema["label"], *schema["features"]]
    pd.testing.assert_frame_equal(baseline, train[[schema["label"], *schema["features"]]])
    assert not (chain.prep_out / "test_data" / tabular_preprocessing.MONITORING_BASELINE_FILE).exists()
    assert tabular_preprocessing.MONITORING_BASELINE_FILE == specwire.scripts.MONITORING_BASELINE_FILE
