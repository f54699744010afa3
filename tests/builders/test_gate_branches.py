"""Where the steps behind quality gates go (`assembler._branches`), without the SDK."""

from __future__ import annotations

import pytest

from specwire.builders.assembler import _branches
from specwire.errors import BuildError
from specwire.plan import ResolvedEdge, ResolvedNode, ResolvedPipeline


def plan(nodes: list[tuple[str, str]], edges: list[tuple[str, str, str, str]]) -> ResolvedPipeline:
    return ResolvedPipeline(
        name="p",
        nodes=[ResolvedNode(name, step, None) for name, step in nodes],
        edges=[ResolvedEdge(s, o, t, d) for s, o, t, d in edges],
        order=[name for name, _ in nodes],
        diagnostics=[],
    )


def test_a_gate_inside_another_gates_branch_holds_its_own_consumers() -> None:
    resolved = plan(
        [("eval", "ModelEvaluation"), ("gate1", "QualityGate"), ("model", "CreateModel"),
         ("eval2", "ModelEvaluation"), ("gate2", "QualityGate"), ("register", "ModelRegistration"),
         ("score", "BatchTransform")],
        [("eval", "evaluation_report", "gate1", "evaluation_report"),
         ("gate1", "approval", "model", "approval"),
         ("model", "model_name", "eval2", "model"),
         ("eval2", "evaluation_report", "gate2", "evaluation_report"),
         ("gate2", "approval", "register", "approval"),
         ("model", "model_name", "score", "model_name"),
         ("gate1", "approval", "register", "approval")],
    )
    branch_of = _branches(resolved, {"gate1", "gate2"})
    assert branch_of == {"eval": None, "gate1": None, "model": "gate1", "eval2": "gate1", "gate2": "gate1",
                         "register": "gate2", "score": "gate1"}


def test_a_step_behind_two_unrelated_gates_is_refused() -> None:
    resolved = plan(
        [("eval", "ModelEvaluation"), ("gate1", "QualityGate"), ("gate2", "QualityGate"),
         ("register", "ModelRegistration")],
        [("eval", "evaluation_report", "gate1", "evaluation_report"),
         ("eval", "evaluation_report", "gate2", "evaluation_report"),
         ("gate1", "approval", "register", "approval"),
         ("gate2", "approval", "register", "approval")],
    )
    with pytest.raises(BuildError) as err:
        _branches(resolved, {"gate1", "gate2"})
    assert "'register'" in err.value.message and "gate1, gate2" in err.value.message
    assert err.value.suggested_fix


def test_without_gates_everything_is_top_level() -> None:
    resolved = plan([("load", "DataLoading"), ("prep", "TabularPreprocessing")],
                    [("load", "raw_data", "prep", "raw_data")])
    assert _branches(resolved, set()) == {"load": None, "prep": None}


def test_a_gate_on_a_metric_its_evaluation_does_not_write_is_refused_before_building() -> None:
    from specwire.builders.assembler import _check_inputs
    from specwire.cli.common import example_path
    from specwire.pipeline.api import Pipeline

    plan_ = Pipeline.from_file(example_path("fraud"), role_arn="arn:aws:iam::000000000000:role/test").plan()
    configs = dict(plan_.configs)
    gate = next(name for name, c in configs.items() if c.STEP_TYPE == "QualityGate")
    evaluation = next(name for name, c in configs.items() if c.STEP_TYPE == "ModelEvaluation")
    _check_inputs(plan_.resolved, configs)  # the example as generated gates on auc, which evaluation writes
    configs[gate] = configs[gate].model_copy(update={"metric_name": "accuracy"})
    with pytest.raises(BuildError) as err:
        _check_inputs(plan_.resolved, configs)
    assert err.value.message == (
        f"QualityGate (node {gate!r}) tests 'accuracy', which ModelEvaluation (node {evaluation!r}) does not "
        "write: its metrics are auc, pr_auc, precision, recall, f1, log_loss")
    assert err.value.suggested_fix.startswith(f"add 'accuracy' to the metrics of {evaluation!r}")
    # A team's own evaluation script may write any metric: its gate is taken at its word.
    own_script = configs[evaluation].model_copy(update={"source_dir": "src/evaluation"})
    _check_inputs(plan_.resolved, {**configs, evaluation: own_script})
    configs[evaluation] = configs[evaluation].model_copy(update={"metrics": ["auc", "accuracy"]})
    _check_inputs(plan_.resolved, configs)


def test_a_step_that_waits_for_a_branch_step_goes_in_that_branch() -> None:
    """An order-only dependency on a step inside a gate's branch: SageMaker cannot wait on it from outside."""
    resolved = plan(
        [("eval", "ModelEvaluation"), ("gate", "QualityGate"), ("model", "CreateModel"),
         ("report", "ModelExplainability")],
        [("eval", "evaluation_report", "gate", "evaluation_report"),
         ("gate", "approval", "model", "approval")],
    )
    resolved.order_only = [("model", "report")]
    assert _branches(resolved, {"gate"})["report"] == "gate"
