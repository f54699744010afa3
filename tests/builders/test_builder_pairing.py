"""Builders without the SDK: the 1:1 pairing with config classes, the channels against the specs,
the registry's errors, and the import boundary (`specwire resolve` never loads the SageMaker SDK)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import specwire.builders
from specwire.builders import BUILDERS, StepBuilder, builder_for, register_builder
from specwire.builders.base import parameter_name, script_arguments
from specwire.configs import CONFIG_CLASSES, TabularPreprocessingConfig, XGBoostTrainingConfig
from specwire.errors import BuildError
from specwire.specs.registry import load_registry

PIPELINE = {"pipeline_name": "fraud", "region": "us-east-1", "role_arn": "arn:aws:iam::123456789012:role/R",
            "bucket": "ml-artifacts"}


def test_every_config_class_has_a_builder_and_every_builder_a_config_class() -> None:
    assert set(BUILDERS) == set(CONFIG_CLASSES)
    for step_type, cls in BUILDERS.items():
        assert step_type == cls.STEP_TYPE
        assert cls.CONFIG_CLASS is CONFIG_CLASSES[step_type], step_type


def test_every_builtin_step_type_has_a_builder() -> None:
    registry = load_registry(None)
    assert {spec.step_type for spec in registry} == set(BUILDERS)


@pytest.mark.parametrize("step_type", sorted(BUILDERS))
def test_builder_channels_are_the_specs_names(step_type: str) -> None:
    spec = load_registry(None).get(step_type)
    builder = BUILDERS[step_type]
    assert set(builder.INPUTS) == {d.logical_name for d in spec.dependencies}
    assert set(builder.OUTPUTS) == {o.logical_name for o in spec.outputs}
    variants = spec.job_type_variants.values()
    for variant in variants:  # a job-type variant only changes fields, never adds a port
        assert set(variant.dependencies) <= set(builder.INPUTS)
        assert set(variant.outputs) <= set(builder.OUTPUTS)


def test_processing_builders_name_sagemaker_inputs_and_outputs_after_the_spec() -> None:
    from specwire.builders.processing import ProcessingBuilder

    for cls in BUILDERS.values():
        if issubclass(cls, ProcessingBuilder):
            assert all(k == v for k, v in cls.INPUTS.items()), cls.STEP_TYPE
            assert all(k == v for k, v in cls.OUTPUTS.items()), cls.STEP_TYPE


def test_unknown_step_type_names_the_closest_builders() -> None:
    with pytest.raises(BuildError) as err:
        builder_for("XGBoostTrainng")
    assert "XGBoostTrainng" in err.value.message
    assert err.value.suggested_fix is not None and "XGBoostTraining" in err.value.suggested_fix
    assert err.value.exit_code == 2


def test_register_builder_refuses_a_second_builder_for_a_step_type() -> None:
    class Other(StepBuilder):
        STEP_TYPE = "XGBoostTraining"

    with pytest.raises(BuildError, match="already has the builder"):
        register_builder(Other)
    assert BUILDERS["XGBoostTraining"] is not Other

    class NoStep(StepBuilder):
        pass

    with pytest.raises(BuildError, match="STEP_TYPE"):
        register_builder(NoStep)


def test_register_builder_pairs_a_new_step_type() -> None:
    class Custom(StepBuilder):
        STEP_TYPE = "FraudFeatureEngineering"

    try:
        assert register_builder(Custom) is Custom
        assert isinstance(builder_for("FraudFeatureEngineering"), Custom)
    finally:
        BUILDERS.pop("FraudFeatureEngineering", None)


def test_script_arguments_are_the_step_fields_with_dashes() -> None:
    config = TabularPreprocessingConfig(**PIPELINE, job_type="training", categorical_columns=["merchant", "country"])
    args = script_arguments(config)
    assert args[:2] == ["--job-type", "training"]
    pairs = dict(zip(args[::2], args[1::2], strict=True))
    assert pairs["--label-field"] == "label"
    assert pairs["--categorical-columns"] == "merchant,country"
    assert pairs["--train-ratio"] == "0.7"
    assert pairs["--drop-duplicates"] == "true"
    # where the job runs is not the script's business; unset values keep the script's default
    assert not any(a.startswith(("--instance", "--role", "--bucket", "--entry-point", "--id-field")) for a in args)


def test_training_settings_travel_as_hyperparameters_not_arguments() -> None:
    assert script_arguments(XGBoostTrainingConfig(**PIPELINE)) == []


def test_parameter_names() -> None:
    assert parameter_name("InputDataUri", "load", 1) == "InputDataUri"
    assert parameter_name("InputDataUri", "load_calib", 2) == "load_calibInputDataUri"
    assert parameter_name("InstanceType", "prep", 1) == "prepInstanceType"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_builders_never_call_the_resolver() -> None:
    root = Path(specwire.builders.__file__).parent
    for path in sorted(root.glob("*.py")):
        if path.name == "cli.py":  # the command resolves, then builds: it is the layer above
            continue
        bad = sorted(m for m in _imports(path) if m.startswith(("specwire.engine.resolver", "specwire.engine.solver")))
        assert not bad, f"{path.name} imports {bad}"


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint('MODULES:', *sorted(sys.modules))"],
                         capture_output=True, text=True, check=True, timeout=120)
    line = next(line for line in out.stdout.splitlines() if line.startswith("MODULES:"))
    return set(line.split()[1:])


def test_importing_the_builders_does_not_import_the_sdk() -> None:
    modules = _modules_after("import specwire.builders, specwire.builders.registry")
    assert "specwire.builders.registry" in modules
    assert not {m for m in modules if m.split(".")[0] in ("sagemaker", "boto3", "botocore")}


def test_resolve_and_help_do_not_import_the_sdk() -> None:
    code = (
        "from specwire.cli import app\n"
        "for args in (['--help'], ['build', '--help'], ['resolve', '--example', 'fraud']):\n"
        "    try:\n"
        "        app(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
    )
    modules = _modules_after(code)
    assert "specwire.cli.build" in modules  # `build --help` loaded the command...
    assert not {m for m in modules if m.split(".")[0] == "sagemaker"}  # ...and nothing of the SDK
