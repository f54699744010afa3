"""inference.py: the serving handlers give the evaluation's predictions, whatever the request shape."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scripts.scripts_support import ChainRun
from specwire.scripts import inference


def serve(model_dir: Path, body: str | bytes, content_type: str, accept: str = "text/csv") -> str:
    """One request through the handlers, in the order the serving container calls them."""
    model = inference.model_fn(str(model_dir))
    return inference.output_fn(inference.predict_fn(inference.input_fn(body, content_type), model), accept)


def csv_values(text: str) -> list[float]:
    return [float(line) for line in text.splitlines()]


@pytest.fixture(scope="module")
def expected(chain: ChainRun) -> pd.DataFrame:
    """The evaluation step's predictions for the test split (same model, same records)."""
    return pd.read_csv(chain.eval_out / "predictions" / "predictions.csv")


def test_csv_with_header_matches_the_evaluation(chain: ChainRun, expected: pd.DataFrame) -> None:
    body = (chain.prep_out / "test_data" / "test.csv").read_bytes()  # with id and label columns
    assert csv_values(serve(chain.xgb_model, body, "text/csv")) == pytest.approx(expected["prediction"], abs=1e-6)


def test_csv_line_by_line_as_batch_transform_sends_it(chain: ChainRun, expected: pd.DataFrame) -> None:
    header, *records = (chain.prep_out / "test_data" / "test.csv").read_text().splitlines()
    assert serve(chain.xgb_model, header + "\n", "text/csv") == ""  # the header alone: no prediction
    got = [float(serve(chain.xgb_model, line, "text/csv")) for line in records[:20]]
    assert got == pytest.approx(expected["prediction"][:20], abs=1e-6)


def test_csv_of_features_only(chain: ChainRun, expected: pd.DataFrame) -> None:
    metadata = json.loads((chain.xgb_model / "specwire-model.json").read_text())
    test = pd.read_csv(chain.prep_out / "test_data" / "test.csv")
    body = test[metadata["features"]].to_csv(index=False, header=False)
    assert csv_values(serve(chain.xgb_model, body, "text/csv")) == pytest.approx(expected["prediction"], abs=1e-6)


def test_json_and_jsonlines_of_records(chain: ChainRun, expected: pd.DataFrame) -> None:
    test = pd.read_csv(chain.prep_out / "test_data" / "test.csv").head(5)
    records = json.loads(test.to_json(orient="records"))
    out = json.loads(serve(chain.xgb_model, json.dumps({"instances": records}), "application/json", "application/json"))
    assert out["predictions"] == pytest.approx(expected["prediction"][:5], abs=1e-6)
    lines = "\n".join(json.dumps(r) for r in records)
    out_lines = serve(chain.xgb_model, lines, "application/jsonlines", "application/jsonlines").splitlines()
    assert [json.loads(line)["prediction"] for line in out_lines] == pytest.approx(out["predictions"])


def test_lightgbm_model_is_served_too(chain: ChainRun) -> None:
    body = (chain.prep_out / "test_data" / "test.csv").read_text()
    expected = pd.read_csv(chain.lgb_eval_out / "predictions" / "predictions.csv")["prediction"]
    assert csv_values(serve(chain.lgb_model, body, "text/csv")) == pytest.approx(expected, abs=1e-6)


def test_bad_requests_say_what_is_served(chain: ChainRun) -> None:
    with pytest.raises(inference.ScriptError, match="content type 'text/plain' is not served"):
        serve(chain.xgb_model, "1,2", "text/plain")
    with pytest.raises(inference.ScriptError, match="a CSV record has 2 fields; expected 5"):
        serve(chain.xgb_model, "1,2\n", "text/csv")
    with pytest.raises(inference.ScriptError, match=r"has no specwire-model\.json"):
        inference.model_fn(str(chain.prep_out))


def test_predictions_are_probabilities(chain: ChainRun) -> None:
    body = (chain.prep_out / "test_data" / "test.csv").read_text()
    values = np.array(csv_values(serve(chain.xgb_model, body, "text/csv")))
    assert ((values >= 0) & (values <= 1)).all()
