"""words.lp and the keyword part of match.lp: roots, weak words, two words when alone."""

from __future__ import annotations

from rulekit import catalog, dep, out, pipeline, ports, spec


def test_spellings_of_one_idea_meet_at_their_root(resolve):
    # No compatible source, no shared name: the keywords alone (train ~ training, val ~ validation).
    reg = catalog(
        spec("Split", outs=[out("part_a", keywords=["train", "tabular", "feature"])]),
        spec("Fit", deps=[dep("input_x", keywords=["training", "tabular", "features"])]),
    )
    result = resolve(reg, pipeline("Split", "Fit"))
    assert ports(result) == {("Split", "part_a", "Fit", "input_x")}
    assert any("keywords" in r and "training" in r for r in result.edges[0].reasons)


def test_one_shared_word_is_not_enough_without_a_source_or_name(resolve):
    reg = catalog(
        spec("Split", outs=[out("part_a", keywords=["tabular"])]),
        spec("Fit", deps=[dep("input_x", keywords=["tabular"])]),
    )
    assert ports(resolve(reg, pipeline("Split", "Fit"))) == set()


def test_weak_words_never_connect_steps(resolve):
    reg = catalog(
        spec("Split", outs=[out("part_a", keywords=["data", "input", "output", "path"])]),
        spec("Fit", deps=[dep("input_x", keywords=["data", "input", "output", "path"])]),
    )
    assert ports(resolve(reg, pipeline("Split", "Fit"))) == set()
