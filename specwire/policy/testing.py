"""`specwire rules test DIR`: policy tests, as policy-as-code tools have them.

DIR holds policy files (`*.lp`, at any depth) and test files (YAML files, at any depth, with a
top-level `tests:` list; other YAML files there, such as pipelines or spec packs they name, are
left alone). Every test resolves a pipeline with DIR's policies and checks the violations:

```yaml
rules: [../extra.lp]           # optional: more rule files, relative to this file
catalog: [builtin, steps.yaml]  # optional: spec packs (relative to this file); default: built-in
tests:
  - name: registration without a quality gate fails
    pipeline:                   # inline (nodes, edges, context, overrides), or a file path
      nodes: [...]
    context: {environment: dev} # optional, merged over the pipeline's context
    configs: {train: {instance_type: ml.p3.2xlarge}}   # optional config overrides by node or step type
    fill_gaps: false            # optional
    expect:
      violations: [registration_needs_gate]            # each must be reported: an id, or
                                                       # {id, nodes: [...], message: "part of it"}
      absent: [no_gpu_in_dev]   # none of these may be reported
      only: true                # nothing beyond `violations` (an empty `violations: []` means none at all)
      resolves: false           # optional: the pipeline must (not) resolve
      edges: [[prep, train]]    # optional: node-level edges the wiring must have (soft rules)
      no_edges: [[load, train]] # ... and must not have
```
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from specwire.errors import BadInputError, suggestion_text

if TYPE_CHECKING:
    from specwire.engine.resolver import Resolver
    from specwire.plan import Diagnostic, ResolvedPipeline

_FILE_KEYS = ("rules", "catalog", "tests")
_TEST_KEYS = ("name", "pipeline", "context", "configs", "fill_gaps", "expect", "timeout")
_EXPECT_KEYS = ("violations", "absent", "only", "resolves", "edges", "no_edges")
_YAML = (".yaml", ".yml")


@dataclass(frozen=True)
class Expected:
    id: str
    nodes: tuple[str, ...] | None = None
    message: str | None = None

    def __str__(self) -> str:
        parts = [self.id]
        if self.nodes is not None:
            parts.append(f"on {', '.join(self.nodes) or 'no node'}")
        if self.message:
            parts.append(f"with {self.message!r}")
        return " ".join(parts)


@dataclass
class TestOutcome:
    file: Path
    name: str
    passed: bool
    problems: list[str] = field(default_factory=list)
    reported: list[str] = field(default_factory=list)


@dataclass
class TestReport:
    outcomes: list[TestOutcome]

    @property
    def passed(self) -> int:
        return sum(o.passed for o in self.outcomes)

    @property
    def failed(self) -> int:
        return sum(not o.passed for o in self.outcomes)


def find_test_files(folder: Path) -> list[Path]:
    """The YAML files under `folder` whose top level has `tests:`."""
    from specwire.specs.files import read_document

    found = []
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in _YAML and p.is_file()):
        document = read_document(path, what="policy test file")
        if isinstance(document, Mapping) and "tests" in document:
            found.append(path)
    return found


def run_tests(folder: Path, extra_rules: Sequence[Path] = ()) -> TestReport:
    """Run every test under `folder` with its policies (the `.lp` files under it, and `extra_rules`)."""
    from specwire.policy.sources import policy_files
    from specwire.specs.files import read_document

    if not folder.is_dir():
        raise BadInputError(f"{folder}: no such folder", suggested_fix="give the folder of the policies and tests")
    tests = find_test_files(folder)
    if not tests:
        raise BadInputError(f"{folder}: no policy test file (a YAML file with a top-level `tests:` list)",
                            suggested_fix="see docs/policies.md, 'Testing policies'")
    base_rules = sorted(p for p in folder.rglob("*.lp") if p.is_file())
    resolvers: dict[tuple[tuple[str, ...], tuple[Path, ...]], Resolver] = {}
    outcomes: list[TestOutcome] = []
    for path in tests:
        document = read_document(path, what="policy test file")
        _keys(document, _FILE_KEYS, str(path))
        rules = policy_files([*base_rules, *extra_rules, *(_relative(path, r) for r in _list(document, "rules", path))])
        catalog = tuple(str(c) if c == "builtin" else str(_relative(path, c)) for c in _list(document, "catalog", path))
        raw_tests = document["tests"]
        if not isinstance(raw_tests, list) or not raw_tests:
            raise BadInputError(f"{path}: tests: expected a non-empty list of tests")
        for i, raw in enumerate(raw_tests):
            where = f"{path}: tests[{i}]"
            if not isinstance(raw, Mapping):
                raise BadInputError(f"{where}: expected a mapping with 'pipeline' and 'expect'")
            _keys(raw, _TEST_KEYS, where)
            resolver = resolvers.get((catalog, tuple(rules)))
            if resolver is None:
                resolver = resolvers[(catalog, tuple(rules))] = _resolver(catalog, rules)
            outcomes.append(_run_one(path, i, raw, resolver))
    return TestReport(outcomes)


def _resolver(catalog: tuple[str, ...], rules: Sequence[Path]) -> Resolver:
    from specwire.engine.resolver import Resolver
    from specwire.specs.registry import load_registry

    return Resolver(load_registry(list(catalog) or None), rules)


def _run_one(path: Path, index: int, raw: Mapping[str, Any], resolver: Resolver) -> TestOutcome:
    from specwire.engine.pipeline_def import load_pipeline_file, parse_pipeline
    from specwire.engine.resolver import ResolveOptions
    from specwire.policy.facts import pipeline_policy_facts

    where = f"{path}: tests[{index}]"
    name = str(raw.get("name") or f"test {index + 1}")
    pipeline = raw.get("pipeline")
    if isinstance(pipeline, str):
        definition = load_pipeline_file(_relative(path, pipeline))
    elif isinstance(pipeline, Mapping):
        definition = parse_pipeline(pipeline, f"{where}.pipeline")
    else:
        raise BadInputError(f"{where}: pipeline: expected a mapping (nodes, edges) or a pipeline file path")
    context = {**_mapping(definition.extra.get("context"), f"{where}.pipeline.context"),
               **_mapping(raw.get("context"), f"{where}.context")}
    overrides = {**_mapping(definition.extra.get("overrides"), f"{where}.pipeline.overrides"),
                 **_mapping(raw.get("configs"), f"{where}.configs")}
    expect = _mapping(raw.get("expect"), f"{where}.expect")
    if not expect:
        raise BadInputError(f"{where}: expect: say what the test expects (violations, absent, ...)")
    _keys(expect, _EXPECT_KEYS, f"{where}.expect")
    facts = pipeline_policy_facts(definition.nodes, context, overrides)
    timeout = raw.get("timeout", 60.0)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
        raise BadInputError(f"{where}: timeout: expected a positive number of seconds")
    options = ResolveOptions(fill_gaps=bool(raw.get("fill_gaps", False)), extra_facts=facts, timeout=float(timeout))
    result = resolver.resolve(definition, options)
    return _judge(path, name, result, expect, f"{where}.expect")


def _judge(path: Path, name: str, result: ResolvedPipeline, expect: Mapping[str, Any], where: str) -> TestOutcome:
    violations = [d for d in result.diagnostics if d.kind == "policy"]
    outcome = TestOutcome(path, name, True, reported=[d.message for d in violations])
    wanted = [_expected(item, f"{where}.violations[{i}]") for i, item in enumerate(_seq(expect, "violations", where))]
    for item in wanted:
        if not any(_matches(d, item) for d in violations):
            outcome.problems.append(f"expected violation {item}, not reported")
    for i, vid in enumerate(_seq(expect, "absent", where)):
        if not isinstance(vid, str):
            raise BadInputError(f"{where}.absent[{i}]: expected a violation id")
        for d in violations:
            if _id(d) == vid:
                outcome.problems.append(f"unexpected violation: {d.message}")
    only = expect.get("only", "violations" in expect and not wanted)
    if only:
        for d in violations:
            if not any(_matches(d, item) for item in wanted):
                outcome.problems.append(f"unexpected violation: {d.message}")
    if "resolves" in expect and bool(expect["resolves"]) != result.ok:
        errors = "; ".join(d.message for d in result.errors) or "no error"
        outcome.problems.append(f"expected the pipeline {'to' if expect['resolves'] else 'not to'} resolve "
                                f"({errors})")
    wired = set(result.node_edges())
    for i, pair in enumerate(_seq(expect, "edges", where)):
        edge = _pair(pair, f"{where}.edges[{i}]")
        if edge not in wired:
            outcome.problems.append(f"expected an edge {edge[0]} -> {edge[1]}, not wired")
    for i, pair in enumerate(_seq(expect, "no_edges", where)):
        edge = _pair(pair, f"{where}.no_edges[{i}]")
        if edge in wired:
            outcome.problems.append(f"expected no edge {edge[0]} -> {edge[1]}, but it is wired")
    # Errors other than policy violations explain many a surprise: show them with a failure.
    if outcome.problems:
        others = [d for d in result.errors if d.kind != "policy"]
        outcome.problems.extend(f"(also reported: {d.kind}: {d.message})" for d in others[:3])
    outcome.passed = not [p for p in outcome.problems if not p.startswith("(also")]
    return outcome


def _id(diagnostic: Diagnostic) -> str:
    # "policy <id>: message (args)"
    return diagnostic.message.split(":", 1)[0].removeprefix("policy ").strip()


def _matches(diagnostic: Diagnostic, item: Expected) -> bool:
    if _id(diagnostic) != item.id:
        return False
    if item.nodes is not None and sorted(diagnostic.nodes) != sorted(item.nodes):
        return False
    return item.message is None or item.message in diagnostic.message


def _expected(item: Any, where: str) -> Expected:
    if isinstance(item, str):
        return Expected(item)
    if isinstance(item, Mapping) and isinstance(item.get("id"), str):
        _keys(item, ("id", "nodes", "message"), where)
        nodes = item.get("nodes")
        if nodes is not None and (not isinstance(nodes, list) or not all(isinstance(n, str) for n in nodes)):
            raise BadInputError(f"{where}.nodes: expected a list of node names")
        message = item.get("message")
        if message is not None and not isinstance(message, str):
            raise BadInputError(f"{where}.message: expected text")
        return Expected(item["id"], tuple(nodes) if nodes is not None else None, message)
    raise BadInputError(f"{where}: expected a violation id or {{id, nodes, message}}")


def _pair(value: Any, where: str) -> tuple[str, str]:
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return value[0], value[1]
    raise BadInputError(f"{where}: expected [provider, consumer]")


def _keys(mapping: Any, allowed: Sequence[str], where: str) -> None:
    if not isinstance(mapping, Mapping):
        raise BadInputError(f"{where}: expected a mapping")
    for key in mapping:
        if key not in allowed:
            hint = suggestion_text(str(key), allowed)
            raise BadInputError(f"{where}: unknown key {key!r}" + (f" ({hint})" if hint else ""),
                                suggested_fix="keys: " + ", ".join(allowed))


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BadInputError(f"{where}: expected a mapping")
    return dict(value)


def _seq(mapping: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = mapping.get(key, [])
    if not isinstance(value, list):
        raise BadInputError(f"{where}.{key}: expected a list")
    return value


def _list(document: Mapping[str, Any], key: str, path: Path) -> list[str]:
    value = document.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadInputError(f"{path}: {key}: expected a list of paths")
    return value


def _relative(test_file: Path, target: str) -> Path:
    path = Path(target)
    return path if path.is_absolute() else test_file.parent / path
