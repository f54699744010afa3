"""The scripts' contracts: file names the configs name, folders and channels the specs name,
arguments the builders pass, and self-containment (each runs alone in an older container Python)."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from scripts.scripts_support import make_dataset, write_raw
from specwire.builders.base import script_arguments
from specwire.configs.registry import config_class_for
from specwire.scripts import (
    SCRIPTS,
    TRAINING_SCRIPTS,
    calibration,
    data_loading,
    evaluation,
    feature_selection,
    inference,
    lightgbm_train,
    missing_value_imputation,
    model_explainability,
    pytorch_train,
    script_path,
    tabular_preprocessing,
    xgboost_train,
)
from specwire.specs.registry import load_registry

MODULES: dict[str, ModuleType] = {
    "DataLoading": data_loading,
    "TabularPreprocessing": tabular_preprocessing,
    "MissingValueImputation": missing_value_imputation,
    "FeatureSelection": feature_selection,
    "XGBoostTraining": xgboost_train,
    "LightGBMTraining": lightgbm_train,
    "PyTorchTraining": pytorch_train,
    "ModelEvaluation": evaluation,
    "ModelCalibration": calibration,
    "ModelExplainability": model_explainability,
    "CreateModel": inference,
    "ModelRegistration": inference,
}
#: What a script may import: the standard library, and the libraries of SageMaker's containers.
CONTAINER_LIBRARIES = {"numpy", "pandas", "sklearn", "xgboost", "lightgbm", "torch"}
PIPELINE = {
    "pipeline_name": "fraud",
    "region": "us-east-1",
    "role_arn": "arn:aws:iam::123456789012:role/SageMaker",
    "bucket": "ml-artifacts",
}


def test_every_script_is_the_entry_point_its_config_names() -> None:
    assert set(SCRIPTS) == set(MODULES)
    for step_type, file_name in SCRIPTS.items():
        assert config_class_for(step_type).model_fields["entry_point"].default == file_name
        assert script_path(step_type) == script_path(file_name)
        assert script_path(step_type).is_file()
        assert Path(MODULES[step_type].__file__ or "").name == file_name == MODULES[step_type].SCRIPT
    tuning = config_class_for("HyperparameterTuning")
    for framework, file_name in TRAINING_SCRIPTS.items():
        config = tuning.from_data({**PIPELINE, "framework": framework})
        assert config.entry_point == file_name


def test_unknown_script_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="no specwire script for 'QualityGate'"):
        script_path("QualityGate")


def test_folders_and_channels_are_the_specs_names() -> None:
    registry = load_registry()

    def names(step_type: str) -> tuple[set[str], set[str]]:
        spec = registry.get(step_type)
        return {d.logical_name for d in spec.dependencies}, {o.logical_name for o in spec.outputs}

    assert names("DataLoading") == (set(), {data_loading.OUTPUT_NAME})
    assert names("TabularPreprocessing") == ({tabular_preprocessing.INPUT_NAME}, set(tabular_preprocessing.OUTPUTS))
    assert names("ModelEvaluation") == (
        {evaluation.MODEL_INPUT, evaluation.DATA_INPUT},
        {evaluation.REPORT_OUTPUT, evaluation.PREDICTIONS_OUTPUT},
    )
    assert names("ModelCalibration") == (
        {calibration.INPUT_NAME},
        {calibration.MODEL_OUTPUT, calibration.METRICS_OUTPUT},
    )
    assert names("MissingValueImputation") == (
        {missing_value_imputation.DATA_INPUT, missing_value_imputation.PARAMS_INPUT},
        {missing_value_imputation.DATA_OUTPUT, missing_value_imputation.PARAMS_OUTPUT},
    )
    assert names("FeatureSelection") == (
        {feature_selection.DATA_INPUT, feature_selection.FEATURES_INPUT},
        {feature_selection.DATA_OUTPUT, feature_selection.FEATURES_OUTPUT},
    )
    assert names("ModelExplainability") == (
        {model_explainability.MODEL_INPUT, model_explainability.DATA_INPUT},
        {model_explainability.REPORT_OUTPUT},
    )
    for step_type in ("XGBoostTraining", "LightGBMTraining", "PyTorchTraining"):
        module = MODULES[step_type]
        assert names(step_type)[0] == {module.TRAIN_CHANNELS[0], module.VALIDATION_CHANNELS[0]}


@pytest.mark.parametrize(
    ("step_type", "fields"),
    [
        ("DataLoading", {"source_s3_uri": "s3://raw-data/fraud/", "data_format": "parquet"}),
        ("TabularPreprocessing", {"id_field": "txn_id", "categorical_columns": ["channel", "region"]}),
        ("TabularPreprocessing", {"job_type": "calibration", "drop_duplicates": False}),
        ("ModelEvaluation", {"metrics": ["auc", "brier_score"], "decision_threshold": 0.3}),
        ("ModelCalibration", {"method": "platt", "n_bins": 20}),
        ("MissingValueImputation", {"numeric_strategy": "constant", "fill_value": -1.0, "job_type": "testing"}),
        ("FeatureSelection", {"method": "chi2", "n_features": 3}),
        ("ModelExplainability", {"scoring": "log_loss", "n_repeats": 2, "max_samples": 500}),
    ],
)
def test_scripts_accept_the_arguments_the_builders_pass(step_type: str, fields: dict[str, Any]) -> None:
    config = config_class_for(step_type).from_data({**PIPELINE, **fields})
    args = MODULES[step_type].parse_args(script_arguments(config))
    for name, value in fields.items():
        if name == "fill_value":  # a number or a category: the script keeps the text
            assert float(args.fill_value) == value
        elif name != "source_s3_uri":
            assert getattr(args, name) == value, name


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            found.add((node.module or "").split(".")[0])
    return found


@pytest.mark.parametrize("file_name", sorted(SCRIPTS.values()))
def test_scripts_are_self_contained_and_run_on_older_pythons(file_name: str) -> None:
    path = script_path(file_name)
    outside = imports(path) - set(sys.stdlib_module_names) - CONTAINER_LIBRARIES
    assert not outside, f"{file_name} imports {outside}: the job receives only this file"
    # The SageMaker containers run Python 3.8 to 3.11: no newer syntax, and `X | Y` only in
    # annotations (which `from __future__ import annotations` leaves unevaluated).
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, feature_version=(3, 8))
    assert "from __future__ import annotations" in source
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("isinstance", "issubclass"):
            assert not isinstance(node.args[1], ast.BinOp), f"{file_name}:{node.lineno}: isinstance with X | Y"


#: Helpers each listed script carries a copy of; the copies must stay equal.
SHARED = {
    "channel_dir": [xgboost_train, lightgbm_train, pytorch_train],
    "read_dataset": [xgboost_train, lightgbm_train, pytorch_train, missing_value_imputation, feature_selection],
    "fit_categories": [xgboost_train, lightgbm_train, pytorch_train, feature_selection],
    "labels": [xgboost_train, lightgbm_train, pytorch_train],
    "encode": [
        xgboost_train,
        lightgbm_train,
        pytorch_train,
        evaluation,
        inference,
        feature_selection,
        model_explainability,
    ],
    "sigmoid": [evaluation, inference, model_explainability],
    "load_model": [evaluation, inference, model_explainability],
    "predict_scores": [evaluation, inference, model_explainability],
    "safe_extract": [evaluation, model_explainability],
    "model_folder": [evaluation, model_explainability],
    "read_frame": [evaluation, model_explainability],
    "binary_labels": [evaluation, model_explainability],
    "report_failure": [m for m in MODULES.values() if m is not inference],
    "data_files": [data_loading, tabular_preprocessing],
}


@pytest.mark.parametrize("helper", sorted(SHARED))
def test_copied_helpers_are_equal(helper: str) -> None:
    sources = {module.__name__: inspect.getsource(getattr(module, helper)) for module in SHARED[helper]}
    assert len(set(sources.values())) == 1, f"{helper} differs between {sorted(sources)}"


def test_help_of_every_script(capsys: pytest.CaptureFixture[str]) -> None:
    for module in {m for m in MODULES.values() if m is not inference}:
        with pytest.raises(SystemExit) as exit_info:
            module.parse_args(["--help"])
        assert exit_info.value.code == 0
        assert module.SCRIPT in capsys.readouterr().out


def test_a_script_runs_alone_as_the_container_runs_it(tmp_path: Path) -> None:
    """A copy of the file, in a folder without specwire, run as `python3 <script> ARGS`: its
    imports resolve, and bad input ends in exit code 2 and one line naming the column."""
    code = tmp_path / "code"
    code.mkdir()
    copy = code / "tabular_preprocessing.py"
    copy.write_bytes(script_path("TabularPreprocessing").read_bytes())
    write_raw(tmp_path / "input", make_dataset(120))
    command = [sys.executable, str(copy), "--input-dir", str(tmp_path / "input"), "--output-dir", str(tmp_path / "out")]
    bad = subprocess.run(
        [*command, "--label-field", "is_fraud"], cwd=code, capture_output=True, text=True, timeout=60, check=False
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "tabular_preprocessing.py: error: label column 'is_fraud' is not in the data (columns: 'txn_id', 'x1', "
        "'x2', 'noise', 'amount', 'channel', 'label'). Set --label-field (config label_field)."
    ]
    assert not (tmp_path / "out").exists()
