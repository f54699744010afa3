"""MissingValueImputation: fill missing values with imputers fitted on the training chain.

Runs in a SageMaker processing job (scikit-learn container); needs numpy and pandas.
Self-contained on purpose: the job receives this one file.

    input   /opt/ml/processing/input/input_data           CSV or Parquet (+ `_schema.json`)
            /opt/ml/processing/input/imputation_params    the training chain's fill values
                                                          (required on other chains)
    output  /opt/ml/processing/output/imputed_data/<split>.csv   (+ `_schema.json`)
            /opt/ml/processing/output/imputation_params/imputation_params.json

On the training chain (`--job-type training` or none) without an `imputation_params` input, the
fill values are fitted on the input: numeric columns by `--numeric-strategy` (median, mean or
constant), categorical ones by `--categorical-strategy` (most_frequent or constant);
`--fill-value` is the constant. With an `imputation_params` input (the other chains), its
values are applied as they are, so every chain is filled the same way. The label and id
columns are never filled. A column with no value at all in the fitting data is filled with 0
(numeric) or '__missing__' (categorical).
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

SCRIPT = "missing_value_imputation.py"
INPUT_ROOT = "/opt/ml/processing/input"
OUTPUT_ROOT = "/opt/ml/processing/output"
DATA_INPUT = "input_data"
PARAMS_INPUT = "imputation_params"
DATA_OUTPUT = "imputed_data"
PARAMS_OUTPUT = "imputation_params"
PARAMS_FILE = "imputation_params.json"
SCHEMA_FILE = "_schema.json"
MISSING_TOKEN = "__missing__"
FAILURE_FILE = Path("/opt/ml/output/message")


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


def fit(frame: Any, schema: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Fill values per column from `frame`."""
    numeric: dict[str, Any] = {}
    categorical: dict[str, Any] = {}
    for column in schema["features"]:
        values = frame[column]
        if column in schema["categorical"]:
            if args.categorical_strategy == "constant":
                categorical[column] = str(args.fill_value)
            else:
                modes = values.dropna().astype(str).mode()
                categorical[column] = str(sorted(modes)[0]) if len(modes) else MISSING_TOKEN
        else:
            numbers = pd.to_numeric(values, errors="coerce")
            if args.numeric_strategy == "constant":
                try:
                    numeric[column] = float(args.fill_value)
                except ValueError:
                    raise ScriptError(f"--fill-value {args.fill_value!r} is not a number for numeric columns") from None
            else:
                value = numbers.median() if args.numeric_strategy == "median" else numbers.mean()
                numeric[column] = 0.0 if pd.isna(value) else float(value)
    return {
        "numeric": numeric,
        "categorical": categorical,
        "numeric_strategy": args.numeric_strategy,
        "categorical_strategy": args.categorical_strategy,
        "label": schema["label"],
    }


def apply(frame: Any, params: dict[str, Any]) -> Any:
    filled = frame.copy()
    for column, value in params["numeric"].items():
        if column in filled.columns:
            filled[column] = pd.to_numeric(filled[column], errors="coerce").fillna(value)
    for column, value in params["categorical"].items():
        if column in filled.columns:
            filled[column] = filled[column].where(filled[column].notna(), value)
    return filled


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=SCRIPT, description=__doc__.splitlines()[0])
    parser.add_argument("--label-field", default=None, help="label column (default: the data's schema, else 'label')")
    parser.add_argument("--numeric-strategy", choices=("mean", "median", "constant"), default="median")
    parser.add_argument("--categorical-strategy", choices=("most_frequent", "constant"), default="most_frequent")
    parser.add_argument("--fill-value", default=None, help="the value of a 'constant' strategy")
    parser.add_argument("--job-type", default=None, help="data chain: training fits, the others apply")
    parser.add_argument("--input-dir", default=INPUT_ROOT)
    parser.add_argument("--output-dir", default=OUTPUT_ROOT)
    args = parser.parse_args(argv)
    if "constant" in (args.numeric_strategy, args.categorical_strategy) and args.fill_value is None:
        parser.error("--fill-value is required with a 'constant' strategy")
    return args


def run(args: argparse.Namespace) -> dict[str, Any]:
    inputs, outputs = Path(args.input_dir), Path(args.output_dir)
    frame, schema = read_dataset(inputs / DATA_INPUT, args.label_field)
    params_path = inputs / PARAMS_INPUT / PARAMS_FILE
    if (inputs / PARAMS_INPUT).is_dir():
        if not params_path.is_file():
            raise ScriptError(f"{inputs / PARAMS_INPUT} has no {PARAMS_FILE}")
        params: dict[str, Any] = json.loads(params_path.read_text(encoding="utf-8"))
    elif args.job_type in (None, "", "training"):
        if len(frame) == 0:
            raise ScriptError(f"the data in {inputs / DATA_INPUT} has no records to fit the imputers on")
        params = fit(frame, schema, args)
    else:
        raise ScriptError(
            f"the {args.job_type!r} chain needs the input 'imputation_params' (the training chain's "
            "MissingValueImputation output), so that every chain is filled the same way"
        )
    filled = apply(frame, params)
    split = schema.get("split") or "data"
    schema_out = {**schema, "numeric_fill_values": params["numeric"], "records": len(filled)}
    write_atomic(outputs / DATA_OUTPUT / f"{split}.csv", filled.to_csv(index=False).encode())
    write_atomic(
        outputs / DATA_OUTPUT / SCHEMA_FILE, (json.dumps(schema_out, indent=2, sort_keys=True) + "\n").encode()
    )
    write_atomic(outputs / PARAMS_OUTPUT / PARAMS_FILE, (json.dumps(params, indent=2, sort_keys=True) + "\n").encode())
    missing = int(frame[schema["features"]].isna().sum().sum())
    print(f"{SCRIPT}: filled {missing} missing value(s) in {len(filled)} records")
    return params


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
