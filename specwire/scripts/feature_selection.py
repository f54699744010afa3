"""FeatureSelection: keep the most informative features, chosen on the training chain.

Runs in a SageMaker processing job (scikit-learn container); needs numpy, pandas and
scikit-learn. Self-contained on purpose: the job receives this one file.

    input   /opt/ml/processing/input/input_data            CSV or Parquet (+ `_schema.json`)
            /opt/ml/processing/input/selected_features     the training chain's choice
                                                           (required on other chains)
    output  /opt/ml/processing/output/selected_data/<split>.csv   (+ `_schema.json`)
            /opt/ml/processing/output/selected_features/selected_features.json

On the training chain (`--job-type training` or none) without a `selected_features` input,
every feature is scored against the label by `--method`: mutual_info (mutual information),
correlation (absolute Pearson correlation), chi2 (chi-squared of the features shifted to be
non-negative; made for counts, it favours features with large values) or variance (of the
feature itself; the label plays no part). The `--n-features` best are kept (ties broken by
name). With a `selected_features` input (the other chains) that list is applied. The label and
id columns are always kept; the kept features stay in their original order. Missing values are
filled with the median (numbers) or a code of their own (categories) for scoring only: the data
is written unchanged.
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
from sklearn.feature_selection import chi2, mutual_info_classif, mutual_info_regression

SCRIPT = "feature_selection.py"
INPUT_ROOT = "/opt/ml/processing/input"
OUTPUT_ROOT = "/opt/ml/processing/output"
DATA_INPUT = "input_data"
FEATURES_INPUT = "selected_features"
DATA_OUTPUT = "selected_data"
FEATURES_OUTPUT = "selected_features"
FEATURES_FILE = "selected_features.json"
SCHEMA_FILE = "_schema.json"
FAILURE_FILE = Path("/opt/ml/output/message")
METHODS = ("mutual_info", "variance", "correlation", "chi2")


class ScriptError(Exception):
    """A problem with the job's input or arguments, reported without a traceback."""


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


def report_failure(message: str) -> None:
    print(message, file=sys.stderr)
    if FAILURE_FILE.parent.is_dir():
        FAILURE_FILE.write_text(message[:1024], encoding="utf-8")


def scoring_matrix(frame: Any, schema: dict[str, Any]) -> Any:
    """Features as floats with no missing value: category codes (missing: a code of its own), medians."""
    categories = fit_categories(frame, schema["categorical"])
    x = encode(frame, schema["features"], categories)
    for column in x.columns:
        if column in categories:
            x[column] = x[column].fillna(len(categories[column]))
        else:
            median = x[column].median()
            x[column] = x[column].fillna(0.0 if pd.isna(median) else median)
    return x


def score(frame: Any, schema: dict[str, Any], method: str, seed: int) -> dict[str, float]:
    x = scoring_matrix(frame, schema)
    y = pd.to_numeric(frame[schema["label"]], errors="coerce")
    if y.isna().any():
        raise ScriptError(f"label column {schema['label']!r} has missing or non-numeric values")
    discrete = np.array([c in schema["categorical"] for c in x.columns])
    classes = y.nunique() <= 20 and bool((y == y.round()).all())
    if method == "mutual_info":
        if classes:
            values = mutual_info_classif(x.to_numpy(), y.astype(int), discrete_features=discrete, random_state=seed)
        else:
            values = mutual_info_regression(x.to_numpy(), y, discrete_features=discrete, random_state=seed)
    elif method == "variance":
        values = x.var(ddof=0).to_numpy()
    elif method == "correlation":
        with np.errstate(all="ignore"):
            values = np.nan_to_num(x.corrwith(y).abs().to_numpy())
    else:
        if not classes:
            raise ScriptError("chi2 scores features against classes; the label is not a class label")
        values, _ = chi2((x - x.min()).to_numpy(), y.astype(int))
        values = np.nan_to_num(values)
    return {column: round(float(values[i]), 8) for i, column in enumerate(x.columns)}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=SCRIPT, description=__doc__.splitlines()[0])
    parser.add_argument("--label-field", default=None, help="label column (default: the data's schema, else 'label')")
    parser.add_argument("--method", choices=METHODS, default="mutual_info")
    parser.add_argument("--n-features", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--job-type", default=None, help="data chain: training selects, the others apply")
    parser.add_argument("--input-dir", default=INPUT_ROOT)
    parser.add_argument("--output-dir", default=OUTPUT_ROOT)
    args = parser.parse_args(argv)
    if args.n_features < 1:
        parser.error("--n-features must be at least 1")
    return args


def run(args: argparse.Namespace) -> dict[str, Any]:
    inputs, outputs = Path(args.input_dir), Path(args.output_dir)
    frame, schema = read_dataset(inputs / DATA_INPUT, args.label_field)
    chosen_path = inputs / FEATURES_INPUT / FEATURES_FILE
    if (inputs / FEATURES_INPUT).is_dir():
        if not chosen_path.is_file():
            raise ScriptError(f"{inputs / FEATURES_INPUT} has no {FEATURES_FILE}")
        selection: dict[str, Any] = json.loads(chosen_path.read_text(encoding="utf-8"))
        absent = [c for c in selection["features"] if c not in frame.columns]
        if absent:
            raise ScriptError(f"selected feature(s) {absent} are not in the data of this chain")
    elif args.job_type in (None, "", "training"):
        if len(frame) < 2:
            raise ScriptError(f"the data in {inputs / DATA_INPUT} has too few records to score features")
        scores = score(frame, schema, args.method, args.seed)
        ranked = sorted(scores, key=lambda c: (-scores[c], c))[: args.n_features]
        selection = {
            "method": args.method,
            "features": [c for c in schema["features"] if c in ranked],
            "scores": scores,
            "label": schema["label"],
        }
    else:
        raise ScriptError(
            f"the {args.job_type!r} chain needs the input 'selected_features' (the training chain's "
            "FeatureSelection output), so that every chain keeps the same features"
        )
    kept = selection["features"]
    keep = ([schema["id"]] if schema["id"] in frame.columns else []) + [schema["label"], *kept]
    split = schema.get("split") or "data"
    schema_out = {
        **schema,
        "features": kept,
        "categorical": [c for c in schema["categorical"] if c in kept],
        "records": len(frame),
    }
    write_atomic(outputs / DATA_OUTPUT / f"{split}.csv", frame[keep].to_csv(index=False).encode())
    write_atomic(
        outputs / DATA_OUTPUT / SCHEMA_FILE, (json.dumps(schema_out, indent=2, sort_keys=True) + "\n").encode()
    )
    write_atomic(
        outputs / FEATURES_OUTPUT / FEATURES_FILE, (json.dumps(selection, indent=2, sort_keys=True) + "\n").encode()
    )
    print(f"{SCRIPT}: kept {len(kept)} of {len(schema['features'])} features: {', '.join(kept[:20])}")
    return selection


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
