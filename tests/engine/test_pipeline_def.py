"""Pipeline files (native and cursus DAG format), step arguments, and the errors a user sees."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import specwire.specs.files
from specwire.engine.pipeline_def import (
    PipelineDefinition,
    PipelineNode,
    from_step_args,
    load_pipeline_file,
    parse_pipeline,
)
from specwire.errors import PipelineFileError

WriteFile = Callable[[str, str | bytes], Path]

NATIVE_YAML = """\
name: fraud
nodes:
  - {name: load, step: DataLoading}
  - {name: prep, step: TabularPreprocessing, job_type: training}
  - {name: train, step_type: XGBoostTraining}
edges:
  - [load, prep]
  - {from: prep, to: train}
"""

EXPECTED_NODES = (
    PipelineNode("load", "DataLoading", None),
    PipelineNode("prep", "TabularPreprocessing", "training"),
    PipelineNode("train", "XGBoostTraining", None),
)


def parse_error(document: Any, source: str = "p.yaml") -> str:
    with pytest.raises(PipelineFileError) as info:
        parse_pipeline(document, source)
    return info.value.message


def one_node(**extra: Any) -> dict[str, Any]:
    return {"nodes": [{"name": "a", "step": "DataLoading"}], **extra}


# --------------------------------------------------------------------------- reading files


def test_native_yaml_file(write_file: WriteFile) -> None:
    path = write_file("fraud.yaml", NATIVE_YAML)
    definition = load_pipeline_file(path)
    assert definition.nodes == EXPECTED_NODES
    assert definition.edges == (("load", "prep"), ("prep", "train"))
    assert definition.name == "fraud"
    assert definition.source == str(path)


def test_native_json_file_reads_the_same(write_file: WriteFile) -> None:
    import yaml

    path = write_file("fraud.json", json.dumps(yaml.safe_load(NATIVE_YAML)))
    definition = load_pipeline_file(path)
    assert definition.nodes == EXPECTED_NODES
    assert definition.edges == (("load", "prep"), ("prep", "train"))


def test_a_node_without_a_name_is_named_after_its_step() -> None:
    definition = parse_pipeline({"nodes": [{"step": "DataLoading"}, {"step": "XGBoostTraining", "name": "x"}]}, "p")
    assert [n.name for n in definition.nodes] == ["DataLoading", "x"]


def test_pipeline_name_falls_back_to_id_then_file_stem() -> None:
    assert parse_pipeline({"id": "abc", **one_node()}, "dir/file.yaml").name == "abc"
    assert parse_pipeline(one_node(), "dir/my_pipe.yaml").name == "my_pipe"


def test_edges_are_optional_and_can_be_dropped() -> None:
    definition = parse_pipeline({"nodes": [{"name": "a", "step": "X"}, {"name": "b", "step": "Y"}],
                                 "edges": [["a", "b"]]}, "p")
    assert definition.without_edges().edges == ()
    assert definition.without_edges().nodes == definition.nodes
    assert parse_pipeline({"nodes": [{"step": "X"}], "edges": None}, "p").edges == ()


def test_settings_are_kept_as_extra() -> None:
    definition = parse_pipeline(one_node(settings={"region": "eu-west-1"}, description="d"), "p")
    assert definition.extra == {"settings": {"region": "eu-west-1"}}


def test_string_nodes_name_step_and_job_type() -> None:
    definition = parse_pipeline({"nodes": ["DataLoading:training", "XGBoostTraining"]}, "p")
    assert definition.nodes == (PipelineNode("DataLoading:training", "DataLoading", "training"),
                                PipelineNode("XGBoostTraining", "XGBoostTraining", None))


def test_cursus_dag_format_with_node_to_step(cursus_dir: Path) -> None:
    # Read in place from the shared corpus (never copied into the repository).
    definition = load_pipeline_file(cursus_dir / "dags" / "simple_training.json")
    assert definition.name == "simple_training"
    assert definition.nodes == (
        PipelineNode("DummyDataLoading_training", "DummyDataLoading", "training"),
        PipelineNode("TabularPreprocessing_training", "TabularPreprocessing", "training"),
        PipelineNode("PyTorchTraining", "PyTorchTraining", None),
    )
    assert definition.edges == (("DummyDataLoading_training", "TabularPreprocessing_training"),
                                ("TabularPreprocessing_training", "PyTorchTraining"))


def test_every_cursus_corpus_dag_loads(cursus_dir: Path) -> None:
    files = sorted((cursus_dir / "dags").glob("*.json"))
    assert files, "the corpus has DAG files"
    for path in files:
        raw = json.loads(path.read_text())
        definition = load_pipeline_file(path)
        assert [n.name for n in definition.nodes] == raw["nodes"], path.name
        assert [list(e) for e in definition.edges] == raw["edges"], path.name
        for node in definition.nodes:
            entry = raw["node_to_step"][node.name]
            assert (node.step_type, node.job_type) == (entry["step_type"], entry["job_type"] or None), path.name


def test_node_to_step_must_cover_every_node() -> None:
    doc = {"nodes": ["a", "b"], "node_to_step": {"a": {"step_type": "X"}}}
    assert parse_error(doc) == "p.yaml: node_to_step: no step_type for node 'b'"


# --------------------------------------------------------------------------- step arguments


def test_from_step_args_names_nodes_after_step_and_job_type() -> None:
    definition = from_step_args(["DataLoading:training", "TabularPreprocessing:training", "XGBoostTraining"])
    assert definition.nodes == (
        PipelineNode("DataLoading_training", "DataLoading", "training"),
        PipelineNode("TabularPreprocessing_training", "TabularPreprocessing", "training"),
        PipelineNode("XGBoostTraining", "XGBoostTraining", None),
    )
    assert definition.edges == ()
    assert definition.source == "<command line>"


def test_repeated_steps_get_a_counter() -> None:
    names = [n.name for n in from_step_args(["DataLoading", "DataLoading", "DataLoading:training",
                                             "DataLoading:training", "DataLoading"]).nodes]
    assert names == ["DataLoading", "DataLoading_2", "DataLoading_training", "DataLoading_training_2",
                     "DataLoading_3"]


def test_a_generated_name_never_collides_with_a_taken_one() -> None:
    nodes = from_step_args(["DataLoading_2", "DataLoading", "DataLoading", "X:training", "X_training"]).nodes
    assert [(n.name, n.step_type) for n in nodes] == [
        ("DataLoading_2", "DataLoading_2"), ("DataLoading", "DataLoading"), ("DataLoading_3", "DataLoading"),
        ("X_training", "X"), ("X_training_2", "X_training")]


def test_step_args_whitespace_and_empty_job_type() -> None:
    assert from_step_args([" DataLoading : "]).nodes == (PipelineNode("DataLoading", "DataLoading", None),)


@pytest.mark.parametrize("arg", [":training", "", "  "])
def test_a_step_arg_without_a_step(arg: str) -> None:
    with pytest.raises(PipelineFileError) as info:
        from_step_args([arg])
    assert info.value.message == f"{arg!r}: expected STEP or STEP:job_type"


def test_an_over_long_step_arg_is_refused() -> None:
    with pytest.raises(PipelineFileError, match="a step argument of 600 characters is longer than the 512 allowed"):
        from_step_args(["S" * 600])


# --------------------------------------------------------------------------- errors


def test_empty_pipeline() -> None:
    with pytest.raises(PipelineFileError) as info:
        parse_pipeline({"name": "x", "nodes": []}, "p.yaml")
    assert info.value.message == "p.yaml: nodes: the pipeline is empty"
    assert info.value.suggested_fix == "add at least one node"


@pytest.mark.parametrize(("content", "found"), [("", "nothing"), ("- a\n- b\n", "list"), ("text\n", "str")])
def test_a_file_that_is_not_a_mapping(write_file: WriteFile, content: str, found: str) -> None:
    path = write_file("p.yaml", content)
    with pytest.raises(PipelineFileError) as info:
        load_pipeline_file(path)
    assert info.value.message == f"{path}: expected a mapping with 'nodes', found {found}"


def test_missing_nodes() -> None:
    assert parse_error({"name": "x"}) == "p.yaml: required field 'nodes' is missing"
    assert parse_error({"nodes": {"a": "X"}}) == "p.yaml: nodes: expected a list"


def test_duplicate_node_names() -> None:
    doc = {"nodes": [{"name": "a", "step": "X"}, {"name": "b", "step": "Y"}, {"name": "a", "step": "Z"}]}
    with pytest.raises(PipelineFileError) as info:
        parse_pipeline(doc, "p.yaml")
    assert info.value.message == "p.yaml: nodes: the node name 'a' is used twice"
    assert info.value.suggested_fix == "give every node a unique name"


def test_two_unnamed_nodes_of_one_step_collide() -> None:
    assert parse_error({"nodes": [{"step": "X"}, {"step": "X"}]}) == "p.yaml: nodes: the node name 'X' is used twice"


def test_unknown_top_level_field_suggests_the_right_one() -> None:
    assert parse_error(one_node(edgse=[])) == "p.yaml: unknown field 'edgse' (did you mean 'edges'?)"


def test_unknown_node_field_suggests_the_right_one() -> None:
    doc = {"nodes": [{"name": "a", "step": "X"}, {"name": "b", "step": "X", "job_typ": "training"}]}
    assert parse_error(doc) == "p.yaml: nodes[1]: unknown field 'job_typ' (did you mean 'job_type'?)"


def test_edge_naming_an_unknown_node() -> None:
    doc = {"nodes": [{"name": "load", "step": "X"}, {"name": "prep", "step": "Y"}],
           "edges": [["load", "prep"], ["prepp", "load"]]}
    assert parse_error(doc) == "p.yaml: edges[1]: no node named 'prepp' (did you mean 'prep'?)"
    doc["edges"] = [{"from": "load", "to": "zzz"}]
    assert parse_error(doc) == "p.yaml: edges[0]: no node named 'zzz'"


@pytest.mark.parametrize("edge", [["a"], ["a", "a", "a"], "a->a", {"from": "a"}, {"from": "a", "to": "a", "x": 1}])
def test_malformed_edges(edge: Any) -> None:
    assert parse_error(one_node(edges=[edge])) == "p.yaml: edges[0]: expected [from, to] or {from: ..., to: ...}"


@pytest.mark.parametrize("end", [["a"], {"x": 1}, 1, None])
def test_an_edge_end_that_is_not_a_name_is_bad_input_not_a_crash(end: Any) -> None:
    assert parse_error(one_node(edges=[["a", end]])) == f"p.yaml: edges[0]: expected node names, found {end!r}"


def test_edges_must_be_a_list() -> None:
    assert parse_error(one_node(edges={"a": "b"})) == "p.yaml: edges: expected a list of [from, to] pairs"


def test_a_node_missing_step() -> None:
    doc = {"nodes": [{"name": "a", "step": "X"}, {"name": "b", "job_type": "training"}]}
    assert parse_error(doc) == "p.yaml: nodes[1]: required field 'step' is missing"


@pytest.mark.parametrize(("node", "expected"), [
    ({"name": "a", "step": ""}, "p.yaml: nodes[0].step: expected a non-empty string, found ''"),
    ({"name": " ", "step": "X"}, "p.yaml: nodes[0].name: expected a non-empty string, found ' '"),
    ({"name": 7, "step": "X"}, "p.yaml: nodes[0].name: expected a non-empty string, found 7"),
    ({"name": "a", "step": ["X"]}, "p.yaml: nodes[0].step: expected a non-empty string, found ['X']"),
    ({"name": "a", "step": "X", "job_type": 3}, "p.yaml: nodes[0].job_type: expected a non-empty string, found 3"),
    (["a", "X"], "p.yaml: nodes[0]: expected a mapping with 'name' and 'step', found list"),
    ("", "p.yaml: nodes[0]: expected a non-empty string, found ''"),
    (":training", "p.yaml: nodes[0]: ':training': expected STEP or STEP:job_type (or a node_to_step entry)"),
])
def test_bad_node_values(node: Any, expected: str) -> None:
    assert parse_error({"nodes": [node]}) == expected


def test_a_node_name_over_512_characters() -> None:
    assert parse_pipeline({"nodes": [{"name": "n" * 512, "step": "X"}]}, "p").nodes[0].name == "n" * 512
    assert parse_error({"nodes": [{"name": "n" * 513, "step": "X"}]}) == (
        "p.yaml: nodes[0].name: a name of 513 characters is longer than the 512 allowed")


def test_a_long_name_is_refused_in_every_node_form() -> None:
    long = "n" * 600
    assert parse_error({"nodes": [long]}) == "p.yaml: nodes[0]: a name of 600 characters is longer than the 512 allowed"
    assert parse_error({"nodes": [long], "node_to_step": {long: {"step_type": "X"}}}) == (
        "p.yaml: nodes[0]: a name of 600 characters is longer than the 512 allowed")
    assert parse_error({"nodes": ["a"], "node_to_step": {"a": {"step_type": long}}}) == (
        "p.yaml: node_to_step.a.step_type: a name of 600 characters is longer than the 512 allowed")


def test_file_errors_name_the_path(write_file: WriteFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(PipelineFileError) as info:
        load_pipeline_file(missing)
    assert info.value.message == f"{missing}: no such file"
    assert info.value.suggested_fix == "check the path of the pipeline file"

    bad = write_file("bad.json", '{"nodes": [}')
    with pytest.raises(PipelineFileError) as info:
        load_pipeline_file(bad)
    assert info.value.message.startswith(f"{bad}:1:12: invalid JSON in pipeline file")

    monkeypatch.setattr(specwire.specs.files, "MAX_DOCUMENT_BYTES", 8)
    big = write_file("big.yaml", NATIVE_YAML)
    with pytest.raises(PipelineFileError, match=r"is larger than the 8 bytes limit for a pipeline file"):
        load_pipeline_file(big)


def test_the_definition_is_immutable() -> None:
    definition = from_step_args(["DataLoading"])
    assert isinstance(definition, PipelineDefinition)
    with pytest.raises(AttributeError):
        definition.nodes = ()  # type: ignore[misc]
