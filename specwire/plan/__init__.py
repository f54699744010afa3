"""The resolved plan: nodes, edges at port level with their reasons, an order, diagnostics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]

#: What a node's name must be to become a SageMaker step name (and an S3 path segment): the one
#: definition, read by the configs (which refuse another name at build) and by resolve (which warns).
STEP_NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
STEP_NAME_RULE = "a step name of letters, digits, '_' and '-', starting with a letter or digit, at most 64 characters"

#: The environments a pipeline runs in. One rule for every command (resolve, build, deploy, the API):
#: the name exactly, else bad input with a did-you-mean (`"prod "`, `PROD` or a look-alike letter is
#: not `prod`: it would silently turn off the prod policies).
ENVIRONMENTS = ("dev", "prod")


def check_environment(value: object, where: str = "environment") -> Literal["dev", "prod"]:
    """`value` when it is a known environment; a BadInputError naming `where` otherwise."""
    if value == "dev":
        return "dev"
    if value == "prod":
        return "prod"
    from specwire.errors import BadInputError, brief, did_you_mean

    close = did_you_mean(value.strip() if isinstance(value, str) else str(value), ENVIRONMENTS) or \
        did_you_mean(str(value), ENVIRONMENTS)
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    if isinstance(value, str) and not value.isascii():
        hint += " (it holds characters that are not ASCII letters)"
    raise BadInputError(f"{where}: unknown environment {brief(value)}{hint}",
                        suggested_fix="environments: " + ", ".join(ENVIRONMENTS))


@dataclass(frozen=True)
class ResolvedNode:
    name: str
    step_type: str
    job_type: str | None
    inserted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "step_type": self.step_type, "job_type": self.job_type,
                "inserted": self.inserted}


@dataclass(frozen=True)
class ResolvedEdge:
    source: str
    output: str
    target: str
    dependency: str
    reasons: tuple[str, ...] = ()
    quality: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.source, "to": self.target, "output": self.output, "dependency": self.dependency,
                "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    kind: str
    message: str
    suggested_fix: str | None = None
    nodes: tuple[str, ...] = ()
    compatible_sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Each step once, in the order found: several dependencies may accept the same source.
        object.__setattr__(self, "compatible_sources", tuple(dict.fromkeys(self.compatible_sources)))

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "kind": self.kind, "message": self.message,
                "suggested_fix": self.suggested_fix, "nodes": list(self.nodes)}


@dataclass
class SolveStats:
    proven_optimal: bool = True
    timed_out: bool = False
    cost: list[int] = field(default_factory=list)
    seconds_match: float = 0.0
    seconds_ground: float = 0.0
    seconds_solve: float = 0.0
    facts: int = 0
    #: Parts solved one after the other (independent components, packed; engine/components.py).
    components: int = 1


@dataclass
class ResolvedPipeline:
    name: str
    nodes: list[ResolvedNode]
    edges: list[ResolvedEdge]
    order: list[str]
    diagnostics: list[Diagnostic]
    stats: SolveStats = field(default_factory=SolveStats)
    #: The policy files the resolve loaded (settings, SPECWIRE_POLICY_PATH, packs, --rules), by path.
    policies: list[str] = field(default_factory=list)
    #: Explicit edges that carry no data, kept as ordering dependencies (provider, consumer): the
    #: inputs they could fill take their data from other explicit edges.
    order_only: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    @property
    def inserted(self) -> list[ResolvedNode]:
        return [n for n in self.nodes if n.inserted]

    def node(self, name: str) -> ResolvedNode:
        return next(n for n in self.nodes if n.name == name)

    def __iter__(self) -> Iterator[ResolvedNode]:
        """The nodes in execution order (providers first): `for node in plan: ...`."""
        by_name = {n.name: n for n in self.nodes}
        ordered = [by_name[name] for name in self.order if name in by_name]
        seen = {n.name for n in ordered}
        return iter(ordered + [n for n in self.nodes if n.name not in seen])

    def __len__(self) -> int:
        return len(self.nodes)

    def __repr__(self) -> str:
        status = "ok" if self.ok else f"{len(self.errors)} error{'s' if len(self.errors) != 1 else ''}"
        inserted = f", {len(self.inserted)} inserted" if self.inserted else ""
        return f"<ResolvedPipeline {self.name!r}: {status}, {len(self.nodes)} nodes{inserted}, {len(self.edges)} edges>"

    def _repr_svg_(self) -> str:
        """In a notebook: the graph drawn as SVG (specwire's own layout, no Graphviz needed)."""
        from specwire.plan.render import to_svg

        return to_svg(self)

    def _repr_html_(self) -> str:
        """In a notebook: a status line over the SVG graph, then each error."""
        import html

        status = "resolves" if self.ok else "does not resolve"
        errors = "".join(f"<li>{html.escape(d.message)}</li>" for d in self.errors)
        return (f"<div><b>{html.escape(self.name)}</b> — {status}, {len(self.nodes)} steps, "
                f"{len(self.edges)} edges</div>{self._repr_svg_()}" + (f"<ul>{errors}</ul>" if errors else ""))

    def node_edges(self) -> list[tuple[str, str]]:
        """The edges at node level: each provider -> consumer pair once."""
        return sorted({(e.source, e.target) for e in self.edges})

    def inputs_of(self, name: str) -> list[ResolvedEdge]:
        return [e for e in self.edges if e.target == name]

    def to_dict(self) -> dict[str, Any]:
        data = {
            "ok": self.ok,
            "nodes": [n.to_dict() for n in self.nodes],
            "edges": [e.to_dict() for e in self.edges],
            "order": list(self.order),
            "diagnostics": [d.to_dict() for d in self.diagnostics],
            "policies": list(self.policies),
        }
        if self.order_only:
            # Only when there are some: the keys every other answer has stay exactly those.
            data["order_only_edges"] = [{"from": a, "to": b} for a, b in self.order_only]
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def raise_for_errors(self) -> None:
        """Raise the pipeline's errors, all at once, as exceptions a caller can act on."""
        from specwire.errors import (
            CycleError,
            IncompatibleStepsError,
            MissingDependencyError,
            PipelineResolutionError,
            PolicyViolationError,
            ResolutionError,
        )

        classes: dict[str, type[ResolutionError]] = {
            "missing_dependency": MissingDependencyError,
            "incompatible": IncompatibleStepsError,
            "cycle": CycleError,
            "policy": PolicyViolationError,
        }
        errors = [
            classes.get(d.kind, ResolutionError)(
                d.message, suggested_fix=d.suggested_fix, compatible_sources=d.compatible_sources, nodes=d.nodes
            )
            for d in self.errors
        ]
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise PipelineResolutionError(errors)
