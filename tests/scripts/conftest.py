"""One run of the scripts' chain (preprocessing -> XGBoost and LightGBM -> evaluation -> calibration) per session.

The scripts run in process through their `main(argv)`, exactly as the container runs them
(`python script.py ARGS`), on temporary folders.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil

# XGBoost and LightGBM start one OpenMP thread per core; on a shared two-core CI machine their
# spinning threads made a 5-round training take seconds. One thread is plenty for 600 records.
# Set before the libraries load (the scripts below import them).
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest

from scripts.scripts_support import ChainRun, evaluation_inputs, make_dataset, write_raw
from specwire.scripts import calibration, evaluation, lightgbm_train, tabular_preprocessing, xgboost_train


@pytest.fixture(scope="session")
def chain(tmp_path_factory: pytest.TempPathFactory) -> ChainRun:
    root = tmp_path_factory.mktemp("chain")
    raw = make_dataset()
    write_raw(root / "prep_in", raw)
    prep_out = root / "prep_out"
    assert (
        tabular_preprocessing.main(
            ["--input-dir", str(root / "prep_in"), "--output-dir", str(prep_out), "--id-field", "txn_id"]
        )
        == 0
    )

    log = io.StringIO()
    train, valid = str(prep_out / "train_data"), str(prep_out / "validation_data")
    with contextlib.redirect_stdout(log):
        assert (
            xgboost_train.main(
                [
                    "--train",
                    train,
                    "--validation",
                    valid,
                    "--model-dir",
                    str(root / "xgb_model"),
                    "--num_round",
                    "60",
                    "--max_depth",
                    "3",
                    "--eta",
                    "0.2",
                    "--eval_metric",
                    "auc,logloss",
                    "--early_stopping_rounds",
                    "10",
                ]
            )
            == 0
        )
    assert (
        lightgbm_train.main(
            [
                "--train",
                train,
                "--validation",
                valid,
                "--model-dir",
                str(root / "lgb_model"),
                "--num_iterations",
                "60",
                "--min_data_in_leaf",
                "10",
                "--early_stopping_rounds",
                "10",
            ]
        )
        == 0
    )

    eval_in = evaluation_inputs(root / "eval", root / "xgb_model", prep_out / "test_data", packed=True)
    eval_out = root / "eval" / "output"
    all_metrics = ",".join(evaluation.METRICS)
    assert evaluation.main(["--input-dir", str(eval_in), "--output-dir", str(eval_out), "--metrics", all_metrics]) == 0
    lgb_in = evaluation_inputs(root / "lgb_eval", root / "lgb_model", prep_out / "test_data", packed=False)
    lgb_eval_out = root / "lgb_eval" / "output"
    assert evaluation.main(["--input-dir", str(lgb_in), "--output-dir", str(lgb_eval_out)]) == 0

    calib_in = root / "calib" / "input"
    shutil.copytree(eval_out / "predictions", calib_in / "predictions")
    calib_out = root / "calib" / "output"
    assert calibration.main(["--input-dir", str(calib_in), "--output-dir", str(calib_out)]) == 0
    return ChainRun(
        raw=raw,
        prep_out=prep_out,
        xgb_model=root / "xgb_model",
        lgb_model=root / "lgb_model",
        eval_out=eval_out,
        lgb_eval_out=lgb_eval_out,
        calib_out=calib_out,
        train_log=log.getvalue(),
    )
