"""Helpers of the script tests: a small synthetic fraud-like data set and the chain run's folders.

The label depends on two numeric features and a categorical one (a learnable signal), `noise`
carries none; `x1` and `channel` have missing values, `amount` is numbers stored as text, and a
few records are duplicated. The scripts run in process through their `main(argv)`, exactly as
the container runs them (`python script.py ARGS`), on temporary folders.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROWS = 600
DUPLICATES = 12


def make_dataset(rows: int = ROWS, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=rows)
    x2 = rng.normal(size=rows)
    channel = rng.choice(np.array(["web", "store", "phone"]), size=rows)
    logit = 2.5 * x1 - 2.0 * x2 + np.where(channel == "web", 1.5, -1.0)
    label = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame(
        {
            "txn_id": np.arange(rows),
            "x1": x1,
            "x2": x2,
            "noise": rng.normal(size=rows),
            "amount": [f"{v:.2f}" for v in rng.gamma(2.0, 50.0, size=rows)],
            "channel": channel,
            "label": label,
        }
    )
    frame = frame.astype({"channel": object})
    frame.loc[rng.choice(rows, rows // 15, replace=False), "x1"] = np.nan
    frame.loc[rng.choice(rows, rows // 24, replace=False), "channel"] = None
    return pd.concat([frame, frame.iloc[:DUPLICATES]], ignore_index=True)


def write_raw(root: Path, frame: pd.DataFrame, name: str = "raw_data") -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "part-0.csv", index=False)
    return folder


@dataclass(frozen=True)
class ChainRun:
    """Folders of one preprocessing -> training -> evaluation -> calibration run."""

    raw: pd.DataFrame
    prep_out: Path
    xgb_model: Path
    lgb_model: Path
    eval_out: Path
    lgb_eval_out: Path
    calib_out: Path
    train_log: str


def evaluation_inputs(root: Path, model_dir: Path, test_dir: Path, packed: bool) -> Path:
    """An evaluation job's input root: the model (as model.tar.gz when `packed`) and the test split."""
    inputs = root / "input"
    shutil.copytree(test_dir, inputs / "evaluation_data")
    (inputs / "model").mkdir(parents=True)
    if packed:
        shutil.make_archive(str(inputs / "model" / "model"), "gztar", root_dir=model_dir)
    else:
        shutil.copytree(model_dir, inputs / "model", dirs_exist_ok=True)
    return inputs
