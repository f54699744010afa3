"""Job-type chains solved apart: what may cross chains, decided before grounding, with a proof.

A team that trains one model per segment writes one chain per segment, each marked by a job type
of its own (`seg0`, `seg1`, ...). The rules treat such *plain* job types alike: they only ever ask
whether two job types are equal, never which one it is (a plain job type is not a split one, not a
word of the rules or of the catalog's inputs, names no split chain and does not begin with "pre").
So a link between two plain chains has the same quality whatever the two chains are, and one
small *probe* (two copies of every profile involved, under two made-up plain job types) grounds
the real rules once to learn the quality of every such link.

Each chain is then solved on its own (components.split), given `apart.lp`'s relaxation: each
input may take the best link another chain offers (charged its shortfall, nothing else), and a
step may count as feeding another chain. Any wiring of the whole pipeline, cut at the chains'
borders, is a wiring of each relaxed part costing no more, so the parts' optima bound the whole
pipeline's from below. When no part's optimum uses a relaxed option, no part's best link comes
from another chain (`apart_open`), and no two parts wire two step types in opposite orders (the
one penalty that joins two chains without a link), the union of the parts' optima reaches that
bound: it is the whole pipeline's optimum, proven. Otherwise the resolver solves the chains
together, as before.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from clingo import Function, Number, String, Symbol

from specwire.engine.catalog_index import CatalogIndex, ProfileKey
from specwire.engine.fast.components import SPLIT_JOBS, Part, job_text
from specwire.engine.pipeline_def import PipelineNode
from specwire.engine.solver import Messages, add_facts, ground, load_rules, new_control

#: The two made-up plain job types of the probe.
PROBE_JOBS = ("apartprobea", "apartprobeb")
#: Stems of the split job types inside other job names ("pretrain" names the training chain).
_STEMS = ("train", "valid", "test", "calib", "eval")
_WORD = re.compile(r"[a-z_][a-zA-Z0-9_]*")

#: (provider profile, consumer profile, dependency) -> the best quality of a link between two plain chains.
CrossLinks = dict[tuple[ProfileKey, ProfileKey, str], int]
#: Builds the facts of a part: (facts, predicates); the probe uses the resolver's own fact writer.
FactWriter = Callable[[Part], tuple[list[Symbol], frozenset[tuple[str, int]]]]


@lru_cache(maxsize=16)
def _rule_words(files: tuple[Path, ...]) -> frozenset[str]:
    found: set[str] = set()
    for path in files:
        found.update(_WORD.findall(path.read_text(encoding="utf-8")))
    return frozenset(found)


def _catalog_words(index: CatalogIndex) -> frozenset[str]:
    cached = index.symbols.get("apart_words")
    if cached is None:
        words: set[str] = set()
        for roots in index.dep_roots.values():
            words.update(roots)
        for jobs in index.qualified.values():
            words.update(j.lower() for j in jobs)
        cached = frozenset(words)
        index.symbols["apart_words"] = cached
    return cached  # type: ignore[return-value]


def is_plain(job: str | None, index: CatalogIndex, rule_files: Sequence[Path]) -> bool:
    """A job type the rules can only compare for equality (see the module's docstring)."""
    text = job_text(job)
    if text is None or text == "none" or text in SPLIT_JOBS or text.startswith("pre"):
        return False
    if any(stem in text for stem in _STEMS):
        return False
    return text not in _rule_words(tuple(rule_files)) and text not in _catalog_words(index)


def plain_jobs(index: CatalogIndex, nodes: Sequence[PipelineNode], rule_files: Sequence[Path]) -> frozenset[str]:
    """The plain job types of a pipeline whose nodes all take their step's base profile (empty: nothing apart)."""
    jobs: dict[str, bool] = {}
    for node in nodes:
        text = job_text(node.job_type)
        if text is None:
            continue
        ok = jobs.get(text, True) and index.profile_for(node.step_type, node.job_type)[1] is None
        jobs[text] = ok and is_plain(node.job_type, index, rule_files)
    if not all(is_plain(job, index, rule_files) for job in PROBE_JOBS):
        return frozenset()
    found = frozenset(job for job, ok in jobs.items() if ok)
    return found if len(found) > 1 else frozenset()


def probe(index: CatalogIndex, profiles: Iterable[ProfileKey], write: FactWriter, rules: Sequence[Path]) -> CrossLinks:
    """The quality of every link between two plain chains, by profiles: the real rules on two copies."""
    chosen = sorted(set(profiles), key=lambda p: (p[0], p[1] or ""))
    key = ("apart_probe", tuple(chosen))
    cached = index.symbols.get(key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    nodes = [PipelineNode(f"{side}{i}", step, job) for i, (step, _variant) in enumerate(chosen)
             for side, job in zip("ab", PROBE_JOBS, strict=True)]
    facts, signatures = write(Part(nodes))
    profile_of = {f"{side}{i}": p for i, p in enumerate(chosen) for side in "ab"}
    links: CrossLinks = {}
    for symbol in _links(facts, signatures, rules):
        n1, _out, n2, dep, quality = symbol.arguments
        a, b = n1.string, n2.string
        if a[0] == b[0]:
            continue  # the same chain
        k = (profile_of[a], profile_of[b], dep.string)
        links[k] = max(links.get(k, quality.number), quality.number)
    index.symbols[key] = links
    return links


def _links(facts: list[Symbol], signatures: frozenset[tuple[str, int]], rules: Sequence[Path]) -> list[Symbol]:
    """`link_ok/5` of the probe: the rules decide links from the facts alone, so grounding computes them."""
    messages = Messages()
    ctl = new_control(messages=messages)
    load_rules(ctl, rules, messages, signatures)
    add_facts(ctl, facts)
    ground(ctl, messages, rules)
    return [sa.symbol for sa in ctl.symbolic_atoms.by_signature("link_ok", 5) if sa.is_fact]


def border_facts(index: CatalogIndex, parts: Sequence[Part], plain: frozenset[str],
                 links: CrossLinks) -> list[list[Symbol]]:
    """Per part, `cross_best/3` and `cross_feed/1` (apart.lp): what the other parts' plain chains offer."""
    where: dict[ProfileKey, set[int]] = defaultdict(set)
    profile: dict[str, ProfileKey] = {}
    for number, part in enumerate(parts):
        for node in part.nodes:
            if job_text(node.job_type) in plain:
                p = index.profile_for(node.step_type, node.job_type)
                profile[node.name] = p
                where[p].add(number)
    required = {p: {d.logical_name for d in index.profiles[p].dependencies if d.required} for p in where}
    by_consumer: dict[ProfileKey, list[tuple[ProfileKey, str, int]]] = defaultdict(list)
    for (p1, p2, dep), quality in links.items():
        if dep in required.get(p2, ()):
            by_consumer[p2].append((p1, dep, quality))
    feeds: dict[ProfileKey, set[int]] = defaultdict(set)  # provider profile -> parts it could feed
    for p2, entries in by_consumer.items():
        for p1, _dep, _q in entries:
            feeds[p1].update(where[p2])
    out: list[list[Symbol]] = []
    for number, part in enumerate(parts):
        facts: list[Symbol] = []
        for node in part.nodes:
            if node.name not in profile:
                continue
            p, n = profile[node.name], String(node.name)
            best: dict[str, int] = {}
            for p1, dep, quality in by_consumer.get(p, ()):
                if where[p1] - {number} and quality > best.get(dep, quality - 1):
                    best[dep] = quality
            facts.extend(Function("cross_best", [n, String(dep), Number(q)]) for dep, q in sorted(best.items()))
            if feeds.get(p, set()) - {number}:
                facts.append(Function("cross_feed", [n]))
        out.append(facts)
    return out


def crossing_flips(uses: Iterable[tuple[str, str]], nodes: dict[str, PipelineNode],
                   part_of: dict[str, int]) -> bool:
    """Whether two parts wire two step types in opposite orders on their chains (jobs.lp's `flip/2`)."""
    seen: dict[tuple[str, str], set[tuple[str | None, int]]] = defaultdict(set)
    for a, b in uses:
        na, nb = nodes.get(a), nodes.get(b)
        if na is None or nb is None or na.step_type == nb.step_type:
            continue
        ja, jb = job_text(na.job_type), job_text(nb.job_type)
        if ja != jb:
            continue
        seen[(na.step_type, nb.step_type)].add((ja, part_of[a]))
    for (ta, tb), here in seen.items():
        there = seen.get((tb, ta), set())
        for job, part in here:
            if job is not None and any(part2 != part and job2 != job for job2, part2 in there):
                return True
    return False
