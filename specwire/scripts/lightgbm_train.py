"""LightGBMTraining: train a gradient-boosted tree model with LightGBM (SageMaker training job).

Runs in the SageMaker scikit-learn container with `lightgbm` installed from
`lightgbm_requirements.txt` (shipped next to this script; works with LightGBM 3.3 to 4.x), and
needs numpy and pandas besides. Self-contained on purpose: the job receives this file.

Channels (SageMaker copies each to /opt/ml/input/data/<channel> and sets SM_CHANNEL_<CHANNEL>):
    training_data    required; the spec's dependency name (the channel `train` is read too)
    validation_data  optional; early stopping and the validation metrics (also `validation`)
Each holds CSV or Parquet files, and optionally the `_schema.json` TabularPreprocessing writes
(label, id, feature and categorical columns). Without a schema the label is `--label_field`
(default 'label') and every other column is a feature; text columns are categorical and are
given to LightGBM as categorical features.

Hyperparameters arrive as `--name value`, the names `LightGBMHyperparameters.to_sagemaker()`
emits: objective, num_iterations, learning_rate, num_leaves, max_depth, min_data_in_leaf,
feature_fraction, bagging_fraction, bagging_freq, lambda_l1, lambda_l2, min_gain_to_split,
scale_pos_weight, metric ('auc' or 'auc,binary_logloss'), num_class, early_stopping_rounds,
seed. Other `--name value` pairs go to LightGBM unchanged (`sagemaker_*` ones are ignored).

Writes to SM_MODEL_DIR (/opt/ml/model), which SageMaker packs as model.tar.gz:
    lightgbm-model.txt   the booster (LightGBM's text format), cut at the best iteration
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

try:
    import lightgbm as lgb
except ImportError:  # reported by run(), so `--help` and the data checks work without it
    lgb = None  # type: ignore[assignment]

SCRIPT = "lightgbm_train.py"
FRAMEWORK = "lightgbm"
MODEL_FILE = "lightgbm-model.txt"
METADATA_FILE = "specwire-model.json"
SCHEMA_FILE = "_schema.json"
TRAIN_CHANNELS = ("training_data", "train")
VALIDATION_CHANNELS = ("validation_data", "validation")
#: SageMaker shows this file's text as the training job's FailureReason.
FAILURE_FILE = Path("/opt/ml/output/failure")
BINARY_OBJECTIVES = ("binary",)


def optional_int(text: str) -> int | None:
    return None if text.strip().lower() in ("", "none", "null") else int(text)


def word_list(text: str) -> list[str]:
    return [word.strip() for word in text.split(",") if word.strip()]


#: Hyperparameter -> (parser, default); the defaults are LightGBMHyperparameters' (a test checks).
HYPERPARAMETERS: dict[str, tuple[Any, Any]] = {
    "objective": (str, "binary"),
    "num_iterations": (int, 100),
    "learning_rate": (float, 0.1),
    "num_leaves": (int, 31),
    "max_depth": (int, -1),
    "min_data_in_leaf": (int, 20),
    "feature_fraction": (float, 1.0),
    "bagging_fraction": (float, 1.0),
    "bagging_freq": (int, 0),
    "lambda_l1": (float, 0.0),
    "lambda_l2": (float, 0.0),
    "min_gain_to_split": (float, 0.0),
    "scale_pos_weight": (float, 1.0),
    "metric": (word_list, ["auc"]),
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
    """Known arguments, and the other `--name value` pairs (passed to LightGBM)."""
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
        if name not in ("num_iterations", "early_stopping_rounds") and getattr(args, name) is not None
    }
    params["verbosity"] = -1
    params.update(extra)
    return params


# ---------------------------------------------------------------- training


def run(args: argparse.Namespace, extra: dict[str, str]) -> dict[str, Any]:
    train_dir = channel_dir(TRAIN_CHANNELS, args.train)
    if train_dir is None:
        raise ScriptError("no training data: give the channel 'training_data' (SM_CHANNEL_TRAINING_DATA) or --train")
    frame, schema = read_dataset(train_dir, args.label_field)
    if len(frame) == 0:
        raise ScriptError(f"the training data in {train_dir} has no records")
    if lgb is None:
        raise ScriptError("lightgbm is not installed in this container; install it from lightgbm_requirements.txt")
    binary = args.objective in BINARY_OBJECTIVES
    categories = fit_categories(frame, schema["categorical"])
    features = schema["features"]
    categorical = [i for i, name in enumerate(features) if name in categories]
    dtrain = lgb.Dataset(
        encode(frame, features, categories).to_numpy(),
        label=labels(frame, schema["label"], binary),
        categorical_feature=categorical,
        free_raw_data=False,
    )
    valid_sets, valid_names = [dtrain], ["train"]
    validation_dir = channel_dir(VALIDATION_CHANNELS, args.validation)
    if validation_dir is not None:
        vframe, _ = read_dataset(validation_dir, schema["label"])
        if len(vframe):
            vx = encode(vframe, features, categories).to_numpy()
            valid_sets.append(lgb.Dataset(vx, label=labels(vframe, schema["label"], binary), reference=dtrain))
            valid_names.append("validation")
    has_validation = len(valid_sets) > 1
    if args.early_stopping_rounds and not has_validation:
        print(f"{SCRIPT}: no validation data, so early_stopping_rounds is not used")

    history: dict[str, Any] = {}
    callbacks: list[Any] = [lgb.record_evaluation(history), lgb.log_evaluation(max(1, args.num_iterations // 10))]
    if args.early_stopping_rounds and has_validation:
        callbacks.append(lgb.early_stopping(args.early_stopping_rounds, first_metric_only=True, verbose=True))
    params = booster_params(args, extra)
    booster = lgb.train(
        params,
        dtrain,
        num_boost_round=args.num_iterations,
        valid_sets=valid_sets,
        valid_names=valid_names,
        callbacks=callbacks,
    )
    best = booster.best_iteration if booster.best_iteration and booster.best_iteration > 0 else None
    rounds = best or booster.current_iteration()
    final = {
        data: {metric: float(values[rounds - 1]) for metric, values in metrics.items()}
        for data, metrics in history.items()
    }
    for data, values in final.items():
        for metric, value in values.items():
            print(f"{data}:{metric}={value:.6f};")

    model_dir = Path(args.model_dir or os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    write_atomic(model_dir / MODEL_FILE, booster.model_to_string(num_iteration=rounds).encode())
    metadata = {
        "framework": FRAMEWORK,
        "framework_version": lgb.__version__,
        "model_file": MODEL_FILE,
        "objective": args.objective,
        "label": schema["label"],
        "id": schema["id"],
        "features": features,
        "columns": [str(c) for c in frame.columns],
        "categories": categories,
        "rounds": rounds,
        "params": {k: v for k, v in params.items() if isinstance(v, (str, int, float, list))},
        "metrics": final,
        "script": SCRIPT,
    }
    write_atomic(model_dir / METADATA_FILE, (json.dumps(metadata, indent=2, sort_keys=True) + "\n").encode())
    print(f"{SCRIPT}: trained {rounds} iterations on {len(frame)} records, {len(features)} features")
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
    except Exception as exc:
        if lgb is not None and isinstance(exc, lgb.basic.LightGBMError):
            report_failure(f"{SCRIPT}: error: LightGBM rejected the training job: {exc}")
            return 2
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
