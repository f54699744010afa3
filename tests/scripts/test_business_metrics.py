"""evaluation.py with a cost matrix: the business value a gate reads, checked by hand on the predictions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from scripts.scripts_support import ChainRun, evaluation_inputs
from specwire.configs.steps.evaluation import BUSINESS_METRICS, OUTCOMES, GateMetric, Metric
from specwire.scripts import evaluation, quality_gate_json_path

COSTS = {"false_negative": 10.0, "false_positive": 5.0, "true_positive": 1.0}


def run_with_costs(chain: ChainRun, root: Path, costs: Any, *extra: str) -> tuple[int, Path]:
    inputs = evaluation_inputs(root, chain.xgb_model, chain.prep_out / "test_data", packed=False)
    out = root / "out"
    code = evaluation.main(["--input-dir", str(inputs), "--output-dir", str(out),
                            "--cost-matrix", json.dumps(costs), *extra])
    return code, out


def expected_value(y: np.ndarray, p: np.ndarray, threshold: float) -> float:
    """Minus the mean cost per record, counted record by record."""
    cost = {**dict.fromkeys(OUTCOMES, 0.0), **COSTS}
    total = 0.0
    for label, score in zip(y, p, strict=True):
        flagged = score >= threshold
        outcome = ("true_" if flagged == bool(label) else "false_") + ("positive" if flagged else "negative")
        total += cost[outcome]
    return -total / len(y)


def test_business_value_is_the_expected_cost_at_the_decision_threshold(chain: ChainRun, tmp_path: Path) -> None:
    code, out = run_with_costs(chain, tmp_path, COSTS, "--decision-threshold", "0.3")
    assert code == 0
    document = json.loads((out / "evaluation_report" / "evaluation.json").read_text())
    predictions = pd.read_csv(out / "predictions" / "predictions.csv")
    y, p = predictions["label"].to_numpy(), predictions["prediction"].to_numpy()
    value = document["metrics"]["business_value"]["value"]
    assert value == pytest.approx(expected_value(y, p, 0.3), abs=1e-5)
    business = document["business"]
    assert business["decision_threshold"] == 0.3
    assert business["cost_matrix"] == {**dict.fromkeys(OUTCOMES, 0.0), **COSTS}
    assert sum(business["outcomes"].values()) == len(y)
    positives = int(y.sum())
    flag_none = -10.0 * positives / len(y)
    flag_all = -(1.0 * positives + 5.0 * (len(y) - positives)) / len(y)
    assert business["no_model_rules"] == {"flag_none": pytest.approx(flag_none, abs=1e-5),
                                          "flag_all": pytest.approx(flag_all, abs=1e-5)}
    gain = document["metrics"]["business_value_gain"]["value"]
    assert gain == pytest.approx(value - max(flag_none, flag_all), abs=1e-5)
    assert gain > 0  # a learnable signal is worth money
    # The best threshold on this data is at least as good as any threshold tried by hand.
    best = business["best_threshold_on_this_data"]
    assert best["business_value"] == pytest.approx(expected_value(y, p, best["threshold"]), abs=1e-5)
    assert all(best["business_value"] >= expected_value(y, p, t) - 1e-9 for t in (0.05, 0.1, 0.3, 0.5, 0.9))
    # The gate reads it where it reads every metric; SageMaker's model-quality shape keeps model metrics only.
    assert quality_gate_json_path("business_value") == "metrics.business_value.value"
    assert not set(BUSINESS_METRICS) & set(document["binary_classification_metrics"])


def test_without_a_cost_matrix_there_is_no_business_section(chain: ChainRun) -> None:
    document = json.loads((chain.eval_out / "evaluation_report" / "evaluation.json").read_text())
    assert "business" not in document and not set(BUSINESS_METRICS) & set(document["metrics"])
    assert list(GateMetric.__args__) == [*Metric.__args__, *BUSINESS_METRICS]


@pytest.mark.parametrize(("costs", "message"), [
    ({"false_negatve": 100}, "unknown outcome(s) ['false_negatve']"),
    ({"false_negative": "lots"}, "the cost of false_negative must be a finite number"),
    ([100, 5], "must be a non-empty JSON object"),
])
def test_a_bad_cost_matrix_is_refused_naming_it(chain: ChainRun, tmp_path: Path, costs: Any, message: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        run_with_costs(chain, tmp_path, costs)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "--cost-matrix" in err and message in err
