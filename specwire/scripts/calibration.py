"""ModelCalibration: fit a probability calibrator (isotonic or Platt) on a model's predictions.

Runs in a SageMaker processing job (scikit-learn container); needs numpy, pandas and
scikit-learn. Self-contained on purpose: the job receives this one file.

    input   /opt/ml/processing/input/predictions          CSV or Parquet with the label and score
                                                          columns (ModelEvaluation's predictions.csv)
    output  /opt/ml/processing/output/calibration_model/calibration_model.json
            /opt/ml/processing/output/calibration_metrics/calibration_metrics.json

The calibrator is plain JSON, so anything can apply it without this script or scikit-learn:
    {"method": "isotonic", "x": [...], "y": [...]}   p = interp(score, x, y), flat beyond the ends
    {"method": "platt", "a": 1.7, "b": -0.2}         p = 1 / (1 + exp(-(a * logit(score) + b)))
(`apply_calibration` below does it). Both maps are monotone and stay within [0, 1].

calibration_metrics.json compares the scores before and after calibration on the same records
(in sample): Brier score, log loss and expected calibration error over `--n-bins` equal-width
bins, with the reliability table; "metrics": {"brier_score": {"value": ...},
"expected_calibration_error": {"value": ...}} gives the calibrated values in the shape of
evaluation.json (JsonGet path e.g. "metrics.brier_score.value").

Arguments: `--method isotonic|platt`, `--label-field label`, `--score-field prediction`,
`--n-bins 10`, `--input-dir` / `--output-dir` to move the roots.
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
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss

SCRIPT = "calibration.py"
INPUT_ROOT = "/opt/ml/processing/input"
OUTPUT_ROOT = "/opt/ml/processing/output"
INPUT_NAME = "predictions"
MODEL_OUTPUT = "calibration_model"
METRICS_OUTPUT = "calibration_metrics"
MODEL_FILE = "calibration_model.json"
METRICS_FILE = "calibration_metrics.json"
FAILURE_FILE = Path("/opt/ml/output/message")
METHODS = ("isotonic", "platt")
EPSILON = 1e-6


class ScriptError(Exception):
    """A problem with the job's input or arguments, reported without a traceback."""


def logit(p: Any) -> Any:
    p = np.clip(np.asarray(p, dtype=float), EPSILON, 1 - EPSILON)
    return np.log(p / (1 - p))


def fit_calibration(scores: Any, labels: Any, method: str) -> dict[str, Any]:
    """A calibrator mapping `scores` (probabilities of class 1) to calibrated probabilities."""
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=int)
    if method == "isotonic":
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip").fit(scores, labels)
        return {
            "method": "isotonic",
            "x": [float(v) for v in iso.X_thresholds_],
            "y": [float(v) for v in iso.y_thresholds_],
        }
    if method == "platt":
        model = LogisticRegression(C=1e6, max_iter=1000).fit(logit(scores).reshape(-1, 1), labels)
        return {"method": "platt", "a": float(model.coef_[0][0]), "b": float(model.intercept_[0])}
    raise ScriptError(f"unknown calibration method {method!r}; choose {' or '.join(METHODS)}")


def apply_calibration(calibrator: dict[str, Any], scores: Any) -> Any:
    """Calibrated probabilities for `scores`, by a calibrator `fit_calibration` returned."""
    scores = np.asarray(scores, dtype=float)
    if calibrator["method"] == "isotonic":
        out = np.interp(scores, np.asarray(calibrator["x"]), np.asarray(calibrator["y"]))
    elif calibrator["method"] == "platt":
        out = 1.0 / (1.0 + np.exp(-(calibrator["a"] * logit(scores) + calibrator["b"])))
    else:
        raise ScriptError(f"unknown calibration method {calibrator['method']!r}")
    return np.clip(out, 0.0, 1.0)


def expected_calibration_error(labels: Any, scores: Any, n_bins: int) -> tuple[float, list[dict[str, Any]]]:
    """ECE over equal-width bins of the score, and the reliability table."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(scores, edges[1:-1], right=False), 0, n_bins - 1)
    table = []
    error = 0.0
    for b in range(n_bins):
        inside = which == b
        count = int(inside.sum())
        row: dict[str, Any] = {"lower": round(float(edges[b]), 6), "upper": round(float(edges[b + 1]), 6)}
        row["count"] = count
        if count:
            mean_score, rate = float(scores[inside].mean()), float(labels[inside].mean())
            error += count / len(scores) * abs(mean_score - rate)
            row.update(mean_score=round(mean_score, 6), positive_rate=round(rate, 6))
        table.append(row)
    return float(error), table


def quality(labels: Any, scores: Any, n_bins: int) -> dict[str, Any]:
    ece, table = expected_calibration_error(labels, scores, n_bins)
    return {
        "brier_score": round(float(brier_score_loss(labels, scores)), 6),
        "log_loss": round(float(log_loss(labels, np.clip(scores, 1e-15, 1 - 1e-15), labels=[0, 1])), 6),
        "expected_calibration_error": round(ece, 6),
        "reliability": table,
    }


# ---------------------------------------------------------------- input and output


def read_frame(folder: Path) -> Any:
    if not folder.is_dir():
        raise ScriptError(f"predictions folder {folder} does not exist (is the step's 'predictions' input wired?)")
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


def column(frame: Any, name: str, role: str, option: str) -> Any:
    if name not in frame.columns:
        shown = ", ".join(str(c) for c in list(frame.columns)[:30])
        raise ScriptError(f"{role} column {name!r} is not in the predictions (columns: {shown}); set {option}")
    values = pd.to_numeric(frame[name], errors="coerce")
    if values.isna().any():
        raise ScriptError(f"{role} column {name!r} has missing or non-numeric values")
    return values.to_numpy(dtype=float)


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=SCRIPT, description=__doc__.splitlines()[0])
    parser.add_argument("--method", choices=METHODS, default="isotonic")
    parser.add_argument("--label-field", default="label")
    parser.add_argument("--score-field", default="prediction")
    parser.add_argument("--n-bins", type=int, default=10, help="bins of the reliability table (2 to 100)")
    parser.add_argument("--job-type", default=None, help="data chain (only recorded)")
    parser.add_argument("--input-dir", default=INPUT_ROOT, help=f"folder holding '{INPUT_NAME}/'")
    parser.add_argument("--output-dir", default=OUTPUT_ROOT, help="folder receiving the outputs")
    args = parser.parse_args(argv)
    if not 2 <= args.n_bins <= 100:
        parser.error(f"--n-bins must be between 2 and 100, got {args.n_bins}")
    return args


def run(args: argparse.Namespace) -> dict[str, Any]:
    frame = read_frame(Path(args.input_dir) / INPUT_NAME)
    labels = column(frame, args.label_field, "label", "--label-field (config label_field)")
    scores = column(frame, args.score_field, "score", "--score-field (config score_field)")
    if not np.isin(labels, [0, 1]).all():
        raise ScriptError(f"label column {args.label_field!r} must hold 0 and 1")
    if len(np.unique(labels)) < 2:
        raise ScriptError(f"the predictions hold only class {int(labels[0])}; a calibrator needs both classes")
    if scores.min() < 0 or scores.max() > 1:
        raise ScriptError(
            f"score column {args.score_field!r} must hold probabilities in [0, 1] "
            f"(found {scores.min():.4g} to {scores.max():.4g})"
        )
    labels = labels.astype(int)
    calibrator = fit_calibration(scores, labels, args.method)
    calibrated = apply_calibration(calibrator, scores)
    before, after = quality(labels, scores, args.n_bins), quality(labels, calibrated, args.n_bins)
    document = {
        "method": args.method,
        "records": len(labels),
        "positives": int(labels.sum()),
        "in_sample": True,
        "job_type": args.job_type,
        "before": before,
        "after": after,
        "metrics": {
            "brier_score": {"value": after["brier_score"]},
            "expected_calibration_error": {"value": after["expected_calibration_error"]},
        },
    }
    calibrator.update(label_field=args.label_field, score_field=args.score_field, records=len(labels))
    outputs = Path(args.output_dir)
    write_atomic(outputs / MODEL_OUTPUT / MODEL_FILE, json.dumps(calibrator, indent=2, sort_keys=True) + "\n")
    write_atomic(outputs / METRICS_OUTPUT / METRICS_FILE, json.dumps(document, indent=2, sort_keys=True) + "\n")
    print(
        f"{SCRIPT}: {args.method} on {len(labels)} records; brier {before['brier_score']} -> {after['brier_score']}, "
        f"ECE {before['expected_calibration_error']} -> {after['expected_calibration_error']}"
    )
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
