"""DataLoading: copy raw tabular files into the pipeline's workspace, after checking they read.

Runs in a SageMaker processing job (scikit-learn container); needs only pandas (and pyarrow
for Parquet). Self-contained on purpose: the job receives this one file, not specwire.

    input   /opt/ml/processing/input/data        the source (config `source_s3_uri`)
    output  /opt/ml/processing/output/raw_data   the same files, unchanged (spec output `raw_data`)

Arguments: `--data-format csv|parquet|json` (config `data_format`; JSON means JSON lines); files
with no known suffix are read as that format. `--input-dir` / `--output-dir` move the two roots
(tests run the script on temporary folders). Names starting with '.' or '_' (`_SUCCESS`,
`.crc`) are skipped. Every file must read as a table with at least one row, and all files must
have the same columns; otherwise the job fails naming the file, and writes nothing.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

SCRIPT = "data_loading.py"
INPUT_ROOT = "/opt/ml/processing/input"
OUTPUT_ROOT = "/opt/ml/processing/output"
INPUT_NAME = "data"
OUTPUT_NAME = "raw_data"
#: SageMaker shows the first 1 KB of this file as the processing job's ExitMessage.
FAILURE_FILE = Path("/opt/ml/output/message")

FORMATS = ("csv", "parquet", "json")
SUFFIXES = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".snappy.parquet": "parquet",
    ".json": "json",
    ".jsonl": "json",
    ".json.gz": "json",
    ".jsonl.gz": "json",
}


class ScriptError(Exception):
    """A problem with the job's input or arguments, reported without a traceback."""


def file_format(path: Path, default: str | None) -> str:
    name = path.name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return SUFFIXES[suffix]
    if default is None:
        raise ScriptError(
            f"cannot tell the format of {path.name!r} from its name; "
            f"pass --data-format ({', '.join(FORMATS)}) or name files *.csv, *.parquet or *.jsonl"
        )
    return default


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


def read_file(path: Path, fmt: str) -> Any:
    """One file as a DataFrame."""
    try:
        if fmt == "csv":
            sep = "\t" if path.name.lower().endswith(".tsv") else ","
            return pd.read_csv(path, sep=sep, low_memory=False)
        if fmt == "parquet":
            return pd.read_parquet(path)
        return pd.read_json(path, lines=True)
    except ImportError as exc:
        raise ScriptError(f"cannot read {path.name} as {fmt}: {exc}") from exc
    except Exception as exc:  # pandas raises many types for unreadable files
        raise ScriptError(f"{path.name} does not read as {fmt}: {type(exc).__name__}: {exc}") from exc


def check_files(folder: Path, data_format: str | None) -> tuple[list[Path], int, list[str]]:
    """Read every file; return the files, the record count and the shared columns."""
    files = data_files(folder)
    columns: list[str] | None = None
    first = ""
    rows = 0
    for path in files:
        frame = read_file(path, file_format(path, data_format))
        name = str(path.relative_to(folder))
        if len(frame) == 0:
            raise ScriptError(f"{name} holds no records")
        these = [str(c) for c in frame.columns]
        if columns is None:
            columns, first = these, name
        elif these != columns:
            missing = sorted(set(columns) - set(these))
            extra = sorted(set(these) - set(columns))
            raise ScriptError(
                f"{name} does not have the columns of {first}: missing {missing or 'none'}, extra {extra or 'none'}"
                + ("" if missing or extra else " (same names, another order)")
            )
        rows += len(frame)
    assert columns is not None
    return files, rows, columns


def copy_files(folder: Path, files: Sequence[Path], target: Path) -> None:
    """Copy `files` (under `folder`) to `target`, keeping relative paths; all or nothing."""
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target))
    try:
        for path in files:
            dest = staging / path.relative_to(folder)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
        for item in sorted(staging.iterdir()):
            final = target / item.name
            if final.is_dir():
                shutil.rmtree(final)
            item.replace(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=SCRIPT, description=__doc__.splitlines()[0])
    parser.add_argument("--data-format", choices=FORMATS, default=None, help="format of files with no known suffix")
    parser.add_argument("--input-dir", default=INPUT_ROOT, help=f"folder holding '{INPUT_NAME}/'")
    parser.add_argument("--output-dir", default=OUTPUT_ROOT, help=f"folder receiving '{OUTPUT_NAME}/'")
    parser.add_argument("--job-type", default=None, help="data chain (only logged)")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> None:
    source = Path(args.input_dir) / INPUT_NAME
    files, rows, columns = check_files(source, args.data_format)
    copy_files(source, files, Path(args.output_dir) / OUTPUT_NAME)
    print(f"{SCRIPT}: copied {len(files)} file(s), {rows} records, {len(columns)} columns: {', '.join(columns[:20])}")


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
