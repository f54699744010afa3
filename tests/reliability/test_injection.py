"""Names and strings that are ASP syntax, shell or markup pass through as data, everywhere.

tests/test_cli_resolve.py covers hostile *node* names in the fraud example (JSON, Mermaid, DOT,
text). This file covers the rest: hostile step types, port names, job types and keywords in a spec
pack (they become clingo facts), explanations and why-not, SVG, policies that name them, names
of 500 characters, control characters, file names with shell metacharacters, and the SageMaker
build (which refuses names SageMaker would reject, with a message, and sanitises the pipeline name).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from specwire.cli import app
from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode
from specwire.engine.resolver import ResolveOptions, Resolver
from specwire.plan.render import to_dot, to_mermaid, to_svg
from specwire.specs.registry import load_registry

runner = CliRunner(env={"COLUMNS": "250", "NO_COLOR": "1"})

#: Strings that mean something to clingo, a shell, rich, HTML/XML, Mermaid or DOT.
ASP = ['a"). b(', ":- .", "#show", "% comment", "#const n=1.", "x :- not y.", "#minimize{1@9:x}."]
SHELL = ["$(touch pwned)", "`id`", "; rm -rf ~", "| cat /etc/passwd", "&& echo hi", "'quoted'", 'back\\slash']
MARKUP = ["[bold]b[/bold]", "<script>alert(1)</script>", 'x"]; evil["', "-->|x|", "&amp; #quot;", "%% c"]
LONG = "n" * 500
HOSTILE = ASP + SHELL + MARKUP + [LONG, "Ünïcødé 步骤"]

# Step types are named in `compatible_sources`, where `T:job` names a job type, so they avoid ':'.
LOAD, PREP, TRAIN = 'load"). evil(', "#show prep/1. % $(id)", "t" * 300 + " [red]x[/red] `id`"
OUT, DEP, OUT2, DEP2 = 'rows"). o(', "#const x=1.", "model :- not ok.", "| cat ~/.aws/credentials"
JOB = 'cal"). job('


def hostile_pack() -> list[dict[str, Any]]:
    """Load -> Prep -> Train, connected only through compatible sources, every name hostile."""
    return [
        {"step_type": LOAD, "description": ":- not ok.", "outputs": [
            {"logical_name": OUT, "data_type": "tabular", "semantic_keywords": ["#show", "rows"],
             "aliases": ["`id`"]}]},
        {"step_type": PREP, "dependencies": [
            {"logical_name": DEP, "data_types": ["tabular"], "compatible_sources": [LOAD],
             "semantic_keywords": ["% c", "rows"]}],
         "outputs": [{"logical_name": OUT2, "data_type": "tabular", "kind": "model_artifacts"}],
         "job_type_variants": {JOB: {"dependencies": {DEP: {"semantic_keywords": ["rows", JOB]}}}}},
        {"step_type": TRAIN, "dependencies": [
            {"logical_name": DEP2, "data_types": ["tabular"], "kind": "model_artifacts",
             "compatible_sources": [PREP]}],
         "outputs": [{"logical_name": "model", "data_type": "model"}]},
    ]


NODES = {"load": '#show load. "$(id)"', "prep": ":- prep.", "train": LONG}


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    path = tmp_path / "hostile pack $(id).yaml"
    path.write_text(yaml.safe_dump({"specs": hostile_pack()}, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def pipeline_file(tmp_path: Path) -> Path:
    path = tmp_path / "pipe; rm -rf ~ `id`.yaml"
    doc = {"name": 'pipe"). p( #show', "nodes": [
        {"name": NODES["load"], "step": LOAD},
        {"name": NODES["prep"], "step": PREP, "job_type": JOB},
        {"name": NODES["train"], "step": TRAIN}]}
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def run(*args: str | Path) -> Result:
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


EXPECTED_EDGES = [
    {"from": NODES["load"], "to": NODES["prep"], "output": OUT, "dependency": DEP},
    {"from": NODES["prep"], "to": NODES["train"], "output": OUT2, "dependency": DEP2},
]


def test_hostile_catalog_names_become_facts_not_code(pack: Path, pipeline_file: Path) -> None:
    result = run("resolve", "-c", pack, "-p", pipeline_file, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True
    nodes = {n["name"]: (n["step_type"], n["job_type"]) for n in data["nodes"]}
    assert nodes == {NODES["load"]: (LOAD, None), NODES["prep"]: (PREP, JOB), NODES["train"]: (TRAIN, None)}
    assert [{k: e[k] for k in ("from", "to", "output", "dependency")} for e in data["edges"]] == EXPECTED_EDGES
    assert data["order"] == [NODES["load"], NODES["prep"], NODES["train"]]
    # The reasons name the hostile step type of the source, as written.
    assert any(f"{LOAD} is listed in" in r for r in data["edges"][0]["reasons"])


def test_a_plain_twin_of_the_hostile_catalog_wires_the_same(pack: Path) -> None:
    """Renaming every hostile name to a plain one changes nothing but the names."""
    plain = {LOAD: "Load", PREP: "Prep", TRAIN: "Train", OUT: "o1", DEP: "d1", OUT2: "o2", DEP2: "d2", JOB: "cal",
             **{v: k for k, v in NODES.items()}}
    text = yaml.safe_dump({"specs": hostile_pack()}, allow_unicode=True)
    twin = yaml.safe_load(text)
    twin_text = json.dumps(twin)
    for hostile, name in sorted(plain.items(), key=lambda kv: -len(kv[0])):
        twin_text = twin_text.replace(json.dumps(hostile)[1:-1], name)
    registry_h = load_registry([pack])
    twin_path = pack.with_name("twin.json")
    twin_path.write_text(twin_text, encoding="utf-8")
    registry_p = load_registry([twin_path])

    def wire(registry: Any, names: dict[str, str], types: tuple[str, str, str], job: str) -> list[tuple[str, ...]]:
        nodes = (PipelineNode(names["load"], types[0]), PipelineNode(names["prep"], types[1], job),
                 PipelineNode(names["train"], types[2]))
        result = Resolver(registry).resolve(PipelineDefinition(nodes), ResolveOptions())
        assert result.ok, result.diagnostics
        return sorted((plain.get(e.source, e.source), plain.get(e.output, e.output), plain.get(e.target, e.target),
                       plain.get(e.dependency, e.dependency)) for e in result.edges)

    hostile_edges = wire(registry_h, NODES, (LOAD, PREP, TRAIN), JOB)
    plain_edges = wire(registry_p, {k: k for k in NODES}, ("Load", "Prep", "Train"), "cal")
    assert hostile_edges == plain_edges == [("load", "o1", "prep", "d1"), ("prep", "o2", "train", "d2")]


def test_explanations_and_why_not_print_names_literally(pack: Path, pipeline_file: Path) -> None:
    result = run("resolve", "-c", pack, "-p", pipeline_file, "--explain",
                 "--why-not", NODES["train"], NODES["load"])
    assert result.exit_code == 0, result.output
    for text in (*NODES.values(), LOAD, PREP, TRAIN, OUT, DEP, OUT2, DEP2, JOB, 'pipe"). p( #show'):
        assert text in result.stdout, text  # rich markup such as [red] is printed, not interpreted
    why = next(line for line in result.stdout.splitlines() if "is not connected to" in line)
    assert NODES["train"] in why and NODES["load"] in why  # quoted where a name needs quotes


def test_steps_show_and_list_print_hostile_specs_literally(pack: Path) -> None:
    shown = run("steps", "show", PREP, "-c", pack)
    assert shown.exit_code == 0
    for text in (PREP, DEP, OUT2, LOAD, "% c", JOB):
        assert text in shown.stdout, text
    listed = run("steps", "list", "-c", pack)
    assert listed.exit_code == 0
    for text in (LOAD, PREP):
        assert text in listed.stdout
    # A step type longer than the terminal is folded over lines, never cut short.
    assert listed.stdout.count("t") >= 300 and "[red]x[/red]" in listed.stdout and "`id`" in listed.stdout
    assert "…" not in listed.stdout


def _resolved(names: list[str]) -> Any:
    steps = ["DataLoading", "TabularPreprocessing", "XGBoostTraining"]
    nodes = tuple(PipelineNode(n, s) for n, s in zip(names, steps, strict=True))
    return Resolver(load_registry()).resolve(PipelineDefinition(nodes, (), 'p"). q( #show\n[x]'), ResolveOptions())


@pytest.mark.parametrize("names", [HOSTILE[i:i + 3] for i in range(0, len(HOSTILE) - 2, 3)])
def test_every_drawing_keeps_names_as_labels(names: list[str]) -> None:
    result = _resolved(names)
    assert result.ok and len(result.edges) == 3
    # Mermaid: one statement per line, labels never closed early, entity codes decode to the names.
    mermaid = to_mermaid(result).splitlines()
    labels = []
    for line in mermaid[1:]:
        node = re.fullmatch(r'  n\d+\["([^"]*)"\]', line)
        assert node or re.fullmatch(r'  n\d+ -->\|"[^"]*"\| n\d+', line), line
        if node:
            labels.append(_mermaid_decode(node.group(1)).split("<br/>")[0])
    assert sorted(labels) == sorted(names)
    # DOT: every string quoted with its quotes and backslashes escaped.
    quoted = r'"((?:[^"\\]|\\.)*)"'
    dot_labels = [re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), m.group(1)).split("\n")[0]
                  for m in re.finditer(rf"  n\d+ \[label={quoted}\];", to_dot(result))]
    assert sorted(dot_labels) == sorted(names)
    # SVG: well-formed XML whose text is the names.
    root = ET.fromstring(to_svg(result))
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    for name in names:
        assert name in texts


def _mermaid_decode(text: str) -> str:
    for code, char in (("#quot;", '"'), ("#39;", "'"), ("#lt;", "<"), ("#gt;", ">"), ("#amp;", "&"), ("#35;", "#")):
        text = text.replace(code, char)
    return text


def test_a_line_break_in_a_name_cannot_start_a_new_statement() -> None:
    """Names built through the Python API are not checked: the drawings still keep them in their labels."""
    names = ["x\n  click n0 call alert(1)", "y\r\nz\x1b[31m", "w\x00\x07"]
    result = _resolved(names)
    mermaid = to_mermaid(result)
    assert all(re.fullmatch(r'flowchart LR|  n\d+\["[^"]*"\]|  n\d+ -->\|"[^"]*"\| n\d+', line)
               for line in mermaid.splitlines()), mermaid
    assert "\n  click" not in mermaid and "\x1b" not in mermaid and "\x00" not in mermaid
    assert "\x1b" not in to_dot(result) and "\n  click" not in to_dot(result)
    ET.fromstring(to_svg(result))  # well-formed: no control characters XML forbids


@pytest.mark.parametrize("where", ["node name", "step type", "job type", "step argument", "spec step type",
                                   "spec port name"])
def test_files_refuse_names_with_line_breaks(where: str, tmp_path: Path) -> None:
    pipeline = tmp_path / "p.yaml"
    args: list[str | Path] = ["resolve", "-p", pipeline]
    doc: dict[str, Any] = {"nodes": [{"name": "a", "step": "DataLoading"}]}
    if where == "node name":
        doc["nodes"][0]["name"] = "a\nclick a"
    elif where == "step type":
        doc["nodes"][0]["step"] = "DataLoading\n"
    elif where == "job type":
        doc["nodes"][0]["job_type"] = "training\x1b[2J"
    elif where == "step argument":
        args = ["resolve", "DataLoading\x00"]
    else:
        spec: dict[str, Any] = {"step_type": "A\nB" if where == "spec step type" else "A",
                                "outputs": [{"logical_name": "o\nx" if where == "spec port name" else "o"}]}
        pack = tmp_path / "pack.yaml"
        pack.write_text(json.dumps(spec), encoding="utf-8")
        args = ["resolve", "-c", pack, "A"]
    pipeline.write_text(json.dumps(doc), encoding="utf-8")
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "line break or another control character" in result.output


def test_a_policy_matches_and_reports_hostile_names_as_data(pack: Path, pipeline_file: Path, tmp_path: Path) -> None:
    rule = tmp_path / "no_prep.lp"
    escaped = PREP.replace("\\", "\\\\").replace('"', '\\"')
    rule.write_text(f'violation(no_prep, "steps of type \\"{escaped}\\" are not allowed :- .", N) :-\n'
                    f'    step_of(N, "{escaped}").\n', encoding="utf-8")
    result = run("resolve", "-c", pack, "-p", pipeline_file, "--rules", rule, "--format", "json")
    assert result.exit_code == 1, result.output
    policy = [d for d in json.loads(result.stdout)["diagnostics"] if d["kind"] == "policy"]
    assert len(policy) == 1
    assert policy[0]["message"] == f'policy no_prep: steps of type "{PREP}" are not allowed :- . ({NODES["prep"]})'
    assert policy[0]["nodes"] == [NODES["prep"]]


def test_file_names_with_shell_metacharacters_are_just_names(tmp_path: Path, pack: Path,
                                                            pipeline_file: Path) -> None:
    folder = tmp_path / "packs & $(touch pwned)"
    folder.mkdir()
    (folder / "p;ls.yaml").write_text(pack.read_text(encoding="utf-8"), encoding="utf-8")
    target = tmp_path / "graph `touch pwned2`; $(id).svg"
    result = run("graph", pipeline_file, "-c", folder, "--format", "svg", "-o", target)
    assert result.exit_code == 0, result.output
    ET.fromstring(target.read_text(encoding="utf-8"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [pack.name, pipeline_file.name, folder.name, target.name])
    assert not any(p.name in ("pwned", "pwned2") for p in Path.cwd().iterdir())
    missing = run("resolve", "-p", tmp_path / "nope $(id) `x`.yaml")
    assert missing.exit_code == 2
    assert f"error: {tmp_path}/nope $(id) `x`.yaml: no such file" in missing.output


def test_the_build_refuses_node_names_sagemaker_would_reject_and_sanitises_the_pipeline_name(
        tmp_path: Path) -> None:
    from specwire.pipeline.api import sagemaker_name

    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"name": "x", "nodes": [{"name": ':- . #show', "step": "DataLoading"}]}),
                    encoding="utf-8")
    target = tmp_path / "out.json"
    result = run("build", path, "--role", "arn:aws:iam::111122223333:role/SageMaker", "-o", target)
    assert result.exit_code == 2
    assert ("DataLoading (node ':- . #show').node_name: must be a step name of letters, digits, '_' and '-', "
            "starting with a letter or digit, at most 64 characters, got ':- . #show'") in result.output
    assert not target.exists()
    assert sagemaker_name('fraud"). evil( $(id); `x` #show') == "fraud-evil-id-x-show"
    assert re.fullmatch(r"[A-Za-z0-9](-*[A-Za-z0-9]){0,255}", sagemaker_name("p" * 600 + "; rm"))


#: Hostile strings tried (each through resolution, explanation, JSON and the three drawings).
INJECTED = len(HOSTILE) + 4 * 2 + 3
