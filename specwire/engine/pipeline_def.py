"""A pipeline as a user writes it: nodes (name, step type, optional job type) and optional edges.

Pipeline files are YAML or JSON, in specwire's format::

    name: fraud
    nodes:
      - {name: load, step: DataLoading}
      - {name: prep, step: TabularPreprocessing, job_type: training}
    edges:            # optional; checked against the specs, not trusted
      - [load, prep]

or in the cursus DAG format (`nodes` as names, `edges` as pairs, `node_to_step`), detected by
content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specwire.errors import PipelineFileError, brief
from specwire.specs.files import read_document

_NODE_FIELDS = {"name", "step", "step_type", "job_type", "description", "config"}
_TOP_FIELDS = {"name", "description", "nodes", "edges", "id", "framework", "node_to_step", "settings", "context",
               "overrides", "deployment"}


@dataclass(frozen=True)
class PipelineNode:
    name: str
    step_type: str
    job_type: str | None = None


@dataclass(frozen=True)
class PipelineDefinition:
    nodes: tuple[PipelineNode, ...]
    edges: tuple[tuple[str, str], ...] = ()
    name: str = "pipeline"
    source: str = "<command line>"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def without_edges(self) -> PipelineDefinition:
        return PipelineDefinition(self.nodes, (), self.name, self.source, self.extra)


def from_step_args(args: Sequence[str]) -> PipelineDefinition:
    """`DataLoading XGBoostTraining:training` -> nodes named after their step (and job type)."""
    nodes: list[PipelineNode] = []
    taken: set[str] = set()
    for arg in args:
        step, _, job = arg.partition(":")
        step = step.strip()
        job_type = job.strip() or None
        if not step:
            raise PipelineFileError(f"{arg!r}: expected STEP or STEP:job_type")
        if len(arg) > 512:
            raise PipelineFileError(f"{arg[:40]!r}...: a step argument of {len(arg)} characters is longer than "
                                    "the 512 allowed")
        if has_control(arg):
            raise PipelineFileError(f"{brief(arg)}: a step argument holds a line break or another control character")
        base = f"{step}_{job_type}" if job_type else step
        name, i = base, 2
        while name in taken:
            name, i = f"{base}_{i}", i + 1
        taken.add(name)
        nodes.append(PipelineNode(name, step, job_type))
    return PipelineDefinition(tuple(nodes))


def load_pipeline_file(path: Path) -> PipelineDefinition:
    document = read_document(path, what="pipeline file", error=PipelineFileError)
    return parse_pipeline(document, str(path))


def parse_pipeline(document: Any, source: str) -> PipelineDefinition:
    if not isinstance(document, Mapping):
        found = "nothing" if document is None else type(document).__name__
        raise PipelineFileError(f"{source}: expected a mapping with 'nodes', found {found}")
    unknown = sorted(set(document) - _TOP_FIELDS, key=str)  # keys of any YAML type
    if unknown:
        from specwire.errors import suggestion_text

        hint = suggestion_text(str(unknown[0]), _TOP_FIELDS)
        raise PipelineFileError(f"{source}: unknown field {brief(unknown[0])}" + (f" ({hint})" if hint else ""))
    if "nodes" not in document:
        raise PipelineFileError(f"{source}: required field 'nodes' is missing")
    raw_nodes = document["nodes"]
    if not isinstance(raw_nodes, list):
        raise PipelineFileError(f"{source}: nodes: expected a list")
    if not raw_nodes:
        raise PipelineFileError(f"{source}: nodes: the pipeline is empty", suggested_fix="add at least one node")
    mapping = document.get("node_to_step")
    nodes = [_node(raw, i, mapping, source) for i, raw in enumerate(raw_nodes)]
    names = [n.name for n in nodes]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise PipelineFileError(f"{source}: nodes: the node name {dupes[0]!r} is used twice",
                                suggested_fix="give every node a unique name")
    edges = _edges(document.get("edges") or [], set(names), source)
    _check_top_fields(document, source)
    name = str(document.get("name") or document.get("id") or Path(source).stem or "pipeline")
    extra = {k: v for k, v in document.items() if k in ("settings", "context", "overrides")}
    return PipelineDefinition(tuple(nodes), tuple(edges), name, source, extra)


def _check_top_fields(document: Mapping[str, Any], source: str) -> None:
    """The shape of the fields besides nodes and edges, checked here so that every command (resolve
    as well as build, run and deploy) refuses the same file: a name is text, settings are mappings."""
    for key in ("name", "id", "description"):
        value = document.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, str | int | float)):
            raise PipelineFileError(f"{source}: {key}: expected text, found {brief(value)}")
    for key in ("context", "overrides", "deployment", "settings"):
        value = document.get(key)
        if value is not None and not isinstance(value, Mapping):
            raise PipelineFileError(f"{source}: {key}: expected a mapping, got {type(value).__name__}")


def _node(raw: Any, i: int, mapping: Any, source: str) -> PipelineNode:
    where = f"{source}: nodes[{i}]"
    if isinstance(raw, str):
        if isinstance(mapping, Mapping):
            _text(raw, where)
            entry = mapping.get(raw)
            if not isinstance(entry, Mapping) or "step_type" not in entry:
                raise PipelineFileError(f"{source}: node_to_step: no step_type for node {brief(raw)}")
            return PipelineNode(raw, _text(entry["step_type"], f"{source}: node_to_step.{raw}.step_type"),
                                _job(entry.get("job_type"), f"{source}: node_to_step.{raw}.job_type"))
        name = _text(raw, where)
        step, _, job = name.partition(":")
        if not step.strip():
            raise PipelineFileError(f"{where}: {brief(raw)}: expected STEP or STEP:job_type (or a node_to_step entry)")
        return PipelineNode(name, step, job or None)
    if not isinstance(raw, Mapping):
        raise PipelineFileError(f"{where}: expected a mapping with 'name' and 'step', found {type(raw).__name__}")
    unknown = sorted(set(raw) - _NODE_FIELDS, key=str)
    if unknown:
        from specwire.errors import suggestion_text

        hint = suggestion_text(str(unknown[0]), _NODE_FIELDS)
        raise PipelineFileError(f"{where}: unknown field {brief(unknown[0])}" + (f" ({hint})" if hint else ""))
    step = raw.get("step", raw.get("step_type"))
    if step is None:
        raise PipelineFileError(f"{where}: required field 'step' is missing")
    step_text = _text(step, f"{where}.step")
    name = _text(raw.get("name", step_text), f"{where}.name")
    return PipelineNode(name, step_text, _job(raw.get("job_type"), f"{where}.job_type"))


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PipelineFileError(f"{where}: expected a non-empty string, found {brief(value)}")
    if len(value) > 512:
        raise PipelineFileError(f"{where}: a name of {len(value)} characters is longer than the 512 allowed")
    if has_control(value):
        raise PipelineFileError(f"{where}: {brief(value)} holds a line break or another control character",
                                suggested_fix="names are one line of text")
    return value


def has_control(text: str) -> bool:
    """A character that is not text: a line break, tab, NUL, escape (it would break every rendering)."""
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def _job(value: Any, where: str) -> str | None:
    if value is None or value == "":
        return None
    return _text(value, where)


def _edges(raw: Any, names: set[str], source: str) -> list[tuple[str, str]]:
    if not isinstance(raw, list):
        raise PipelineFileError(f"{source}: edges: expected a list of [from, to] pairs")
    edges: list[tuple[str, str]] = []
    for i, edge in enumerate(raw):
        if isinstance(edge, Mapping) and set(edge) == {"from", "to"}:
            pair = [edge["from"], edge["to"]]
        elif isinstance(edge, list | tuple) and len(edge) == 2:
            pair = list(edge)
        else:
            raise PipelineFileError(f"{source}: edges[{i}]: expected [from, to] or {{from: ..., to: ...}}")
        for end in pair:
            if not isinstance(end, str):
                raise PipelineFileError(f"{source}: edges[{i}]: expected node names, found {brief(end)}")
            if end not in names:
                from specwire.errors import suggestion_text

                hint = suggestion_text(str(end), names)
                raise PipelineFileError(f"{source}: edges[{i}]: no node named {brief(end)}"
                                        + (f" ({hint})" if hint else ""))
        edges.append((str(pair[0]), str(pair[1])))
    return edges
