"""One definition per decision: where Python pre-computes what a rule decides (for speed), it
derives from the same facts, and these tests prove the two agree on every corpus pipeline and on
random catalogs: the gaps (gaps.lp `gap/2` vs components.gaps), the insertion candidates
(`insert_candidate/3` vs components.insert_candidates) and the split-job vocabulary."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rulekit import catalog, dep, out, spec

from specwire.engine import part_facts, resolver, vocabulary
from specwire.engine.fast import components
from specwire.engine.pipeline_def import PipelineNode, load_pipeline_file
from specwire.engine.resolver import ResolveOptions, Resolver
from specwire.engine.solver import Messages, add_facts, builtin_rule_file, ground, load_rules, new_control
from specwire.engine.terms import text_of
from specwire.specs.models import SPLIT_JOB_STEMS, STANDARD_JOB_TYPES
from specwire.specs.registry import SpecRegistry, load_registry, split_qualified_source

DEPTH = 3


def _rules(registry: SpecRegistry, nodes: list[PipelineNode]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """gap/2 and insert_candidate/3 as the rules derive them, every catalog step offered on every chain."""
    r = Resolver(registry)
    index = r.index
    jobs = sorted({n.job_type.lower() for n in nodes if n.job_type})
    candidates = {(step, job): index.profile_for(step, job) for step in registry.step_types()
                  for job in [None, *jobs]}
    part = components.Part(list(nodes), candidates)
    messages = Messages()
    ctl = new_control([f"-c max_insert_depth={DEPTH}"], messages)
    files = [builtin_rule_file(name) for name in resolver.WIRING_RULES]
    load_rules(ctl, files, messages)
    facts = list(part_facts.part_facts(index, registry, part, [], ResolveOptions(), jobs,
                                 {n.name: i for i, n in enumerate(nodes)}, set()))
    add_facts(ctl, facts)
    ground(ctl, messages, files)
    atoms = ctl.symbolic_atoms
    gaps = {(a.symbol.arguments[0].string, a.symbol.arguments[1].string) for a in atoms.by_signature("gap", 2)}
    inserts = {(a.symbol.arguments[0].string, _job(a.symbol.arguments[1]))
               for a in atoms.by_signature("insert_candidate", 3)}
    return gaps, inserts


def _job(symbol: object) -> str:
    text = text_of(symbol)  # type: ignore[arg-type]
    return "none" if text == "none" else text


def _python(registry: SpecRegistry, nodes: list[PipelineNode]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    index = Resolver(registry).index
    found = components.gaps(index, nodes)
    inserts = components.insert_candidates(index, registry, found, DEPTH)
    return ({(n.name, d) for n, d in found},
            {(step, job or "none") for reached in inserts.values() for step, job in reached})


def _agree(registry: SpecRegistry, nodes: list[PipelineNode]) -> None:
    nodes = sorted(nodes, key=lambda n: n.name)
    assert _python(registry, nodes) == _rules(registry, nodes)


def test_gaps_and_insertion_candidates_agree_on_every_corpus_pipeline(cursus_dir: Path) -> None:
    registry = load_registry([cursus_dir / "specs.json"])
    for path in sorted((cursus_dir / "dags").glob("*.json")):
        _agree(registry, list(load_pipeline_file(path).nodes))


def test_corpus_pipelines_missing_a_step_have_gaps_both_ways(cursus_dir: Path) -> None:
    registry = load_registry([cursus_dir / "specs.json"])
    checked = 0
    for path in sorted((cursus_dir / "dags").glob("*.json"))[:12]:
        nodes = list(load_pipeline_file(path).nodes)
        for drop in range(0, len(nodes), 3):  # a written step removed: its consumers have gaps to fill
            rest = sorted(nodes[:drop] + nodes[drop + 1:], key=lambda n: n.name)
            python = _python(registry, rest)
            assert python == _rules(registry, rest), (path.stem, nodes[drop].name)
            checked += bool(python[0])
    assert checked > 5


_JOBS = [None, "training", "calibration", "testing", "evaluation", "pretrain"]
_WORDS = ["data", "features", "training", "calibration", "processed", "tabular", "scores"]


def _random_catalog(rng: random.Random) -> SpecRegistry:
    types = [f"Step{i}" for i in range(6)]
    specs = []
    for i, name in enumerate(types):
        deps = []
        for k in range(rng.randint(0, 2)):
            pool = types[:i] or types
            sources = rng.sample(pool, k=min(len(pool), rng.randint(0, 2)))
            if sources and rng.random() < 0.2:
                sources[0] += ":" + rng.choice(list(SPLIT_JOB_STEMS))
            deps.append(dep(f"in{k}", required=rng.random() < 0.8, sources=sources,
                            keywords=rng.sample(_WORDS, k=rng.randint(1, 3)),
                            aliases=["features"] if rng.random() < 0.5 else []))
        outs = [out(f"out{k}", keywords=rng.sample(_WORDS, k=rng.randint(1, 3)),
                    aliases=["features"] if rng.random() < 0.5 else []) for k in range(rng.randint(1, 2))]
        specs.append(spec(name, deps, outs, kind="Training" if rng.random() < 0.3 else "Processing"))
    return catalog(*specs)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_gaps_and_insertion_candidates_agree_on_random_catalogs(seed: int) -> None:
    rng = random.Random(seed)
    registry = _random_catalog(rng)
    nodes = [PipelineNode(f"n{i}", rng.choice(registry.step_types()), rng.choice(_JOBS))
             for i in range(rng.randint(1, 6))]
    _agree(registry, nodes)


def test_the_split_job_vocabulary_has_one_source() -> None:
    assert tuple(SPLIT_JOB_STEMS) == STANDARD_JOB_TYPES
    assert frozenset(SPLIT_JOB_STEMS) == vocabulary.SPLIT_JOBS
    assert {str(s.arguments[0]) for s in vocabulary.split_job_facts()} == set(SPLIT_JOB_STEMS)
    for job in SPLIT_JOB_STEMS:
        assert split_qualified_source(f"Prep_{job}") == ("Prep", job)
    # No rule file lists the split jobs itself: they come as facts.
    for path in sorted(builtin_rule_file("jobs.lp").parent.glob("*.lp")):
        text = path.read_text()
        assert "split_job(training)" not in text and "job_word(training)" not in text, path.name


@pytest.mark.parametrize("jobs, hints", [
    (["pretrain", "training"], {("job_first", "pretrain"), ("job_hint", "pretrain", "training")}),
    (["finetune", "training"], set()),
    (["calibration", "precalib"], {("job_first", "precalib"), ("job_hint", "precalib", "calibration")}),
])
def test_job_hints_are_read_off_the_names_with_the_same_vocabulary(jobs: list[str],
                                                                   hints: set[tuple[str, ...]]) -> None:
    found = {(s.name, *(str(a) for a in s.arguments)) for s in vocabulary.job_hint_facts(jobs)}
    assert found == hints



def test_the_tie_break_slots_per_step_are_objective_lps_constant() -> None:
    assert part_facts.dep_rank_slots() == 64
    many = spec("Wide", [dep(f"in{i:03d}", required=False) for i in range(70)], [out("x")])
    registry = catalog(many)
    index = Resolver(registry).index
    own, _, _ = part_facts.profile_facts(index, ("Wide", None))
    ranks = [s.arguments[2].number for s in own if s.name == "dep_rank"]
    assert max(ranks) == part_facts.dep_rank_slots() - 1 and sorted(ranks)[:64] == list(range(64))
