"""ModelEvaluation: score held-out data with a trained model and write evaluation.json.

Runs in a SageMaker processing job, in a container that has the model's framework: the XGBoost
image for XGBoost models (it has scikit-learn and pandas), an image with `lightgbm` for LightGBM
models, the PyTorch image for PyTorch models. Self-contained on purpose: the job receives this file.

    input   /opt/ml/processing/input/model               model.tar.gz (or its unpacked files)
            /opt/ml/processing/input/evaluation_data     CSV or Parquet, with the label column
    output  /opt/ml/processing/output/evaluation_report/evaluation.json
            /opt/ml/processing/output/predictions/predictions.csv   [id,] label, prediction

The model folder is what specwire's training scripts write: `specwire-model.json` (framework,
objective, label, feature order, category codes) next to the model file. Metrics are those of
binary classification; the model must output a probability of class 1 (or a margin, turned
into one), and the labels must be 0 and 1.

evaluation.json holds the same numbers twice:
    "metrics": {"auc": {"value": 0.93}, "precision": {"value": ...}, ...}
        one entry per `--metrics` name (auc, pr_auc, precision, recall, f1, accuracy, log_loss,
        brier_score). A QualityGate reads one with
        JsonGet(step_name=<evaluation step>, property_file=<PropertyFile on output
        'evaluation_report', path 'evaluation.json'>, json_path="metrics.<name>.value"),
        e.g. json_path="metrics.auc.value".
    "binary_classification_metrics": {...}
        SageMaker's model-quality statistics shape (each metric as {"value", "standard_deviation"},
        plus confusion_matrix, receiver_operating_characteristic_curve, precision_recall_curve),
        for ModelMetrics(model_statistics=MetricsSource(content_type="application/json", s3_uri=
        <evaluation_report S3 URI>/evaluation.json)) when the model is registered.
plus "evaluation": records, positives, decision threshold, framework, label column.

With `--cost-matrix '{"false_negative": 100, "false_positive": 5}'` (cost per record of each
outcome: false_negative, false_positive, true_positive, true_negative; a gain is a negative
cost, an outcome left out costs 0), the report also holds the business metrics
    "metrics": {"business_value": {"value": -1.85}, "business_value_gain": {"value": 3.1}}
        business_value: minus the expected cost per record, at the decision threshold;
        business_value_gain: business_value minus the value of the better rule that needs no model
        (flag every record, or flag none); above 0 the model is worth having.
    "business": the cost matrix, the decision threshold they were computed at, the counts of each
        outcome, total and per-record cost, both no-model rules, and the threshold that would
        have given the highest value on this data (chosen on the evaluation data itself, so an
        optimistic figure: for information, never what the gate reads).

Arguments: `--label-field` (default: the label the model was trained on), `--metrics auc,f1`,
`--decision-threshold 0.5` (a score at or above it counts as positive, for precision, recall,
F1, accuracy and the confusion matrix), `--model-framework` (checked against the model's own
record), `--input-dir` / `--output-dir` to move the roots.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

SCRIPT = "evaluation.py"
INPUT_ROOT = "/opt/ml/processing/input"
OUTPUT_ROOT = "/opt/ml/processing/output"
MODEL_INPUT = "model"
DATA_INPUT = "evaluation_data"
REPORT_OUTPUT = "evaluation_report"
PREDICTIONS_OUTPUT = "predictions"
REPORT_FILE = "evaluation.json"
PREDICTIONS_FILE = "predictions.csv"
SCORE_COLUMN = "prediction"
METADATA_FILE = "specwire-model.json"
SCHEMA_FILE = "_schema.json"
FAILURE_FILE = Path("/opt/ml/output/message")

METRICS = ("auc", "pr_auc", "precision", "recall", "f1", "accuracy", "log_loss", "brier_score")
#: The keys of a cost matrix, and the metrics it adds to the report.
OUTCOMES = ("false_negative", "false_positive", "true_positive", "true_negative")
BUSINESS_METRICS = ("business_value", "business_value_gain")
DEFAULT_METRICS = ("auc", "pr_auc", "precision", "recall", "f1", "log_loss")
#: Objectives of binary classifiers, by framework (the losses of PyTorch models).
BINARY_OBJECTIVES = {
    "xgboost": ("binary:logistic", "binary:logitraw", "binary:hinge", "reg:logistic"),
    "lightgbm": ("binary", "cross_entropy"),
    "pytorch": ("bce",),
}
CURVE_POINTS = 101


class ScriptError(Exception):
    """A problem with the job's input or arguments, reported without a traceback."""


# ---------------------------------------------------------------- the model


def safe_extract(archive: Path, target: Path) -> None:
    """Unpack a model.tar.gz, refusing links and paths that leave `target`."""
    try:
        with tarfile.open(archive) as tar:
            root = target.resolve()
            for member in tar.getmembers():
                dest = (target / member.name).resolve()
                if not (member.isfile() or member.isdir()) or (dest != root and root not in dest.parents):
                    raise ScriptError(f"{archive.name} holds {member.name!r}, which is not a plain file inside it")
            # Python's own filter where it has one (3.12, and back-ported security releases).
            options: dict[str, Any] = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            for member in tar.getmembers():
                tar.extract(member, target, **options)
    except tarfile.TarError as exc:
        raise ScriptError(f"{archive.name} is not a readable tar.gz: {exc}") from exc


def model_folder(path: Path, scratch: Path) -> Path:
    """The folder holding the model's files: `path` itself, or a model.tar.gz in it unpacked."""
    if path.is_file():
        archives = [path]
    elif path.is_dir():
        if (path / METADATA_FILE).is_file():
            return path
        archives = sorted(p for p in path.rglob("*.tar.gz") if p.is_file())
    else:
        raise ScriptError(f"model input {path} does not exist (is the step's 'model' input wired?)")
    if len(archives) != 1:
        raise ScriptError(
            f"model input {path} holds {len(archives)} model archives and no {METADATA_FILE}; "
            "expected the model.tar.gz of a specwire training step"
        )
    safe_extract(archives[0], scratch)
    if not (scratch / METADATA_FILE).is_file():
        raise ScriptError(
            f"{archives[0].name} has no {METADATA_FILE}: it was not written by a specwire training script"
        )
    return scratch


def load_metadata(folder: Path) -> dict[str, Any]:
    try:
        metadata: dict[str, Any] = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScriptError(f"cannot read {METADATA_FILE}: {exc}") from exc
    for key in ("framework", "model_file", "objective", "label", "features"):
        if key not in metadata:
            raise ScriptError(f"{METADATA_FILE} lacks {key!r}")
    return metadata


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


def predict(folder: Path, metadata: dict[str, Any], x: Any) -> Any:
    """Probabilities of class 1 for the rows of the float matrix `x`, by a binary classifier."""
    framework, objective = metadata["framework"], metadata["objective"]
    if objective not in BINARY_OBJECTIVES.get(framework, ()):
        raise ScriptError(
            f"the model's objective {objective!r} ({framework}) is not a binary classifier; "
            "ModelEvaluation computes binary-classification metrics"
        )
    return np.asarray(predict_scores(load_model(folder, metadata), metadata, x), dtype=float).reshape(-1)


# ---------------------------------------------------------------- the data


def read_frame(folder: Path) -> Any:
    if not folder.is_dir():
        raise ScriptError(f"evaluation data folder {folder} does not exist (is 'evaluation_data' wired?)")
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
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def binary_labels(frame: Any, label: str, folder: Path) -> Any:
    if label not in frame.columns:
        shown = ", ".join(str(c) for c in list(frame.columns)[:30])
        raise ScriptError(
            f"label column {label!r} is not in the evaluation data {folder} (columns: {shown}); set --label-field"
        )
    values = pd.to_numeric(frame[label], errors="coerce")
    if values.isna().any() or not values.isin([0, 1]).all():
        seen = sorted(str(v) for v in pd.unique(frame[label])[:5])
        raise ScriptError(f"label column {label!r} must hold 0 and 1 for binary metrics; it holds {seen}")
    return values.to_numpy(dtype=int)


# ---------------------------------------------------------------- metrics


def thin(values: Any) -> list[float]:
    """At most CURVE_POINTS evenly spaced points of a curve, as plain floats."""
    values = np.asarray(values, dtype=float)
    if len(values) > CURVE_POINTS:
        values = values[np.unique(np.linspace(0, len(values) - 1, CURVE_POINTS).round().astype(int))]
    return [round(float(v), 6) for v in values]


def compute_metrics(y: Any, p: Any, names: Sequence[str], threshold: float) -> tuple[dict[str, float], dict[str, Any]]:
    """The requested metrics, and the model-quality extras (confusion matrix, curves)."""
    if len(np.unique(y)) < 2 and any(n in ("auc", "pr_auc") for n in names):
        raise ScriptError(
            f"the evaluation data holds only class {int(y[0])}; AUC needs both classes (is this the test split?)"
        )
    decided = (p >= threshold).astype(int)
    clipped = np.clip(p, 1e-15, 1 - 1e-15)
    compute = {
        "auc": lambda: skm.roc_auc_score(y, p),
        "pr_auc": lambda: skm.average_precision_score(y, p),
        "precision": lambda: skm.precision_score(y, decided, zero_division=0),
        "recall": lambda: skm.recall_score(y, decided, zero_division=0),
        "f1": lambda: skm.f1_score(y, decided, zero_division=0),
        "accuracy": lambda: skm.accuracy_score(y, decided),
        "log_loss": lambda: skm.log_loss(y, clipped, labels=[0, 1]),
        "brier_score": lambda: skm.brier_score_loss(y, p),
    }
    values = {name: round(float(compute[name]()), 6) for name in names}
    tn, fp, fn, tp = (int(v) for v in skm.confusion_matrix(y, decided, labels=[0, 1]).ravel())
    extras: dict[str, Any] = {
        "confusion_matrix": {"0": {"0": tn, "1": fp}, "1": {"0": fn, "1": tp}},
    }
    if len(np.unique(y)) == 2:
        fpr, tpr, _ = skm.roc_curve(y, p)
        precisions, recalls, _ = skm.precision_recall_curve(y, p)
        extras["receiver_operating_characteristic_curve"] = {
            "false_positive_rates": thin(fpr),
            "true_positive_rates": thin(tpr),
        }
        extras["precision_recall_curve"] = {"precisions": thin(precisions), "recalls": thin(recalls)}
    return values, extras


def outcome_counts(y: Any, decided: Any) -> dict[str, int]:
    return {
        "true_positive": int(((decided == 1) & (y == 1)).sum()),
        "false_positive": int(((decided == 1) & (y == 0)).sum()),
        "false_negative": int(((decided == 0) & (y == 1)).sum()),
        "true_negative": int(((decided == 0) & (y == 0)).sum()),
    }


def business_metrics(
    y: Any, p: Any, costs: dict[str, float], threshold: float
) -> tuple[dict[str, float], dict[str, Any]]:
    """The business metrics of a cost matrix at `threshold`, and the report's "business" section."""
    n = len(y)
    positives = int(y.sum())
    counts = outcome_counts(y, (p >= threshold).astype(int))
    total = sum(costs[o] * counts[o] for o in OUTCOMES)
    value = -total / n
    flag_none = -(costs["false_negative"] * positives + costs["true_negative"] * (n - positives)) / n
    flag_all = -(costs["true_positive"] * positives + costs["false_positive"] * (n - positives)) / n
    # The best threshold on this data: the value at each distinct score (records at or above it flagged).
    order = np.argsort(-p, kind="stable")
    scores, labels = p[order], y[order]
    flagged_pos, flagged = np.cumsum(labels), np.arange(1, n + 1)
    last = np.r_[scores[1:] != scores[:-1], True]  # cut only between distinct scores
    cost_at = (costs["true_positive"] * flagged_pos + costs["false_positive"] * (flagged - flagged_pos)
               + costs["false_negative"] * (positives - flagged_pos)
               + costs["true_negative"] * (n - positives - (flagged - flagged_pos)))
    candidates = [(-float(c) / n, float(t)) for c, t, keep in zip(cost_at, scores, last, strict=True) if keep]
    best_value, best_threshold = max(candidates, key=lambda vt: (vt[0], vt[1]))
    values = {"business_value": round(value, 6), "business_value_gain": round(value - max(flag_none, flag_all), 6)}
    section = {
        "cost_matrix": {o: costs[o] for o in OUTCOMES},
        "decision_threshold": threshold,
        "outcomes": counts,
        "total_cost": round(total, 6),
        "expected_cost_per_record": round(total / n, 6),
        "business_value": values["business_value"],
        "business_value_gain": values["business_value_gain"],
        "no_model_rules": {"flag_none": round(flag_none, 6), "flag_all": round(flag_all, 6)},
        "best_threshold_on_this_data": {"threshold": round(best_threshold, 6),
                                        "business_value": round(best_value, 6)},
    }
    return values, section


def report(values: dict[str, float], extras: dict[str, Any], info: dict[str, Any]) -> dict[str, Any]:
    # SageMaker's model-quality shape holds model metrics only; the business metrics stay in "metrics".
    quality = {name: {"value": value, "standard_deviation": "NaN"} for name, value in values.items()
               if name not in BUSINESS_METRICS}
    quality.update(extras)
    return {
        "metrics": {name: {"value": value} for name, value in values.items()},
        "binary_classification_metrics": quality,
        "evaluation": info,
    }


# ---------------------------------------------------------------- running


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def metric_names(text: str) -> list[str]:
    names = [word.strip() for word in text.split(",") if word.strip()]
    unknown = [n for n in names if n not in METRICS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown metric(s) {unknown}; choose from {', '.join(METRICS)}")
    return list(dict.fromkeys(names))


def probability(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value


def cost_matrix(text: str) -> dict[str, float]:
    try:
        given = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"must be a JSON object such as '{{\"false_negative\": 100}}': {exc}") from exc
    if not isinstance(given, dict) or not given:
        raise argparse.ArgumentTypeError("must be a non-empty JSON object of costs by outcome")
    unknown = sorted(set(given) - set(OUTCOMES))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown outcome(s) {unknown}; choose from {', '.join(OUTCOMES)}")
    costs = {}
    for outcome in OUTCOMES:
        value = given.get(outcome, 0.0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
            raise argparse.ArgumentTypeError(f"the cost of {outcome} must be a finite number, got {value!r}")
        costs[outcome] = float(value)
    return costs


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=SCRIPT, description=__doc__.splitlines()[0])
    parser.add_argument("--label-field", default=None, help="label column (default: the model's)")
    parser.add_argument("--metrics", type=metric_names, default=list(DEFAULT_METRICS))
    parser.add_argument("--decision-threshold", type=probability, default=0.5)
    parser.add_argument("--cost-matrix", type=cost_matrix, default=None,
                        help="JSON cost per record of each outcome; adds the business metrics")
    parser.add_argument("--model-framework", choices=sorted(BINARY_OBJECTIVES), default=None)
    parser.add_argument("--job-type", default=None, help="data chain (only recorded)")
    parser.add_argument("--input-dir", default=INPUT_ROOT, help=f"folder holding '{MODEL_INPUT}/', '{DATA_INPUT}/'")
    parser.add_argument("--output-dir", default=OUTPUT_ROOT, help="folder receiving the outputs")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    inputs, outputs = Path(args.input_dir), Path(args.output_dir)
    with tempfile.TemporaryDirectory(prefix="specwire-model-") as scratch:
        folder = model_folder(inputs / MODEL_INPUT, Path(scratch))
        metadata = load_metadata(folder)
        if args.model_framework and args.model_framework != metadata["framework"]:
            raise ScriptError(
                f"the step is configured for a {args.model_framework} model but received a {metadata['framework']} "
                "model; set the evaluation config's model_framework to match the training step"
            )
        data_folder = inputs / DATA_INPUT
        frame = read_frame(data_folder)
        if len(frame) == 0:
            raise ScriptError(f"the evaluation data in {data_folder} has no records")
        label = args.label_field or metadata["label"]
        y = binary_labels(frame, label, data_folder)
        x = encode(frame, metadata["features"], metadata.get("categories", {})).to_numpy()
        p = predict(folder, metadata, x)
    values, extras = compute_metrics(y, p, args.metrics, args.decision_threshold)
    business: dict[str, Any] | None = None
    if args.cost_matrix is not None:
        business_values, business = business_metrics(y, p, args.cost_matrix, args.decision_threshold)
        values.update(business_values)
    info = {
        "records": len(y),
        "positives": int(y.sum()),
        "decision_threshold": args.decision_threshold,
        "label_field": label,
        "model_framework": metadata["framework"],
        "objective": metadata["objective"],
        "job_type": args.job_type,
    }
    document = report(values, extras, info)
    if business is not None:
        document["business"] = business
    id_field = metadata.get("id")
    columns = {id_field: frame[id_field]} if id_field and id_field in frame.columns else {}
    columns.update({label: y, SCORE_COLUMN: np.round(p, 8)})
    predictions = pd.DataFrame(columns)
    write_atomic(outputs / PREDICTIONS_OUTPUT / PREDICTIONS_FILE, predictions.to_csv(index=False))
    write_atomic(outputs / REPORT_OUTPUT / REPORT_FILE, json.dumps(document, indent=2, sort_keys=True) + "\n")
    print(f"{SCRIPT}: {len(y)} records; " + ", ".join(f"{k}={v}" for k, v in values.items()))
    return document


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
