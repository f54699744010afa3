"""`--why-not A B`: why two nodes are not connected, port by port."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from clingo import String, Symbol

from specwire.engine.catalog_index import CatalogIndex
from specwire.engine.messages import Labeller, accepted_phrase, data_phrase
from specwire.plan import Diagnostic, ResolvedEdge, ResolvedNode
from specwire.specs.registry import SpecRegistry, split_qualified_source


class _Alternatives(Protocol):
    alt: list[tuple[Symbol, str, Symbol, str, int]]
    alt_blocked: set[tuple[Symbol, str, Symbol, str]]
    alt_excluded: set[tuple[Symbol, Symbol, str]]


def why_not(label: Labeller, index: CatalogIndex, registry: SpecRegistry, source: str, target: str,
            model: _Alternatives, nodes: Mapping[Symbol, ResolvedNode], wiring: Sequence[ResolvedEdge]) -> Diagnostic:
    by_name = {n.name: n for n in nodes.values()}
    if source not in by_name or target not in by_name:
        missing = source if source not in by_name else target
        return Diagnostic("warning", "why_not", f"why-not {source} {target}: no node named {missing!r}", None, ())
    a, b = by_name[source], by_name[target]
    connected = [e for e in wiring if e.source == source and e.target == target]
    if connected:
        ports = ", ".join(f"{e.output} -> {e.dependency}" for e in connected)
        return Diagnostic("warning", "why_not", f"{label(source)} is connected to {label(target)} ({ports})", None,
                          (source, target))
    lines: list[str] = []
    sa, sb = String(source), String(target)
    alternatives = [x for x in model.alt if x[0] == sa and x[2] == sb]
    for _, out, _, dep, quality in sorted(alternatives, key=lambda x: (x[3], x[1])):
        chosen = next((e for e in wiring if e.target == target and e.dependency == dep), None)
        if (sa, out, sb, dep) in model.alt_blocked:
            lines.append(f"{out} -> {dep}: {dep} is optional and optional inputs never cross job-type chains")
        elif chosen is not None:
            lines.append(f"{out} -> {dep}: fits (quality {quality}), but {chosen.source}.{chosen.output} fits better "
                         f"(quality {chosen.quality}) and a dependency takes one provider")
        else:
            lines.append(f"{out} -> {dep}: fits (quality {quality}), but wiring it would make a cycle")
    for _, _, dep in sorted(x for x in model.alt_excluded if x[0] == sa and x[1] == sb):
        lines.append(f"{dep}: its compatible sources name only another job-type instance of {a.step_type}")
    if not lines:
        lines = _spec_reasons(index, registry, a, b)
    return Diagnostic("warning", "why_not", f"{label(source)} is not connected to {label(target)}: "
                      + "; ".join(lines), None, (source, target))


def _spec_reasons(index: CatalogIndex, registry: SpecRegistry, a: ResolvedNode, b: ResolvedNode) -> list[str]:
    """No candidate at all: say, for each input of the target, what the source's outputs lack."""
    pa = index.profile_for(a.step_type, a.job_type)
    pb = index.profile_for(b.step_type, b.job_type)
    spec_a, spec_b = index.profiles[pa], index.profiles[pb]
    if not spec_b.dependencies:
        return [f"{b.step_type} has no inputs"]
    if not spec_a.outputs:
        return [f"{a.step_type} has no outputs"]
    near = {(p, o, d) for (p2, d), items in index.near.items() if p2 == pb for p, o in items}
    lines: list[str] = []
    for dep in spec_b.dependencies:
        sources = {split_qualified_source(s)[0] for s in dep.compatible_sources}
        for out in spec_a.outputs:
            if (pa, out.logical_name, dep.logical_name) in near:
                lines.append(f"{out.logical_name} -> {dep.logical_name}: {out.logical_name} is "
                             f"{data_phrase(out.data_type)} ({out.kind}), but {dep.logical_name} needs "
                             f"{accepted_phrase(dep)} ({dep.kind})")
            else:
                src = "is" if a.step_type in sources else "is not"
                lines.append(f"{out.logical_name} -> {dep.logical_name}: no evidence ({a.step_type} {src} among its "
                             "compatible sources; no shared name or alias; fewer than two shared keywords)")
    return lines
