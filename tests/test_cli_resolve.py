"""`specwire resolve` and `specwire steps` through typer's test runner: exit codes, the JSON contract,
the renderings, and names that look like code staying names."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from specwire.cli import app

WriteFile = Callable[[str, str | bytes], Path]

# A wide terminal, so rich tables never truncate a step type.
runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


@pytest.fixture(autouse=True, scope="module")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Stage one's disk cache goes to a fresh folder: no stale entry from another run, nothing in ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPECWIRE_CACHE_DIR", str(tmp_path_factory.mktemp("specwire-cache")))
        yield


def run(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def run_json(*args: str | Path) -> tuple[int, dict[str, Any]]:
    result = run(*args, "--format", "json")
    assert result.stdout.lstrip().startswith("{"), result.output
    return result.exit_code, json.loads(result.stdout)


def fraud_document() -> dict[str, Any]:
    path = Path(str(resources.files("specwire") / "examples" / "fraud.yaml"))
    return dict(yaml.safe_load(path.read_text()))


def assert_topological(data: dict[str, Any]) -> None:
    position = {name: i for i, name in enumerate(data["order"])}
    assert sorted(position) == sorted(n["name"] for n in data["nodes"])
    for edge in data["edges"]:
        assert position[edge["from"]] < position[edge["to"]], edge


# --------------------------------------------------------------------------- gaps and the JSON contract


def test_a_gap_exits_1_with_a_missing_dependency_naming_the_fix() -> None:
    code, data = run_json("resolve", "DataLoading", "XGBoostTraining")
    assert code == 1
    assert data["ok"] is False
    missing = [d for d in data["diagnostics"] if d["kind"] == "missing_dependency"]
    assert missing, data["diagnostics"]
    assert all(d["severity"] == "error" for d in missing)
    assert any("TabularPreprocessing" in (d["suggested_fix"] or "") for d in missing)
    assert any("XGBoostTraining" in d["nodes"] for d in missing)
    assert not any(n["inserted"] for n in data["nodes"])
    assert [n["name"] for n in data["nodes"]] == ["DataLoading", "XGBoostTraining"]
    assert not any(e["from"] == "DataLoading" and e["to"] == "XGBoostTraining" for e in data["edges"])


def test_fill_gaps_inserts_the_missing_step_between_them() -> None:
    code, data = run_json("resolve", "DataLoading", "XGBoostTraining", "--fill-gaps")
    assert code == 0
    assert data["ok"] is True
    nodes = {n["name"]: n for n in data["nodes"]}
    assert nodes["TabularPreprocessing"] == {"name": "TabularPreprocessing", "step_type": "TabularPreprocessing",
                                             "job_type": None, "inserted": True}
    assert nodes["DataLoading"]["inserted"] is False and nodes["XGBoostTraining"]["inserted"] is False
    assert data["order"] == ["DataLoading", "TabularPreprocessing", "XGBoostTraining"]
    pairs = {(e["from"], e["to"]) for e in data["edges"]}
    assert pairs == {("DataLoading", "TabularPreprocessing"), ("TabularPreprocessing", "XGBoostTraining")}
    training = [e for e in data["edges"] if e["to"] == "XGBoostTraining" and e["dependency"] == "training_data"]
    assert len(training) == 1 and training[0]["reasons"]
    assert not [d for d in data["diagnostics"] if d["severity"] == "error"]


def test_the_json_contract_has_exactly_its_keys() -> None:
    for args in (("DataLoading", "XGBoostTraining"), ("DataLoading", "XGBoostTraining", "--fill-gaps")):
        _, data = run_json("resolve", *args)
        assert set(data) == {"ok", "nodes", "edges", "order", "diagnostics", "policies"}  # no order-only edges
        assert isinstance(data["ok"], bool)
        assert all(isinstance(name, str) for name in data["order"])
        for node in data["nodes"]:
            assert set(node) == {"name", "step_type", "job_type", "inserted"}
            assert isinstance(node["inserted"], bool)
        for edge in data["edges"]:
            assert set(edge) == {"from", "to", "output", "dependency", "reasons"}
            assert all(isinstance(r, str) for r in edge["reasons"])
        assert data["diagnostics"]
        for diag in data["diagnostics"]:
            assert set(diag) == {"severity", "kind", "message", "suggested_fix", "nodes"}
            assert diag["severity"] in ("error", "warning")
            assert diag["kind"] in {"missing_dependency", "incompatible", "cycle", "unknown_step", "ambiguous",
                                    "policy", "inserted_step", "cross_chain", "not_optimal", "timeout", "why_not"}
            assert diag["suggested_fix"] is None or isinstance(diag["suggested_fix"], str)
            assert all(isinstance(n, str) for n in diag["nodes"])


def test_step_args_with_job_types_name_the_nodes() -> None:
    _, data = run_json("resolve", "DataLoading:training", "TabularPreprocessing:training")
    assert [(n["name"], n["step_type"], n["job_type"]) for n in data["nodes"]] == [
        ("DataLoading_training", "DataLoading", "training"),
        ("TabularPreprocessing_training", "TabularPreprocessing", "training")]


# --------------------------------------------------------------------------- examples


def test_fraud_example_resolves() -> None:
    code, data = run_json("resolve", "--example", "fraud")
    assert code == 0 and data["ok"] is True
    assert len(data["nodes"]) == len(fraud_document()["nodes"])
    assert_topological(data)
    ports = {(e["from"], e["output"], e["to"], e["dependency"]) for e in data["edges"]}
    assert ("TabularPreprocessing", "train_data", "XGBoostTraining", "training_data") in ports
    assert any(e["from"] == "XGBoostTraining" and e["to"] == "ModelEvaluation" for e in data["edges"])
    assert not any(e["from"] == "DataLoading" and e["to"] == "XGBoostTraining" for e in data["edges"])


def test_fraud_example_text_with_explain() -> None:
    result = run("resolve", "--example", "fraud", "--explain")
    assert result.exit_code == 0, result.output
    assert "fraud-detection" in result.stdout and "resolves" in result.stdout
    assert "TabularPreprocessing.train_data → XGBoostTraining.training_data" in result.stdout
    assert "compatible_source:" in result.stdout


def test_an_unknown_example_exits_2_listing_the_examples() -> None:
    result = run("resolve", "--example", "nope")
    assert result.exit_code == 2
    assert "no built-in example named 'nope'" in result.output
    assert "calibrated" in result.output and "fraud" in result.output
    assert "Traceback" not in result.output


def test_a_misspelt_example_gets_did_you_mean() -> None:
    result = run("resolve", "--example", "fruad")
    assert result.exit_code == 2
    assert "no built-in example named 'fruad' (did you mean 'fraud'?)" in result.output


def test_an_example_and_step_types_together_is_bad_input() -> None:
    result = run("resolve", "DataLoading", "--example", "fraud")
    assert result.exit_code == 2
    assert "give one of: step types, --pipeline, --example" in result.output


def test_no_pipeline_at_all_is_bad_input() -> None:
    result = run("resolve")
    assert result.exit_code == 2
    assert "no pipeline" in result.output


# --------------------------------------------------------------------------- bad input


def test_an_unknown_step_type_exits_2_with_did_you_mean() -> None:
    result = run("resolve", "DataLoadin", "XGBoostTraining")
    assert result.exit_code == 2
    assert "unknown step type 'DataLoadin'" in result.output
    assert "did you mean 'DataLoading'" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_step_type_in_json_is_an_unknown_step_diagnostic() -> None:
    code, data = run_json("resolve", "DataLoading", "XGBoostTrainnig")
    assert code == 2 and data["ok"] is False
    unknown = [d for d in data["diagnostics"] if d["kind"] == "unknown_step"]
    assert len(unknown) == 1
    assert "XGBoostTrainnig" in unknown[0]["message"]
    assert "did you mean 'XGBoostTraining'" in (unknown[0]["suggested_fix"] or "")


def test_a_missing_pipeline_file_exits_2_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such.yaml"
    result = run("resolve", "--pipeline", missing)
    assert result.exit_code == 2
    assert f"{missing}: no such file" in result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""  # errors go to stderr


def test_a_malformed_pipeline_file_exits_2_with_line_and_column(write_file: WriteFile) -> None:
    path = write_file("bad.yaml", "nodes:\n  - {name: a, step: DataLoading\n")
    result = run("resolve", "--pipeline", path)
    assert result.exit_code == 2
    assert re.search(re.escape(str(path)) + r":\d+:\d+: invalid YAML in pipeline file", result.output), result.output
    assert "Traceback" not in result.output


def test_an_edge_end_that_is_not_a_name_exits_2_not_3(write_file: WriteFile) -> None:
    path = write_file("p.yaml", "nodes:\n  - {name: a, step: DataLoading}\nedges:\n  - [[a], a]\n")
    result = run("resolve", "--pipeline", path)
    assert result.exit_code == 2
    assert f"{path}: edges[0]: expected node names, found ['a']" in result.output
    assert "internal error" not in result.output


def test_a_bad_catalog_exits_2_naming_file_and_field(write_file: WriteFile) -> None:
    pack = write_file("pack.yaml", "step_type: Mine\ndependencies:\n  - {logical_name: x, data_typs: [a]}\n")
    result = run("resolve", "DataLoading", "--catalog", pack)
    assert result.exit_code == 2
    assert f"{pack}: Mine.dependencies[0].data_typs: unknown field 'data_typs' (did you mean 'data_types'?)" in (
        result.output)


def test_a_user_pack_extends_the_builtin_catalog(write_file: WriteFile) -> None:
    pack = write_file("mine/fraud_fe.yaml", (
        "step_type: FraudFeatureEngineering\n"
        "dependencies:\n"
        "  - {logical_name: input_data, data_types: [processed_tabular], compatible_sources: [TabularPreprocessing],"
        " semantic_keywords: [processed, tabular, training]}\n"
        "outputs:\n"
        "  - {logical_name: features, data_type: processed_tabular, aliases: [train_data],"
        " semantic_keywords: [processed, tabular, training]}\n"
    ))
    code, data = run_json("resolve", "DataLoading", "TabularPreprocessing", "FraudFeatureEngineering",
                          "--catalog", "builtin", "--catalog", pack.parent)
    assert code == 0, data
    assert any(e["from"] == "TabularPreprocessing" and e["to"] == "FraudFeatureEngineering" for e in data["edges"])


# --------------------------------------------------------------------------- renderings


def test_mermaid_output_is_a_flowchart() -> None:
    _, data = run_json("resolve", "--example", "fraud")
    result = run("resolve", "--example", "fraud", "--format", "mermaid")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "flowchart LR"
    node_lines = [ln for ln in lines if re.fullmatch(r'  n\d+\[\[?".*"\]\]?', ln)]
    edge_lines = [ln for ln in lines if re.fullmatch(r'  n\d+ -->\|"[^"]*"\| n\d+', ln)]
    assert len(node_lines) == len(data["nodes"])
    assert len(edge_lines) == len(data["edges"])
    assert len(node_lines) + len(edge_lines) == len(lines) - 1


def test_dot_output_is_a_digraph() -> None:
    _, data = run_json("resolve", "--example", "fraud")
    result = run("resolve", "--example", "fraud", "--format", "dot")
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith('digraph "fraud-detection" {\n')
    assert text.rstrip().endswith("}")
    assert text.count("{") == text.count("}") == 1
    assert len(re.findall(r"^  n\d+ \[label=", text, re.M)) == len(data["nodes"])
    assert len(re.findall(r"^  n\d+ -> n\d+ \[label=", text, re.M)) == len(data["edges"])


def test_inserted_steps_are_marked_in_the_renderings() -> None:
    mermaid = run("resolve", "DataLoading", "XGBoostTraining", "--fill-gaps", "--format", "mermaid").stdout
    assert re.search(r'^  (n\d+)\[\["TabularPreprocessing"\]\]$', mermaid, re.M)
    assert "class " in mermaid and "inserted" in mermaid
    dot = run("resolve", "DataLoading", "XGBoostTraining", "--fill-gaps", "--format", "dot").stdout
    assert re.search(r'\[label="TabularPreprocessing", style=dashed\];', dot)


# --------------------------------------------------------------------------- steps list / show, why-not


def test_steps_list_shows_every_builtin_step_type() -> None:
    result = run("steps", "list")
    assert result.exit_code == 0
    for step in ("DataLoading", "TabularPreprocessing", "MissingValueImputation", "FeatureSelection",
                 "XGBoostTraining", "LightGBMTraining", "PyTorchTraining", "HyperparameterTuning",
                 "ModelEvaluation", "ModelCalibration", "ModelExplainability", "CreateModel", "BatchTransform",
                 "ModelRegistration", "QualityGate"):
        assert re.search(rf"^\s*{step}\s", result.stdout, re.M), step


def test_steps_show_prints_the_spec() -> None:
    result = run("steps", "show", "XGBoostTraining")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("XGBoostTraining (Training)")
    assert "training_data (required" in out
    assert "model_artifacts" in out
    assert "TabularPreprocessing" in out  # a compatible source


def test_steps_show_an_unknown_step_exits_2_with_did_you_mean() -> None:
    result = run("steps", "show", "XGBoostTrainin")
    assert result.exit_code == 2
    assert "unknown step type 'XGBoostTrainin'" in result.output
    assert "did you mean 'XGBoostTraining'" in result.output
    assert "Traceback" not in result.output


def test_why_not_explains_an_unconnected_pair() -> None:
    result = run("resolve", "--example", "fraud", "--why-not", "DataLoading", "XGBoostTraining")
    assert result.exit_code == 0
    assert "DataLoading is not connected to XGBoostTraining" in result.stdout
    assert "training_data" in result.stdout
    code, data = run_json("resolve", "--example", "fraud", "--why-not", "DataLoading", "XGBoostTraining")
    why = [d for d in data["diagnostics"] if d["kind"] == "why_not"]
    assert code == 0 and len(why) == 1 and why[0]["severity"] == "warning"
    assert why[0]["nodes"] == ["DataLoading", "XGBoostTraining"]
    assert why[0]["message"].startswith("DataLoading is not connected to XGBoostTraining: raw_data -> training_data")


# --------------------------------------------------------------------------- names that look like code

HOSTILE = {
    "DataLoading": 'load "quoted"',
    "TabularPreprocessing": "prep.v1.2",
    "XGBoostTraining": "train 100%",
    "ModelEvaluation": "eval :- fail.",
    "QualityGate": "gate #show x/1.",
    "CreateModel": 'a"). b(',
    "ModelRegistration": "Ünïcødé_步骤",
    "BatchTransform": 'x"]; evil["<b>&amp;</b> [red]r[/red] back\\slash',
}


@pytest.fixture
def hostile_pipeline(write_file: WriteFile) -> Path:
    doc = fraud_document()
    assert {n["step"] for n in doc["nodes"]} == set(HOSTILE)
    doc["name"] = 'pipe "x" \\ y'
    doc["nodes"] = [{"name": HOSTILE[n["step"]], "step": n["step"]} for n in doc["nodes"]]
    return write_file("hostile.yaml", yaml.safe_dump(doc, allow_unicode=True))


def test_hostile_names_resolve_as_names(hostile_pipeline: Path) -> None:
    _, plain = run_json("resolve", "--example", "fraud")
    code, data = run_json("resolve", "--pipeline", hostile_pipeline)
    assert code == 0 and data["ok"] is True
    back = {v: k for k, v in HOSTILE.items()}
    # names come back unchanged ...
    assert sorted(n["name"] for n in data["nodes"]) == sorted(HOSTILE.values())
    # ... and nothing else changes: same nodes, edges (with reasons), order and diagnostics as the plain pipeline
    assert [dict(n, name=back[n["name"]]) for n in data["nodes"]] == plain["nodes"]
    renamed = sorted((dict(e, **{"from": back[e["from"]], "to": back[e["to"]]}) for e in data["edges"]),
                     key=json.dumps)
    assert renamed == sorted(plain["edges"], key=json.dumps)
    assert [back[n] for n in data["order"]] == plain["order"]
    # ... but that no such name can be a SageMaker step name (build would refuse it).
    named = [d for d in data["diagnostics"] if d["kind"] == "step_name"]
    assert len(named) == 1 and sorted(named[0]["nodes"]) == sorted(HOSTILE.values())
    assert len(data["diagnostics"]) - 1 == len(plain["diagnostics"])


def _mermaid_unescape(text: str) -> str:
    for code, char in (("#quot;", '"'), ("#39;", "'"), ("#lt;", "<"), ("#gt;", ">"), ("#amp;", "&"), ("#35;", "#")):
        text = text.replace(code, char)
    return text


def test_hostile_names_stay_inside_mermaid_labels(hostile_pipeline: Path) -> None:
    result = run("resolve", "--pipeline", hostile_pipeline, "--format", "mermaid")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "flowchart LR"
    labels = {}
    for line in lines[1:]:
        node = re.fullmatch(r'  (n\d+)\["(.*)"\]', line)
        edge = re.fullmatch(r'  (n\d+) -->\|"([^"]*)"\| (n\d+)', line)
        assert node or edge, f"unexpected mermaid line: {line!r}"
        if node:
            assert '"' not in node.group(2), line  # no raw quote can close the label
            labels[node.group(1)] = _mermaid_unescape(node.group(2)).split("<br/>")[0]
    assert sorted(labels.values()) == sorted(HOSTILE.values())


def _dot_unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def test_hostile_names_stay_inside_dot_labels(hostile_pipeline: Path) -> None:
    result = run("resolve", "--pipeline", hostile_pipeline, "--format", "dot")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    quoted = r'"((?:[^"\\]|\\.)*)"'  # a DOT string: every inner quote escaped
    head = re.fullmatch(rf"digraph {quoted} \{{", lines[0])
    assert head and _dot_unescape(head.group(1)) == 'pipe "x" \\ y'
    assert lines[-1] == "}"
    labels = []
    for line in lines[1:-1]:
        if line in ("  rankdir=LR;", "  node [shape=box, fontname=Helvetica];"):
            continue
        node = re.fullmatch(rf"  n\d+ \[label={quoted}\];", line)
        edge = re.fullmatch(rf"  n\d+ -> n\d+ \[label={quoted}\];", line)
        assert node or edge, f"unexpected dot line: {line!r}"
        if node:
            labels.append(_dot_unescape(node.group(1)).split("\n")[0])
    assert sorted(labels) == sorted(HOSTILE.values())


def test_hostile_names_print_literally_in_text(hostile_pipeline: Path) -> None:
    result = run("resolve", "--pipeline", hostile_pipeline, "--explain")
    assert result.exit_code == 0
    for name in HOSTILE.values():
        assert name in result.stdout  # rich markup such as [red] is printed, not interpreted


def test_a_node_name_sagemaker_refuses_is_a_warning_at_resolve_and_the_error_build_gives(tmp_path: Path) -> None:
    pipeline = tmp_path / "names.yaml"
    pipeline.write_text(yaml.safe_dump({"name": "names", "nodes": [
        {"name": "load data!", "step": "DataLoading"}, {"name": "prep", "step": "TabularPreprocessing"},
        {"name": "train", "step": "XGBoostTraining"}]}))
    code, data = run_json("resolve", "-p", pipeline)
    assert code == 0 and data["ok"] is True  # the specs allow the wiring
    warning = next(d for d in data["diagnostics"] if d["kind"] == "step_name")
    assert warning["nodes"] == ["load data!"] and "build" in warning["message"]
    built = run("build", pipeline, "-o", tmp_path / "out.json")
    assert built.exit_code == 2 and "load data!" in built.output
    assert not (tmp_path / "out.json").exists()
