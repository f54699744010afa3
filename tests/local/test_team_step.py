"""A file-only step type (a spec pack's `implementation:` block) with its own script runs locally
like a built-in step: its script is uploaded by the build and found by the runner at the code URI
the definition names."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from specwire.local.sample_data import write_sample

HERE = Path(__file__).resolve().parent / "team_step"
ROLE = "arn:aws:iam::111122223333:role/SageMakerRole"


def test_a_file_only_processing_step_runs_its_own_script(tmp_path: Path) -> None:
    from specwire.pipeline import Pipeline

    pipeline = Pipeline.from_file(HERE / "pipeline.yaml", role_arn=ROLE, catalog=["builtin", str(HERE / "pack.yaml")])
    data = write_sample(tmp_path / "data.csv", rows=200)
    result = pipeline.run_local({"InputDataUri": str(data)}, workdir=tmp_path / "run", progress=False)
    assert result.ok, result.to_json()
    assert [(s.name, s.status) for s in result.steps] == [
        ("load", "Succeeded"), ("prep", "Succeeded"), ("profile", "Succeeded")]
    profile = json.loads((Path(result.step("profile").outputs["profile"]) / "profile.json").read_text())
    split = Path(result.step("prep").outputs["train_data"]) / "train.csv"
    with split.open() as handle:
        rows = list(csv.DictReader(handle))
    assert profile["records"] == len(rows) > 0
