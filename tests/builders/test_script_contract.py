"""The builders and the scripts agree: each built step runs a script of `specwire/scripts/` that accepts
the arguments (or hyperparameters) the definition passes and reads the inputs it is given."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from builders_support import Built, steps_by_name

from specwire.builders.uploads import builtin_scripts_dir


def script_module(entry_point: str) -> ModuleType:
    assert (builtin_scripts_dir() / entry_point).is_file(), f"no built-in script {entry_point}"
    try:
        return importlib.import_module(f"specwire.scripts.{Path(entry_point).stem}")
    except ModuleNotFoundError as exc:  # e.g. torch, which only the PyTorch container has
        pytest.skip(f"{entry_point} needs {exc.name}")


def hyperparameter_arguments(hyperparameters: dict[str, Any]) -> list[str]:
    """What the SageMaker training toolkit passes a script-mode entry point: `--name value` per
    hyperparameter, its own `sagemaker_*` ones left out."""
    args: list[str] = []
    for name, value in hyperparameters.items():
        if not name.startswith("sagemaker_"):
            args += [f"--{name}", str(value)]
    return args


def _check(built: Built) -> list[str]:
    steps = steps_by_name(built.definition)
    checked: list[str] = []
    for name, config in built.configs.items():
        step = steps[name]
        if step["Type"] == "Processing":
            args = step["Arguments"]
            module = script_module(config.entry_point)
            module.parse_args(args["AppSpecification"].get("ContainerArguments", []))
            inputs = {i["InputName"] for i in args["ProcessingInputs"]} - {"code"}
            source = Path(module.__file__ or "").read_text(encoding="utf-8")
            for input_name in inputs:  # each input folder is one the script names
                assert re.search(rf"['\"]{input_name}['\"]", source), (config.entry_point, input_name)
            checked.append(config.entry_point)
        elif step["Type"] in ("Training", "Tuning"):
            args = step["Arguments"]
            definition = args.get("TrainingJobDefinition", args)
            hyper = dict(definition.get("HyperParameters") or definition.get("StaticHyperParameters") or {})
            module = script_module(hyper["sagemaker_program"])
            module.parse_args(hyperparameter_arguments(hyper))
            for channel in definition["InputDataConfig"]:
                assert channel["ChannelName"] in ("training_data", "validation_data")
            checked.append(hyper["sagemaker_program"])
    return checked


def test_the_fraud_scripts_accept_what_the_definition_passes(fraud: Built) -> None:
    checked = _check(fraud)
    assert checked == ["data_loading.py", "tabular_preprocessing.py", "xgboost_train.py", "evaluation.py"]


def test_every_builtin_script_accepts_what_its_step_passes(everything: Built) -> None:
    checked = _check(everything)
    assert len(checked) >= 9


def test_models_serve_with_the_builtin_inference_script(fraud: Built) -> None:
    steps = steps_by_name(fraud.definition)
    env = steps["CreateModel"]["Arguments"]["PrimaryContainer"]["Environment"]
    config = fraud.configs["CreateModel"]
    assert env["SAGEMAKER_PROGRAM"] == config.entry_point == "inference.py"
    assert env["SAGEMAKER_SUBMIT_DIRECTORY"] == f"{config.node_s3_root}/code/sourcedir.tar.gz"
    module = script_module(config.entry_point)
    for handler in ("model_fn", "input_fn", "predict_fn", "output_fn"):
        assert callable(getattr(module, handler)), handler
