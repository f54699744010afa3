"""The texts never mislead: what `--why-not` and the ambiguity warnings say agrees with the numbers
they quote and with the wiring chosen (issue 15)."""

from __future__ import annotations

import re
from pathlib import Path

from rulekit import catalog, dep, out, pipeline, spec

from specwire.engine.pipeline_def import load_pipeline_file
from specwire.engine.resolver import ResolveOptions, Resolver
from specwire.plan import ResolvedPipeline
from specwire.specs.registry import load_registry

_WORSE = re.compile(r"fits \(quality (\d+)\), but \S+ \(quality (\d+)\) fits better")
_BETTER = re.compile(r"fits better \(quality (\d+)\) than \S+ \(quality (\d+)\), which was chosen")
_EQUAL = re.compile(r"fits as well \(quality (\d+)\) as \S+ \(quality (\d+)\)")
_CHOSE = re.compile(r": (.+) fit equally well; chose (\S+) \((first by name|[^)]*)\)")


def check_texts(result: ResolvedPipeline) -> int:
    """Every comparison a text makes agrees with its numbers; returns how many were checked."""
    checked = 0
    for d in result.diagnostics:
        if d.kind == "why_not":
            for alt, chosen in _WORSE.findall(d.message):
                assert int(alt) < int(chosen), d.message
                checked += 1
            for alt, chosen in _BETTER.findall(d.message):
                assert int(alt) > int(chosen), d.message
                checked += 1
            for alt, chosen in _EQUAL.findall(d.message):
                assert int(alt) == int(chosen), d.message
                checked += 1
            assert "fits better (quality" not in d.message or _BETTER.search(d.message), d.message
        if d.kind == "ambiguous":
            match = _CHOSE.search(d.message)
            assert match, d.message
            names, chosen, why = match.group(1).split(", "), match.group(2), match.group(3)
            assert chosen in names and chosen == d.nodes[1]
            if why == "first by name":
                assert chosen == min(names), d.message
            else:
                assert chosen != min(names), d.message
            checked += 1
    return checked


def _crossing_catalog():
    return catalog(
        spec("Split", [], [out("later_data", keywords=["evaluation", "scores", "tabular", "predictions", "labels"])]),
        spec("Weak", [], [out("rows", keywords=["tabular", "labels"])]),
        spec("Eval", [dep("processed_data", sources=["Split"], aliases=["later_data"],
                          keywords=["evaluation", "scores", "tabular", "predictions", "labels"])],
             [out("metrics")]),
    )


def test_a_better_fit_left_out_says_why_not_that_the_other_fits_better():
    registry = _crossing_catalog()
    nodes = pipeline(("split_t", "Split", "training"), ("weak_t", "Weak", "testing"), ("eval_t", "Eval", "testing"))
    result = Resolver(registry).resolve(nodes, ResolveOptions(why_not=(("split_t", "eval_t"),)))
    assert ("weak_t", "eval_t") in result.node_edges()
    message = next(d.message for d in result.diagnostics if d.kind == "why_not")
    assert _BETTER.search(message) and "training chain's data into the testing chain" in message
    assert check_texts(result) == 1


def test_a_worse_fit_is_told_so():
    registry = _crossing_catalog()
    nodes = pipeline(("split_t", "Split", "testing"), ("weak_t", "Weak", "testing"), ("eval_t", "Eval", "testing"))
    result = Resolver(registry).resolve(nodes, ResolveOptions(why_not=(("weak_t", "eval_t"),)))
    assert ("split_t", "eval_t") in result.node_edges()
    assert _WORSE.search(next(d.message for d in result.diagnostics if d.kind == "why_not"))
    assert check_texts(result) == 1


def test_cycle_is_claimed_only_for_a_real_cycle():
    registry = catalog(spec("A", [dep("x", sources=["B"], required=False, aliases=["y"])], [out("y")]),
                       spec("B", [dep("y", sources=["A"], aliases=["y"])], [out("y")]))
    result = Resolver(registry).resolve(pipeline("A", "B"), ResolveOptions(why_not=(("B", "A"),)))
    message = next(d.message for d in result.diagnostics if d.kind == "why_not")
    if "cycle" in message:
        assert ("A", "B") in result.node_edges()


def test_every_corpus_text_agrees_with_its_numbers(cursus_dir: Path) -> None:
    resolver = Resolver(load_registry([cursus_dir / "specs.json"]))
    index = resolver.index
    checked = 0
    for path in sorted((cursus_dir / "dags").glob("*.json")):
        definition = load_pipeline_file(path)
        profiles = {n.name: index.profile_for(n.step_type, n.job_type) for n in definition.nodes}
        consumers = {(p2, p1) for (p2, _d), providers in index.providers_of.items() for p1, _o in providers}
        pairs = tuple((a, b) for a in profiles for b in profiles
                      if a != b and (profiles[b], profiles[a]) in consumers)
        result = resolver.resolve(definition, ResolveOptions(ignore_edges=True, why_not=pairs))
        checked += check_texts(result)
    assert checked > 50


def test_a_tie_the_rest_of_the_wiring_broke_is_reported_with_its_candidates(cursus_dir: Path) -> None:
    resolver = Resolver(load_registry([cursus_dir / "specs.json"]))
    definition = load_pipeline_file(cursus_dir / "dags" / "bedrock_batch_simple_training.json")
    result = resolver.resolve(definition, ResolveOptions(ignore_edges=True))
    [warning] = [d for d in result.diagnostics if d.kind == "ambiguous"]
    assert warning.message.startswith("'BedrockBatchProcessing_training' (BedrockBatchProcessing).input_data: ")
    assert set(warning.nodes) == {"BedrockBatchProcessing_training", "TabularPreprocessing_training",
                                  "DummyDataLoading_training"}
    # DummyDataLoading_training is first by name, yet TabularPreprocessing_training was chosen.
    assert "chose TabularPreprocessing_training (not first by name" in warning.message
