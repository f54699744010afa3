"""match.lp: evidence (compatible sources, names and aliases, keywords) and its score."""

from __future__ import annotations

from rulekit import catalog, dep, out, pipeline, ports, spec

from specwire.engine.stage_one import build_index


def test_a_compatible_source_connects_and_keywords_pick_the_port(resolve):
    reg = catalog(
        spec("Prep", outs=[out("train_split", keywords=["train"]), out("test_split", keywords=["test", "holdout"])]),
        spec("Eval", deps=[dep("heldout", sources=["Prep"], keywords=["test", "holdout"])]),
    )
    result = resolve(reg, pipeline("Prep", "Eval"))
    assert ports(result) == {("Prep", "test_split", "Eval", "heldout")}
    reasons = " | ".join(result.edges[0].reasons)
    assert "compatible_source: Prep is listed in Eval.heldout.compatible_sources" in reasons
    assert "keywords: semantic keywords in common: testing" in reasons  # test ~ holdout ~ testing


def test_names_and_aliases_match_across_spellings(resolve):
    reg = catalog(
        spec("Trainer", outs=[out("ModelArtifacts")]),
        spec("Packager", deps=[dep("model_input", aliases=["model_artifacts"])]),
    )
    result = resolve(reg, pipeline("Trainer", "Packager"))
    assert ports(result) == {("Trainer", "ModelArtifacts", "Packager", "model_input")}
    assert any(r.startswith("name:") and "model_artifacts" in r for r in result.edges[0].reasons)


def test_the_score_adds_up_its_named_parts():
    reg = catalog(
        spec("Prep", outs=[out("train", "processed_tabular", keywords=["processed", "tabular"])]),
        spec("Fit", deps=[dep("train", ["processed_tabular"], sources=["Prep"], keywords=["processed", "tabular"])]),
    )
    index = build_index(reg)
    key = (("Prep", None), "train", ("Fit", None), "train")
    scores = dict(index.scores[key])
    assert scores["compatible_source"] == 16 and scores["name"] == 8 and scores["data_type"] == 3
    shared = {r.value for r in index.reasons[key] if r.rule == "keywords"}
    assert {"processed", "tabular"} <= shared
    assert scores["keywords"] == 2 * len(shared)  # two points a shared word
    assert index.quality[key] == sum(scores.values())


def test_a_step_kind_named_as_source_is_a_hint_not_evidence(resolve):
    reg = catalog(
        spec("Anything", outs=[out("blob")]),
        spec("Consumer", deps=[dep("thing", sources=["ProcessingStep"])]),
    )
    assert ports(resolve(reg, pipeline("Anything", "Consumer"))) == set()
