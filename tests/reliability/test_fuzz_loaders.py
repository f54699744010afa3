"""Fuzzing the spec-pack and pipeline-file loaders: only specwire's own errors may come out.

Entry points, each over its own kind of input (a bounded number of examples per run in CI; raise
it with SPECWIRE_RELIABILITY_PROFILE=reliability-long for a soak):

* `parse_pack` / `parse_pipeline` over JSON-like documents: arbitrary ones, and valid documents
  with one field replaced by an arbitrary value (which reaches far deeper into validation);
* `load_registry` / `load_pipeline_file` over files: arbitrary bytes, arbitrary text, and mutated
  valid YAML and JSON text;
* the config-file loader (`configs_from_document`) over mutated valid config documents.

Every value that comes back must be of the promised type; every exception a SpecwireError whose
message names the file.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from reliability_support import FUZZ_PROFILE

from specwire.engine.pipeline_def import PipelineDefinition, load_pipeline_file, parse_pipeline
from specwire.errors import SpecwireError
from specwire.specs.models import StepSpecification
from specwire.specs.registry import SpecRegistry, load_registry, parse_pack

FUZZ = settings.get_profile(FUZZ_PROFILE)
#: Seconds one input may take: a loader that blows up on a small input is a denial of service.
PER_INPUT_SECONDS = 2.0

SOURCE = "fuzz.yaml"

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=20), st.sampled_from(["", " ", "nodes", "step", "specs", "DataLoading",
                                                           "step_type", "a\x00b", "%", ':- .', '#show']))
keys = st.one_of(st.text(max_size=12), st.sampled_from(
    ["nodes", "edges", "name", "step", "step_type", "job_type", "specs", "dependencies", "outputs",
     "logical_name", "data_types", "compatible_sources", "job_type_variants", "node_to_step", "from", "to",
     "step_specifications", "version", "context", "overrides", "settings", "required", "kind"]),
    st.integers(-3, 3), st.booleans(), st.none())
json_like = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)), max_leaves=25)

VALID_PACK: dict[str, Any] = {
    "step_type": "Prep",
    "sagemaker_step_kind": "Processing",
    "dependencies": [{"logical_name": "raw", "kind": "processing_output", "required": True,
                      "data_types": ["raw_tabular"], "compatible_sources": ["Load"],
                      "semantic_keywords": ["raw", "data"], "aliases": ["input"]}],
    "outputs": [{"logical_name": "clean", "data_type": "processed_tabular", "aliases": ["train_data"],
                 "semantic_keywords": ["processed"], "property_path": "properties.X"}],
    "job_type_variants": {"training": {"dependencies": {"raw": {"semantic_keywords": ["training"]}},
                                       "outputs": {"clean": {"aliases": ["t"]}}}},
}
VALID_PIPELINE: dict[str, Any] = {
    "name": "fuzz",
    "nodes": [{"name": "load", "step": "DataLoading", "job_type": "training"},
              {"name": "prep", "step": "TabularPreprocessing"}, "XGBoostTraining"],
    "edges": [["load", "prep"], {"from": "prep", "to": "XGBoostTraining"}],
    "context": {"environment": "dev"},
}


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a document a value could be replaced."""
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for i, value in enumerate(document):
            found += _paths(value, (*prefix, i))
    return found


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = deepcopy(document)
    target = copy
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return copy


@st.composite
def mutated(draw: st.DrawFn, valid: dict[str, Any]) -> Any:
    """A valid document with one to three places replaced by arbitrary values (or deleted)."""
    document: Any = valid
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(document)
        path = draw(st.sampled_from(paths))
        if path and draw(st.booleans()) and isinstance(document, dict):
            try:
                copy = deepcopy(document)
                parent = copy
                for part in path[:-1]:
                    parent = parent[part]
                del parent[path[-1]]
                document = copy
                continue
            except (KeyError, IndexError, TypeError):
                pass
        document = _replace(document, path, draw(json_like))
    return document


def expect_only_specwire_errors(call: Callable[[], Any], check: Callable[[Any], None] = lambda _: None,
                                name: str = SOURCE) -> None:
    started = time.perf_counter()
    try:
        check(call())
    except SpecwireError as exc:
        assert exc.message.strip(), "an error with no message"
        assert name in exc.message, f"the error does not name the file: {exc.message}"
        assert len(exc.message) < 5000, "an unbounded error message"
    elapsed = time.perf_counter() - started
    assert elapsed < PER_INPUT_SECONDS, f"one input took {elapsed:.1f} s"


def _specs(value: Any) -> None:
    assert isinstance(value, list) and all(isinstance(s, StepSpecification) for s in value)


def _pipeline(value: Any) -> None:
    assert isinstance(value, PipelineDefinition) and value.nodes
    assert all(isinstance(n.name, str) and isinstance(n.step_type, str) for n in value.nodes)


def _registry(value: Any) -> None:
    assert isinstance(value, SpecRegistry)
    for spec in value:
        for job in spec.job_type_variants:
            spec.for_job(job)  # variants were validated at load time


# --------------------------------------------------------------------------- documents


@settings(FUZZ)
@given(document=st.one_of(json_like, mutated(VALID_PACK), st.lists(mutated(VALID_PACK), max_size=3),
                          st.fixed_dictionaries({"specs": st.lists(mutated(VALID_PACK), max_size=2)})))
def test_parse_pack(document: Any) -> None:
    expect_only_specwire_errors(lambda: parse_pack(document, SOURCE), _specs)


@settings(FUZZ)
@given(document=st.one_of(json_like, mutated(VALID_PIPELINE)))
def test_parse_pipeline(document: Any) -> None:
    expect_only_specwire_errors(lambda: parse_pipeline(document, SOURCE), _pipeline)


# --------------------------------------------------------------------------- files


def _mutate_text(text: str, draw: st.DrawFn) -> str:
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.one_of(st.text(max_size=4), st.sampled_from(
            ["{", "}", "[", "]", ":", "- ", "\n", "  ", "&a ", "*a", "!!python/object:os.system ", "'", '"', ",",
             "? ", "|", ">", "#", "%YAML 1.1\n", "---\n", "\t", "\\u0000", "<<: *a\n"])))
        if action == "insert":
            text = text[:at] + piece + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + len(piece):]
        else:
            text = text[:at] + piece + text[at + len(piece):]
    return text


@st.composite
def pack_files(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(["bytes", "text", "yaml", "json"]))
    if kind == "bytes":
        return draw(st.sampled_from([".yaml", ".json"])), draw(st.binary(max_size=200))
    if kind == "text":
        return draw(st.sampled_from([".yaml", ".json"])), draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    if kind == "yaml":
        text = yaml.safe_dump(VALID_PACK, sort_keys=False)
        return ".yaml", _mutate_text(text, draw).encode("utf-8", "surrogatepass")
    return ".json", _mutate_text(json.dumps(VALID_PACK, indent=1), draw).encode("utf-8", "surrogatepass")


@st.composite
def pipeline_files(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(["bytes", "yaml", "json"]))
    if kind == "bytes":
        return ".yaml", draw(st.binary(max_size=200))
    if kind == "yaml":
        return ".yaml", _mutate_text(yaml.safe_dump(VALID_PIPELINE, sort_keys=False), draw).encode(
            "utf-8", "surrogatepass")
    return ".json", _mutate_text(json.dumps(VALID_PIPELINE), draw).encode("utf-8", "surrogatepass")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(FUZZ)
@given(file=pack_files())
def test_load_registry_from_a_file(file: tuple[str, bytes], folder: Path) -> None:
    path = folder / f"fuzz{file[0]}"
    path.write_bytes(file[1])
    expect_only_specwire_errors(lambda: load_registry([path]), _registry, name=path.name)


@settings(FUZZ)
@given(file=pipeline_files())
def test_load_pipeline_file(file: tuple[str, bytes], folder: Path) -> None:
    path = folder / f"fuzz{file[0]}"
    path.write_bytes(file[1])
    expect_only_specwire_errors(lambda: load_pipeline_file(path), _pipeline, name=path.name)


# --------------------------------------------------------------------------- config files


@pytest.fixture(scope="module")
def config_document() -> dict[str, Any]:
    from specwire.configs.store import configs_to_document
    from specwire.pipeline.api import Pipeline

    pipeline = Pipeline.from_file(Path(__file__).parents[2] / "specwire" / "examples" / "fraud.yaml",
                                  role_arn="arn:aws:iam::111122223333:role/SageMaker", bucket="ml-artifacts")
    document: dict[str, Any] = json.loads(json.dumps(configs_to_document(pipeline.configs())))
    # Keep two nodes: enough for every shape of entry, and fast.
    document["nodes"] = dict(list(document["nodes"].items())[1:3])
    return document


@settings(settings(FUZZ, max_examples=max(FUZZ.max_examples // 2, 10)))
@given(data=st.data())
def test_config_documents(data: st.DataObject, config_document: dict[str, Any]) -> None:
    from specwire.configs.store import configs_from_document

    document = data.draw(mutated(config_document))
    expect_only_specwire_errors(lambda: configs_from_document(document, SOURCE))


#: Examples per run, for the closing note (the config fuzzer runs half).
FUZZERS = 5
