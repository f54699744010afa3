"""TabularPreprocessing: clean raw tabular data, fill missing values, split it for training.

Runs in a SageMaker processing job (scikit-learn container); needs numpy, pandas, scikit-learn
(and pyarrow for Parquet input). Self-contained on purpose: the job receives this one file.

    input   /opt/ml/processing/input/raw_data
    output  /opt/ml/processing/output/train_data/train.csv
            /opt/ml/processing/output/validation_data/validation.csv
            /opt/ml/processing/output/test_data/test.csv

What it does, in order:
1. reads every data file of the input (CSV, Parquet or JSON lines; see `--data-format`);
2. checks the label column (and `--id-field`, `--categorical-columns`) exist, naming the
   closest column when one is misspelt; drops records without a label; turns a boolean or
   'true'/'false' label into 1/0 and refuses a non-numeric one;
3. drops columns with no value at all, reads numbers stored as text as numbers, treats the
   remaining text columns (and the declared ones) as categorical;
4. drops duplicate records (`--drop-duplicates false` keeps them);
5. splits: on the training chain (`--job-type training` or none) into train / validation / test
   by `--train-ratio` and `--validation-ratio` (stratified by label when every class allows it,
   seeded by `--seed`); on another chain every record goes to one split: 'validation' to
   validation_data, any other job type ('testing', 'calibration', ...) to test_data;
6. fills missing values (unless `--impute false`): numeric columns with the median of the
   training split (of the chain's own data on other chains), categorical ones with the token
   '__missing__';
7. applies `--custom-transformations` (log, sqrt, standardize, min-max, clip outliers, one-hot;
   see `TRANSFORMATIONS`), fitted on the training split;
8. writes each split as CSV with a header, next to `_schema.json` (label, id, feature and
   categorical columns, fill values), which the training and evaluation scripts read. A split
   with no records is written as a header-only CSV so its consumers still find the columns.
   With an `--id-field`, the training split is also written without it as
   `_monitoring_baseline.csv` (label first, then the features): the layout Model Monitor compares a
   deployed model's captured records with (its output first, then what it received).

Output files are written to a temporary name and renamed, so a failed job leaves no half file.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

SCRIPT = "tabular_preprocessing.py"
INPUT_ROOT = "/opt/ml/processing/input"
OUTPUT_ROOT = "/opt/ml/processing/output"
INPUT_NAME = "raw_data"
#: Output logical name -> (file name, split name).
OUTPUTS = {"train_data": "train", "validation_data": "validation", "test_data": "test"}
SCHEMA_FILE = "_schema.json"
#: With an id column, the training split also as a data-quality baseline reads it: the label first,
#: then the features in the model's order, no id (what a deployed model receives, its output first).
MONITORING_BASELINE_FILE = "_monitoring_baseline.csv"
MISSING_TOKEN = "__missing__"
FAILURE_FILE = Path("/opt/ml/output/message")

FORMATS = ("csv", "parquet", "json")
SUFFIXES = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".snappy.parquet": "parquet",
    ".json": "json",
    ".jsonl": "json",
    ".json.gz": "json",
    ".jsonl.gz": "json",
}
TRUE_WORDS = {"true", "t", "yes", "y"}
FALSE_WORDS = {"false", "f", "no", "n"}


class ScriptError(Exception):
    """A problem with the job's input or arguments, reported without a traceback."""


# ---------------------------------------------------------------- reading


def data_files(folder: Path) -> list[Path]:
    """Data files under `folder`, sorted, skipping names that start with '.' or '_'."""
    if not folder.is_dir():
        raise ScriptError(f"input folder {folder} does not exist (is the step's input wired?)")
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts)
    )
    if not files:
        raise ScriptError(f"no data files in {folder}")
    return files


def file_format(path: Path, default: str | None) -> str:
    name = path.name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return SUFFIXES[suffix]
    if default is None:
        raise ScriptError(f"cannot tell the format of {path.name!r} from its name; pass --data-format")
    return default


def read_table(folder: Path, data_format: str | None = None) -> Any:
    """Every data file under `folder`, as one DataFrame."""
    frames = []
    for path in data_files(folder):
        fmt = file_format(path, data_format)
        try:
            if fmt == "csv":
                frames.append(pd.read_csv(path, low_memory=False))
            elif fmt == "parquet":
                frames.append(pd.read_parquet(path))
            else:
                frames.append(pd.read_json(path, lines=True))
        except Exception as exc:  # pandas raises many types for unreadable files
            raise ScriptError(f"{path.name} does not read as {fmt}: {type(exc).__name__}: {exc}") from exc
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def require_column(frame: Any, column: str, role: str, option: str) -> None:
    columns = [str(c) for c in frame.columns]
    if column in columns:
        return
    close = difflib.get_close_matches(column, columns, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    shown = ", ".join(repr(c) for c in columns[:30]) + (" ..." if len(columns) > 30 else "")
    raise ScriptError(f"{role} column {column!r} is not in the data (columns: {shown}).{hint} Set {option}.")


# ---------------------------------------------------------------- cleaning


def clean_label(frame: Any, label: str) -> Any:
    """Drop records without a label; make the label numeric."""
    missing = int(frame[label].isna().sum())
    if missing:
        print(f"{SCRIPT}: dropping {missing} record(s) without a value in {label!r}")
        frame = frame[frame[label].notna()].reset_index(drop=True)
    if len(frame) == 0:
        raise ScriptError(f"no record has a value in the label column {label!r}")
    values = frame[label]
    if pd.api.types.is_bool_dtype(values):
        frame[label] = values.astype(int)
        return frame
    if pd.api.types.is_numeric_dtype(values):
        return frame
    text = values.astype(str).str.strip().str.lower()
    if text.isin(TRUE_WORDS | FALSE_WORDS).all():
        frame[label] = text.isin(TRUE_WORDS).astype(int)
        return frame
    numbers = pd.to_numeric(values, errors="coerce")
    bad = values[numbers.isna()]
    if len(bad):
        examples = ", ".join(repr(v) for v in pd.unique(bad)[:3])
        raise ScriptError(
            f"label column {label!r} holds values that are not numbers ({examples}); "
            "map the classes to numbers (0/1 for binary classification) before this step"
        )
    frame[label] = numbers
    return frame


def column_types(frame: Any, label: str, id_field: str | None, declared: Sequence[str]) -> tuple[Any, list[str]]:
    """Drop empty columns, read numeric text as numbers; return the frame and its categorical columns."""
    keep = {label, id_field}
    empty = [c for c in frame.columns if c not in keep and frame[c].isna().all()]
    if empty:
        print(f"{SCRIPT}: dropping column(s) with no value: {', '.join(map(str, empty))}")
        frame = frame.drop(columns=empty)
    categorical = []
    for column in frame.columns:
        if column in keep:
            continue
        values = frame[column]
        if column in declared:
            frame[column] = values.where(values.isna(), values.astype(str))
            categorical.append(column)
        elif pd.api.types.is_bool_dtype(values):
            frame[column] = values.astype(float)
        elif not pd.api.types.is_numeric_dtype(values):
            numbers = pd.to_numeric(values, errors="coerce")
            if numbers.notna().sum() == values.notna().sum():
                frame[column] = numbers
            else:
                frame[column] = values.where(values.isna(), values.astype(str))
                categorical.append(column)
    return frame, categorical


# ---------------------------------------------------------------- splitting


def split_frame(frame: Any, label: str, train_ratio: float, validation_ratio: float, seed: int) -> dict[str, Any]:
    """Train / validation / test, stratified by label when every class has enough records."""
    if not 0 < train_ratio < 1 or not 0 <= validation_ratio < 1 or train_ratio + validation_ratio >= 1:
        raise ScriptError(
            f"--train-ratio {train_ratio} and --validation-ratio {validation_ratio} must leave a test split "
            "(0 < train_ratio, 0 <= validation_ratio, train_ratio + validation_ratio < 1)"
        )
    if len(frame) < 3:
        raise ScriptError(f"only {len(frame)} record(s) after cleaning; a train/validation/test split needs more")

    def cut(part: Any, share: float) -> tuple[Any, Any]:
        if share <= 0:
            return part.iloc[:0], part
        strata = part[label] if part[label].nunique() <= 50 else None
        try:
            first, second = train_test_split(part, test_size=1 - share, random_state=seed, stratify=strata)
        except ValueError:  # a class too small to stratify: split at random
            first, second = train_test_split(part, test_size=1 - share, random_state=seed)
        return first, second

    train, rest = cut(frame, train_ratio)
    validation, test = cut(rest, validation_ratio / (1 - train_ratio))
    return {"train": train, "validation": validation, "test": test}


def chain_splits(frame: Any, args: argparse.Namespace) -> dict[str, Any]:
    job = args.job_type
    if job in (None, "", "training"):
        return split_frame(frame, args.label_field, args.train_ratio, args.validation_ratio, args.seed)
    target = "validation" if job == "validation" else "test"
    return {name: frame if name == target else frame.iloc[:0] for name in OUTPUTS.values()}


def impute(splits: dict[str, Any], numeric: Sequence[str], categorical: Sequence[str]) -> dict[str, float]:
    """Fill missing values in place; return the numeric fill values."""
    basis = splits["train"] if len(splits["train"]) else pd.concat(list(splits.values()))
    fills: dict[str, float] = {}
    for column in numeric:
        median = basis[column].median()
        fills[column] = 0.0 if pd.isna(median) else float(median)
    for name, part in splits.items():
        part = part.copy()
        for column in numeric:
            part[column] = part[column].fillna(fills[column])
        for column in categorical:
            part[column] = part[column].fillna(MISSING_TOKEN)
        splits[name] = part
    return fills


# ---------------------------------------------------------------- custom transformations

#: The column transformations `--custom-transformations` applies, after imputation, in the order
#: given. Each is `name` (every numeric feature; every categorical one for one_hot_encode) or
#: `name:column`. Fitted values (means, ranges, percentiles, categories) come from the training
#: split, else from the chain's own data, and are written to `_schema.json`.
TRANSFORMATIONS = {
    "log_transform": "sign(x) * log(1 + |x|): tames long-tailed amounts",
    "sqrt_transform": "sign(x) * sqrt(|x|)",
    "standardize": "(x - mean) / std of the training split",
    "min_max_scale": "(x - min) / (max - min) of the training split, clipped to [0, 1]",
    "clip_outliers": "clipped to the 1st and 99th percentiles of the training split",
    "one_hot_encode": "a categorical column becomes one 0/1 column per category seen in training",
}


def parse_transformations(text: str) -> list[tuple[str, str | None]]:
    """'log_transform,clip_outliers:amount' -> [('log_transform', None), ('clip_outliers', 'amount')]."""
    steps: list[tuple[str, str | None]] = []
    for item in parse_columns(text):
        name, _, column = item.partition(":")
        name = name.strip()
        if name not in TRANSFORMATIONS:
            close = difflib.get_close_matches(name, list(TRANSFORMATIONS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(TRANSFORMATIONS)})"
            raise argparse.ArgumentTypeError(f"unknown transformation {name!r}{hint}")
        steps.append((name, column.strip() or None))
    return steps


def transform(
    splits: dict[str, Any], steps: Sequence[tuple[str, str | None]], numeric: list[str], categorical: list[str]
) -> tuple[list[str], list[str], dict[str, Any]]:
    """Apply the transformations to every split in place; return the new numeric and categorical
    feature columns and what was fitted."""
    fitted: dict[str, Any] = {}
    for name, column in steps:
        basis = splits["train"] if len(splits["train"]) else pd.concat(list(splits.values()))
        pool = categorical if name == "one_hot_encode" else numeric
        columns = [column] if column else list(pool)
        for col in columns:
            if col not in pool:
                kind = "categorical" if name == "one_hot_encode" else "numeric"
                close = difflib.get_close_matches(col, pool, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ScriptError(f"--custom-transformations {name}:{col}: {col!r} is not a {kind} feature{hint}")
        for col in columns:
            values = basis[col]
            if name == "one_hot_encode":
                categories = sorted(str(v) for v in values.dropna().unique())
                fitted[f"{name}:{col}"] = categories
                indicators = [f"{col}={c}" for c in categories]
                for key, part in splits.items():
                    part = part.copy()
                    for category, indicator in zip(categories, indicators, strict=True):
                        part[indicator] = (part[col].astype(str) == category).astype(float)
                    splits[key] = part.drop(columns=[col])
                categorical.remove(col)
                numeric.extend(indicators)
                continue
            if name == "standardize":
                mean, std = float(values.mean()), float(values.std(ddof=0))
                std = std if std > 0 and np.isfinite(std) else 1.0
                fitted[f"{name}:{col}"] = {"mean": mean, "std": std}
            elif name == "min_max_scale":
                low, high = float(values.min()), float(values.max())
                fitted[f"{name}:{col}"] = {"min": low, "max": high}
            elif name == "clip_outliers":
                low, high = float(values.quantile(0.01)), float(values.quantile(0.99))
                fitted[f"{name}:{col}"] = {"low": low, "high": high}
            for key, part in splits.items():
                x = part[col].astype(float)
                if name == "log_transform":
                    y = np.sign(x) * np.log1p(np.abs(x))
                elif name == "sqrt_transform":
                    y = np.sign(x) * np.sqrt(np.abs(x))
                elif name == "standardize":
                    y = (x - mean) / std
                elif name == "min_max_scale":
                    y = ((x - low) / (high - low) if high > low else x * 0.0).clip(0.0, 1.0)
                else:
                    y = x.clip(low, high)
                part = part.copy()
                part[col] = y
                splits[key] = part
    return numeric, categorical, fitted


# ---------------------------------------------------------------- writing


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


def parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def parse_columns(text: str) -> list[str]:
    """A JSON list of column names, or names separated by commas."""
    text = text.strip()
    if text.startswith("["):
        try:
            names = json.loads(text)
        except json.JSONDecodeError as exc:
            raise argparse.ArgumentTypeError(f"not a JSON list: {exc}") from exc
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise argparse.ArgumentTypeError("expected a JSON list of column names")
        return names
    return [name.strip() for name in text.split(",") if name.strip()]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=SCRIPT, description=__doc__.splitlines()[0])
    parser.add_argument("--label-field", default="label", help="column holding the target")
    parser.add_argument("--id-field", default=None, help="column identifying a record (kept, never a feature)")
    parser.add_argument("--categorical-columns", type=parse_columns, default=[], help="'a,b' or a JSON list")
    parser.add_argument("--train-ratio", type=float, default=0.7)
    parser.add_argument("--validation-ratio", type=float, default=0.15)
    parser.add_argument("--drop-duplicates", type=parse_bool, default=True)
    parser.add_argument("--impute", type=parse_bool, default=True)
    parser.add_argument("--job-type", default=None, help="data chain: training (split) or another (no split)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--custom-transformations", type=parse_transformations, default=[],
                        help="'log_transform,clip_outliers:amount': " + ", ".join(TRANSFORMATIONS))
    parser.add_argument("--data-format", choices=FORMATS, default=None, help="format of files with no known suffix")
    parser.add_argument("--input-dir", default=INPUT_ROOT, help=f"folder holding '{INPUT_NAME}/'")
    parser.add_argument("--output-dir", default=OUTPUT_ROOT, help="folder receiving one folder per split")
    args = parser.parse_args(argv)
    if args.id_field == "":
        args.id_field = None
    return args


def run(args: argparse.Namespace) -> dict[str, int]:
    frame = read_table(Path(args.input_dir) / INPUT_NAME, args.data_format)
    frame.columns = [str(c).strip() for c in frame.columns]
    twice = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if twice:
        raise ScriptError(f"column name(s) {twice} appear more than once")
    label, id_field = args.label_field, args.id_field
    require_column(frame, label, "label", "--label-field (config label_field)")
    if id_field is not None:
        require_column(frame, id_field, "id", "--id-field (config id_field)")
        if id_field == label:
            raise ScriptError(f"--id-field and --label-field both name {label!r}")
    for column in args.categorical_columns:
        require_column(frame, column, "categorical", "--categorical-columns (config categorical_columns)")
        if column in (label, id_field):
            raise ScriptError(f"{column!r} is the label or id column; it cannot be a categorical feature")

    frame = clean_label(frame, label)
    frame, categorical = column_types(frame, label, id_field, args.categorical_columns)
    if args.drop_duplicates:
        before = len(frame)
        frame = frame.drop_duplicates().reset_index(drop=True)
        if len(frame) < before:
            print(f"{SCRIPT}: dropped {before - len(frame)} duplicate record(s)")
    features = [c for c in frame.columns if c not in (label, id_field)]
    if not features:
        raise ScriptError(f"the data has no feature column besides {label!r}")
    numeric = [c for c in features if c not in categorical]

    splits = chain_splits(frame, args)
    fills = impute(splits, numeric, categorical) if args.impute else {}
    fitted: dict[str, Any] = {}
    if args.custom_transformations:
        numeric, categorical, fitted = transform(splits, args.custom_transformations, numeric, categorical)
        features = [c for c in features if c in numeric or c in categorical]
        features += [c for c in numeric if c not in features]
    order = ([id_field] if id_field else []) + [label, *features]
    counts = {}
    for output, split in OUTPUTS.items():
        part = splits[split][order]
        schema = {
            "label": label,
            "id": id_field,
            "features": features,
            "categorical": categorical,
            "job_type": args.job_type,
            "split": split,
            "records": len(part),
            "numeric_fill_values": fills,
            "categorical_fill_value": MISSING_TOKEN if args.impute else None,
            "transformations": [f"{n}:{c}" if c else n for n, c in args.custom_transformations],
            "fitted": fitted,
        }
        folder = Path(args.output_dir) / output
        write_atomic(folder / f"{split}.csv", part.to_csv(index=False))
        if id_field and split == "train":
            write_atomic(folder / MONITORING_BASELINE_FILE, part[[label, *features]].to_csv(index=False))
        write_atomic(folder / SCHEMA_FILE, json.dumps(schema, indent=2, sort_keys=True) + "\n")
        counts[split] = len(part)
    positives = {k: float(np.mean(v[label])) if len(v) else None for k, v in splits.items()}
    print(f"{SCRIPT}: records per split {counts}; label mean per split {positives}")
    return counts


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
