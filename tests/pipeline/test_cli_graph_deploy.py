"""`specwire graph` and the parts of `specwire deploy` that stop before AWS (no SDK, no network)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from specwire import Pipeline
from specwire.cli import app
from specwire.cli.common import example_path

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"

GAP = """
name: gap
nodes:
  - {name: load, step: DataLoading}
  - {name: train, step: XGBoostTraining}
edges:
  - [load, train]
"""


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECWIRE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


def run(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


def test_graph_mermaid_and_dot_of_the_example() -> None:
    fraud = str(example_path("fraud"))
    mermaid = run("graph", fraud)
    assert mermaid.exit_code == 0 and mermaid.stdout.startswith("flowchart LR\n")
    plan = Pipeline.from_file(fraud).resolve()
    assert mermaid.stdout.count("-->") == len(plan.edges) > 0  # one arrow per port-level edge
    dot = run("graph", fraud, "--format", "dot")
    assert dot.exit_code == 0 and dot.stdout.startswith('digraph "fraud-detection"')


def test_graph_svg_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "fraud.svg"
    result = run("graph", str(example_path("fraud")), "-f", "svg", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    root = ET.fromstring(target.read_text(encoding="utf-8"))
    assert len(root.findall(".//{http://www.w3.org/2000/svg}rect")) == 8
    assert [p.name for p in target.parent.iterdir()] == ["fraud.svg"]  # no temporary file left


def test_graph_of_a_pipeline_that_does_not_resolve(tmp_path: Path) -> None:
    path = tmp_path / "gap.yaml"
    path.write_text(GAP, encoding="utf-8")
    result = run("graph", str(path))
    assert result.exit_code == 1
    assert result.stdout.startswith("flowchart LR")  # drawn anyway
    assert "explicit edge load -> train" in result.stderr
    assert "Add TabularPreprocessing between" in result.stderr
    filled = run("graph", str(path), "--fill-gaps", "-f", "dot")
    assert "style=dashed" in filled.stdout  # the inserted step


def test_graph_bad_input_exits_2(tmp_path: Path) -> None:
    missing = run("graph", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2 and "nope.yaml" in missing.stderr
    assert run("graph", str(example_path("fraud")), "-f", "png").exit_code == 2


def test_deploy_stops_before_aws_for_bad_input(tmp_path: Path) -> None:
    fraud = str(example_path("fraud"))
    bad_role = run("deploy", fraud, "--role", "SageMakerRole")
    assert bad_role.exit_code == 2 and "error: --role: must be an IAM role ARN" in bad_role.stderr
    assert run("deploy", fraud).exit_code == 2  # --role is required
    bad_parameter = run("deploy", fraud, "--role", ROLE, "--start", "-P", "Threshold")
    assert bad_parameter.exit_code == 2 and "expected NAME=VALUE" in bad_parameter.stderr


def test_deploy_of_a_pipeline_that_does_not_resolve_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "gap.yaml"
    path.write_text(GAP, encoding="utf-8")
    result = run("deploy", str(path), "--role", ROLE)
    assert result.exit_code == 1
    assert "Add TabularPreprocessing between" in result.stderr
