"""The `specwire configs` sub-app: list, schema, show."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from specwire.cli.configs import app
from specwire.configs import CONFIG_CLASSES
from specwire.errors import UnknownStepError

runner = CliRunner()
WIDE = {"COLUMNS": "200"}


def test_schema_prints_the_json_schema_of_a_step_config() -> None:
    result = runner.invoke(app, ["schema", "XGBoostTraining"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "XGBoostTrainingConfig"
    assert schema["additionalProperties"] is False
    assert "required" not in schema  # the pipeline's fields come from the pipeline a config is given to
    hyper = schema["$defs"]["XGBoostHyperparameters"]["properties"]
    assert (hyper["max_depth"]["minimum"], hyper["max_depth"]["maximum"]) == (1, 64)
    assert (hyper["eta"]["exclusiveMinimum"], hyper["eta"]["maximum"]) == (0, 1)
    assert schema["properties"]["instance_count"]["minimum"] == 1
    assert "output_s3_uri" not in schema["properties"]  # derived: not an input


@pytest.mark.parametrize("step_type", sorted(CONFIG_CLASSES))
def test_every_step_type_has_a_schema(step_type: str) -> None:
    result = runner.invoke(app, ["schema", step_type, "--indent", "0"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["title"] == CONFIG_CLASSES[step_type].__name__


def test_schema_accepts_any_case() -> None:
    result = runner.invoke(app, ["schema", "qualitygate"])
    assert json.loads(result.output)["required"][-2:] == ["metric_name", "threshold"]


def test_unknown_step_type_raises_for_the_main_cli_to_print() -> None:
    result = runner.invoke(app, ["schema", "XGBoostTrainer"])
    assert isinstance(result.exception, UnknownStepError)
    assert result.exception.suggested_fix == "did you mean 'XGBoostTraining'?"
    result = runner.invoke(app, ["show", "Nope"])
    assert isinstance(result.exception, UnknownStepError)


def test_show_lists_fields_tiers_and_defaults() -> None:
    result = runner.invoke(app, ["show", "XGBoostTraining"], env=WIDE)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()

    def row(name: str) -> list[str]:
        line = next(line for line in lines if line.startswith(f"│ {name} "))
        return [cell.strip() for cell in line.strip("│").split("│")]

    assert row("role_arn")[:4] == ["role_arn", "default", "str | None", "None"]
    assert row("instance_type")[:4] == ["instance_type", "default", "str", "'ml.m5.2xlarge'"]
    assert row("output_s3_uri")[:4] == ["output_s3_uri", "derived", "str", "(computed)"]
    assert row("tags")[2] == "dict[str, str]"
    assert row("max_depth")[:4] == ["max_depth", "default", "int", "6"]
    assert "(must be between 1 and 64)" in row("max_depth")[4]
    assert "hyperparameters (XGBoostHyperparameters)" in result.output
    # Essential fields come first.
    tiers = [row(n)[1] for n in ("pipeline_name", "instance_type", "script_s3_uri")]
    assert tiers == ["default", "default", "derived"]  # pipeline fields: the pipeline's by default


def test_show_json() -> None:
    result = runner.invoke(app, ["show", "QualityGate", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    fields = {f["name"]: f for f in payload["QualityGate (QualityGateConfig)"]}
    assert fields["threshold"]["tier"] == "essential"
    assert fields["comparison"] == {
        "name": "comparison",
        "tier": "default",
        "type": "'>=' | '>' | '<=' | '<'",
        "default": ">=",
        "rule": "",
        "description": "How the metric is compared with the threshold (metric <comparison> threshold).",
    }
    assert fields["condition"]["tier"] == "derived"


def test_list() -> None:
    result = runner.invoke(app, ["list", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["step_type"]: r for r in json.loads(result.output)}
    assert set(rows) == set(CONFIG_CLASSES)
    assert rows["QualityGate"]["essential"] == ["metric_name", "threshold"]
    assert rows["DataLoading"]["config_class"] == "DataLoadingConfig"
    table = runner.invoke(app, ["list"], env=WIDE)
    assert table.exit_code == 0 and "ModelRegistrationConfig" in table.output


def test_no_command_shows_help() -> None:
    result = runner.invoke(app, [])
    assert "schema" in result.output and "show" in result.output
