"""XGBoostTraining: train a gradient-boosted tree model with XGBoost (SageMaker training job).

Runs in the SageMaker XGBoost container in script mode (XGBoost 1.7 there; works with 1.7 to
3.x), and needs numpy and pandas besides. Self-contained on purpose: the job receives this file.

Channels (SageMaker copies each to /opt/ml/input/data/<channel> and sets SM_CHANNEL_<CHANNEL>):
    training_data    required; the spec's dependency name (the channel `train` is read too)
    validation_data  optional; early stopping and the validation metrics (also `validation`)
Each holds CSV or Parquet files, and optionally the `_schema.json` TabularPreprocessing writes
(label, id, feature and categorical columns). Without a schema the label is `--label-field`
(default 'label') and every other column is a feature; text columns are categorical.

Hyperparameters arrive as `--name value`, the names `XGBoostHyperparameters.to_sagemaker()`
emits: objective, num_round, max_depth, eta, gamma, min_child_weight, subsample,
colsample_bytree, lambda, alpha, scale_pos_weight, max_delta_step, tree_method, eval_metric
('auc' or 'auc,logloss'), num_class, early_stopping_rounds, seed. Other `--name value` pairs go
to XGBoost unchanged (`sagemaker_*` ones are ignored).

Writes to SM_MODEL_DIR (/opt/ml/model), which SageMaker packs as model.tar.gz:
    xgboost-model.json   the booster (XGBoost's JSON format), cut at the best iteration
    specwire-model.json  framework, objective, label, feature order, category codes, metrics
Logs `train:<metric>=<value>` and `validation:<metric>=<value>` lines at the end; a tuning job
reads the objective `validation:auc` with the regex `validation:auc=([-+0-9.eE]+)`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import xgboost as xgb

SCRIPT = "xgboost_train.py"
FRAMEWORK = "xgboost"
MODEL_FILE = "xgboost-model.json"
METADATA_FILE = "specwire-model.json"
SCHEMA_FILE = "_schema.json"
TRAIN_CHANNELS = ("training_data", "train")
VALIDATION_CHANNELS = ("validation_data", "validation")
#: SageMaker shows this file's text as the training job's FailureReason.
FAILURE_FILE = Path("/opt/ml/output/failure")
BINARY_OBJECTIVES = ("binary:logistic", "binary:logitraw", "binary:hinge", "reg:logistic")


def optional_int(text: str) -> int | None:
    return None if text.strip().lower() in ("", "none", "null") else int(text)


def word_list(text: str) -> list[str]:
    return [word.strip() for word in text.split(",") if word.strip()]


#: Hyperparameter -> (parser, default); the defaults are XGBoostHyperparameters' (a test checks).
HYPERPARAMETERS: dict[str, tuple[Any, Any]] = {
    "objective": (str, "binary:logistic"),
    "num_round": (int, 100),
    "max_depth": (int, 6),
    "eta": (float, 0.3),
    "gamma": (float, 0.0),
    "min_child_weight": (float, 1.0),
    "subsample": (float, 1.0),
    "colsample_bytree": (float, 1.0),
    "lambda": (float, 1.0),
    "alpha": (float, 0.0),
    "scale_pos_weight": (float, 1.0),
    "max_delta_step": (float, 0.0),
    "tree_method": (str, "auto"),
    "eval_metric": (word_list, ["auc"]),
    "num_class": (optional_int, None),
    "early_stopping_rounds": (optional_int, None),
    "seed": (int, 0),
}


class ScriptError(Exception):
    """A problem with the job's input or arguments, reported without a traceback."""


# ---------------------------------------------------------------- data (same in every training script)


def channel_dir(names: Sequence[str], given: str | None) -> Path | None:
    """The folder of the first channel present: an argument, SM_CHANNEL_<NAME>, /opt/ml/input/data/<name>."""
    if given:
        return Path(given)
    for name in names:
        env = os.environ.get(f"SM_CHANNEL_{name.upper()}")
        if env:
            return Path(env)
    for name in names:
        folder = Path("/opt/ml/input/data") / name
        if folder.is_dir():
            return folder
    return None


def read_dataset(folder: Path, label_field: str | None) -> tuple[Any, dict[str, Any]]:
    """A folder's records and its schema (`_schema.json` with label, id, features, categorical settled)."""
    if not folder.is_dir():
        raise ScriptError(f"data folder {folder} does not exist")
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts)
    )
    if not files:
        raise ScriptError(f"no data files in {folder}")
    frames = []
    for path in files:
        try:
            parquet = path.name.lower().endswith((".parquet", ".pq"))
            frames.append(pd.read_parquet(path) if parquet else pd.read_csv(path, low_memory=False))
        except Exception as exc:  # pandas raises many types for unreadable files
            raise ScriptError(f"{path.name} does not read as a table: {type(exc).__name__}: {exc}") from exc
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    schema_path = folder / SCHEMA_FILE
    schema: dict[str, Any] = json.loads(schema_path.read_text(encoding="utf-8")) if schema_path.is_file() else {}
    label = label_field or schema.get("label") or "label"
    columns = [str(c) for c in frame.columns]
    if label not in columns:
        raise ScriptError(
            f"label column {label!r} is not in {folder} (columns: {', '.join(columns[:30])}); "
            "set --label_field or the upstream step's label_field"
        )
    id_field = schema.get("id")
    features = schema.get("features") or [c for c in columns if c not in (label, id_field)]
    missing = [c for c in features if c not in columns]
    if missing:
        raise ScriptError(f"feature column(s) {missing} of {schema_path.name} are not in {folder}")
    if label in features:
        raise ScriptError(f"the label column {label!r} is listed as a feature in {schema_path}")
    categorical = schema.get("categorical")
    if categorical is None:
        categorical = [c for c in features if not pd.api.types.is_numeric_dtype(frame[c])]
    return frame, {
        **schema,
        "label": label,
        "id": id_field,
        "features": list(features),
        "categorical": list(categorical),
    }


def fit_categories(frame: Any, categorical: Sequence[str]) -> dict[str, list[str]]:
    """Each categorical column's values seen in training, sorted; their positions are the codes."""
    return {c: sorted(frame[c].dropna().astype(str).unique().tolist()) for c in categorical}


def encode(frame: Any, features: Sequence[str], categories: dict[str, list[str]]) -> Any:
    """The feature matrix as floats: categories as codes, unseen or missing values as NaN."""
    out = {}
    for column in features:
        if column not in frame.columns:
            raise ScriptError(f"feature column {column!r} is missing from the data")
        values = frame[column]
        if column in categories:
            codes = {value: float(i) for i, value in enumerate(categories[column])}
            out[column] = values.astype(str).map(codes).where(values.notna()).astype(float)
        else:
            numbers = pd.to_numeric(values, errors="coerce")
            bad = values[numbers.isna() & values.notna()]
            if len(bad):
                raise ScriptError(f"numeric feature {column!r} holds text such as {bad.iloc[0]!r}")
            out[column] = numbers.astype(float)
    return pd.DataFrame(out, index=frame.index, columns=list(features))


def labels(frame: Any, label: str, binary: bool) -> Any:
    values = pd.to_numeric(frame[label], errors="coerce")
    if values.isna().any():
        raise ScriptError(f"label column {label!r} has missing or non-numeric values")
    if binary and not values.isin([0, 1]).all():
        seen = sorted(pd.unique(values).tolist())[:5]
        raise ScriptError(f"a binary objective needs labels 0 and 1; column {label!r} holds {seen}")
    return values.to_numpy(dtype=float)


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- arguments


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, dict[str, str]]:
    """Known arguments, and the other `--name value` pairs (passed to XGBoost)."""
    parser = argparse.ArgumentParser(prog=SCRIPT, description=__doc__.splitlines()[0])
    for name, (kind, default) in HYPERPARAMETERS.items():
        parser.add_argument(f"--{name}", type=kind, default=default)
    parser.add_argument("--label_field", "--label-field", dest="label_field", default=None)
    parser.add_argument("--train", default=None, help="training data folder (default: the training channel)")
    parser.add_argument("--validation", default=None, help="validation data folder (default: its channel)")
    parser.add_argument("--model-dir", "--model_dir", dest="model_dir", default=None)
    args, rest = parser.parse_known_args(argv)
    extra: dict[str, str] = {}
    i = 0
    while i < len(rest):
        key = rest[i]
        if not key.startswith("--") or i + 1 >= len(rest):
            parser.error(f"unexpected argument {key!r}; hyperparameters come as --name value")
        name = key[2:]
        if not name.startswith("sagemaker_"):
            extra[name] = rest[i + 1]
        i += 2
    return args, extra


def booster_params(args: argparse.Namespace, extra: dict[str, str]) -> dict[str, Any]:
    params: dict[str, Any] = {
        name: getattr(args, name)
        for name in HYPERPARAMETERS
        if name not in ("num_round", "early_stopping_rounds") and getattr(args, name) is not None
    }
    if params.get("tree_method") == "gpu_hist" and int(xgb.__version__.split(".")[0]) >= 2:
        params.update(tree_method="hist", device="cuda")  # XGBoost 2 spells GPU training this way
    params.update(extra)
    return params


# ---------------------------------------------------------------- training


def parse_eval(text: str) -> dict[str, dict[str, float]]:
    """'[9]\\ttrain-auc:0.9\\tvalidation-auc:0.8' -> {'train': {'auc': 0.9}, 'validation': {'auc': 0.8}}."""
    out: dict[str, dict[str, float]] = {}
    for token in text.split("\t")[1:]:
        name, _, value = token.partition(":")
        data, _, metric = name.partition("-")
        out.setdefault(data, {})[metric] = float(value)
    return out


def run(args: argparse.Namespace, extra: dict[str, str]) -> dict[str, Any]:
    train_dir = channel_dir(TRAIN_CHANNELS, args.train)
    if train_dir is None:
        raise ScriptError("no training data: give the channel 'training_data' (SM_CHANNEL_TRAINING_DATA) or --train")
    frame, schema = read_dataset(train_dir, args.label_field)
    if len(frame) == 0:
        raise ScriptError(f"the training data in {train_dir} has no records")
    binary = args.objective in BINARY_OBJECTIVES
    categories = fit_categories(frame, schema["categorical"])
    features = schema["features"]
    dtrain = xgb.DMatrix(encode(frame, features, categories).to_numpy(), label=labels(frame, schema["label"], binary))
    evals = [(dtrain, "train")]

    validation_dir = channel_dir(VALIDATION_CHANNELS, args.validation)
    dvalid = None
    if validation_dir is not None:
        vframe, _ = read_dataset(validation_dir, schema["label"])
        if len(vframe):
            vx = encode(vframe, features, categories).to_numpy()
            dvalid = xgb.DMatrix(vx, label=labels(vframe, schema["label"], binary))
            evals.append((dvalid, "validation"))
    stopping = args.early_stopping_rounds if dvalid is not None else None
    if args.early_stopping_rounds and dvalid is None:
        print(f"{SCRIPT}: no validation data, so early_stopping_rounds is not used")

    params = booster_params(args, extra)
    booster = xgb.train(
        params,
        dtrain,
        num_boost_round=args.num_round,
        evals=evals,
        early_stopping_rounds=stopping,
        verbose_eval=max(1, args.num_round // 10),
    )
    best = getattr(booster, "best_iteration", None) if stopping else None
    if best is not None:
        booster = booster[: best + 1]
    final = parse_eval(booster.eval_set(evals, iteration=booster.num_boosted_rounds() - 1))
    for data, values in final.items():
        for metric, value in values.items():
            print(f"{data}:{metric}={value:.6f};")

    model_dir = Path(args.model_dir or os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    model_dir.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".model.", suffix=".json", dir=model_dir)
    os.close(handle)
    try:
        booster.save_model(temp)
        os.replace(temp, model_dir / MODEL_FILE)
    finally:
        Path(temp).unlink(missing_ok=True)
    metadata = {
        "framework": FRAMEWORK,
        "framework_version": xgb.__version__,
        "model_file": MODEL_FILE,
        "objective": args.objective,
        "label": schema["label"],
        "id": schema["id"],
        "features": features,
        "columns": [str(c) for c in frame.columns],
        "categories": categories,
        "rounds": booster.num_boosted_rounds(),
        "params": {k: v for k, v in params.items() if isinstance(v, (str, int, float, list))},
        "metrics": final,
        "script": SCRIPT,
    }
    write_atomic(model_dir / METADATA_FILE, (json.dumps(metadata, indent=2, sort_keys=True) + "\n").encode())
    print(f"{SCRIPT}: trained {booster.num_boosted_rounds()} rounds on {len(frame)} records, {len(features)} features")
    return metadata


def report_failure(message: str) -> None:
    print(message, file=sys.stderr)
    if FAILURE_FILE.parent.is_dir():
        FAILURE_FILE.write_text(message[:1024], encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    args, extra = parse_args(argv)
    try:
        run(args, extra)
    except ScriptError as exc:
        report_failure(f"{SCRIPT}: error: {exc}")
        return 2
    except xgb.core.XGBoostError as exc:
        report_failure(f"{SCRIPT}: error: XGBoost rejected the training job: {exc}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
