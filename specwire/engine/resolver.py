"""Stage two: wire one pipeline.

The pipeline's nodes, the profile-level matches of stage one and the user's explicit edges go
to clingo as facts; the wiring rules (`jobs.lp`, `gaps.lp`, `choose.lp`, `order.lp`,
`diagnose.lp`, `objective.lp`, `explain.lp`, and any policy files) choose the edges and the
inserted steps. This module only translates: facts in, atoms out, atoms into a
`ResolvedPipeline` with messages a person can act on.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from clingo import Control, String, Symbol, SymbolType

from specwire.engine import messages as msg
from specwire.engine import narrow, policy_guard
from specwire.engine import policy_runner as policy
from specwire.engine.catalog_index import CatalogIndex, ProfileKey
from specwire.engine.fast import chains, components
from specwire.engine.fast.specialise import Signature
from specwire.engine.options import DEFAULT_TIMEOUT, ResolveOptions
from specwire.engine.order import find_cycle, topological_order
from specwire.engine.part_facts import part_facts, signed
from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode
from specwire.engine.solver import (
    WIRING_RULES,
    Messages,
    SolveOutcome,
    add_facts,
    builtin_rule_file,
    ground,
    load_rules,
    new_control,
    solve,
)
from specwire.engine.stage_one import build_index, index_for, node_profiles
from specwire.engine.terms import text_of
from specwire.engine.whynot import why_not
from specwire.plan import Diagnostic, ResolvedEdge, ResolvedNode, ResolvedPipeline, SolveStats
from specwire.specs.registry import SpecRegistry, unknown_step

__all__ = ["APART_RULES", "DEFAULT_TIMEOUT", "WIRING_RULES", "ResolveOptions", "Resolver", "group_by_target", "resolve"]

APART_RULES = "apart.lp"

#: Independent components are solved together up to this many nodes (one solver set-up costs ~4 ms).
BATCH_NODES = 48
#: Once the solver's time limit is spent, each remaining part still gets this long to find a wiring.
MIN_SLICE = 0.05
#: Seconds kept back before a deadline: building the result and sending it to the parent.
DEADLINE_MARGIN = 0.25


@dataclass
class _Model:
    """The atoms of the chosen answer, as Python values."""

    use: list[tuple[Symbol, str, Symbol, str]] = field(default_factory=list)
    insert: list[Symbol] = field(default_factory=list)
    errors: list[tuple[str, Symbol, Symbol]] = field(default_factory=list)
    #: Explicit edges kept as ordering dependencies (diagnose.lp: order_only).
    order_only: list[tuple[Symbol, Symbol]] = field(default_factory=list)
    why_job: dict[tuple[Symbol, str, Symbol, str], list[tuple[str, int]]] = field(default_factory=dict)
    chosen: dict[tuple[Symbol, str, Symbol, str], tuple[int, int]] = field(default_factory=dict)
    alt: list[tuple[Symbol, str, Symbol, str, int]] = field(default_factory=list)
    alt_blocked: set[tuple[Symbol, str, Symbol, str]] = field(default_factory=set)
    alt_excluded: set[tuple[Symbol, Symbol, str]] = field(default_factory=set)
    alt_cross: set[tuple[Symbol, str, Symbol, str]] = field(default_factory=set)
    alt_leak: set[tuple[Symbol, Symbol, str]] = field(default_factory=set)
    ambiguous: set[tuple[Symbol, str]] = field(default_factory=set)
    violations: list[tuple[Symbol, str, Symbol]] = field(default_factory=list)
    tied_with: dict[tuple[Symbol, str], list[Symbol]] = field(default_factory=dict)
    blocked: set[tuple[Symbol, str]] = field(default_factory=set)
    #: The chosen answer and the best one without policy preferences (explain_preferences).
    steering: tuple[list[Symbol], list[Symbol]] | None = None
    outside: set[tuple[Symbol, str]] = field(default_factory=set)
    unwritten: dict[tuple[Symbol, str], list[tuple[int, Symbol]]] = field(default_factory=dict)
    #: Chosen links that carry one split chain's data into another (jobs.lp: chain_cross_output).
    chain_cross: set[tuple[Symbol, str, Symbol, str]] = field(default_factory=set)
    #: The words of each wiring rule (`reason_text/2`), and the name of each objective level.
    reason_texts: dict[str, str] = field(default_factory=dict)
    level_names: dict[int, str] = field(default_factory=dict)


class Resolver:
    """Resolves pipelines against one catalog (and optional policy rule files)."""

    def __init__(self, registry: SpecRegistry, rule_files: Sequence[Path] = (), scoped: bool | None = None) -> None:
        """`scoped`: stage one scoped to each pipeline's profiles (True), the whole catalog's (False),
        or by the catalog's size (None; engine/stage_one.py). The answers are the same."""
        self.registry = registry
        self.rule_files = tuple(sorted(Path(p) for p in rule_files))
        self.scoped = scoped
        self._index: CatalogIndex | None = None
        self._scoped_index: CatalogIndex | None = None
        self._policy_warnings: list[str] | None = None

    @property
    def index(self) -> CatalogIndex:
        """The whole catalog's stage one."""
        if self._index is None:
            self._index = build_index(self.registry)
        return self._index

    def index_for(self, nodes: Sequence[PipelineNode]) -> CatalogIndex:
        """The stage one that resolving `nodes` (of known step types) reads: every match into their inputs."""
        if self._index is not None:
            return self._index
        if self._scoped_index is not None:
            self._scoped_index.need(node_profiles(self.registry, nodes))
            return self._scoped_index
        index = index_for(self.registry, node_profiles(self.registry, nodes), self.scoped)
        if index.complete is None:
            self._index = index
        else:
            self._scoped_index = index
        return index

    def resolve(self, pipeline: PipelineDefinition, options: ResolveOptions | None = None) -> ResolvedPipeline:
        options = options or ResolveOptions()
        stats = SolveStats()
        if options.ignore_edges:
            pipeline = pipeline.without_edges()
        diagnostics: list[Diagnostic] = []
        nodes = sorted(pipeline.nodes, key=lambda n: n.name)
        known = [n for n in nodes if n.step_type in self.registry]
        start = time.perf_counter()
        index = self.index_for(known)
        stats.seconds_match = time.perf_counter() - start
        for node in nodes:
            if node.step_type not in self.registry:
                err = unknown_step(node.step_type, self.registry.step_types())
                diagnostics.append(Diagnostic("error", "unknown_step", f"node {node.name!r}: {err.message}",
                                              err.suggested_fix, (node.name,), err.compatible_sources))
        known_names = {n.name for n in known}
        edges = sorted({e for e in pipeline.edges if e[0] in known_names and e[1] in known_names})
        edges, cycle_diags = _drop_cycles(edges)
        diagnostics.extend(cycle_diags)
        rules = [builtin_rule_file(name) for name in WIRING_RULES] + list(self.rule_files)
        if self.rule_files:
            rules.append(builtin_rule_file(policy.POLICY_RULES))
        if self.rule_files:
            # Policies may only add violations and preferences (engine/policy_guard.py): refused otherwise.
            if self._policy_warnings is None:
                self._policy_warnings = policy_guard.guard(self.rule_files)
            diagnostics.extend(Diagnostic("warning", "policy_rules", text, "fix the policy file")
                               for text in self._policy_warnings)
        by_symbol = {String(n.name): n for n in known}
        model = _Model()
        if known:
            model, unsteered = self._solve(index, known, edges, rules, options, stats, diagnostics)
            if unsteered is not None:
                model.steering = (unsteered[0], unsteered[1])
        result = _build_result(pipeline, index, self.registry, known, by_symbol, edges, model, options,
                               diagnostics, stats)
        result.policies = [str(p) for p in self.rule_files]
        if options.interface == "python":
            result.diagnostics = [msg.for_python(d) for d in result.diagnostics]
        return result


    def _solve(self, index: CatalogIndex, nodes: Sequence[PipelineNode], edges: Sequence[tuple[str, str]],
               rules: Sequence[Path], options: ResolveOptions, stats: SolveStats,
               diagnostics: list[Diagnostic], apart: bool = True,
               ) -> tuple[_Model, tuple[list[Symbol], list[Symbol]] | None]:
        """Ground and solve each part of the pipeline (engine/components.py) within one time limit.

        Plain job-type chains are solved apart (engine/fast/chains.py) when that can be proven
        optimal; when the proof fails, the pipeline is solved again with the chains together.
        """
        # The limit bounds solving, summed over the parts (grounding cannot be interrupted in clingo 5).
        budget = options.timeout
        jobs = sorted({n.job_type.lower() for n in nodes if n.job_type})
        ranks = {n.name: rank for rank, n in enumerate(nodes)}
        found = components.gaps(index, nodes) if options.fill_gaps or options.suggest else []
        inserts = components.insert_candidates(index, self.registry, found, options.max_insert_depth)
        pairs = [*edges, *((a, b) for a, b in options.why_not if a in ranks and b in ranks)]
        # Policy files are other people's rules: they may relate any two nodes, so nothing is split.
        batch = len(nodes) if self.rule_files else BATCH_NODES
        plain = frozenset() if self.rule_files or inserts or not apart else chains.plain_jobs(index, nodes, rules)
        parts = components.split(index, nodes, pairs, inserts, 1 if plain else batch, plain)
        stats.components = len(parts)
        symbols: list[Symbol] = []
        cost: list[int] = []
        unsteered: list[Symbol] | None = None
        stats.seconds_ground = stats.seconds_solve = 0.0
        stats.facts = 0
        narrowed: list[tuple[components.Part, narrow.Narrowing]] = []
        sliced: float | None = None  # a plain search cut at its slice (seconds), no narrowed wiring better

        def solve_part(part: components.Part, border: list[Symbol]) -> SolveOutcome | None:
            nonlocal sliced
            way = "plain" if border or self.rule_files else narrow.route(
                narrow.pairings(index, part), len(part.nodes), budget)
            if way == "narrowed":
                return search_narrowed(part)[0]
            if way == "plain" or budget is None:
                return solve_once(part, border)[0]
            # A part that may be too tangled for the plain search gets a slice of the time; unless that
            # proves its optimum, the narrowed search's wiring replaces the plain one if the full rules
            # (the plain program) judge it better.
            share = narrow.plain_slice(budget, len(part.nodes))
            plain, ctl = solve_once(part, border, cap=share)
            if plain is None or plain.proven:
                return plain
            found, narrowing = search_narrowed(part, judged=True)
            better = narrow.judge(ctl, found) if found is not None else None
            if better is None or (plain.models and plain.cost <= better.cost):
                sliced = share
                return plain
            narrowed.append((part, narrowing))
            return better

        def search_narrowed(part: components.Part, judged: bool = False
                            ) -> tuple[SolveOutcome | None, narrow.Narrowing]:
            """Each input narrowed to its best providers (engine/narrow.py), widened where left empty. A
            wiring to be `judged` by the plain program is explained there, so it is neither explained
            nor reported here."""
            narrowing = narrow.plan(index, part, lambda p: self._probe_facts(index, p, jobs), rules, ranks, pairs)
            outcome = None
            for last in range(narrow.WIDEN_ROUNDS, 0, -1):
                outcome = solve_once(part, [], narrowing, last, explain=not judged)[0]
                if outcome is None or not narrowing.widened_now:
                    break
            if outcome is not None:
                outcome.proven = False
                if not judged:
                    narrowed.append((part, narrowing))
            return outcome, narrowing

        def solve_once(part: components.Part, border: list[Symbol], narrowing: narrow.Narrowing | None = None,
                       rounds_left: int = 1, cap: float | None = None,
                       explain: bool = True) -> tuple[SolveOutcome | None, Control]:
            """Ground and solve a part within the time limit (and `cap` seconds); a narrowed one is
            widened (and not explained) while rounds are left."""
            nonlocal unsteered
            names = {n.name for n in part.nodes}
            part_edges = [e for e in edges if e[0] in names]
            messages = Messages()
            ctl = new_control([f"-c max_insert_depth={options.max_insert_depth}",
                               *(narrow.SEARCH_OPTIONS if narrowing is not None else ())], messages)
            signatures: set[Signature] = set()
            facts = list(part_facts(index, self.registry, part, part_edges, options, jobs, ranks, signatures))
            part_rules = [*rules, builtin_rule_file(APART_RULES)] if border else rules
            if narrowing is not None:  # searched without explain.lp, explained after (engine/narrow.py)
                facts.extend(signed(narrowing.facts(), signatures))
                part_rules = [r for r in rules if r != builtin_rule_file(narrow.EXPLAIN_RULES)]
                ctl.add("base", [], narrow.SEARCH_SHOWS)
            facts.extend(signed(border, signatures))
            # Policy rules may derive what the built-in rules read: only a program of specwire's own
            # rules leaves out the rules that cannot fire.
            load_rules(ctl, part_rules, messages, None if self.rule_files else frozenset(signatures))
            if self.rule_files:
                facts.extend(policy.catalog_facts(self.registry))
            stats.facts += add_facts(ctl, facts)
            if self.rule_files:
                # Policy files are other people's code: ground them under a time limit (engine/policy.py).
                # With them the pipeline is one part, so its limit is the whole one.
                run = policy.ground_and_solve(ctl, messages, rules, options.timeout,
                                              explain_preferences=options.explain_preferences,
                                              left=_left(options, options.timeout))
                outcome, unsteered = run.outcome, run.unsteered
                stats.seconds_ground += run.seconds_ground
            else:
                t0 = time.perf_counter()
                ground(ctl, messages, part_rules)
                stats.seconds_ground += time.perf_counter() - t0
                limit = None if budget is None else _left(
                    options, max(min(budget - stats.seconds_solve, cap or budget), MIN_SLICE))
                outcome = solve(ctl, limit)
                searched_again = narrowing is not None and outcome.models > 0 and rounds_left > 1 and (
                    narrowing.widen(_missing_inputs(outcome.symbols)))
                if narrowing is not None and outcome.models and explain and not searched_again:
                    t0 = time.perf_counter()
                    outcome.symbols = narrow.explain(ctl, messages, outcome.symbols)
                    stats.seconds_ground += time.perf_counter() - t0
            stats.seconds_solve += outcome.seconds
            return (outcome if not border or chains.proven_apart(outcome) else None), ctl

        if plain and len(parts) > 1:
            probed = {index.profile_for(n.step_type, n.job_type) for n in nodes
                      if components.job_text(n.job_type) in plain}
            links = chains.probe(index, probed, lambda part: self._probe_facts(index, part), rules)
            found_apart = chains.Apart(index, parts, plain, ranks, pairs, batch, links).run(solve_part, nodes)
            if found_apart is None:  # not provably the optimum: the chains are solved together
                return self._solve(index, nodes, edges, rules, options, stats, diagnostics, apart=False)
            outcomes = found_apart
        else:
            outcomes = [o for o in (solve_part(part, []) for part in parts) if o is not None]
        proven = all(o.proven for o in outcomes)
        timed_out = any(o.timed_out for o in outcomes)
        missing = not all(o.models for o in outcomes)
        impossible = any(not o.models and not o.timed_out for o in outcomes)
        for outcome in outcomes:
            symbols.extend(outcome.symbols)
            cost = components.add_costs(cost, outcome.cost)
        stats.proven_optimal = proven and not missing
        stats.timed_out = timed_out
        stats.cost = cost
        if impossible:
            # The wiring rules always have an answer (inputs may stay empty, with an error): only a
            # policy's constraint can rule out every wiring.
            named = ", ".join(str(p) for p in self.rule_files)
            diagnostics.append(Diagnostic(
                "error", "unsatisfiable",
                f"no wiring satisfies the policy files ({named}): a constraint in them rules out every wiring"
                if self.rule_files else "no wiring satisfies the wiring rules",
                "derive violation(Id, Message, Args) instead of writing a constraint `:- ...`, or fix the "
                "constraint; `specwire rules check` checks the files" if self.rule_files
                else "report this with the pipeline file: specwire's rules should always have an answer"))
        elif missing:
            diagnostics.append(Diagnostic(
                "error", "timeout", f"no wiring found within the time limit of {options.timeout} s",
                "raise the limit with --timeout, or resolve a smaller pipeline"))
        elif timed_out:
            spent = (f"the plain search's slice ({sliced:.1f} s) of the time limit of {options.timeout} s ran out "
                     "and the narrowed search found no better wiring" if sliced
                     else f"the time limit of {options.timeout} s was reached")
            diagnostics.append(Diagnostic(
                "warning", "not_optimal", f"{spent}: this is the best wiring found so far, not proven optimal",
                "raise the limit with --timeout"))
        for part, narrowing in narrowed:
            diagnostics.append(msg.narrowed(len(part.nodes), narrowing.links, narrowing.keep,
                                            len(narrowing.widened)))
        model = _read_model(symbols)
        return model, ((symbols, unsteered) if unsteered is not None else None)


    def _probe_facts(self, index: CatalogIndex, part: components.Part,
                     jobs: Sequence[str] = chains.PROBE_JOBS) -> tuple[list[Symbol], frozenset[Signature]]:
        signatures: set[Signature] = set()
        ranks = {n.name: i for i, n in enumerate(part.nodes)}
        facts = list(part_facts(index, self.registry, part, [], ResolveOptions(), jobs, ranks, signatures))
        return facts, frozenset(signatures)


def _left(options: ResolveOptions, limit: float | None) -> float | None:
    """`limit`, cut to what is left before the deadline (less a margin for sending the answer)."""
    if options.deadline is None or limit is None:
        return limit
    return max(min(limit, options.deadline - time.monotonic() - DEADLINE_MARGIN), MIN_SLICE)


def _drop_cycles(edges: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[Diagnostic]]:
    """Explicit edges that form a cycle cannot be wired: name the cycle and leave them out."""
    diagnostics: list[Diagnostic] = []
    kept = list(edges)
    for source, target in edges:
        if source == target:
            kept.remove((source, target))
            diagnostics.append(Diagnostic("error", "cycle", f"node {source!r} depends on itself (edge {source} -> "
                                          f"{target})", "remove the self-edge", (source,)))
    while True:
        cycle = find_cycle(kept)
        if cycle is None:
            return kept, diagnostics
        path = " -> ".join([*cycle, cycle[0]])
        diagnostics.append(Diagnostic("error", "cycle", f"explicit edges form a cycle: {path}",
                                      "remove one of these edges: a pipeline must be acyclic", tuple(cycle)))
        closing = (cycle[-1], cycle[0])
        kept.remove(closing)


# --------------------------------------------------------------------------- reading the answer


def _missing_inputs(symbols: Sequence[Symbol]) -> list[tuple[str, str]]:
    """The required inputs a wiring left empty, as (node, dependency)."""
    return [(s.arguments[1].string, s.arguments[2].string) for s in symbols
            if s.name == "error" and s.arguments[0].name == "missing_dependency"]


def _read_model(symbols: Sequence[Symbol]) -> _Model:
    model = _Model()
    for s in symbols:
        name, args = s.name, s.arguments
        if name == "use":
            model.use.append((args[0], args[1].string, args[2], args[3].string))
        elif name == "insert":
            model.insert.append(args[0])
        elif name == "error":
            model.errors.append((args[0].name, args[1], args[2]))
        elif name == "order_only":
            model.order_only.append((args[0], args[1]))
        elif name == "why_job":
            key = (args[0], args[1].string, args[2], args[3].string)
            model.why_job.setdefault(key, []).append((args[4].name, args[5].number))
        elif name == "chosen":
            model.chosen[(args[0], args[1].string, args[2], args[3].string)] = (args[4].number, args[5].number)
        elif name == "alt":
            model.alt.append((args[0], args[1].string, args[2], args[3].string, args[4].number))
        elif name == "alt_blocked":
            model.alt_blocked.add((args[0], args[1].string, args[2], args[3].string))
        elif name == "alt_excluded":
            model.alt_excluded.add((args[0], args[1], args[2].string))
        elif name == "alt_cross":
            model.alt_cross.add((args[0], args[1].string, args[2], args[3].string))
        elif name == "alt_leak":
            model.alt_leak.add((args[0], args[1], args[2].string))
        elif name == "ambiguous":
            model.ambiguous.add((args[0], args[1].string))
        elif name == "tied_with":
            model.tied_with.setdefault((args[1], args[2].string), []).append(args[0])
        elif name == "blocked":
            model.blocked.add((args[0], args[1].string))
        elif name == "unwritten":
            model.unwritten.setdefault((args[1], args[2].string), []).append((args[3].number, args[0]))
        elif name == "reason_text":
            model.reason_texts[args[0].name] = args[1].string
        elif name == "level_name":
            model.level_names[args[0].number] = args[1].string
        elif name == "chain_cross_output":
            model.chain_cross.add((args[0], args[1].string, args[2], args[3].string))
        elif name == "outside_input":
            model.outside.add((args[0], args[1].string))
        elif name == "violation":
            model.violations.append((args[0], text_of(args[1]), args[2]))
    return model


def _best_first(candidates: Sequence[tuple[int, Symbol]], nodes: dict[Symbol, ResolvedNode]) -> list[str]:
    ranked = sorted((-quality, nodes[n].name) for quality, n in candidates if n in nodes)
    return [name for _, name in ranked]


def _new_parts(symbol: Symbol) -> tuple[str, str | None]:
    step, job = symbol.arguments
    job_text = None if job.type == SymbolType.Function and job.name == "none" else text_of(job)
    return step.string, job_text


def _build_result(pipeline: PipelineDefinition, index: CatalogIndex, registry: SpecRegistry,
                  nodes: Sequence[PipelineNode], by_symbol: dict[Symbol, PipelineNode],
                  edges: Sequence[tuple[str, str]], model: _Model, options: ResolveOptions,
                  diagnostics: list[Diagnostic], stats: SolveStats) -> ResolvedPipeline:
    # Name the inserted steps: the step type, with the job type when it has one, unique.
    taken = {n.name for n in pipeline.nodes}
    inserted: dict[Symbol, ResolvedNode] = {}
    for symbol in sorted(model.insert, key=lambda s: _new_parts(s)[0] + "|" + (_new_parts(s)[1] or "")):
        step, job = _new_parts(symbol)
        base = f"{step}_{job}" if job else step
        name, i = base, 2
        while name in taken:
            name, i = f"{base}_{i}", i + 1
        taken.add(name)
        inserted[symbol] = ResolvedNode(name, step, job, inserted=True)
    resolved_nodes = {s: ResolvedNode(n.name, n.step_type, n.job_type) for s, n in by_symbol.items()}
    all_nodes: dict[Symbol, ResolvedNode] = {**resolved_nodes, **inserted}

    def profile_of(symbol: Symbol) -> ProfileKey:
        node = all_nodes[symbol]
        return index.profile_for(node.step_type, node.job_type)

    wiring: list[ResolvedEdge] = []
    uses = sorted(model.use, key=lambda u: (str(u[0]), u[1], str(u[2]), u[3]))
    steered = policy.preference_reasons(*model.steering, lambda s: all_nodes[s].name if s in all_nodes else str(s)) \
        if model.steering else {}
    for source, out, target, dep in uses:
        match = (profile_of(source), out, profile_of(target), dep)
        reasons = msg.edge_reasons(index, match, model.why_job.get((source, out, target, dep), []),
                                   inserted=source in inserted or target in inserted,
                                   reason_texts=model.reason_texts)
        reasons.extend(steered.get((source, out, target, dep), []))
        quality = model.chosen.get((source, out, target, dep), (index.quality.get(match, 0), 0))[0]
        wiring.append(ResolvedEdge(all_nodes[source].name, out, all_nodes[target].name, dep, tuple(reasons), quality))

    crossing = {(all_nodes[a].name, o, all_nodes[b].name, d) for a, o, b, d in model.chain_cross
                if a in all_nodes and b in all_nodes}
    label = msg.Labeller({**{n.name: n for n in resolved_nodes.values()}, **{n.name: n for n in inserted.values()}})
    # Without --fill-gaps, inserted steps are suggestions: report the gap, keep the plan as written.
    keep_inserted = options.fill_gaps
    if not keep_inserted and inserted:
        inserted_names = {n.name for n in inserted.values()}
        for edge in wiring:
            if edge.source in inserted_names and edge.target not in inserted_names:
                chain = msg.inserted_chain(edge.source, wiring, inserted_names)
                diagnostics.append(msg.missing_with_insertion(label, registry, index, edge, chain, wiring))
        wiring = [e for e in wiring if e.source not in inserted_names and e.target not in inserted_names]
        all_nodes = resolved_nodes
    elif inserted:
        inserted_names = {n.name for n in inserted.values()}
        for edge in wiring:
            if edge.source in inserted_names and edge.target not in inserted_names:
                chain = msg.inserted_chain(edge.source, wiring, inserted_names)
                diagnostics.append(msg.inserted_note(label, edge, chain, wiring))

    for kind, a, b in sorted(model.errors, key=lambda e: (e[0], str(e[1]), str(e[2]))):
        if kind == "missing_dependency":
            node = all_nodes[a]
            diagnostics.append(msg.missing(label, registry, index, node, b.string, nodes, wiring,
                                           blocked=(a, b.string) in model.blocked,
                                           unwritten=_best_first(model.unwritten.get((a, b.string), []), all_nodes)))
        elif kind == "incompatible":
            diagnostics.append(msg.incompatible(label, index, registry, resolved_nodes[a], resolved_nodes[b]))
        elif kind == "policy":
            diagnostics.extend(policy.violation_diagnostics(model.violations, a, b, all_nodes))
    kept_for_order = sorted(((resolved_nodes[a], resolved_nodes[b]) for a, b in model.order_only),
                            key=lambda pair: (pair[0].name, pair[1].name))
    order_only = [(a.name, b.name) for a, b in kept_for_order]
    for a_node, b_node in kept_for_order:
        diagnostics.append(msg.order_only(label, index, a_node, b_node, wiring))
    for target, dep in sorted(model.outside, key=lambda t: (str(t[0]), t[1])):
        diagnostics.append(msg.outside_input(label, registry, all_nodes[target], dep))
    for target, dep in sorted(model.ambiguous, key=lambda t: (str(t[0]), t[1])):
        if target in all_nodes:
            tied = sorted(all_nodes[t].name for t in model.tied_with.get((target, dep), []) if t in all_nodes)
            diagnostics.append(msg.ambiguous(label, all_nodes[target].name, dep, tied, wiring))
    for edge in wiring:
        if (edge.source, edge.output, edge.target, edge.dependency) in crossing:
            diagnostics.append(msg.cross_chain(label, edge, all_nodes))
    for provider, consumer in options.why_not:
        diagnostics.append(why_not(label, index, registry, provider, consumer, model, all_nodes, wiring))

    names = [n.name for n in all_nodes.values()]
    diagnostics.extend(msg.unbuildable_names([n.name for n in resolved_nodes.values()]))
    present = set(names)
    order = topological_order(names, [(e.source, e.target) for e in wiring] + [
        e for e in edges if e[0] in present and e[1] in present])
    position = {name: i for i, name in enumerate(order)}
    node_list = sorted(all_nodes.values(), key=lambda n: position[n.name])
    return ResolvedPipeline(pipeline.name, node_list, wiring, order, _dedupe(diagnostics), stats,
                            order_only=order_only)


def _dedupe(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[str, str]] = set()
    out: list[Diagnostic] = []
    for d in diagnostics:
        if (d.kind, d.message) not in seen:
            seen.add((d.kind, d.message))
            out.append(d)
    errors = [d for d in out if d.severity == "error"]
    warnings = [d for d in out if d.severity == "warning"]
    return errors + warnings


def group_by_target(edges: Sequence[ResolvedEdge]) -> dict[str, list[ResolvedEdge]]:
    grouped: dict[str, list[ResolvedEdge]] = defaultdict(list)
    for edge in edges:
        grouped[edge.target].append(edge)
    return grouped


def resolve(pipeline: PipelineDefinition, registry: SpecRegistry | None = None,
            options: ResolveOptions | None = None) -> ResolvedPipeline:
    """Resolve a pipeline against a catalog (the built-in one by default)."""
    if registry is None:
        from specwire.specs.registry import load_registry

        registry = load_registry()
    rules = options.rule_files if options else ()
    return Resolver(registry, rules).resolve(pipeline, options)
