"""xgboost_train.py, lightgbm_train.py and pytorch_train.py: hyperparameters as the configs emit
them, models that load and predict, failures that name the problem."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
import xgboost as xgb
from sklearn.metrics import roc_auc_score

from scripts.scripts_support import ChainRun
from specwire.configs.hyperparameters import (
    Hyperparameters,
    LightGBMHyperparameters,
    PyTorchHyperparameters,
    XGBoostHyperparameters,
)
from specwire.scripts import lightgbm_train, metric_regex, pytorch_train, xgboost_train

FRAMEWORKS: list[tuple[Any, type[Hyperparameters]]] = [
    (xgboost_train, XGBoostHyperparameters),
    (lightgbm_train, LightGBMHyperparameters),
    (pytorch_train, PyTorchHyperparameters),
]


def argv(hyperparameters: Hyperparameters) -> list[str]:
    """The command line SageMaker builds from a config's hyperparameters (plus script mode's own)."""
    pairs = {**hyperparameters.to_sagemaker(), "sagemaker_program": "x.py", "sagemaker_submit_directory": "s3://b/k"}
    return [item for name, value in pairs.items() for item in (f"--{name}", value)]


def parsed(module: Any, args: list[str]) -> tuple[Any, dict[str, str]]:
    result = module.parse_args(args)
    return result if isinstance(result, tuple) else (result, {})


@pytest.mark.parametrize(("module", "model"), FRAMEWORKS, ids=lambda v: getattr(v, "__name__", ""))
def test_script_defaults_are_the_configs_defaults(module: Any, model: type[Hyperparameters]) -> None:
    args, extra = parsed(module, argv(model()))
    assert extra == {}  # every name the config emits is known; sagemaker_* are dropped
    defaults, _ = parsed(module, [])
    for name in module.HYPERPARAMETERS:
        assert getattr(args, name) == getattr(defaults, name), name
    for field, value in model().inputs().items():
        name = model.CONTAINER_NAMES.get(field, field)
        assert getattr(args, name) == value, name


@pytest.mark.parametrize(
    ("module", "hyperparameters"),
    [
        (
            xgboost_train,
            XGBoostHyperparameters(
                max_depth=3, reg_lambda=2.0, eval_metric=["auc", "logloss"], early_stopping_rounds=5, tree_method="hist"
            ),
        ),
        (lightgbm_train, LightGBMHyperparameters(num_leaves=7, metric=["auc", "binary_logloss"], max_depth=4)),
        (pytorch_train, PyTorchHyperparameters(hidden_dims=[], optimizer="sgd", early_stopping_patience=2)),
    ],
    ids=["xgboost", "lightgbm", "pytorch"],
)
def test_changed_hyperparameters_reach_the_script(module: Any, hyperparameters: Hyperparameters) -> None:
    args, _ = parsed(module, argv(hyperparameters))
    for field, value in hyperparameters.inputs().items():
        assert getattr(args, type(hyperparameters).CONTAINER_NAMES.get(field, field)) == value, field


def test_xgboost_model_loads_and_separates_the_classes(chain: ChainRun) -> None:
    metadata = json.loads((chain.xgb_model / "specwire-model.json").read_text())
    assert metadata["framework"] == "xgboost" and metadata["label"] == "label" and metadata["id"] == "txn_id"
    assert metadata["features"] == ["x1", "x2", "noise", "amount", "channel"]
    assert metadata["categories"] == {"channel": ["__missing__", "phone", "store", "web"]}
    booster = xgb.Booster()
    booster.load_model(str(chain.xgb_model / metadata["model_file"]))
    assert booster.num_boosted_rounds() == metadata["rounds"] <= 60
    test = pd.read_csv(chain.prep_out / "test_data" / "test.csv")
    x = xgboost_train.encode(test, metadata["features"], metadata["categories"]).to_numpy()
    assert roc_auc_score(test["label"], booster.predict(xgb.DMatrix(x))) > 0.8


def test_xgboost_logs_the_tuning_metrics(chain: ChainRun) -> None:
    found = {m: float(re.findall(metric_regex(m), chain.train_log)[-1]) for m in ("validation:auc", "train:logloss")}
    metadata = json.loads((chain.xgb_model / "specwire-model.json").read_text())
    assert found["validation:auc"] == pytest.approx(metadata["metrics"]["validation"]["auc"], abs=1e-6)
    assert found["validation:auc"] > 0.8


def test_lightgbm_model_loads_and_separates_the_classes(chain: ChainRun) -> None:
    metadata = json.loads((chain.lgb_model / "specwire-model.json").read_text())
    assert metadata["framework"] == "lightgbm" and metadata["objective"] == "binary"
    booster = lgb.Booster(model_file=str(chain.lgb_model / metadata["model_file"]))
    assert booster.current_iteration() == metadata["rounds"]
    test = pd.read_csv(chain.prep_out / "test_data" / "test.csv")
    x = lightgbm_train.encode(test, metadata["features"], metadata["categories"]).to_numpy()
    assert roc_auc_score(test["label"], booster.predict(x)) > 0.8


@pytest.mark.parametrize("module", [xgboost_train, lightgbm_train], ids=["xgboost", "lightgbm"])
def test_missing_label_column_fails_naming_it(
    module: Any, chain: ChainRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = tmp_path / "train"
    train.mkdir()
    pd.read_csv(chain.prep_out / "train_data" / "train.csv").rename(columns={"label": "target"}).to_csv(
        train / "train.csv", index=False
    )
    code = module.main(["--train", str(train), "--model-dir", str(tmp_path / "model")])
    err = capsys.readouterr().err
    assert code == 2
    assert "label column 'label' is not in" in err and "target" in err
    assert not (tmp_path / "model").exists()


def test_binary_objective_refuses_other_labels(
    chain: ChainRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = tmp_path / "train"
    train.mkdir()
    frame = pd.read_csv(chain.prep_out / "train_data" / "train.csv")
    frame.assign(label=frame["label"] * 2).to_csv(train / "train.csv", index=False)
    assert xgboost_train.main(["--train", str(train), "--model-dir", str(tmp_path / "m")]) == 2
    assert "a binary objective needs labels 0 and 1; column 'label' holds [0, 2]" in capsys.readouterr().err


def test_channels_come_from_sagemaker_environment(
    chain: ChainRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SM_CHANNEL_TRAINING_DATA", str(chain.prep_out / "train_data"))
    monkeypatch.setenv("SM_MODEL_DIR", str(tmp_path / "model"))
    monkeypatch.delenv("SM_CHANNEL_VALIDATION_DATA", raising=False)
    monkeypatch.delenv("SM_CHANNEL_VALIDATION", raising=False)
    assert xgboost_train.main(["--num_round", "5", "--early_stopping_rounds", "3"]) == 0
    metadata = json.loads((tmp_path / "model" / "specwire-model.json").read_text())
    assert metadata["rounds"] == 5 and set(metadata["metrics"]) == {"train"}  # no validation channel


def test_training_failure_reaches_sagemaker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    failure = tmp_path / "output" / "failure"
    failure.parent.mkdir()
    monkeypatch.setattr(lightgbm_train, "FAILURE_FILE", failure)
    for name in ("SM_CHANNEL_TRAINING_DATA", "SM_CHANNEL_TRAIN"):
        monkeypatch.delenv(name, raising=False)
    assert lightgbm_train.main(["--model-dir", str(tmp_path / "m")]) == 2
    assert "no training data" in failure.read_text()


# ---------------------------------------------------------------- PyTorch (no torch needed)


def test_pytorch_prepares_scaled_features_without_torch(chain: ChainRun) -> None:
    args = pytorch_train.parse_args(
        ["--train", str(chain.prep_out / "train_data"), "--validation", str(chain.prep_out / "validation_data")]
    )
    prepared = pytorch_train.prepare(args)
    x, y = prepared["x"], prepared["y"]
    assert x.dtype == np.float32 and np.isfinite(x).all()
    assert np.allclose(x.mean(axis=0), 0, atol=1e-5) and set(np.unique(y)) == {0.0, 1.0}
    assert prepared["x_valid"].shape[1] == x.shape[1] == len(prepared["schema"]["features"])
    # the validation split is scaled with the training split's statistics, not its own
    assert not np.allclose(prepared["x_valid"].mean(axis=0), 0, atol=1e-3)


def test_pytorch_refuses_unknown_hyperparameters(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        pytorch_train.parse_args(["--hiden_dims", "8"])
    assert exit_info.value.code == 2
    assert "unknown hyperparameter(s) ['--hiden_dims']" in capsys.readouterr().err


def test_pytorch_auc_matches_scikit_learn() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200)
    scores = np.round(rng.random(200) + y * 0.3, 1)  # ties on purpose
    assert pytorch_train.auc(y, scores) == pytest.approx(roc_auc_score(y, scores))


def test_pytorch_without_torch_fails_clearly(
    chain: ChainRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("torch is installed; test_pytorch_trains covers the run")
    code = pytorch_train.main(["--train", str(chain.prep_out / "train_data"), "--model-dir", str(tmp_path / "m")])
    assert code == 2
    assert "PyTorch is not installed in this container" in capsys.readouterr().err


def test_pytorch_trains(chain: ChainRun, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    args = [
        "--train",
        str(chain.prep_out / "train_data"),
        "--validation",
        str(chain.prep_out / "validation_data"),
        "--model-dir",
        str(tmp_path / "m"),
        "--epochs",
        "30",
        "--hidden_dims",
        "16",
        "--learning_rate",
        "0.01",
    ]
    assert pytorch_train.main(args) == 0
    metadata = json.loads((tmp_path / "m" / "specwire-model.json").read_text())
    network = torch.jit.load(str(tmp_path / "m" / "model.pt"))
    test = pd.read_csv(chain.prep_out / "test_data" / "test.csv")
    x = pytorch_train.scale(
        pytorch_train.encode(test, metadata["features"], metadata["categories"]).to_numpy(), metadata["scaler"]
    )
    assert roc_auc_score(test["label"], network(torch.as_tensor(x)).detach().numpy().reshape(-1)) > 0.8
