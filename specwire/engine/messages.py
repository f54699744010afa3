"""Words for the engine's atoms: edge reasons and diagnostics a person can act on."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from clingo import Symbol

from specwire.engine.catalog_index import CatalogIndex, PortMatch, ProfileKey
from specwire.engine.pipeline_def import PipelineNode
from specwire.engine.terms import norm_name, text_of
from specwire.plan import STEP_NAME_PATTERN, STEP_NAME_RULE, Diagnostic, ResolvedEdge, ResolvedNode
from specwire.specs.models import DependencySpec
from specwire.specs.registry import SpecRegistry


class Labeller:
    """`XGBoostTraining` for a node named after its step, `'train' (XGBoostTraining)` otherwise."""

    def __init__(self, nodes: Mapping[str, ResolvedNode]) -> None:
        self.nodes = dict(nodes)

    def __call__(self, name: str) -> str:
        node = self.nodes.get(name)
        if node is None or node.name == node.step_type:
            return name
        return f"'{node.name}' ({node.step_type})"


def data_phrase(data_type: str) -> str:
    """`processed_tabular` -> `processed tabular data`; `S3Uri` -> `S3 data`."""
    text = norm_name(data_type).replace("_", " ")
    if text == "s3uri":
        return "S3 data"
    return text if text.endswith(("data", "report", "metrics", "model", "name", "artifacts", "predictions")) \
        else f"{text} data"


def accepted_phrase(dep: DependencySpec) -> str:
    return " or ".join(data_phrase(t) for t in dep.data_types)


# --------------------------------------------------------------------------- edge reasons



def edge_reasons(index: CatalogIndex, match: PortMatch, job_points: Iterable[tuple[str, int]],
                 inserted: bool, reason_texts: Mapping[str, str] | None = None) -> list[str]:
    """One line per rule that connected the ports, naming the spec fields that matched."""
    (provider, _variant), out, (consumer, _cvariant), dep = match
    reasons = index.reasons.get(match, [])
    by_rule: dict[str, list[str]] = {}
    for r in reasons:
        by_rule.setdefault(r.rule, []).append(r.value)
    points = dict(index.scores.get(match, []))
    lines: list[str] = []
    if "compatible_source" in by_rule:
        lines.append(f"compatible_source: {provider} is listed in {consumer}.{dep}.compatible_sources "
                     f"(+{points.get('compatible_source', 0)})")
    if "name" in by_rule:
        names = ", ".join(sorted(set(by_rule["name"])))
        lines.append(f"name: {out} and {dep} share the name or alias {names} (+{points.get('name', 0)})")
    if "keywords" in by_rule:
        words = ", ".join(sorted(set(by_rule["keywords"])))
        lines.append(f"keywords: semantic keywords in common: {words} (+{points.get('keywords', 0)})")
    if "data_type" in by_rule:
        kind = "accepted as is" if "data_type" in points else "accepted as S3 data"
        lines.append(f"data_type: {out} is {by_rule['data_type'][0]}, {kind} by {dep}"
                     + (f" (+{points['data_type']})" if "data_type" in points else ""))
    if "kind" in by_rule:
        lines.append(f"kind: {by_rule['kind'][0]} output fits the {dep} input")
    if "generic_source" in points:
        lines.append(f"generic_source: {consumer}.{dep} accepts any step of {provider}'s kind (+1)")
    for rule, value in sorted(job_points):
        # The words of a wiring rule come with the rule (`reason_text/2` of jobs.lp and choose.lp):
        # a rule author explains a new rule without editing Python.
        lines.append(f"{(reason_texts or {}).get(rule, rule)} ({value:+d})")
    if inserted:
        lines.append("inserted: the step was added to fill a gap (gap filling, fewest steps first)")
    return lines


# --------------------------------------------------------------------------- diagnostics


def _dep_spec(registry: SpecRegistry, step_type: str, job_type: str | None, dep: str) -> DependencySpec:
    spec = registry.get(step_type).for_job(job_type).dependency(dep)
    assert spec is not None, f"{step_type} has no dependency {dep}"
    return spec


def _near_provider(index: CatalogIndex, registry: SpecRegistry, profile: ProfileKey, dep: str,
                   candidates: Sequence[tuple[str, str, str | None]]) -> tuple[str, str, str] | None:
    """A node of the pipeline whose output looks right but has the wrong kind or data type."""
    near = index.near.get((profile, dep), [])
    for name, step_type, job in candidates:
        node_profile = index.profile_for(step_type, job)
        for provider, out in near:
            if provider == node_profile:
                spec = registry.get(step_type).for_job(job).output(out)
                if spec is not None:
                    return name, out, spec.data_type
    return None


def inserted_chain(start: str, wiring: Sequence[ResolvedEdge], inserted: set[str]) -> list[str]:
    """The inserted steps upstream of `start`, providers first, `start` last."""
    chain = [start]
    frontier = [start]
    while frontier:
        node = frontier.pop()
        for edge in wiring:
            if edge.target == node and edge.source in inserted and edge.source not in chain:
                chain.insert(0, edge.source)
                frontier.append(edge.source)
    return chain


def _feeders(chain: Sequence[str], wiring: Sequence[ResolvedEdge], inserted: set[str]) -> list[str]:
    return sorted({e.source for e in wiring if e.target in chain and e.source not in inserted})


def missing_with_insertion(label: Labeller, registry: SpecRegistry, index: CatalogIndex, edge: ResolvedEdge,
                           chain: Sequence[str], wiring: Sequence[ResolvedEdge]) -> Diagnostic:
    inserted = {n for n, node in label.nodes.items() if node.inserted}
    target = label.nodes[edge.target]
    dep = _dep_spec(registry, target.step_type, target.job_type, edge.dependency)
    feeders = _feeders(chain, wiring, inserted)
    candidates = [(n, label.nodes[n].step_type, label.nodes[n].job_type) for n in feeders]
    near = _near_provider(index, registry, index.profile_for(target.step_type, target.job_type),
                          edge.dependency, candidates)
    what = f"{label(edge.target)} needs {accepted_phrase(dep)} ({edge.dependency})"
    if near:
        what += f", but {label(near[0])} produces {data_phrase(near[2])}"
    else:
        what += ", which no step of the pipeline provides"
    steps = " -> ".join(_step_text(label.nodes[n]) for n in chain)
    if feeders:
        between = " and ".join([", ".join(label(f) for f in feeders), label(edge.target)])
        fix = f"Add {steps} between {between}?"
    else:
        fix = f"Add {steps} before {label(edge.target)}?"
    return Diagnostic("error", "missing_dependency", f"{what}. {fix}",
                      f"{fix} (run with --fill-gaps to insert it)", (edge.target, *feeders),
                      dep.compatible_sources)


def _step_text(node: ResolvedNode) -> str:
    return f"{node.step_type}:{node.job_type}" if node.job_type else node.step_type


def inserted_note(label: Labeller, edge: ResolvedEdge, chain: Sequence[str],
                  wiring: Sequence[ResolvedEdge]) -> Diagnostic:
    inserted = {n for n, node in label.nodes.items() if node.inserted}
    feeders = _feeders(chain, wiring, inserted)
    steps = " -> ".join(chain)
    where = f"between {', '.join(feeders)} and {edge.target}" if feeders else f"before {edge.target}"
    return Diagnostic("warning", "inserted_step",
                      f"inserted {steps} {where}: {label(edge.target)} needs {edge.dependency}, "
                      "which no step of the pipeline provided", None, (*chain, edge.target))


def missing(label: Labeller, registry: SpecRegistry, index: CatalogIndex, node: ResolvedNode, dep_name: str,
            nodes: Sequence[PipelineNode], wiring: Sequence[ResolvedEdge], blocked: bool = False,
            unwritten: Sequence[str] = ()) -> Diagnostic:
    dep = _dep_spec(registry, node.step_type, node.job_type, dep_name)
    profile = index.profile_for(node.step_type, node.job_type)
    others = [(n.name, n.step_type, n.job_type) for n in nodes if n.name != node.name]
    near = _near_provider(index, registry, profile, dep_name, others)
    what = f"{label(node.name)} needs {accepted_phrase(dep)} ({dep_name})"
    if blocked:
        return Diagnostic("error", "cycle", f"{what}, but every step that provides it depends on "
                          f"{label(node.name)}: wiring it would make a cycle",
                          "remove one of the steps of the cycle, or add an explicit edge", (node.name,),
                          dep.compatible_sources)
    if unwritten:
        names = list(unwritten)
        what += ", but no edge of the pipeline brings it"
        fix = f"add the edge [{names[0]}, {node.name}]" + (
            f" (or from {', '.join(names[1:4])})" if len(names) > 1 else "")
        return Diagnostic("error", "missing_dependency", what + ".", fix, (node.name,), dep.compatible_sources)
    if near:
        what += f", but {label(near[0])} produces {data_phrase(near[2])} ({near[1]})"
    else:
        what += ", but no step of the pipeline provides it"
    providers = sorted({p[0] for p, _ in index.providers_of.get((profile, dep_name), ())} - {node.step_type})
    if providers:
        fix = "add a step that provides it: " + ", ".join(providers[:5])
    elif dep.compatible_sources:
        fix = "add one of its compatible sources: " + ", ".join(dep.compatible_sources[:5])
    else:
        fix = "no step of the catalog provides it: add a spec pack with a step that does"
    return Diagnostic("error", "missing_dependency", what + ".", fix, (node.name,), dep.compatible_sources)


def bridge(index: CatalogIndex, registry: SpecRegistry, source: ResolvedNode, target: ResolvedNode) -> str | None:
    """A catalog step that the source can feed and that can feed the target, first by name."""
    src = index.profile_for(source.step_type, source.job_type)
    dst = index.profile_for(target.step_type, target.job_type)
    dst_spec = index.profiles[dst]
    fed_by_source = index.consumers_of(src)  # asked of the whole catalog, not of every step's inputs
    for step_type in registry.step_types():
        mid = index.profile_for(step_type, target.job_type)
        fed = mid in fed_by_source
        feeds = fed and any(p == mid for d in dst_spec.dependencies
                            for p, _ in index.providers_of.get((dst, d.logical_name), ()))
        if fed and feeds:
            return step_type
    return None


def _fitting_ports(index: CatalogIndex, src: ProfileKey, dst: ProfileKey) -> list[tuple[str, str]]:
    """(output, dependency) of each catalog match from `src` into one of `dst`'s inputs (looked up
    by the target's inputs: a scoped index holds those, not every pair of the catalog)."""
    return [(o, dep.logical_name) for dep in index.profiles[dst].dependencies
            for p, o in index.providers_of.get((dst, dep.logical_name), ()) if p == src]


def incompatible(label: Labeller, index: CatalogIndex, registry: SpecRegistry, source: ResolvedNode,
                 target: ResolvedNode) -> Diagnostic:
    src = index.profile_for(source.step_type, source.job_type)
    dst = index.profile_for(target.step_type, target.job_type)
    connectable = _fitting_ports(index, src, dst)
    head = f"explicit edge {source.name} -> {target.name}"
    if connectable:
        ports = ", ".join(f"{o} -> {d}" for o, d in connectable)
        return Diagnostic("error", "incompatible",
                          f"{head}: the ports that fit ({ports}) are already wired from other explicit edges "
                          "or would make a cycle", "remove the edge or the competing one", (source.name, target.name))
    outs = index.profiles[src].outputs
    deps = index.profiles[dst].dependencies
    produced = ", ".join(f"{data_phrase(o.data_type)} ({o.logical_name})" for o in outs) or "nothing"
    needed = ", ".join(f"{accepted_phrase(d)} ({d.logical_name})" for d in deps) or "nothing"
    middle = bridge(index, registry, source, target)
    fix = (f"Add {middle} between {label(source.name)} and {label(target.name)}?" if middle
           else f"remove the edge; {label(target.name)} takes none of {label(source.name)}'s outputs")
    sources = tuple(d for dep in deps for d in dep.compatible_sources)
    if {data_phrase(o.data_type) for o in outs} & {accepted_phrase(d) for d in deps}:
        # One data type on both sides (a catalog that types everything S3Uri): the type is not what
        # keeps them apart, the meaning is.
        return Diagnostic("error", "incompatible",
                          f"{head}: {label(target.name)} takes none of {label(source.name)}'s outputs "
                          f"({', '.join(o.logical_name for o in outs)}): its inputs "
                          f"({', '.join(d.logical_name for d in deps)}) share no name, alias or keyword with them "
                          f"and do not list {source.step_type} among their compatible sources",
                          fix, (source.name, target.name), sources)
    return Diagnostic("error", "incompatible",
                      f"{head}: {label(target.name)} needs {needed}, but {label(source.name)} produces {produced}",
                      fix, (source.name, target.name), sources)


def order_only(label: Labeller, index: CatalogIndex, source: ResolvedNode, target: ResolvedNode,
               wiring: Sequence[ResolvedEdge]) -> Diagnostic:
    """An explicit edge kept as an ordering dependency: the inputs it could fill have their provider."""
    src = index.profile_for(source.step_type, source.job_type)
    dst = index.profile_for(target.step_type, target.job_type)
    fits = sorted({d for _, d in _fitting_ports(index, src, dst)})
    fillers = {e.dependency: e.source for e in wiring if e.target == target.name}
    taken = ", ".join(f"{d} from {label(fillers[d])}" if d in fillers else d for d in fits) or "none"
    return Diagnostic(
        "warning", "order_only",
        f"explicit edge {source.name} -> {target.name} carries no data: the inputs of {label(target.name)} it could "
        f"fill take their data from other explicit edges ({taken}); {target.name} runs after {source.name}, "
        "as an order-only dependency",
        f"remove the edge if {target.name} need not wait for {source.name}, or remove the competing edge "
        f"to give {target.name} the data of {source.name}", (source.name, target.name))


def ambiguous(label: Labeller, target: str, dep: str, tied: Sequence[str], wiring: Sequence[ResolvedEdge]
              ) -> Diagnostic:
    chosen = next((e.source for e in wiring if e.target == target and e.dependency == dep), "?")
    others = [t for t in tied if t != chosen]
    # objective.lp's last levels take the provider first by name; when it is not, a cost elsewhere
    # in the wiring decided (the other provider is needed elsewhere, or would leave a step idle).
    how = "first by name" if all(chosen < other for other in others) else \
        "not first by name: the rest of the wiring is better with it, this input's evidence does not decide"
    return Diagnostic("warning", "ambiguous",
                      f"{label(target)}.{dep}: {', '.join([chosen, *others])} fit equally well; "
                      f"chose {chosen} ({how})",
                      f"add an explicit edge [<provider>, {target}] to choose", (target, chosen, *others))


def cross_chain(label: Labeller, edge: ResolvedEdge, nodes: Mapping[Any, ResolvedNode]) -> Diagnostic:
    jobs = {n.name: n.job_type for n in nodes.values()}
    return Diagnostic("warning", "cross_chain",
                      f"{label(edge.target)} ({jobs.get(edge.target)} chain) takes {edge.dependency} from "
                      f"{label(edge.source)} ({jobs.get(edge.source)} chain): no step of its own chain provides it",
                      f"add a {jobs.get(edge.target)} step that provides {edge.dependency}",
                      (edge.source, edge.target))


def policy(violations: Sequence[tuple[Symbol, str, Symbol]], violation_id: Symbol, args: Symbol,
           nodes: Mapping[Symbol, ResolvedNode]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for vid, message, vargs in violations:
        if vid == violation_id and vargs == args:
            names = _node_names(vargs, nodes)
            out.append(Diagnostic("error", "policy", f"policy {text_of(vid)}: {message}", None, tuple(names)))
    return out


def _node_names(args: Symbol, nodes: Mapping[Symbol, ResolvedNode]) -> list[str]:
    found: list[str] = []
    stack = [args]
    while stack:
        s = stack.pop()
        if s in nodes:
            found.append(nodes[s].name)
        else:
            stack.extend(reversed(s.arguments))
    return found


def outside_input(label: Labeller, registry: SpecRegistry, node: ResolvedNode, dep_name: str) -> Diagnostic:
    """A required input whose compatible sources are all outside the catalog: the pipeline's caller supplies it."""
    dep = _dep_spec(registry, node.step_type, node.job_type, dep_name)
    sources = ", ".join(dep.compatible_sources[:5])
    return Diagnostic("warning", "external_input",
                      f"{label(node.name)} reads {dep_name} from outside the pipeline: its compatible sources "
                      f"({sources}) are not step types of the catalog.",
                      f"pass {dep_name} as a pipeline parameter, or add a spec for one of {sources}",
                      (node.name,), dep.compatible_sources)


#: Fixes that name a command-line flag, and the same fix for a Python caller (the engine writes
#: the first; `for_python` rewrites a diagnostic for `Pipeline` and other library callers).
_PYTHON_WORDING: tuple[tuple[str, str], ...] = (
    ("run with --fill-gaps to insert it", "resolve with fill_gaps=True to insert it"),
    ("raise the limit with --timeout", "raise the limit with timeout=<seconds>"),
    ("--fill-gaps", "fill_gaps=True"),
    ("--strict-edges", "strict_edges=True"),
    ("--timeout", "timeout=<seconds>"),
)


def python_wording(text: str) -> str:
    """`text` with each command-line flag spelt as the Python argument that does the same."""
    for flag, argument in _PYTHON_WORDING:
        text = text.replace(flag, argument)
    return text


def for_python(diagnostic: Diagnostic) -> Diagnostic:
    """The diagnostic as a library caller reads it (see `python_wording`)."""
    from dataclasses import replace

    fix = python_wording(diagnostic.suggested_fix) if diagnostic.suggested_fix else diagnostic.suggested_fix
    return replace(diagnostic, message=python_wording(diagnostic.message), suggested_fix=fix)


def narrowed(steps: int, links: int, keep: int, widened: int) -> Diagnostic:
    """A tangled part solved with each input narrowed to its best providers (engine/narrow.py)."""
    best = "its best-rated provider" if keep == 1 else f"its {keep} best-rated providers"
    again = f"; {widened} input(s) the search left empty were given all their providers" if widened else ""
    return Diagnostic(
        "warning", "narrowed",
        f"{steps} steps with {links} candidate links: the search gave each input only {best} (and, where "
        f"needed, one that keeps a step from idling or an input out of a cycle){again}. Every link is one the "
        "specs allow, but the wiring is not proven optimal",
        "write explicit edges for the steps whose wiring matters, or resolve the pipeline in smaller parts")


def unbuildable_names(names: Sequence[str]) -> list[Diagnostic]:
    """Node names SageMaker refuses as step names: the wiring stands, but `build` will refuse them."""
    bad = [name for name in names if not re.fullmatch(STEP_NAME_PATTERN, name)]
    if not bad:
        return []
    shown = ", ".join(repr(name) for name in bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
    return [Diagnostic("warning", "step_name", f"{shown} cannot be a SageMaker step name: the wiring stands, "
                       "but building the pipeline will refuse it", f"rename to {STEP_NAME_RULE}", tuple(bad))]
