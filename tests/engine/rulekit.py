"""Builders of small catalogs and pipelines for the rule tests (its own module: each test folder has a conftest)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode
from specwire.plan import ResolvedPipeline
from specwire.specs.models import StepSpecification
from specwire.specs.registry import SpecRegistry


def dep(name: str, types: Sequence[str] = ("S3Uri",), *, required: bool = True, kind: str = "processing_output",
        sources: Sequence[str] = (), keywords: Sequence[str] = (), aliases: Sequence[str] = ()) -> dict[str, Any]:
    return {"logical_name": name, "data_types": list(types), "required": required, "kind": kind,
            "compatible_sources": list(sources), "semantic_keywords": list(keywords), "aliases": list(aliases)}


def out(name: str, dtype: str = "S3Uri", *, kind: str = "processing_output", keywords: Sequence[str] = (),
        aliases: Sequence[str] = ()) -> dict[str, Any]:
    return {"logical_name": name, "data_type": dtype, "kind": kind, "semantic_keywords": list(keywords),
            "aliases": list(aliases)}


def spec(step: str, deps: Sequence[dict[str, Any]] = (), outs: Sequence[dict[str, Any]] = (),
         variants: dict[str, Any] | None = None, kind: str = "Processing") -> StepSpecification:
    return StepSpecification.model_validate({"step_type": step, "dependencies": list(deps), "outputs": list(outs),
                                             "job_type_variants": variants or {}, "sagemaker_step_kind": kind})


def catalog(*specs: StepSpecification) -> SpecRegistry:
    registry = SpecRegistry()
    for s in specs:
        registry.add(s, "<test>")
    return registry


def pipeline(*nodes: str | tuple[str, str] | tuple[str, str, str | None],
             edges: Sequence[tuple[str, str]] = ()) -> PipelineDefinition:
    """Nodes as `Step` (named after the step), `(name, Step)` or `(name, Step, job_type)`."""
    built = []
    for n in nodes:
        if isinstance(n, str):
            built.append(PipelineNode(n, n))
        elif len(n) == 2:
            built.append(PipelineNode(n[0], n[1]))
        else:
            built.append(PipelineNode(n[0], n[1], n[2]))
    return PipelineDefinition(tuple(built), tuple(edges), "test")


Resolve = Callable[..., ResolvedPipeline]


def answer(result: ResolvedPipeline) -> tuple[Any, ...]:
    """Everything a resolve answers, without its timings (whole and scoped stage one must agree on it)."""
    stats = result.stats
    return (result.name, result.nodes, result.edges, result.order, result.diagnostics, result.policies,
            stats.proven_optimal, stats.timed_out, stats.cost, stats.facts, stats.components)


def ports(result: ResolvedPipeline) -> set[tuple[str, str, str, str]]:
    return {(e.source, e.output, e.target, e.dependency) for e in result.edges}


def kinds(result: ResolvedPipeline) -> list[str]:
    return [d.kind for d in result.diagnostics]


def ground_one(rule_file: str, facts: str, *, show: str) -> set[str]:
    """Ground one built-in rule file on hand-written facts; the atoms of predicate `show`, as text.

    A rule of one file can then be read and changed alone: the facts stand in for what the
    other files (and the resolver) would derive.
    """
    import clingo

    from specwire.engine.solver import builtin_rule_file

    ctl = clingo.Control(["--warn=none"])
    ctl.load(str(builtin_rule_file(rule_file)))
    ctl.add("base", [], facts)
    ctl.ground([("base", [])])
    name = show.split("/")[0]
    arity = int(show.split("/")[1])
    return {str(sa.symbol) for sa in ctl.symbolic_atoms.by_signature(name, arity)}
