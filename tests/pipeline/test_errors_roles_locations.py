"""One error hierarchy, and the library and the CLI agreeing: several problems come as one error
caught by each contained type, `compatible_sources` without duplicates, fixes worded for the
reader (Python arguments or flags), the placeholder role, and a missing data location."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from specwire import Pipeline
from specwire.errors import (
    ConfigError,
    IncompatibleStepsError,
    MissingDependencyError,
    PipelineResolutionError,
    ResolutionError,
    SpecwireWarning,
)

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
DATA = "s3://fraud-data/"


def strict_two_problems() -> Pipeline:
    """A hand-written DAG (strict) with an edge the specs refuse and an input left empty."""
    from specwire.configs import DataLoadingConfig, ModelEvaluationConfig, XGBoostTrainingConfig

    configs = [DataLoadingConfig(node_name="load", s3_bucket="fraud-data"), XGBoostTrainingConfig(node_name="train"),
               ModelEvaluationConfig(node_name="eval")]
    return Pipeline.from_configs(configs, dag=[("load", "train"), ("train", "eval")],
                                 auto_resolve_dependencies=False)


def test_several_problems_are_caught_by_each_contained_type() -> None:
    pipeline = strict_two_problems()
    kinds = {d.kind for d in pipeline.resolve().errors}
    assert {"incompatible", "missing_dependency"} <= kinds
    for caught_as in (IncompatibleStepsError, MissingDependencyError, PipelineResolutionError, ResolutionError):
        with pytest.raises(caught_as) as caught:
            pipeline.configs()
        assert isinstance(caught.value, PipelineResolutionError) and isinstance(caught.value, ExceptionGroup)
    error = caught.value
    assert {type(e) for e in error.exceptions} >= {IncompatibleStepsError, MissingDependencyError}
    assert error.to_dict()["error"] == "PipelineResolutionError" and len(error.to_dict()["errors"]) >= 2
    handled = []
    try:
        pipeline.configs()
    except* MissingDependencyError as group:
        handled.append(group)
    assert handled


def test_compatible_sources_name_each_step_once() -> None:
    pipeline = strict_two_problems()
    for diagnostic in pipeline.resolve().errors:
        assert len(diagnostic.compatible_sources) == len(set(diagnostic.compatible_sources))
    with pytest.raises(PipelineResolutionError) as caught:
        pipeline.configs()
    for error in (caught.value, *caught.value.errors):
        assert len(error.compatible_sources) == len(set(error.compatible_sources)), error.compatible_sources
    assert IncompatibleStepsError("x", compatible_sources=["A", "B", "A"]).compatible_sources == ("A", "B")


def test_library_fixes_name_python_arguments_and_the_cli_names_flags() -> None:
    from typer.testing import CliRunner

    from specwire.cli import app

    gap = Pipeline("f", role_arn=ROLE, fill_gaps=False).load_data(DATA).train_xgboost()
    fixes = " ".join(d.suggested_fix or "" for d in gap.resolve().errors)
    assert "fill_gaps=True" in fixes and "--fill-gaps" not in fixes
    result = CliRunner().invoke(app, ["resolve", "DataLoading", "XGBoostTraining"])
    assert result.exit_code == 1 and "--fill-gaps" in result.output and "fill_gaps=True" not in result.output


def test_definition_without_a_role_warns_and_deploy_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    from specwire.pipeline.state import PLACEHOLDER_ROLE

    monkeypatch.delenv("SPECWIRE_ROLE_ARN", raising=False)
    pipeline = Pipeline("fraud").auto_train_xgboost(DATA)
    with pytest.warns(SpecwireWarning, match="placeholder-role"):
        configs = pipeline.configs()
    assert {c.role_arn for c in configs.values()} == {PLACEHOLDER_ROLE}
    pipeline.role_arn = PLACEHOLDER_ROLE  # the placeholder itself does not deploy either
    with pytest.raises(ConfigError, match="only the placeholder"):
        pipeline.upsert(clients=object())


def test_a_missing_data_location_warns_at_build_and_stops_a_deploy(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("name: p\nnodes:\n  - {name: load, step: DataLoading}\n  - {name: train, step: XGBoostTraining}\n",
                    encoding="utf-8")
    pipeline = Pipeline.from_file(path, role_arn=ROLE, fill_gaps=True)
    with pytest.warns(SpecwireWarning, match="does not say where its data is"):
        pipeline.configs()
    with pytest.raises(ConfigError, match="does not say where its data is") as caught:
        pipeline.upsert(clients=object())  # refused before any AWS call
    assert caught.value.nodes == ("load",)
    located = Pipeline("p", role_arn=ROLE).load_data(DATA).train_xgboost()
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecwireWarning)
        located.configs()  # a pipeline that says where its data is builds without a warning


def test_the_cli_names_flags_and_file_keys_for_the_role_and_the_data_location(tmp_path: Path) -> None:
    """`specwire deploy` refuses before any AWS call, in the CLI's words: no Python call in a fix,
    no Python-form warning, and no warning repeating the error it is about to give."""
    from typer.testing import CliRunner

    from specwire.cli import app
    from specwire.pipeline.state import PLACEHOLDER_ROLE

    path = tmp_path / "p.yaml"
    path.write_text("name: p\nnodes:\n  - {name: load, step: DataLoading}\n  - {name: train, step: XGBoostTraining}\n"
                    "  - {name: register, step: ModelRegistration}\n", encoding="utf-8")
    unlocated = CliRunner().invoke(app, ["deploy", str(path), "--fill-gaps", "--role", ROLE])
    assert unlocated.exit_code == 2, unlocated.output
    assert "add `data_location: s3://...` to the pipeline file's context" in unlocated.stderr
    assert "warning" not in unlocated.stderr.lower() and "load_data(" not in unlocated.stderr
    placeholder = CliRunner().invoke(app, ["deploy", str(path), "--fill-gaps", "--role", PLACEHOLDER_ROLE,
                                           "--endpoint"])
    assert placeholder.exit_code == 2, placeholder.output
    assert "fix: pass --role arn:aws:iam::<account>:role/<role>" in placeholder.stderr
    assert "Pipeline(" not in placeholder.stderr and "Traceback" not in placeholder.output

    for command, flag, value in (("deploy", "--role", "SageMakerRole"), ("build", "--bucket", "s3://ml-artifacts"),
                                 ("deploy", "--region", "us-east")):
        bad = CliRunner().invoke(app, [command, str(path), "--fill-gaps", "--role", ROLE, flag, value])
        assert bad.exit_code == 2 and f"error: {flag}: must be " in bad.stderr, bad.output
        assert "context." not in bad.stderr  # the flag, not the file's key it stands for

    cli = Pipeline.from_file(path, role_arn=ROLE, fill_gaps=True)
    cli.interface = "cli"
    with pytest.warns(SpecwireWarning, match=r"add `data_location: s3://\.\.\.` to the pipeline file's context"):
        cli.configs()  # what `specwire build` prints as a warning


def test_deploying_the_approved_model_needs_a_real_role(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPECWIRE_ROLE_ARN", raising=False)
    pipeline = Pipeline("fraud").load_data(DATA).train_xgboost().deploy_with_monitoring()
    with pytest.raises(ConfigError, match="has no IAM role") as caught:
        pipeline.deploy_approved_model(clients=object())  # refused before any AWS call
    assert "deploy_approved_model()" in (caught.value.suggested_fix or "")
