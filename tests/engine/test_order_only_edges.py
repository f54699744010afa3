"""Explicit edges that carry no data: a hand-written DAG draws an edge from every step a node waits
for, and a consumer's input takes one provider. When every input the provider could fill takes
its data from another explicit edge, the edge is kept as an order-only dependency (a warning, the
order keeps it, `order_only_edges` in JSON); when it could fill an input no explicit edge fills,
or no input at all, it stays an error."""

from __future__ import annotations

import json

from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode
from specwire.engine.resolver import Resolver
from specwire.plan import ResolvedPipeline
from specwire.plan.render import to_dot, to_mermaid, to_svg, to_text
from specwire.specs.registry import load_registry

CHAIN = ("DataLoading", "TabularPreprocessing", "XGBoostTraining", "LightGBMTraining", "ModelEvaluation")


def _resolve(edges: list[tuple[str, str]], steps: tuple[str, ...] = CHAIN) -> ResolvedPipeline:
    nodes = tuple(PipelineNode(s, s) for s in steps)
    return Resolver(load_registry()).resolve(PipelineDefinition(nodes, tuple(edges), name="two-trainers"))


def test_two_trainers_into_one_evaluation_keep_one_edge_for_the_order() -> None:
    result = _resolve([("XGBoostTraining", "ModelEvaluation"), ("LightGBMTraining", "ModelEvaluation")])
    assert result.ok, result.diagnostics
    model_inputs = [e for e in result.edges if e.target == "ModelEvaluation" and e.dependency == "model"]
    assert len(model_inputs) == 1
    fed_by = model_inputs[0].source
    waits_for = ({"XGBoostTraining", "LightGBMTraining"} - {fed_by}).pop()
    assert result.order_only == [(waits_for, "ModelEvaluation")]
    assert result.order.index(waits_for) < result.order.index("ModelEvaluation")
    warning = next(d for d in result.warnings if d.kind == "order_only")
    assert warning.nodes == (waits_for, "ModelEvaluation")
    assert f"model from {fed_by}" in warning.message and "carries no data" in warning.message
    assert json.loads(result.to_json())["order_only_edges"] == [{"from": waits_for, "to": "ModelEvaluation"}]
    assert "order only" in to_text(result) and "order only" in to_dot(result) and "order only" in to_svg(result)
    assert " -.-> " in to_mermaid(result)


def test_an_edge_that_could_fill_a_free_input_is_still_an_error() -> None:
    """Raw data into training: the input has no other explicit provider, so the edge means data."""
    result = _resolve([("DataLoading", "XGBoostTraining")], ("DataLoading", "XGBoostTraining"))
    assert [d.kind for d in result.errors].count("incompatible") == 1
    assert result.order_only == []


def test_an_edge_no_port_fits_is_an_error_even_when_the_input_is_taken() -> None:
    """The evaluation's inputs are taken by explicit edges, but DataLoading's raw data fits none of them."""
    result = _resolve([("XGBoostTraining", "ModelEvaluation"), ("TabularPreprocessing", "ModelEvaluation"),
                       ("DataLoading", "ModelEvaluation")], ("DataLoading", "TabularPreprocessing", "XGBoostTraining",
                                                             "ModelEvaluation"))
    assert ("DataLoading", "ModelEvaluation") not in result.order_only
    assert any(d.kind == "incompatible" and d.nodes == ("DataLoading", "ModelEvaluation") for d in result.errors)
