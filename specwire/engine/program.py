"""`specwire resolve --show-facts`: the program clingo is given, as text a rule author can run.

The resolver solves a pipeline part by part (engine/fast/components.py), but the optimum of the
whole is the union of the parts' optima, so one program with every part's facts reproduces every
decision. The text lists the rule files and the command line, then the facts, one per line, as
clingo prints symbols (strings quoted and escaped), so `clingo FILES facts.lp` answers the same.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from clingo import Control, Symbol

from specwire.engine import policy_runner as policy
from specwire.engine import resolver as wiring
from specwire.engine.catalog_index import ProfileKey
from specwire.engine.fast import components
from specwire.engine.options import ResolveOptions
from specwire.engine.part_facts import part_facts
from specwire.engine.pipeline_def import PipelineDefinition
from specwire.engine.solver import DETERMINISTIC, OPTIMISATION, builtin_rule_file


def rule_files(resolver: wiring.Resolver) -> list[Path]:
    """The rule files of stage two, in the order the resolver loads them."""
    files = [builtin_rule_file(name) for name in wiring.WIRING_RULES] + list(resolver.rule_files)
    if resolver.rule_files:
        files.append(builtin_rule_file(policy.POLICY_RULES))
    return files


def grounded_program(resolver: wiring.Resolver, pipeline: PipelineDefinition, options: ResolveOptions,
                     arguments: Sequence[str] = ("--warn=none",)) -> Control:
    """The whole program of `pipeline` (every rule file, every fact, nothing split or narrowed)
    grounded in one control: to solve, or to judge a wiring by fixing its `use/4` atoms (the tests
    and benchmarks/narrowing.py do)."""
    ctl = Control(list(arguments))
    for path in rule_files(resolver):
        ctl.load(str(path))
    with ctl.backend() as backend:
        for symbol in program_facts(resolver, pipeline, options):
            backend.add_rule([backend.add_atom(symbol)])
    ctl.ground([("base", [])])
    return ctl


def program_facts(resolver: wiring.Resolver, pipeline: PipelineDefinition,
                  options: ResolveOptions) -> Iterator[Symbol]:
    """Every fact the resolver gives clingo for `pipeline`, all parts together."""
    if options.ignore_edges:
        pipeline = pipeline.without_edges()
    index = resolver.index
    nodes = sorted((n for n in pipeline.nodes if n.step_type in resolver.registry), key=lambda n: n.name)
    names = {n.name for n in nodes}
    edges, _ = wiring._drop_cycles(sorted({e for e in pipeline.edges if e[0] in names and e[1] in names}))
    found = components.gaps(index, nodes) if options.fill_gaps or options.suggest else []
    inserts: dict[components.NewKey, ProfileKey] = {}
    for reached in components.insert_candidates(index, resolver.registry, found, options.max_insert_depth).values():
        inserts.update(reached)
    part = components.Part(list(nodes), dict(sorted(inserts.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))))
    jobs = sorted({n.job_type.lower() for n in nodes if n.job_type})
    ranks = {n.name: rank for rank, n in enumerate(nodes)}
    yield from part_facts(index, resolver.registry, part, edges, options, jobs, ranks, set())
    if resolver.rule_files:
        yield from policy.catalog_facts(resolver.registry)


def program_text(resolver: wiring.Resolver, pipeline: PipelineDefinition, options: ResolveOptions) -> str:
    files = rule_files(resolver)
    command = ["clingo", *DETERMINISTIC, *OPTIMISATION, f"-c max_insert_depth={options.max_insert_depth}",
               *(str(f) for f in files), "facts.lp"]
    lines = [f"% The program specwire gives clingo for pipeline {pipeline.name!r}.",
             "% Save this text as facts.lp and run:",
             "%   " + " ".join(command),
             "% Rule files:", *(f"%   {f}" for f in files), ""]
    lines += [f"{symbol}." for symbol in program_facts(resolver, pipeline, options)]
    return "\n".join(lines) + "\n"
