"""ModelExplainability: permutation feature importance of a trained model on held-out data.

Runs in a SageMaker processing job, in a container that has the model's framework (as
evaluation.py). Self-contained on purpose: the job receives this one file.

    input   /opt/ml/processing/input/model               model.tar.gz (or its unpacked files)
            /opt/ml/processing/input/evaluation_data     CSV or Parquet, with the label column
    output  /opt/ml/processing/output/explainability_report/explainability.json

A feature's importance is how much `--scoring` gets worse when that feature's values are
shuffled among the records (`--n-repeats` shuffles, seeded by `--seed`), on at most
`--max-samples` records: a positive importance means the model relies on the feature. The
report lists, per feature, the mean and standard deviation of that loss, sorted from the most
important, next to the unshuffled score:
    {"method": "permutation_importance", "scoring": "auc", "baseline": 0.91, "records": 900,
     "feature_importance": {"x1": {"mean": 0.21, "std": 0.01}, ...}, "ranking": ["x1", ...]}
The model must be a binary classifier, as for evaluation.py.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

SCRIPT = "model_explainability.py"
INPUT_ROOT = "/opt/ml/processing/input"
OUTPUT_ROOT = "/opt/ml/processing/output"
MODEL_INPUT = "model"
DATA_INPUT = "evaluation_data"
REPORT_OUTPUT = "explainability_report"
REPORT_FILE = "explainability.json"
METADATA_FILE = "specwire-model.json"
FAILURE_FILE = Path("/opt/ml/output/message")
BINARY_OBJECTIVES = {
    "xgboost": ("binary:logistic", "binary:logitraw", "binary:hinge", "reg:logistic"),
    "lightgbm": ("binary", "cross_entropy"),
    "pytorch": ("bce",),
}
#: Metric -> (score function of labels and probabilities, whether higher is better).
SCORERS: dict[str, tuple[Callable[[Any, Any], float], bool]] = {
    "auc": (lambda y, p: float(skm.roc_auc_score(y, p)), True),
    "pr_auc": (lambda y, p: float(skm.average_precision_score(y, p)), True),
    "precision": (lambda y, p: float(skm.precision_score(y, p >= 0.5, zero_division=0)), True),
    "recall": (lambda y, p: float(skm.recall_score(y, p >= 0.5, zero_division=0)), True),
    "f1": (lambda y, p: float(skm.f1_score(y, p >= 0.5, zero_division=0)), True),
    "accuracy": (lambda y, p: float(skm.accuracy_score(y, p >= 0.5)), True),
    "log_loss": (lambda y, p: float(skm.log_loss(y, np.clip(p, 1e-15, 1 - 1e-15), labels=[0, 1])), False),
    "brier_score": (lambda y, p: float(skm.brier_score_loss(y, p)), False),
}


class ScriptError(Exception):
    """A problem with the job's input or arguments, reported without a traceback."""


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


def report_failure(message: str) -> None:
    print(message, file=sys.stderr)
    if FAILURE_FILE.parent.is_dir():
        FAILURE_FILE.write_text(message[:1024], encoding="utf-8")


def importance(
    model: Any, metadata: dict[str, Any], x: Any, y: Any, scoring: str, n_repeats: int, seed: int
) -> tuple[float, dict[str, dict[str, float]]]:
    """The unshuffled score and each feature's mean and standard deviation of loss when shuffled."""
    scorer, higher = SCORERS[scoring]

    def loss(matrix: Any) -> float:
        return scorer(y, np.asarray(predict_scores(model, metadata, matrix), dtype=float).reshape(-1))

    baseline = loss(x)
    rng = np.random.default_rng(seed)
    result = {}
    for j, feature in enumerate(metadata["features"]):
        drops = []
        for _ in range(n_repeats):
            shuffled = x.copy()
            shuffled[:, j] = rng.permutation(shuffled[:, j])
            score = loss(shuffled)
            drops.append(baseline - score if higher else score - baseline)
        result[feature] = {"mean": round(float(np.mean(drops)), 6), "std": round(float(np.std(drops)), 6)}
    return baseline, result


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=SCRIPT, description=__doc__.splitlines()[0])
    parser.add_argument("--label-field", default=None, help="label column (default: the model's)")
    parser.add_argument("--scoring", choices=sorted(SCORERS), default="auc")
    parser.add_argument("--n-repeats", type=int, default=5)
    parser.add_argument("--max-samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model-framework", choices=sorted(BINARY_OBJECTIVES), default=None)
    parser.add_argument("--job-type", default=None, help="data chain (only recorded)")
    parser.add_argument("--input-dir", default=INPUT_ROOT)
    parser.add_argument("--output-dir", default=OUTPUT_ROOT)
    args = parser.parse_args(argv)
    if args.n_repeats < 1 or args.max_samples < 1:
        parser.error("--n-repeats and --max-samples must be at least 1")
    return args


def run(args: argparse.Namespace) -> dict[str, Any]:
    inputs = Path(args.input_dir)
    with tempfile.TemporaryDirectory(prefix="specwire-model-") as scratch:
        folder = model_folder(inputs / MODEL_INPUT, Path(scratch))
        metadata = load_metadata(folder)
        framework, objective = metadata["framework"], metadata["objective"]
        if args.model_framework and args.model_framework != framework:
            raise ScriptError(
                f"the step is configured for a {args.model_framework} model but received a {framework} "
                "model; set the explainability config's model_framework to match the training step"
            )
        if objective not in BINARY_OBJECTIVES.get(framework, ()):
            raise ScriptError(f"the model's objective {objective!r} ({framework}) is not a binary classifier")
        frame = read_frame(inputs / DATA_INPUT)
        if len(frame) > args.max_samples:
            frame = frame.sample(n=args.max_samples, random_state=args.seed)
        label = args.label_field or metadata["label"]
        y = binary_labels(frame, label, inputs / DATA_INPUT)
        if len(np.unique(y)) < 2 and args.scoring in ("auc", "pr_auc"):
            raise ScriptError(f"the data holds only class {int(y[0])}; {args.scoring} needs both classes")
        x = encode(frame, metadata["features"], metadata.get("categories", {})).to_numpy()
        model = load_model(folder, metadata)
        baseline, features = importance(model, metadata, x, y, args.scoring, args.n_repeats, args.seed)
    ranking = sorted(features, key=lambda f: (-features[f]["mean"], f))
    document = {
        "method": "permutation_importance",
        "scoring": args.scoring,
        "baseline": round(baseline, 6),
        "records": len(y),
        "n_repeats": args.n_repeats,
        "model_framework": framework,
        "job_type": args.job_type,
        "feature_importance": {f: features[f] for f in ranking},
        "ranking": ranking,
    }
    report = json.dumps(document, indent=2) + "\n"
    write_atomic(Path(args.output_dir) / REPORT_OUTPUT / REPORT_FILE, report)
    print(f"{SCRIPT}: {args.scoring} {baseline:.4f}; most important: {', '.join(ranking[:10])}")
    return document


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
