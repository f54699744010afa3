"""explain.lp and --why-not: every edge says which rule connected it and which fields matched."""

from __future__ import annotations

from rulekit import pipeline


def test_every_edge_carries_reasons_naming_rules_and_fields(resolve, builtin):
    result = resolve(builtin, pipeline("DataLoading", "TabularPreprocessing", "XGBoostTraining", "ModelEvaluation"))
    assert result.edges
    for edge in result.edges:
        rules = {r.split(":", 1)[0] for r in edge.reasons}
        assert "data_type" in rules and "kind" in rules
        assert rules & {"compatible_source", "name", "keywords"}
    edge = next(e for e in result.edges if e.target == "ModelEvaluation" and e.dependency == "evaluation_data")
    assert edge.output == "test_data"
    assert any("TabularPreprocessing is listed in ModelEvaluation.evaluation_data.compatible_sources" in r
               for r in edge.reasons)


def test_why_not_explains_a_chosen_alternative(resolve, builtin):
    nodes = ("DataLoading", "TabularPreprocessing", "XGBoostTraining", "ModelEvaluation")
    result = resolve(builtin, pipeline(*nodes), why_not=(("TabularPreprocessing", "XGBoostTraining"),
                                                        ("DataLoading", "XGBoostTraining")))
    notes = [d for d in result.diagnostics if d.kind == "why_not"]
    assert notes[0].message.startswith("TabularPreprocessing is connected to XGBoostTraining (")
    assert "raw_data -> training_data: raw_data is raw tabular data (processing_output), but training_data needs " \
           "processed tabular data (training_data)" in notes[1].message


def test_why_not_names_the_better_provider(resolve, builtin):
    nodes = [("a", "TabularPreprocessing"), ("load", "DataLoading"), ("train", "XGBoostTraining")]
    result = resolve(builtin, pipeline(*nodes), why_not=(("a", "train"),))
    assert "is connected" in result.diagnostics[-1].message
    result = resolve(builtin, pipeline(*nodes, ("b", "TabularPreprocessing")), why_not=(("b", "train"),))
    message = next(d for d in result.diagnostics if d.kind == "why_not").message
    # a and b are two copies of one step: b fits exactly as well, and the text says so (it used to
    # say "a fits better" while quoting the same quality for both).
    assert "train_data -> training_data: fits as well (quality 33) as a.train_data (quality 33), which was chosen" \
        in message
    assert "test_data -> training_data: fits (quality 23), but a.train_data (quality 33) fits better" in message
