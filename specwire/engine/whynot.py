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
    alt_cross: set[tuple[Symbol, str, Symbol, str]]
    alt_leak: set[tuple[Symbol, Symbol, str]]
    level_names: dict[int, str]


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
    level = model.level_names.get(3, "")
    for _, out, _, dep, quality in sorted(alternatives, key=lambda x: (x[3], x[1])):
        chosen = next((e for e in wiring if e.target == target and e.dependency == dep), None)
        crossing = (sa, out, sb, dep) in model.alt_cross
        if (sa, out, sb, dep) in model.alt_blocked:
            lines.append(f"{out} -> {dep}: {dep} is optional, and an optional input takes another job-type "
                         "chain's step only when its spec lists that step or names that chain")
        elif chosen is not None:
            lines.append(f"{out} -> {dep}: " + _compared(quality, chosen, crossing, a, b, level))
        elif _reaches(wiring, target, source):
            lines.append(f"{out} -> {dep}: fits (quality {quality}), but wiring it would make a cycle "
                         f"({target} already feeds {source})")
        else:
            lines.append(f"{out} -> {dep}: fits (quality {quality}), but {dep} is left empty: "
                         + (_CROSSING.format(a=a.job_type, b=b.job_type, level=level) if crossing else _WHOLE))
    for _, _, dep in sorted(x for x in model.alt_excluded if x[0] == sa and x[1] == sb):
        lines.append(f"{dep}: its compatible sources name only another job-type instance of {a.step_type}")
    for _, _, dep in sorted(x for x in model.alt_leak if x[0] == sa and x[1] == sb):
        lines.append(f"{dep}: {b.step_type} is a training step and {source} is on the {a.job_type} chain: a "
                     "training step never takes another split chain's data unless its spec names that chain")
    if not lines:
        lines = _spec_reasons(index, registry, a, b)
    return Diagnostic("warning", "why_not", f"{label(source)} is not connected to {label(target)}: "
                      + "; ".join(lines), None, (source, target))


_CROSSING = ("it would carry the {a} chain's data into the {b} chain, which costs more than any difference "
             "in quality (objective.lp, level 3: {level})")
_WHOLE = "the wiring as a whole costs less without it (another cost of objective.lp outweighs its quality)"


def _compared(quality: int, chosen: ResolvedEdge, crossing: bool, a: ResolvedNode, b: ResolvedNode,
              level: str) -> str:
    """Why `chosen` took the dependency, in words that agree with the qualities they quote."""
    other = f"{chosen.source}.{chosen.output} (quality {chosen.quality})"
    if quality < chosen.quality:
        return f"fits (quality {quality}), but {other} fits better and a dependency takes one provider"
    if quality == chosen.quality:
        return (f"fits as well (quality {quality}) as {other}, which was chosen: a dependency takes one "
                "provider, and the specs do not decide between them")
    reason = _CROSSING.format(a=a.job_type, b=b.job_type, level=level) if crossing else _WHOLE
    return f"fits better (quality {quality}) than {other}, which was chosen all the same: {reason}"


def _reaches(wiring: Sequence[ResolvedEdge], start: str, goal: str) -> bool:
    """Whether the wiring leads from `start` to `goal` (so an edge goal -> start would close a cycle)."""
    after: dict[str, set[str]] = {}
    for edge in wiring:
        after.setdefault(edge.source, set()).add(edge.target)
    seen, stack = {start}, [start]
    while stack:
        for nxt in after.get(stack.pop(), ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def _spec_reasons(index: CatalogIndex, registry: SpecRegistry, a: ResolvedNode, b: ResolvedNode) -> list[str]:
    """No candidate at all: say, for each input of the target, what the source's outputs lack."""
    pa = index.profile_for(a.step_type, a.job_type)
    pb = index.profile_for(b.step_type, b.job_type)
    spec_a, spec_b = index.profiles[pa], index.profiles[pb]
    if not spec_b.dependencies:
        return [f"{b.step_type} has no inputs"]
    if not spec_a.outputs:
        return [f"{a.step_type} has no outputs"]
    near = {(p, o, dep.logical_name) for dep in spec_b.dependencies
            for p, o in index.near.get((pb, dep.logical_name), ())}
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
