"""The code specwire's steps run inside SageMaker containers.

Each script is one self-contained file: a processing job receives exactly that file, so the
scripts import nothing from specwire and share no module (the few helpers they have in common
are copied, and a test keeps the copies equal). They depend only on what SageMaker's
containers hold: numpy, pandas and scikit-learn, plus xgboost, lightgbm or torch where the
framework needs it. Each runs as `python <script> --help` and has a `main(argv) -> int`.

Conventions (the builders rely on them):

- Processing scripts read each dependency from `/opt/ml/processing/input/<logical name>` and
  write each output to `/opt/ml/processing/output/<logical name>`, the names of the step's spec
  (DataLoading, which has no dependency, reads `/opt/ml/processing/input/data`).
  `--input-dir` / `--output-dir` move the two roots; config fields arrive as `--kebab-case`
  arguments (`--label-field`, `--job-type`, ...); see each script's docstring.
- Training scripts read the channels `training_data` and `validation_data` (the spec's
  dependency names; `train` and `validation` are read too) from SM_CHANNEL_<NAME>, take the
  hyperparameters as `--name value` exactly as `Hyperparameters.to_sagemaker()` emits them,
  and write the model and `specwire-model.json` to SM_MODEL_DIR. They log
  `validation:<metric>=<value>;`, which `metric_regex` matches for tuning jobs.
- A failure exits with code 2 and one line naming the column, file or argument at fault; in a
  SageMaker job the same line goes to /opt/ml/output/message (processing) or
  /opt/ml/output/failure (training), which SageMaker shows as the job's failure reason.
- `inference.py` holds the serving handlers (`model_fn`, `input_fn`, `predict_fn`,
  `output_fn`) of every model the training scripts write, for the framework containers.
- ModelEvaluation writes evaluation.json; a QualityGate reads metric M at the JsonGet path
  `metrics.M.value` (`quality_gate_json_path`).
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

#: Step type -> the script its job runs (the file name is also the configs' `entry_point` default).
#: HyperparameterTuning runs the training script of its framework; CreateModel and
#: ModelRegistration package `inference.py` with the model (BatchTransform runs that model);
#: QualityGate runs no code.
SCRIPTS: dict[str, str] = {
    "DataLoading": "data_loading.py",
    "TabularPreprocessing": "tabular_preprocessing.py",
    "MissingValueImputation": "missing_value_imputation.py",
    "FeatureSelection": "feature_selection.py",
    "XGBoostTraining": "xgboost_train.py",
    "LightGBMTraining": "lightgbm_train.py",
    "PyTorchTraining": "pytorch_train.py",
    "ModelEvaluation": "evaluation.py",
    "ModelCalibration": "calibration.py",
    "ModelExplainability": "model_explainability.py",
    "CreateModel": "inference.py",
    "ModelRegistration": "inference.py",
}

#: Framework -> its training script (what a HyperparameterTuning step runs).
TRAINING_SCRIPTS: dict[str, str] = {
    "xgboost": "xgboost_train.py",
    "lightgbm": "lightgbm_train.py",
    "pytorch": "pytorch_train.py",
}

#: Script -> a pip requirements file to install with it (its container lacks the library).
REQUIREMENTS: dict[str, str] = {"lightgbm_train.py": "lightgbm_requirements.txt"}

PROCESSING_INPUT_ROOT = "/opt/ml/processing/input"
PROCESSING_OUTPUT_ROOT = "/opt/ml/processing/output"
#: Where DataLoading reads its source (config `source_s3_uri`): PROCESSING_INPUT_ROOT/<this>.
DATA_LOADING_INPUT = "data"
#: With an id column, the file of TabularPreprocessing's `train_data` output a data-quality check reads.
MONITORING_BASELINE_FILE = "_monitoring_baseline.csv"
#: The file ModelEvaluation writes in its `evaluation_report` output.
EVALUATION_REPORT_FILE = "evaluation.json"
#: The file ModelExplainability writes in its `explainability_report` output.
EXPLAINABILITY_REPORT_FILE = "explainability.json"
#: The file ModelCalibration writes in its `calibration_metrics` output.
CALIBRATION_METRICS_FILE = "calibration_metrics.json"


def script_path(name: str) -> Path:
    """The shipped file of a script, by step type ('XGBoostTraining') or file name ('xgboost_train.py')."""
    file_name = SCRIPTS.get(name, name)
    shipped = {*SCRIPTS.values(), *REQUIREMENTS.values()}
    if file_name not in shipped:
        known = ", ".join(sorted(SCRIPTS))
        raise KeyError(f"no specwire script for {name!r}; step types with a script: {known}")
    return Path(str(resources.files(__name__).joinpath(file_name)))


def processing_input(logical_name: str) -> str:
    """Container folder of a processing step's dependency."""
    return f"{PROCESSING_INPUT_ROOT}/{logical_name}"


def processing_output(logical_name: str) -> str:
    """Container folder of a processing step's output."""
    return f"{PROCESSING_OUTPUT_ROOT}/{logical_name}"


def metric_regex(metric: str) -> str:
    """The regex a tuning job's metric definition uses to read `metric` (e.g. 'validation:auc') from the logs."""
    return re.escape(metric) + r"=([-+0-9.eE]+|nan|inf)"


def quality_gate_json_path(metric: str) -> str:
    """Where metric `metric` is in evaluation.json, for `JsonGet(json_path=...)`."""
    return f"metrics.{metric}.value"
