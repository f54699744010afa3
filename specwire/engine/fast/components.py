"""What stage two must ground, computed before the solver: gaps, insertion candidates, components.

Three cheap computations over stage one's matches keep the solver's input small:

* **Gaps** (`gaps.lp`'s `gap/2`, the same definition): required inputs no written node can feed.
  Only they can make the rules insert a step, so the catalog profiles that could be inserted
  are computed from them (`insert_candidate/3`'s definition), not from every node of the pipeline.
* **Candidate links**: node pairs that a profile-level match connects (`try_dep/3` of
  `choose.lp`), plus the links an inserted step could take.
* **Components**: the weakly connected components of the candidate links, where nodes of the
  same step type and both ends of an explicit or asked-about edge count as linked too (the rules
  compare such nodes: parallel chains keep one step order, "pre" jobs come first). No rule
  relates atoms of two different components and the objective is a sum over atoms, so the
  optimum of the pipeline is the union of the optima of its components: each is solved on its
  own (several small ones together, to save the solver's set-up cost).

This module mirrors rule definitions in Python only to choose which facts to give; the rules
still decide everything, so a superset here is always safe (a subset would not be).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast

from specwire.engine.catalog_index import CatalogIndex, ProfileKey
from specwire.engine.pipeline_def import PipelineNode
from specwire.engine.vocabulary import LEARNING_KINDS, SPLIT_JOBS
from specwire.specs.registry import SpecRegistry

#: A step that could be inserted: its step type and the job type of the chain it would serve.
NewKey = tuple[str, str | None]


def job_text(job_type: str | None) -> str | None:
    """The job type as the rules see it (`node_job/2`): lower-case, None for `none`."""
    return job_type.lower() if job_type else None


@dataclass
class Part:
    """One group of components solved together."""

    nodes: list[PipelineNode]
    #: Steps that could be inserted into this part, with the profile each would have.
    inserts: dict[NewKey, ProfileKey] = field(default_factory=dict)


def gaps(index: CatalogIndex, nodes: Sequence[PipelineNode]) -> list[tuple[PipelineNode, str]]:
    """`gap(N,D)` of gaps.lp: a required input of a written node that no other written node can feed."""
    by_profile: dict[ProfileKey, list[PipelineNode]] = defaultdict(list)
    profile = {}
    for node in nodes:
        key = index.profile_for(node.step_type, node.job_type)
        profile[node.name] = key
        by_profile[key].append(node)
    found = []
    for node in nodes:
        p2 = profile[node.name]
        j2 = job_text(node.job_type)
        for dep in index.profiles[p2].dependencies:
            if not dep.required or (p2, dep.logical_name) in index.external:
                continue
            if not _possible(index, by_profile, node, p2, j2, dep.logical_name):
                found.append((node, dep.logical_name))
    return found


def provider_profiles(index: CatalogIndex, consumer: ProfileKey, dep: str) -> tuple[ProfileKey, ...]:
    """The profiles with an output that can feed `dep` of `consumer` (cached with the catalog)."""
    key = ("providers", consumer, dep)
    found = index.symbols.get(key)
    if found is None:
        found = tuple(sorted({p for p, _ in index.providers_of.get((consumer, dep), ())},
                             key=lambda p: (p[0], p[1] or "")))
        index.symbols[key] = found
    return cast(tuple[ProfileKey, ...], found)


def _possible(index: CatalogIndex, by_profile: dict[ProfileKey, list[PipelineNode]], node: PipelineNode,
              p2: ProfileKey, j2: str | None, dep: str) -> bool:
    for p1 in provider_profiles(index, p2, dep):
        qualified = index.qualified.get((p1, p2, dep), set())
        for other in by_profile.get(p1, ()):
            if other.name == node.name:
                continue
            j1 = job_text(other.job_type)
            if j1 in SPLIT_JOBS and j2 in SPLIT_JOBS and j1 != j2:
                continue  # split_pair
            if any(j != j1 for j in qualified):
                continue  # wrong_instance
            if _leaks(index, p2, j2, dep, j1, qualified):
                continue  # leak_pair
            return True
    return False


def _leaks(index: CatalogIndex, p2: ProfileKey, j2: str | None, dep: str, j1: str | None,
           qualified: set[str]) -> bool:
    """`leak_pair/4` of gaps.lp: a step of split chain `j1` would feed a learner of another chain."""
    if j1 not in SPLIT_JOBS or index.profiles[p2].sagemaker_step_kind not in LEARNING_KINDS:
        return False
    learns_on = j2 if j2 in SPLIT_JOBS else "training"
    return j1 != learns_on and j1 not in index.dep_roots.get((p2, dep), ()) and j1 not in qualified


def insert_candidates(index: CatalogIndex, registry: SpecRegistry, found_gaps: Iterable[tuple[PipelineNode, str]],
                      max_depth: int) -> dict[tuple[str, str], dict[NewKey, ProfileKey]]:
    """`insert_candidate/3` of gaps.lp, per gap: the steps that could be inserted for it, each with its profile."""
    profile_cache: dict[NewKey, ProfileKey] = {}

    def catalog_profile(step_type: str, job: str | None) -> ProfileKey:
        key = (step_type, job)
        if key not in profile_cache:
            profile_cache[key] = (step_type, registry.get(step_type).variant_key(job))
        return profile_cache[key]

    result: dict[tuple[str, str], dict[NewKey, ProfileKey]] = {}
    for node, dep in found_gaps:
        job = job_text(node.job_type)
        p2 = index.profile_for(node.step_type, node.job_type)
        reached: dict[NewKey, ProfileKey] = {}
        frontier = []
        for p1, _out in index.providers_of.get((p2, dep), ()):
            if catalog_profile(p1[0], job) == p1 and (p1[0], job) not in reached:
                reached[(p1[0], job)] = p1
                frontier.append(p1)
        for _ in range(max_depth - 1):
            found = []
            index.need(frontier)  # a scoped index (engine/stage_one.py) completes what is read next
            for p in frontier:
                for d in index.profiles[p].dependencies:
                    if not d.required:
                        continue
                    for p1, _out in index.providers_of.get((p, d.logical_name), ()):
                        if p1[0] != p[0] and catalog_profile(p1[0], job) == p1 and (p1[0], job) not in reached:
                            reached[(p1[0], job)] = p1
                            found.append(p1)
            frontier = found
        result[(node.name, dep)] = reached
    # `split` and the part's facts read the providers of every step that could be inserted.
    index.need({profile for reached in result.values() for profile in reached.values()})
    return result


class _Union:
    def __init__(self) -> None:
        self.parent: dict[object, object] = {}

    def find(self, item: object) -> object:
        parent = self.parent.setdefault(item, item)
        if parent != item:
            root = self.find(parent)
            self.parent[item] = root
            return root
        return item

    def join(self, a: object, b: object) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def split(index: CatalogIndex, nodes: Sequence[PipelineNode], pairs: Iterable[tuple[str, str]],
          inserts: dict[tuple[str, str], dict[NewKey, ProfileKey]], batch_nodes: int,
          apart: frozenset[str] = frozenset()) -> list[Part]:
    """The components of the candidate-link graph, packed into parts of about `batch_nodes` nodes.

    `pairs` are node pairs the rules relate whatever the specs say (explicit and why-not edges).
    `apart` are plain job types (engine/fast/chains.py) whose chains are kept apart: their nodes
    join only nodes of their own job type or of no plain one, and the resolver proves the result.
    """
    union = _Union()
    by_profile: dict[tuple[ProfileKey, str | None], list[str]] = defaultdict(list)
    by_step: dict[tuple[str, str | None], str] = {}
    for node in nodes:
        union.find(node.name)
        chain = job_text(node.job_type) if job_text(node.job_type) in apart else None
        by_profile[(index.profile_for(node.step_type, node.job_type), chain)].append(node.name)
        first = by_step.setdefault((node.step_type, chain), node.name)
        union.join(first, node.name)
        if chain is not None:
            union.join(("chain", chain), node.name)
    profiles_present: dict[ProfileKey, list[str | None]] = defaultdict(list)
    for p, chain in by_profile:
        profiles_present[p].append(chain)
    for (p2, chain2), names in by_profile.items():
        for dep in index.profiles[p2].dependencies:
            for p1 in provider_profiles(index, p2, dep.logical_name):
                for chain1 in profiles_present.get(p1, ()):
                    if chain1 is not None and chain2 is not None and chain1 != chain2:
                        continue  # two plain chains: a link the resolver offers apart (apart.lp)
                    # The nodes of one (profile, chain) are joined already (same step type): one link will do.
                    union.join(by_profile[(p1, chain1)][0], names[0])
    for a, b in pairs:
        union.join(a, b)
    # An inserted step joins the gap it serves, and any written node that could feed it.
    new_profiles: dict[NewKey, ProfileKey] = {}
    for (gap_node, _dep), reached in inserts.items():
        for key, profile in reached.items():
            union.join(gap_node, ("new", key))
            new_profiles[key] = profile
    new_by_profile: dict[ProfileKey, list[NewKey]] = defaultdict(list)
    for key, profile in new_profiles.items():
        new_by_profile[profile].append(key)
    for key, profile in new_profiles.items():
        for dep in index.profiles[profile].dependencies:
            for p1 in provider_profiles(index, profile, dep.logical_name):
                for chain in profiles_present.get(p1, ()):
                    for provider in by_profile[(p1, chain)]:
                        union.join(provider, ("new", key))
                for other in new_by_profile.get(p1, ()):
                    if other != key:
                        union.join(("new", other), ("new", key))
    groups: dict[object, Part] = {}
    for node in sorted(nodes, key=lambda n: n.name):
        groups.setdefault(union.find(node.name), Part([])).nodes.append(node)
    for key, profile in sorted(new_profiles.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        groups[union.find(("new", key))].inserts[key] = profile
    return pack(sorted(groups.values(), key=lambda g: g.nodes[0].name), batch_nodes)


def pack(groups: Iterable[Part], batch_nodes: int) -> list[Part]:
    """Components packed, in order, into parts of at most `batch_nodes` nodes (a bigger one alone)."""
    parts: list[Part] = []
    for group in groups:
        if parts and len(parts[-1].nodes) + len(group.nodes) <= batch_nodes:
            parts[-1].nodes.extend(group.nodes)
            parts[-1].inserts.update(group.inserts)
        else:
            parts.append(Part(list(group.nodes), dict(group.inserts)))
    return parts


def add_costs(a: Sequence[int], b: Sequence[int]) -> list[int]:
    """Cost vectors of two parts, summed level by level (both list the levels lowest last)."""
    width = max(len(a), len(b))
    a, b = [0] * (width - len(a)) + list(a), [0] * (width - len(b)) + list(b)
    return [x + y for x, y in zip(a, b, strict=True)]
