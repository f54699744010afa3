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
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from clingo import Function, Number, String, Symbol, SymbolType

from specwire.engine.catalog_index import CatalogIndex, ProfileKey
from specwire.engine.fast.components import Part, job_text, pack
from specwire.engine.pipeline_def import PipelineNode
from specwire.engine.solver import Messages, SolveOutcome, add_facts, ground, load_rules, new_control
from specwire.engine.terms import job_symbol
from specwire.engine.vocabulary import FIRST_PREFIX, SPLIT_JOBS
from specwire.specs.models import SPLIT_JOB_STEMS

#: The two made-up plain job types of the probe.
PROBE_JOBS = ("apartprobea", "apartprobeb")
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
    if text is None or text == "none" or text in SPLIT_JOBS or text.startswith(FIRST_PREFIX):
        return False
    if any(stem in text for stem in SPLIT_JOB_STEMS.values()):
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


def proven_apart(outcome: SolveOutcome) -> bool:
    """A part solved with border facts is proven when its optimum used no relaxed option (apart.lp's
    lowest level is 0) and no input's best link lay in another chain; that level is then dropped."""
    if not outcome.proven or not outcome.cost or outcome.cost[-1] != 0:
        return False
    if any(s.name == "apart_open" for s in outcome.symbols):
        return False
    outcome.cost = outcome.cost[:-1]
    return True


@dataclass
class _Class:
    """Identical chains: the same step types at the same relative ranks, under plain job types."""

    members: list[Part]
    shifts: list[int]
    #: Positions of the first and last member among the parts solved.
    solved: tuple[int, int] = (0, 0)


class Apart:
    """The parts of a pipeline whose plain chains are solved apart, identical chains solved once.

    Identical chains differ only in names, in their plain job type (which the rules only compare)
    and by a constant added to every node's rank. The objective reads ranks as weights (linear in
    that constant) or, for the tie-breaks, only their order, so along the constant each level's
    optimum follows the lower envelope of lines: a wiring optimal for the first and for the last
    chain (both solved) is optimal for every chain between, renamed. When the two differ, every
    chain of the class is solved.
    """

    def __init__(self, index: CatalogIndex, groups: Sequence[Part], plain: frozenset[str], ranks: dict[str, int],
                 related: Iterable[tuple[str, str]], batch_nodes: int, links: CrossLinks) -> None:
        touched = {name for pair in related for name in pair}
        classes: dict[tuple[object, ...], _Class] = {}
        rest: list[Part] = []
        for group in groups:
            key = self._key(index, group, plain, ranks, touched)
            if key is None:
                rest.append(group)
                continue
            shift = min(ranks[n.name] for n in group.nodes)
            found = classes.setdefault(key, _Class([], []))
            found.members.append(group)
            found.shifts.append(shift)
        self.classes = [c for c in classes.values() if len(c.members) > 2]
        rest.extend(g for c in classes.values() if len(c.members) <= 2 for g in c.members)
        self.parts: list[Part] = []
        for found in self.classes:
            order = sorted(range(len(found.members)), key=lambda i: found.shifts[i])
            found.members = [found.members[i] for i in order]
            found.shifts = [found.shifts[i] for i in order]
            found.solved = (len(self.parts), len(self.parts) + 1)
            self.parts.extend((found.members[0], found.members[-1]))
        self.parts.extend(pack(sorted(rest, key=lambda g: g.nodes[0].name), batch_nodes))
        copies = [m for c in self.classes for m in c.members[1:-1]]
        borders = border_facts(index, [*self.parts, *copies], plain, links)
        self.borders = borders[:len(self.parts)]
        self._copy_borders = dict(zip(map(id, copies), borders[len(self.parts):], strict=True))
        self._ranks = ranks

    @staticmethod
    def _key(index: CatalogIndex, group: Part, plain: frozenset[str], ranks: dict[str, int],
             touched: set[str]) -> tuple[object, ...] | None:
        """What identical chains share, or None for a group that is not one plain chain to rename."""
        jobs = {job_text(n.job_type) for n in group.nodes}
        if group.inserts or len(jobs) != 1 or not jobs <= plain or any(n.name in touched for n in group.nodes):
            return None
        ordered = sorted(group.nodes, key=lambda n: ranks[n.name])
        shift = ranks[ordered[0].name]
        profiles = [index.profile_for(n.step_type, n.job_type) for n in ordered]
        ports = {d.logical_name for p in profiles for d in index.profiles[p].dependencies}
        ports.update(o.logical_name for p in profiles for o in index.profiles[p].outputs)
        if any(n.name in ports for n in ordered):
            return None  # a node named like a port: renaming the answer's strings could not tell them apart
        return tuple((n.step_type, p, ranks[n.name] - shift) for n, p in zip(ordered, profiles, strict=True))

    def _mapping(self, source: Part, target: Part) -> dict[Symbol, Symbol]:
        a = sorted(source.nodes, key=lambda n: self._ranks[n.name])
        b = sorted(target.nodes, key=lambda n: self._ranks[n.name])
        mapping: dict[Symbol, Symbol] = {String(x.name): String(y.name) for x, y in zip(a, b, strict=True)}
        mapping[job_symbol(a[0].job_type)] = job_symbol(b[0].job_type)
        return mapping

    def run(self, solve: Callable[[Part, list[Symbol]], SolveOutcome | None],
            nodes: Sequence[PipelineNode]) -> list[SolveOutcome] | None:
        """Every part's outcome (renamed for the copies), or None when the chains must be solved together."""
        outcomes: list[SolveOutcome] = []
        for part, border in zip(self.parts, self.borders, strict=True):
            outcome = solve(part, border)
            if outcome is None:
                return None
            outcomes.append(outcome)
        units: list[Part] = list(self.parts)
        for found in self.classes:
            first, last = (outcomes[i] for i in found.solved)
            to_last = self._mapping(found.members[0], found.members[-1])
            same = (first.proven and last.proven and len(first.cost) == len(last.cost)
                    and set(_renamed(first.symbols, to_last)) == set(last.symbols))
            for member, shift in zip(found.members[1:-1], found.shifts[1:-1], strict=True):
                units.append(member)
                if same:
                    outcomes.append(_copy(first, last, found.shifts[0], found.shifts[-1], shift,
                                          self._mapping(found.members[0], member)))
                    continue
                outcome = solve(member, self._copy_borders[id(member)])
                if outcome is None:
                    return None
                outcomes.append(outcome)
        part_of = {n.name: i for i, unit in enumerate(units) for n in unit.nodes}
        uses = [(u.arguments[0].string, u.arguments[2].string) for o in outcomes for u in o.symbols if u.name == "use"]
        if crossing_flips(uses, {n.name: n for n in nodes}, part_of):
            return None
        return outcomes


def _renamed(symbols: Iterable[Symbol], mapping: dict[Symbol, Symbol]) -> list[Symbol]:
    def rename(symbol: Symbol) -> Symbol:
        if symbol in mapping:
            return mapping[symbol]
        if symbol.type == SymbolType.Function and symbol.arguments:
            return Function(symbol.name, [rename(a) for a in symbol.arguments], symbol.positive)
        return symbol

    return [rename(s) for s in symbols]


def _copy(first: SolveOutcome, last: SolveOutcome, c1: int, c2: int, c: int, mapping: dict[Symbol, Symbol]
          ) -> SolveOutcome:
    """The first chain's answer renamed; its cost moved along the line from the first chain's to the last's."""
    cost = [a + (b - a) * (c - c1) // (c2 - c1) if c2 != c1 else a for a, b in zip(first.cost, last.cost, strict=True)]
    return SolveOutcome(_renamed(first.symbols, mapping), cost, True, False, first.models, 0.0)
