"""choose.lp: one provider per dependency, an output feeds many, explicit edges checked."""

from __future__ import annotations

from rulekit import catalog, dep, kinds, pipeline, ports

from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode


def test_one_output_feeds_many_inputs(resolve, builtin):
    result = resolve(builtin, pipeline("DataLoading", "TabularPreprocessing", "XGBoostTraining", "ModelEvaluation",
                                       "CreateModel", "ModelRegistration", "QualityGate"))
    feeds = [e for e in result.edges if e.source == "XGBoostTraining"]
    assert {e.target for e in feeds} == {"ModelEvaluation", "CreateModel", "ModelRegistration"}


def test_each_dependency_takes_one_provider(resolve, builtin):
    nodes = [("a", "TabularPreprocessing"), ("b", "TabularPreprocessing"), ("load", "DataLoading"),
             ("train", "XGBoostTraining")]
    result = resolve(builtin, pipeline(*nodes))
    into_training = [e for e in result.edges if e.target == "train" and e.dependency == "training_data"]
    assert len(into_training) == 1 and into_training[0].source == "a"  # a tie, broken by name
    assert "ambiguous" in kinds(result)


def test_explicit_edges_are_wired_when_the_specs_allow(resolve, builtin):
    nodes = [("a", "TabularPreprocessing"), ("b", "TabularPreprocessing"), ("load", "DataLoading"),
             ("train", "XGBoostTraining")]
    result = resolve(builtin, pipeline(*nodes, edges=[("b", "train"), ("load", "a"), ("load", "b")]))
    assert result.ok
    assert {e.source for e in result.edges if e.target == "train"} == {"b"}
    assert "ambiguous" not in kinds(result)


def test_an_explicit_edge_from_raw_data_into_training_is_incompatible(resolve, builtin):
    result = resolve(builtin, pipeline("DataLoading", "XGBoostTraining", edges=[("DataLoading", "XGBoostTraining")]))
    incompatible = [d for d in result.errors if d.kind == "incompatible"]
    assert len(incompatible) == 1
    assert incompatible[0].message.startswith("explicit edge DataLoading -> XGBoostTraining: XGBoostTraining needs "
                                              "processed tabular data (training_data)")
    assert incompatible[0].suggested_fix == "Add TabularPreprocessing between DataLoading and XGBoostTraining?"


def test_an_optional_input_is_wired_when_a_provider_exists(resolve, builtin):
    result = resolve(builtin, pipeline("QualityGate", "ModelEvaluation", "XGBoostTraining", "TabularPreprocessing",
                                       "CreateModel"))
    assert ("QualityGate", "approval", "CreateModel", "approval") in ports(result)


def test_nodes_are_not_connected_to_themselves(resolve):
    reg = catalog(
        __import__("rulekit").spec("Loop", deps=[dep("x", sources=["Loop"])],
                                    outs=[__import__("rulekit").out("x")]),
    )
    result = resolve(reg, PipelineDefinition((PipelineNode("only", "Loop"),)))
    assert ports(result) == set()
