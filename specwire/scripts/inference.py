"""Inference handlers for a model trained by specwire's scripts (CreateModel, ModelRegistration,
and the BatchTransform that uses the model).

SageMaker's framework serving containers (XGBoost, scikit-learn, PyTorch) import this file as
the entry point (SAGEMAKER_PROGRAM) and call `model_fn`, `input_fn`, `predict_fn` and
`output_fn`. Self-contained on purpose; needs numpy, pandas and the model's framework.

The model folder holds `specwire-model.json` (framework, objective, feature order, category
codes, the training data's column order) next to the model file, as the training scripts
write it.

Requests (`input_fn`):
    text/csv               records one per line; with a header line (the first line naming the
                           columns, as in the splits TabularPreprocessing writes) columns are
                           matched by name and the label and id columns ignored; without one,
                           a line with as many fields as the training data is read in its
                           column order, a line with as many fields as features in feature
                           order. A header line on its own (batch transform sends the file
                           line by line) gives no prediction, so each output line matches an
                           input record.
    application/json       a list of records ({"column": value}), or {"instances": [...]}
    application/jsonlines  one record per line
Responses (`output_fn`): text/csv, one prediction per line (comma-separated class probabilities
for multi-class models); application/json {"predictions": [...]}; application/jsonlines one
{"prediction": ...} per line. Predictions are probabilities of class 1 for binary classifiers.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SCRIPT = "inference.py"
METADATA_FILE = "specwire-model.json"
CSV = "text/csv"
JSON = "application/json"
JSONLINES = "application/jsonlines"


class ScriptError(Exception):
    """A request or model this script cannot serve; the container answers with the message."""


# ---------------------------------------------------------------- the model (same as evaluation.py)


def sigmoid(values: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-np.asarray(values, dtype=float)))


def load_model(folder: Path, metadata: dict[str, Any]) -> Any:
    """The model object of a specwire training script's output folder."""
    framework = metadata["framework"]
    model_file = str(folder / metadata["model_file"])
    try:
        if framework == "xgboost":
            import xgboost as xgb

            booster = xgb.Booster()
            booster.load_model(model_file)
            return booster
        if framework == "lightgbm":
            import lightgbm as lgb

            return lgb.Booster(model_file=model_file)
        if framework == "pytorch":
            import torch

            network = torch.jit.load(model_file, map_location="cpu")
            network.eval()
            return network
    except ImportError as exc:
        raise ScriptError(
            f"this container cannot load a {framework} model ({exc}); use an image that has {framework} "
            "(config image_uri)"
        ) from exc
    raise ScriptError(f"unknown model framework {framework!r} in {METADATA_FILE}")


def predict_scores(model: Any, metadata: dict[str, Any], x: Any) -> Any:
    """The model's predictions for the float matrix `x`: probabilities for classifiers (margins
    and logits turned into probabilities), values for regressors; one column per class for
    multi-class models."""
    framework, objective = metadata["framework"], metadata["objective"]
    if framework == "xgboost":
        import xgboost as xgb

        scores = np.asarray(model.predict(xgb.DMatrix(x)), dtype=float)
        return sigmoid(scores) if objective == "binary:logitraw" else scores
    if framework == "lightgbm":
        return np.asarray(model.predict(x), dtype=float)
    import torch

    scaler = metadata["scaler"]
    scaled = np.nan_to_num((x - np.asarray(scaler["mean"])) / np.asarray(scaler["scale"]))
    with torch.no_grad():
        logits = model(torch.as_tensor(scaled, dtype=torch.float32))
        if objective == "cross_entropy":
            return torch.softmax(logits, dim=1).numpy().astype(float)
    values = logits.numpy().astype(float).reshape(-1)
    return sigmoid(values) if objective == "bce" else values


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


# ---------------------------------------------------------------- the handlers


def model_fn(model_dir: str) -> dict[str, Any]:
    """Load the model and its record once per container."""
    folder = Path(model_dir)
    path = folder / METADATA_FILE
    if not path.is_file():
        raise ScriptError(f"{model_dir} has no {METADATA_FILE}: the model was not trained by a specwire script")
    metadata: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {"metadata": metadata, "model": load_model(folder, metadata)}


def _media(content_type: str | None) -> str:
    return (content_type or CSV).split(";")[0].strip().lower()


def _read_csv(text: str, metadata: dict[str, Any]) -> Any:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return pd.DataFrame(columns=metadata["features"])
    first = next(iter(pd.read_csv(io.StringIO(lines[0]), header=None, dtype=str).itertuples(index=False)))
    named = {str(v).strip() for v in first}
    body = "\n".join(lines)
    if set(metadata["features"]) <= named:
        return pd.read_csv(io.StringIO(body))
    width = len(first)
    columns = metadata.get("columns") or []
    if width == len(columns):
        return pd.read_csv(io.StringIO(body), header=None, names=columns)
    if width == len(metadata["features"]):
        return pd.read_csv(io.StringIO(body), header=None, names=metadata["features"])
    raise ScriptError(
        f"a CSV record has {width} fields; expected {len(metadata['features'])} (the features "
        f"{', '.join(metadata['features'][:10])}...) or {len(columns)} (the training data's columns), or a header line"
    )


def input_fn(request_body: Any, request_content_type: str | None) -> tuple[Any, dict[str, Any] | None]:
    """The request as records (a DataFrame). The metadata is not known here: `predict_fn` maps
    columns, so this returns the raw text for CSV and the parsed records for JSON."""
    text = request_body.decode("utf-8") if isinstance(request_body, (bytes, bytearray)) else str(request_body)
    media = _media(request_content_type)
    if media == CSV:
        return text, None
    if media == JSON:
        payload = json.loads(text)
        records = payload.get("instances", payload) if isinstance(payload, dict) else payload
        if isinstance(records, dict):
            records = [records]
        return pd.DataFrame(records), None
    if media == JSONLINES:
        return pd.DataFrame([json.loads(line) for line in text.splitlines() if line.strip()]), None
    raise ScriptError(f"content type {request_content_type!r} is not served; send {CSV}, {JSON} or {JSONLINES}")


def predict_fn(input_data: tuple[Any, Any], model: dict[str, Any]) -> Any:
    """Predictions for the records: one value (or one row of class probabilities) per record."""
    metadata = model["metadata"]
    data, _ = input_data
    frame = _read_csv(data, metadata) if isinstance(data, str) else data
    if len(frame) == 0:
        return np.zeros((0,))
    x = encode(frame, metadata["features"], metadata.get("categories", {})).to_numpy()
    return predict_scores(model["model"], metadata, x)


def output_fn(prediction: Any, accept: str | None) -> str:
    """The response body."""
    values = np.asarray(prediction, dtype=float)
    rows = values.tolist()
    media = _media(accept)
    if media == JSON:
        return json.dumps({"predictions": rows})
    if media == JSONLINES:
        return "".join(json.dumps({"prediction": row}) + "\n" for row in rows)
    if media == CSV:
        if values.ndim == 2:
            return "".join(",".join(repr(float(v)) for v in row) + "\n" for row in values)
        return "".join(repr(float(v)) + "\n" for v in values)
    raise ScriptError(f"accept type {accept!r} is not served; ask for {CSV}, {JSON} or {JSONLINES}")
