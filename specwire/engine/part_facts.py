"""The facts of one part of a pipeline: what the resolver gives clingo for stage two.

A part's facts are the whole pipeline's facts restricted to its nodes (jobs and ranks are the whole
pipeline's). A catalog profile's facts are built once per catalog and kept in `index.symbols`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import cast

from clingo import Function, Number, String, Symbol

from specwire.engine import vocabulary
from specwire.engine.catalog_index import CatalogIndex, ProfileKey, port_match_symbol
from specwire.engine.fast import components
from specwire.engine.fast.specialise import Signature
from specwire.engine.options import ResolveOptions
from specwire.engine.solver import builtin_rule_file
from specwire.engine.terms import atom, job_symbol, profile_symbol
from specwire.specs.registry import SpecRegistry, split_qualified_source


def part_facts(index: CatalogIndex, registry: SpecRegistry, part: components.Part, edges: Sequence[tuple[str, str]],
           options: ResolveOptions, jobs: Sequence[str], ranks: dict[str, int],
           signatures: set[Signature]) -> Iterator[Symbol]:
    """The facts of one part: its nodes, the steps that could be inserted into it, their profiles' matches.

    `jobs` (the pipeline's job types) and `ranks` (each node's rank in the pipeline) are the whole
    pipeline's, so a part's facts are exactly the whole pipeline's facts restricted to its nodes.
    The predicates of the facts yielded are added to `signatures` (engine/specialise.py reads them):
    from per-profile sets for the many facts of the catalog, symbol by symbol for the few others.
    """
    yield from signed(vocabulary.split_job_facts(), signatures)
    yield from signed(vocabulary.job_hint_facts(jobs), signatures)
    profiles: set[ProfileKey] = {index.profile_for(n.step_type, n.job_type) for n in part.nodes}
    if part.inserts:
        signatures.update(_INSERT_SIGNATURES)
        yield Function("fill")
        type_ranks = _type_ranks(index, registry)
        for step_type in sorted({step for step, _ in part.inserts}):
            yield Function("type_rank", [String(step_type), Number(type_ranks[step_type])])
        for (step_type, job), profile in sorted(part.inserts.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            profiles.add(profile)
            yield Function("catalog_profile", [String(step_type), job_symbol(job), profile_symbol(*profile)])
    if part.nodes:
        signatures.update(_NODE_SIGNATURES)
    for node in part.nodes:
        n = String(node.name)
        key = index.profile_for(node.step_type, node.job_type)
        yield Function("node", [n])
        yield Function("node_profile", [n, profile_symbol(*key)])
        yield Function("node_step", [n, String(node.step_type)])
        yield Function("node_job", [n, job_symbol(node.job_type)])
        yield Function("node_rank", [n, Number(ranks[node.name])])
    for profile in sorted(profiles, key=profile_sort):
        own, own_signatures, matches = profile_facts(index, profile)
        signatures.update(own_signatures)
        yield from own
        for provider, symbols, match_signatures in matches:
            if provider in profiles:
                signatures.update(match_signatures)
                yield from symbols
    if options.strict_edges:
        yield from signed([Function("strict")], signatures)
    yield from signed((Function("explicit", [String(source), String(target)]) for source, target in edges),
                       signatures)
    yield from signed((Function("whynot", [String(source), String(target)]) for source, target in options.why_not),
                       signatures)
    yield from signed(options.extra_facts, signatures)


_INSERT_SIGNATURES = {("fill", 0), ("type_rank", 2), ("catalog_profile", 3)}
_NODE_SIGNATURES = {("node", 1), ("node_profile", 2), ("node_step", 2), ("node_job", 2), ("node_rank", 2)}


def _signature(symbol: Symbol) -> Signature:
    return (symbol.name, len(symbol.arguments))


def signed(facts: Iterable[Symbol], signatures: set[Signature]) -> Iterator[Symbol]:
    for symbol in facts:
        signatures.add(_signature(symbol))
        yield symbol


def _type_ranks(index: CatalogIndex, registry: SpecRegistry) -> dict[str, int]:
    """A stable rank of every step type of the catalog (the tie-break between inserted steps)."""
    cached = index.symbols.get("type_ranks")
    if cached is None:
        cached = {step: rank for rank, step in enumerate(registry.step_types())}
        index.symbols["type_ranks"] = cached
    return cast(dict[str, int], cached)


#: A profile's own facts, their predicates, and per provider profile its match facts and their predicates.
ProfileFacts = tuple[list[Symbol], frozenset[Signature], list[tuple[ProfileKey, list[Symbol], frozenset[Signature]]]]


def profile_facts(index: CatalogIndex, profile: ProfileKey) -> ProfileFacts:
    """A profile's own facts and, per provider profile, its match facts; built once per catalog."""
    cached = index.symbols.get(profile)
    if cached is not None:
        return cast(ProfileFacts, cached)
    spec = index.profiles[profile]
    p = profile_symbol(*profile)
    own: list[Symbol] = []
    matches: dict[ProfileKey, list[Symbol]] = {}
    listed: set[tuple[ProfileKey, str]] = set()
    last = dep_rank_slots() - 1
    dep_ranks = {name: min(rank, last) for rank, name in enumerate(sorted(d.logical_name for d in spec.dependencies))}
    for dep in spec.dependencies:
        d = String(dep.logical_name)
        own.append(Function("dep", [p, d]))
        own.append(Function("dep_rank", [p, d, Number(dep_ranks[dep.logical_name])]))
        if dep.required:
            own.append(Function("required", [p, d]))
        if (profile, dep.logical_name) in index.external:
            own.append(Function("external", [p, d]))
        if any(split_qualified_source(source)[0] == profile[0] for source in dep.compatible_sources):
            own.append(Function("self_source", [p, d]))
        for root in sorted(index.dep_roots.get((profile, dep.logical_name), ())):
            own.append(Function("dword", [p, d, _word(root)]))
        for provider, out in index.providers_of.get((profile, dep.logical_name), ()):
            match = (provider, out, profile, dep.logical_name)
            symbols = matches.setdefault(provider, [])
            symbols.append(port_match_symbol(match, index.quality[match]))
            if (provider, dep.logical_name) not in listed and any(
                    r.rule == "compatible_source" for r in index.reasons.get(match, ())):
                listed.add((provider, dep.logical_name))
                symbols.append(Function("listed", [profile_symbol(*provider), p, d]))
            if not dep.required and match in index.loose:
                symbols.append(Function("loose", [profile_symbol(*provider), String(out), p, d]))
            for job in sorted(index.qualified.get((provider, profile, dep.logical_name), ())):
                symbols.append(Function("qualified", [profile_symbol(*provider), p, d, _word(job)]))
    for rank, out in enumerate(sorted(o.logical_name for o in spec.outputs)):
        own.append(Function("out_rank", [p, String(out), Number(rank)]))
        if (profile, out) in index.held_out:
            own.append(Function("held_out", [p, String(out)]))
    if spec.sagemaker_step_kind in vocabulary.LEARNING_KINDS:
        own.append(Function("trains", [p]))
    result: ProfileFacts = (own, frozenset(map(_signature, own)),
                             [(provider, symbols, frozenset(map(_signature, symbols)))
                              for provider, symbols in sorted(matches.items(), key=lambda kv: profile_sort(kv[0]))])
    index.symbols[profile] = result
    return result


@cache
def dep_rank_slots() -> int:
    """objective.lp's `dep_rank_slots`: how many tie-break levels one step's inputs have (its one definition)."""
    found = re.search(r"^#const dep_rank_slots\s*=\s*(\d+)\s*\.", builtin_rule_file("objective.lp").read_text(),
                      re.M)
    if found is None:  # pragma: no cover - the shipped file defines it; a test reads it
        raise RuntimeError("objective.lp does not define dep_rank_slots")
    return int(found.group(1))


def _word(text: str) -> Symbol:
    return atom(text)


def profile_sort(profile: ProfileKey) -> tuple[str, str]:
    return (profile[0], profile[1] or "")
