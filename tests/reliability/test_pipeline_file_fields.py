"""Every field of a pipeline file, given a value of the wrong shape: an error naming the file and
field (exit 2), never a crash (exit 3), and the same verdict from `resolve` as from `build`.

Found by an adversarial sweep: `context: {tags: [1, 2]}`, `{role_arn: 3}`, `{subnets: null}` and
`{label_field: 3}` reached the pipeline unchecked and crashed it (TypeError, AttributeError);
`context: {environment: staging}` and `name: [1, 2]` were refused by `build` but passed `resolve`.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specwire.cli import app
from specwire.configs.generator import GenerationContext
from specwire.errors import SpecwireError
from specwire.pipeline.api import Pipeline

runner = CliRunner(env={"COLUMNS": "250", "NO_COLOR": "1"})

ONE = "nodes:\n  - {name: load, step: DataLoading}\n"
#: Values of every YAML shape; each context field is given each of them.
SHAPES = {"int": "3", "negative": "-5", "list": "[1, 2]", "mapping": "{x: 1}", "null": "null", "bool": "true",
          "nan": ".nan", "huge": "1e400", "text": "'zz zz'"}
ROLE = "arn:aws:iam::111122223333:role/SageMaker"


def context_fields() -> list[str]:
    """Every field a pipeline file's context takes that the generation context reads."""
    return sorted(set(GenerationContext.model_fields) - {"node_name", "job_type"})


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("field", context_fields())
def test_a_context_value_of_any_shape_is_taken_or_refused_naming_file_and_field(tmp_path: Path, field: str) -> None:
    for shape, value in SHAPES.items():
        path = write(tmp_path, ONE + f"context: {{{field}: {value}}}\n")
        try:
            Pipeline.from_file(path, role_arn=ROLE)
        except SpecwireError as exc:
            assert exc.exit_code == 2
            assert f"{path}: context.{field}" in exc.message, (shape, exc.message)


@pytest.mark.parametrize("field", context_fields())
def test_a_context_mapping_where_a_value_belongs_never_crashes_the_configs(tmp_path: Path, field: str) -> None:
    """The whole way to configs (where `role.count` and `dict(tags)` crashed) with a mapping value."""
    path = write(tmp_path, ONE + f"context: {{{field}: {{x: 1}}}}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no role bucket / data location: warnings, not the point here
        try:
            Pipeline.from_file(path).configs()
        except SpecwireError as exc:
            assert f"context.{field}" in exc.message, exc.message


@pytest.mark.parametrize("text, expected", [
    (ONE + "context: {environment: staging}\n", "p.yaml: context.environment: unknown environment 'staging'"),
    (ONE + "context: [1]\n", "p.yaml: context: expected a mapping, got list"),
    (ONE + "overrides: 3\n", "p.yaml: overrides: expected a mapping, got int"),
    ("name: [1, 2]\n" + ONE, "p.yaml: name: expected text"),
    ("description: {a: 1}\n" + ONE, "p.yaml: description: expected text"),
])
def test_resolve_refuses_what_build_refuses(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    resolved = runner.invoke(app, ["resolve", "-p", str(path), "--format", "json"])
    assert resolved.exit_code == 2, resolved.output
    assert expected in resolved.output
    with pytest.raises(SpecwireError) as refused:
        Pipeline.from_file(path, role_arn=ROLE)
    assert refused.value.exit_code == 2
    assert expected.split(": ", 1)[1].split(":")[0] in refused.value.message


def test_the_cli_exits_2_naming_the_field(tmp_path: Path) -> None:
    path = write(tmp_path, ONE + "context: {tags: [1, 2]}\n")
    done = runner.invoke(app, ["build", str(path), "-o", str(tmp_path / "out.json")])
    assert done.exit_code == 2, done.output
    assert f"{path}: context.tags: must be a mapping, got [1, 2]" in done.output
    assert not (tmp_path / "out.json").exists()
