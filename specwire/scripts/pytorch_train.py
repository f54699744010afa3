"""PyTorchTraining: train a small tabular network (a multilayer perceptron) with PyTorch.

Runs in the SageMaker PyTorch training container (PyTorch 2.x), with numpy and pandas.
Self-contained on purpose: the job receives this file. Everything but the training itself
(arguments, data, feature scaling) works without PyTorch, and `torch` is imported only to
train, so the script is importable and testable where PyTorch is not installed.

Channels (SageMaker copies each to /opt/ml/input/data/<channel> and sets SM_CHANNEL_<CHANNEL>):
    training_data    required; the spec's dependency name (the channel `train` is read too)
    validation_data  optional; early stopping and the validation metrics (also `validation`)
Each holds CSV or Parquet files, and optionally the `_schema.json` TabularPreprocessing writes.

Hyperparameters arrive as `--name value`, the names `PyTorchHyperparameters.to_sagemaker()`
emits: epochs, batch_size, learning_rate, optimizer (adam, adamw, sgd), weight_decay,
hidden_dims ('128,64'; '' for a linear model), dropout, activation (relu, gelu, tanh), loss
(bce: binary classification; mse: regression; cross_entropy: classes 0..k-1),
early_stopping_patience, seed.

Features are encoded as the tree scripts do (categories as codes), then standardised with the
training split's mean and standard deviation; missing values become 0 after scaling (the mean).

Writes to SM_MODEL_DIR (/opt/ml/model), which SageMaker packs as model.tar.gz:
    model.pt             the network as TorchScript (loads with torch.jit.load, no class needed);
                         it maps scaled features to one logit (bce, mse) or k logits
    specwire-model.json  framework, objective (the loss), label, feature order, category codes,
                         scaler (mean, scale), metrics
Logs `train:loss=<value>` and `validation:loss=<value>` (and `validation:auc` for bce) at the end.
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

import numpy as np
import pandas as pd

SCRIPT = "pytorch_train.py"
FRAMEWORK = "pytorch"
MODEL_FILE = "model.pt"
METADATA_FILE = "specwire-model.json"
SCHEMA_FILE = "_schema.json"
TRAIN_CHANNELS = ("training_data", "train")
VALIDATION_CHANNELS = ("validation_data", "validation")
#: SageMaker shows this file's text as the training job's FailureReason.
FAILURE_FILE = Path("/opt/ml/output/failure")
BINARY_OBJECTIVES = ("bce",)


def optional_int(text: str) -> int | None:
    return None if text.strip().lower() in ("", "none", "null") else int(text)


def int_list(text: str) -> list[int]:
    return [int(word) for word in text.replace("[", "").replace("]", "").split(",") if word.strip()]


#: Hyperparameter -> (parser, default); the defaults are PyTorchHyperparameters' (a test checks).
HYPERPARAMETERS: dict[str, tuple[Any, Any]] = {
    "epochs": (int, 10),
    "batch_size": (int, 256),
    "learning_rate": (float, 0.001),
    "optimizer": (str, "adam"),
    "weight_decay": (float, 0.0),
    "hidden_dims": (int_list, [128, 64]),
    "dropout": (float, 0.1),
    "activation": (str, "relu"),
    "loss": (str, "bce"),
    "early_stopping_patience": (optional_int, None),
    "seed": (int, 0),
}
CHOICES = {
    "optimizer": ("adam", "adamw", "sgd"),
    "activation": ("relu", "gelu", "tanh"),
    "loss": ("bce", "mse", "cross_entropy"),
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


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Hyperparameters and folders; unknown `--name value` pairs are refused (`sagemaker_*` ignored)."""
    parser = argparse.ArgumentParser(prog=SCRIPT, description=__doc__.splitlines()[0])
    for name, (kind, default) in HYPERPARAMETERS.items():
        parser.add_argument(f"--{name}", type=kind, default=default, choices=CHOICES.get(name))
    parser.add_argument("--label_field", "--label-field", dest="label_field", default=None)
    parser.add_argument("--train", default=None, help="training data folder (default: the training channel)")
    parser.add_argument("--validation", default=None, help="validation data folder (default: its channel)")
    parser.add_argument("--model-dir", "--model_dir", dest="model_dir", default=None)
    args, rest = parser.parse_known_args(argv)
    unknown = [rest[i] for i in range(0, len(rest), 2) if not rest[i].startswith("--sagemaker_")]
    if unknown or len(rest) % 2:
        parser.error(f"unknown hyperparameter(s) {unknown or rest}; the network takes {', '.join(HYPERPARAMETERS)}")
    for name in ("epochs", "batch_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if not 0 <= args.dropout < 1:
        parser.error(f"--dropout must be in [0, 1), got {args.dropout}")
    return args


# ---------------------------------------------------------------- features (no PyTorch needed)


def fit_scaler(x: Any) -> dict[str, list[float]]:
    """Mean and standard deviation of each column, ignoring missing values (1 where constant)."""
    with np.errstate(all="ignore"):
        mean = np.nan_to_num(np.nanmean(x, axis=0)) if len(x) else np.zeros(x.shape[1])
        scale = np.nan_to_num(np.nanstd(x, axis=0)) if len(x) else np.ones(x.shape[1])
    scale[scale == 0] = 1.0
    return {"mean": [float(v) for v in mean], "scale": [float(v) for v in scale]}


def scale(x: Any, scaler: dict[str, list[float]]) -> Any:
    """Standardised features; missing values become 0 (the training mean)."""
    return np.nan_to_num((x - np.asarray(scaler["mean"])) / np.asarray(scaler["scale"])).astype(np.float32)


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Everything training needs, as arrays: scaled features, targets, and the model's record."""
    train_dir = channel_dir(TRAIN_CHANNELS, args.train)
    if train_dir is None:
        raise ScriptError("no training data: give the channel 'training_data' (SM_CHANNEL_TRAINING_DATA) or --train")
    frame, schema = read_dataset(train_dir, args.label_field)
    if len(frame) == 0:
        raise ScriptError(f"the training data in {train_dir} has no records")
    binary = args.loss in BINARY_OBJECTIVES
    categories = fit_categories(frame, schema["categorical"])
    features = schema["features"]
    raw = encode(frame, features, categories).to_numpy(dtype=float)
    scaler = fit_scaler(raw)
    prepared: dict[str, Any] = {
        "x": scale(raw, scaler),
        "y": labels(frame, schema["label"], binary),
        "x_valid": None,
        "y_valid": None,
        "schema": schema,
        "columns": [str(c) for c in frame.columns],
        "categories": categories,
        "scaler": scaler,
    }
    validation_dir = channel_dir(VALIDATION_CHANNELS, args.validation)
    if validation_dir is not None:
        vframe, _ = read_dataset(validation_dir, schema["label"])
        if len(vframe):
            prepared["x_valid"] = scale(encode(vframe, features, categories).to_numpy(dtype=float), scaler)
            prepared["y_valid"] = labels(vframe, schema["label"], binary)
    if args.loss == "cross_entropy":
        classes = np.unique(prepared["y"])
        if not np.array_equal(classes, np.arange(len(classes))) or len(classes) < 2:
            raise ScriptError(f"cross_entropy needs labels 0..k-1 with k >= 2; the training labels are {classes[:10]}")
    return prepared


def auc(y: Any, scores: Any) -> float:
    """Area under the ROC curve by ranks (Mann-Whitney), ties averaged; NaN with one class."""
    y = np.asarray(y)
    positives, negatives = int((y == 1).sum()), int((y == 0).sum())
    if not positives or not negatives:
        return float("nan")
    ranks = pd.Series(np.asarray(scores, dtype=float)).rank().to_numpy()
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


# ---------------------------------------------------------------- training (PyTorch)


def train(args: argparse.Namespace, prepared: dict[str, Any]) -> tuple[Any, dict[str, dict[str, float]]]:
    try:
        import torch
        from torch import nn
    except ImportError as exc:
        raise ScriptError(
            f"PyTorch is not installed in this container ({exc}); run it in the SageMaker PyTorch image"
        ) from exc

    torch.manual_seed(args.seed)
    x, y = prepared["x"], prepared["y"]
    outputs = int(y.max()) + 1 if args.loss == "cross_entropy" else 1
    layers: list[Any] = []
    width = x.shape[1]
    activation = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh}[args.activation]
    for hidden in args.hidden_dims:
        layers += [nn.Linear(width, hidden), activation(), nn.Dropout(args.dropout)]
        width = hidden
    layers.append(nn.Linear(width, outputs))
    network = nn.Sequential(*layers)
    loss_fn: Any = {"bce": nn.BCEWithLogitsLoss, "mse": nn.MSELoss, "cross_entropy": nn.CrossEntropyLoss}[args.loss]()
    optimizers = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}
    optimizer = optimizers[args.optimizer](network.parameters(), lr=args.learning_rate, weight_decay=args.weight_decay)

    def tensors(features: Any, targets: Any) -> tuple[Any, Any]:
        target = torch.as_tensor(targets, dtype=torch.long if args.loss == "cross_entropy" else torch.float32)
        return torch.as_tensor(features), target if args.loss == "cross_entropy" else target.reshape(-1, 1)

    def evaluate(features: Any, targets: Any) -> dict[str, float]:
        network.eval()
        tx, ty = tensors(features, targets)
        with torch.no_grad():
            logits = network(tx)
            result = {"loss": float(loss_fn(logits, ty))}
        if args.loss == "bce":
            result["auc"] = auc(targets, logits.reshape(-1).numpy())
        return result

    tx, ty = tensors(x, y)
    generator = torch.Generator().manual_seed(args.seed)
    has_validation = prepared["x_valid"] is not None
    best_loss, best_state, stale = float("inf"), None, 0
    for epoch in range(args.epochs):
        network.train()
        order = torch.randperm(len(tx), generator=generator)
        for start in range(0, len(tx), args.batch_size):
            batch = order[start : start + args.batch_size]
            optimizer.zero_grad()
            loss = loss_fn(network(tx[batch]), ty[batch])
            loss.backward()
            optimizer.step()
        if has_validation:
            current = evaluate(prepared["x_valid"], prepared["y_valid"])["loss"]
            print(f"[{epoch}] validation-loss:{current:.6f}")
            if current < best_loss:
                best_loss, stale = current, 0
                best_state = {k: v.detach().clone() for k, v in network.state_dict().items()}
            else:
                stale += 1
                if args.early_stopping_patience and stale >= args.early_stopping_patience:
                    print(f"{SCRIPT}: early stop after epoch {epoch}")
                    break
    if best_state is not None:
        network.load_state_dict(best_state)
    final = {"train": evaluate(x, y)}
    if has_validation:
        final["validation"] = evaluate(prepared["x_valid"], prepared["y_valid"])
    network.eval()
    return torch.jit.trace(network, torch.as_tensor(x[:1])), final


def run(args: argparse.Namespace) -> dict[str, Any]:
    prepared = prepare(args)
    scripted, final = train(args, prepared)
    for data, values in final.items():
        for metric, value in values.items():
            print(f"{data}:{metric}={value:.6f};")
    model_dir = Path(args.model_dir or os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    model_dir.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".model.", suffix=".pt", dir=model_dir)
    os.close(handle)
    try:
        scripted.save(temp)
        os.replace(temp, model_dir / MODEL_FILE)
    finally:
        Path(temp).unlink(missing_ok=True)
    schema = prepared["schema"]
    metadata = {
        "framework": FRAMEWORK,
        "model_file": MODEL_FILE,
        "objective": args.loss,
        "label": schema["label"],
        "id": schema["id"],
        "features": schema["features"],
        "columns": prepared["columns"],
        "categories": prepared["categories"],
        "scaler": prepared["scaler"],
        "params": {name: getattr(args, name) for name in HYPERPARAMETERS},
        "metrics": final,
        "script": SCRIPT,
    }
    write_atomic(model_dir / METADATA_FILE, (json.dumps(metadata, indent=2, sort_keys=True) + "\n").encode())
    return metadata


def report_failure(message: str) -> None:
    print(message, file=sys.stderr)
    if FAILURE_FILE.parent.is_dir():
        FAILURE_FILE.write_text(message[:1024], encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        run(args)
    except ScriptError as exc:
        report_failure(f"{SCRIPT}: error: {exc}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
