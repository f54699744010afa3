"""Narrowing: a tangled part's inputs consider only their best providers (a search, never proven).

A pipeline of hundreds of steps drawn from a few step types, each written again and again on
several job-type chains, gives every input dozens of interchangeable providers: 400 steps drawn at
random from the built-in catalog make 45,000 candidate links, whose grounding alone takes 15 s and
whose optimum clasp does not come near in minutes (benchmarks/RESULTS.md). Such a part is solved
with each input narrowed to the one or two providers the rules rate best for it (choose.lp:
`narrow`, `keep/3`); the rules still decide everything else, so every link of the answer is one the
specs allow, and the order stays acyclic.

The rating is the rules' own `link_ok/5` quality, read from a probe: the rules grounded on one
step of each step profile and job type of the part (two where a profile can feed itself), with
nothing chosen (`use/4` and `insert/1` left out: engine/fast/specialise.py), so it costs a
fraction of the part's grounding. Among providers of equal quality the one written first is kept.
Two more links are kept where needed: an outlet for every step that could feed a required input
(else the search could not avoid charging it as idle), and an escape for every required input (its
best provider that cannot close a cycle with it). An input the search still leaves empty is widened
to every provider it has, and the part solved again. Explicit edges and --why-not pairs are always
kept. The answer is marked not proven, and a `narrowed` warning says so.

Which parts (`route`): past NARROW_PAIRINGS (and NARROW_PER_STEP per step) at once, since the plain
program would not even ground in time; past TRY_PAIRINGS only when the plain search, given its slice
of the time limit, does not prove its answer, and then the narrowed wiring is kept only if the plain
program judges it better (`judge`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from clingo import Control, Function, Model, String, Symbol

from specwire.engine.catalog_index import CatalogIndex, ProfileKey
from specwire.engine.fast.components import Part
from specwire.engine.fast.specialise import Signature
from specwire.engine.pipeline_def import PipelineNode
from specwire.engine.solver import (
    Messages,
    SolveOutcome,
    add_facts,
    builtin_rule_file,
    ground,
    load_rules,
    new_control,
)
from specwire.errors import RuleFileError

#: A part is narrowed at once when its inputs' candidates, squared and summed (`pairings`), pass
#: NARROW_PAIRINGS and NARROW_PER_STEP per step: the plain program's largest joins (bypass
#: candidates, parity) grow with that sum. 400 random steps of the built-in catalog: 3.1 million,
#: 7,700 per step (plain grounding 15 s, 1.2 GB, and no good wiring in a minute); the 10,000-step
#: synthetic pipeline: 1.2 million but 124 per step (few candidates per input, which the plain search
#: proves); a cursus corpus pipeline: a few hundred in all (benchmarks/RESULTS.md).
NARROW_PAIRINGS = 1_000_000
NARROW_PER_STEP = 1_000
#: Past TRY_PAIRINGS a part may be too tangled for the plain search, or not (100 random steps:
#: 50,000, not proven in a minute; 50 random steps: 7,400, proven in about 8 s; the synthetic
#: sweep's parts: 56,000-615,000, proven in under 3 s at 5,001 steps): the plain search gets its
#: slice of the time limit, PLAIN_SHARE of it or PLAIN_SECONDS_PER_STEP per step if more, and
#: unless that proves its optimum the narrowed search runs too and the better wiring by the full
#: rules is kept.
TRY_PAIRINGS = 20_000
PLAIN_SHARE = 0.1
PLAIN_SECONDS_PER_STEP = 0.002
#: ... when the time limit leaves room for both searches: under this many seconds the plain search
#: gets all of it, as it always did (the narrowed search's probe and grounding are not bounded by
#: the limit; a 5,000-step synthetic part under a 0.34 s limit took 15.8 s with both, 4.7 s plain).
TRY_MIN_SECONDS = 5.0
#: Providers kept per input: two, or one in a part of more than NARROW_LARGE_LINKS candidate links.
#: The search grows with the links kept: 400 random steps (36,000 links) take 2.0-2.5 s in process
#: with two kept and 1.2-1.5 s with one; by the full rules' costs the wiring with two is about 4 %
#: better (benchmarks/narrowing.py).
NARROW_KEEP = 2
NARROW_LARGE_LINKS = 20_000
#: Rounds of widening the inputs the narrowed search left empty.
WIDEN_ROUNDS = 3
#: The rules that explain a wiring (nothing else reads what they derive): a narrowed part is searched
#: without them, three times faster at 400 steps, and they are grounded on the wiring found.
EXPLAIN_RULES = "explain.lp"
#: What the search without explain.lp shows: the wiring and the inputs it leaves empty.
SEARCH_SHOWS = "#show use/4. #show insert/1. #show error/3."
#: clasp's options for a narrowed search: cores shrunk to minimal ones. On five random 400-step
#: pipelines the narrowed optimum was proven in 0.9-2.2 s with them; without, four in 0.7-1.4 s and
#: one not in 10 s.
SEARCH_OPTIONS = ("--opt-usc-shrink=min",)
#: What the probe leaves out: with nothing chosen, it derives the link qualities and little else.
UNCHOSEN: frozenset[Signature] = frozenset({("use", 4), ("insert", 1)})

Input = tuple[str, str]  # a node's name and one of its dependencies
ClassKey = tuple[ProfileKey, str]  # a step profile and a job type: steps the rules cannot tell apart
FactWriter = Callable[[Part], tuple[list[Symbol], frozenset[Signature]]]


@dataclass
class Narrowing:
    """The providers each input of a part may take, best first, and those kept for the search."""

    candidates: dict[Input, list[str]]
    kept: dict[Input, set[str]]
    #: How many of each input's best providers were kept (before outlets and escapes).
    keep: int
    always: set[tuple[str, str, str]] = field(default_factory=set)
    widened: set[Input] = field(default_factory=set)
    #: Whether the last search's empty inputs were widened (then the part is searched again).
    widened_now: bool = False

    def facts(self) -> list[Symbol]:
        """`narrow` and the kept links, for one search (which has not widened anything yet)."""
        self.widened_now = False
        keep = {(n1, n2, d) for (n2, d), names in self.kept.items() for n1 in names} | self.always
        return [Function("narrow"), *(Function("keep", [String(a), String(b), String(d)]) for a, b, d in sorted(keep))]

    def widen(self, inputs: Sequence[Input]) -> bool:
        """Give these inputs every provider they have; False when none of them had any left out."""
        changed = False
        for key in inputs:
            names = self.candidates.get(key)
            if names is not None and len(self.kept[key]) < len(names):
                self.kept[key] = set(names)
                self.widened.add(key)
                changed = True
        self.widened_now = changed
        return changed

    @property
    def links(self) -> int:
        return sum(len(names) for names in self.candidates.values())


def route(pairing_count: int, steps: int, budget: float | None) -> Literal["plain", "narrowed", "try"]:
    """How a part is searched: plainly, narrowed at once, or the plain search first for its slice."""
    if pairing_count > NARROW_PAIRINGS and pairing_count > NARROW_PER_STEP * steps:
        return "narrowed"
    if pairing_count <= TRY_PAIRINGS or budget is None or budget < TRY_MIN_SECONDS:
        return "plain"
    return "try"


def plain_slice(budget: float, steps: int) -> float:
    """The seconds the plain search gets before the narrowed search is tried."""
    return min(budget, max(PLAIN_SHARE * budget, PLAIN_SECONDS_PER_STEP * steps))


def pairings(index: CatalogIndex, part: Part) -> int:
    """The square of each input's count of candidate providers among the part's written steps, summed."""
    count: dict[ProfileKey, int] = defaultdict(int)
    for node in part.nodes:
        count[index.profile_for(node.step_type, node.job_type)] += 1
    total = 0
    for profile, copies in count.items():
        for dep in index.profiles[profile].dependencies:
            providers = {p for p, _out in index.providers_of.get((profile, dep.logical_name), ())}
            total += copies * sum(count.get(p, 0) for p in providers) ** 2
    return total


def plan(index: CatalogIndex, part: Part, write: FactWriter, rules: Sequence[Path], ranks: dict[str, int],
         pairs: Sequence[tuple[str, str]]) -> Narrowing:
    """Each input's providers ranked by the rules' quality: the best few kept (NARROW_KEEP), and for a required
    input the best provider that cannot close a cycle with it (`_escapes`); `pairs` always kept."""
    def class_of(node: PipelineNode) -> ClassKey:
        return index.profile_for(node.step_type, node.job_type), (node.job_type or "").lower()

    classes = sorted({class_of(n) for n in part.nodes}, key=lambda c: (c[0][0], c[0][1] or "", c[1]))
    quality = _probe(index, classes, write, rules)
    by_class: dict[ClassKey, list[PipelineNode]] = defaultdict(list)
    for node in sorted(part.nodes, key=lambda n: ranks[n.name]):
        by_class[class_of(node)].append(node)
    offers: dict[tuple[ClassKey, str], list[tuple[int, int, str]]] = defaultdict(list)
    for (c1, c2, dep_name), q in quality.items():
        offers[(c2, dep_name)].extend((-q, ranks[n.name], n.name) for n in by_class.get(c1, ()))
    ranked = {key: [name for _, _, name in sorted(found)] for key, found in offers.items()}
    candidates: dict[Input, list[str]] = {}
    for consumer in part.nodes:
        c2 = class_of(consumer)
        for dep in index.profiles[c2[0]].dependencies:
            names = ranked.get((c2, dep.logical_name), [])
            candidates[(consumer.name, dep.logical_name)] = [n for n in names if n != consumer.name]
    keep = NARROW_KEEP if sum(map(len, candidates.values())) <= NARROW_LARGE_LINKS else 1
    kept = {key: set(names[:keep]) for key, names in candidates.items()}
    classes_of = {n.name: class_of(n) for n in part.nodes}
    required = {(n.name, d.logical_name) for n in part.nodes for d in index.profiles[classes_of[n.name][0]].dependencies
                if d.required}
    for key, provider in _outlets(candidates, required, ranks):
        kept[key].add(provider)
    for key, provider in _escapes(index, by_class, quality, classes_of, kept).items():
        kept[key].add(provider)
    always = {(a, b, dep.logical_name) for a, b in pairs if a in classes_of and b in classes_of
              for dep in index.profiles[classes_of[b][0]].dependencies}
    return Narrowing(candidates, kept, keep, always)


def _outlets(candidates: dict[Input, list[str]], required: set[Input],
             ranks: dict[str, int]) -> list[tuple[Input, str]]:
    """For each step that could feed a required input, one such input kept for it: the one where it
    stands highest among the candidates (then the consumer written first).

    A written step whose outputs feed no required input is charged as idle (objective.lp), and whether
    it could feed one is read from the links the rules see: with an outlet kept for every step, the
    narrowed search sees each step's chance to be used exactly as the whole search does.
    """
    best: dict[str, tuple[int, int, Input]] = {}
    for key in sorted(required & candidates.keys(), key=lambda k: (ranks[k[0]], k[1])):
        for place, provider in enumerate(candidates[key]):
            offer = (place, ranks[key[0]], key)
            if provider not in best or offer < best[provider]:
                best[provider] = offer
    return [(key, provider) for provider, (_place, _rank, key) in best.items()]


def _escapes(index: CatalogIndex, by_class: dict[ClassKey, list[PipelineNode]],
             quality: dict[tuple[ClassKey, ClassKey, str], int], classes_of: dict[str, ClassKey],
             kept: dict[Input, set[str]]) -> dict[Input, str]:
    """For each required input, its best provider of a class the consumer's class cannot reach.

    The best providers of two step types are often each other (imputation feeds feature selection and
    the other way round): kept alone, they leave one input empty. Between classes, the narrowed search
    can only wire what the kept links allow, so a provider whose class the consumer's class cannot
    reach through them never closes a cycle. Each escape is added only while that holds, and adding
    one keeps it true for those added before (a path back would run through the new one's ends).
    """
    graph: dict[ClassKey, set[ClassKey]] = defaultdict(set)
    for (name, _dep), names in kept.items():
        for provider in names:
            graph[classes_of[provider]].add(classes_of[name])
    escapes: dict[Input, str] = {}
    for c2 in sorted(by_class, key=lambda c: (c[0][0], c[0][1] or "", c[1])):
        for dep in index.profiles[c2[0]].dependencies:
            if not dep.required:
                continue
            offers = sorted(((-q, c1) for c1 in by_class if c1 != c2
                             and (q := quality.get((c1, c2, dep.logical_name))) is not None),
                            key=lambda o: (o[0], o[1][0][0], o[1][0][1] or "", o[1][1]))
            reach = _reachable(graph, c2)
            for _q, c1 in offers:
                if c1 not in reach:
                    graph[c1].add(c2)
                    for node in by_class[c2]:
                        escapes[(node.name, dep.logical_name)] = by_class[c1][0].name
                    break
    return escapes


def _reachable(graph: dict[ClassKey, set[ClassKey]], start: ClassKey) -> set[ClassKey]:
    seen = {start}
    todo = [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _probe(index: CatalogIndex, classes: Sequence[ClassKey], write: FactWriter,
           rules: Sequence[Path]) -> dict[tuple[ClassKey, ClassKey, str], int]:
    """`link_ok/5` qualities between classes: the rules on one step per class, two where it can feed itself."""
    nodes: list[PipelineNode] = []
    class_of: dict[str, ClassKey] = {}
    for i, (profile, job) in enumerate(classes):
        feeds_itself = any(p == profile for dep in index.profiles[profile].dependencies
                           for p, _out in index.providers_of.get((profile, dep.logical_name), ()))
        for copy in ("a", "b") if feeds_itself else ("a",):
            name = f"{copy}{i}"
            nodes.append(PipelineNode(name, profile[0], job or None))
            class_of[name] = (profile, job)
    facts, signatures = write(Part(nodes))
    # Kept per catalog, keyed by everything the answer depends on: the facts (the pipeline's job
    # types among them, which name chains) and the rule files.
    key = ("narrow_probe", tuple(facts), tuple(rules))
    cached = index.symbols.get(key)
    if cached is not None:
        return cast(dict[tuple[ClassKey, ClassKey, str], int], cached)
    messages = Messages()
    ctl = new_control(messages=messages)
    load_rules(ctl, rules, messages, signatures, without=UNCHOSEN)
    add_facts(ctl, facts)
    ground(ctl, messages, rules)
    quality: dict[tuple[ClassKey, ClassKey, str], int] = {}
    for atom in ctl.symbolic_atoms.by_signature("link_ok", 5):
        n1, _out, n2, dep, q = atom.symbol.arguments
        link = (class_of[n1.string], class_of[n2.string], dep.string)
        quality[link] = max(quality.get(link, q.number), q.number)
    index.symbols[key] = quality
    return quality


def explain(ctl: Control, messages: Messages, wiring: Sequence[Symbol]) -> list[Symbol]:
    """The shown atoms of the full rules for the wiring found: explain.lp grounded on it, and solved
    with every choice fixed (each `use/4` and `insert/1` true when in the wiring, false otherwise)."""
    path = builtin_rule_file(EXPLAIN_RULES)
    ctl.add("explain", [], path.read_text(encoding="utf-8"))
    try:
        ctl.ground([("explain", [])])
    except RuntimeError:
        raise RuleFileError("; ".join(messages.errors()[:3]) or f"{path}: grounding failed") from None
    chosen = set(wiring)
    fixed = [(atom.symbol, atom.symbol in chosen) for signature in UNCHOSEN
             for atom in ctl.symbolic_atoms.by_signature(*signature)]
    found: list[Symbol] = []

    def keep(model: Model) -> None:
        found[:] = model.symbols(shown=True)

    ctl.solve(assumptions=fixed, on_model=keep)
    return found


def judge(ctl: Control, found: SolveOutcome) -> SolveOutcome | None:
    """A narrowed wiring judged by the plain program of the same part (`ctl`, already solved): its cost
    by the full rules and its shown atoms, or None when the full rules reject it."""
    chosen = {s for s in found.symbols if s.name in ("use", "insert")}
    atoms = [atom.symbol for signature in UNCHOSEN for atom in ctl.symbolic_atoms.by_signature(*signature)]
    if not chosen <= set(atoms):
        return None
    judged: list[tuple[list[int], list[Symbol]]] = []

    def keep(model: Model) -> None:
        judged[:] = [(list(model.cost), list(model.symbols(shown=True)))]

    ctl.solve(assumptions=[(atom, atom in chosen) for atom in atoms], on_model=keep)
    if not judged:
        return None
    cost, symbols = judged[0]
    return SolveOutcome(symbols, cost, proven=False, timed_out=False, models=1, seconds=found.seconds)
