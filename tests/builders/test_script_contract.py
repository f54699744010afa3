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

from specwire.builders.code import builtin_scripts_dir


class MissingScript(Exception):
    pass


def script_module(entry_point: str) -> ModuleType:
    if not (builtin_scripts_dir() / entry_point).is_file():
        raise MissingScript(entry_point)
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


def _check(built: Built, missing: list[str] | None = None) -> list[str]:
    """The scripts checked; a script not in specwire/scripts fails, or is listed in `missing`."""
    steps = steps_by_name(built.definition)
    checked: list[str] = []
    for name, config in built.configs.items():
        try:
            checked += _check_step(steps[name], config)
        except MissingScript as exc:
            if missing is None:
                raise AssertionError(f"no built-in script {exc}") from None
            missing.append(str(exc))
    return checked


def _check_step(step: dict[str, Any], config: Any) -> list[str]:
    args = step["Arguments"]
    if step["Type"] == "Processing":
        module = script_module(config.entry_point)
        module.parse_args(args["AppSpecification"].get("ContainerArguments", []))
        inputs = {i["InputName"] for i in args["ProcessingInputs"]} - {"code"}
        source = Path(module.__file__ or "").read_text(encoding="utf-8")
        for input_name in inputs:  # each input folder is one the script names
            assert re.search(rf"['\"]{input_name}['\"]", source), (config.entry_point, input_name)
        return [config.entry_point]
    if step["Type"] in ("Training", "Tuning"):
        definition = args.get("TrainingJobDefinition", args)
        hyper = dict(definition.get("HyperParameters") or definition.get("StaticHyperParameters") or {})
        module = script_module(hyper["sagemaker_program"])
        module.parse_args(hyperparameter_arguments(hyper))
        for channel in definition["InputDataConfig"]:
            assert channel["ChannelName"] in ("training_data", "validation_data")
        return [hyper["sagemaker_program"]]
    return []


def test_the_fraud_scripts_accept_what_the_definition_passes(fraud: Built) -> None:
    checked = _check(fraud)
    assert checked == ["data_loading.py", "tabular_preprocessing.py", "xgboost_train.py", "evaluation.py"]


def test_every_builtin_script_accepts_what_its_step_passes(everything: Built) -> None:
    missing: list[str] = []
    checked = _check(everything, missing)
    assert len(checked) + len(missing) == 10
    if missing:  # the scripts of the steps the fraud example does not use may come later
        pytest.skip(f"checked {', '.join(checked)}; not in specwire/scripts yet: {', '.join(missing)}")


def test_models_serve_with_the_builtin_inference_script(fraud: Built) -> None:
    steps = steps_by_name(fraud.definition)
    env = steps["CreateModel"]["Arguments"]["PrimaryContainer"]["Environment"]
    config = fraud.configs["CreateModel"]
    assert env["SAGEMAKER_PROGRAM"] == config.entry_point == "inference.py"
    assert env["SAGEMAKER_SUBMIT_DIRECTORY"] == f"{config.node_s3_root}/code/sourcedir.tar.gz"
    module = script_module(config.entry_point)
    for handler in ("model_fn", "input_fn", "predict_fn", "output_fn"):
        assert callable(getattr(module, handler)), handler
