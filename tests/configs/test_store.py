"""Saving a pipeline's configs to one file and loading them back equal; atomic writes; bad files."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from fraud_pipeline import FRAUD_EDGES, FRAUD_NODES, context

from specwire.configs import (
    StepConfig,
    configs_from_document,
    configs_to_document,
    generate_configs,
    load_configs,
    save_configs,
)
from specwire.errors import ConfigError

OVERRIDES: dict[str, dict[str, Any]] = {
    "XGBoostTraining": {"hyperparameters": {"max_depth": 8, "eta": 0.1, "scale_pos_weight": 12.5}},
    "train": {"instance_type": "ml.m5.4xlarge", "tags": {"team": "risk", "stage": "train"}},
    "gate": {"threshold": 0.85},
    "register": {"approval_status": "Approved", "model_description": "fraud model – v1"},
    "score": {"join_source": "Input"},
}


@pytest.fixture
def fraud_configs() -> dict[str, StepConfig]:
    ctx = context(tags={"team": "risk"}, prefix="ml", data_size_gb=42.5, label_field="is_fraud")
    return generate_configs(FRAUD_NODES, ctx, OVERRIDES, edges=FRAUD_EDGES)


@pytest.mark.parametrize("name", ["fraud.json", "fraud.yaml", "fraud.yml"])
def test_generate_override_save_load_round_trips_exactly(
    tmp_path: Path, fraud_configs: dict[str, StepConfig], name: str
) -> None:
    path = save_configs(fraud_configs, tmp_path / name)
    loaded = load_configs(path)
    assert loaded == fraud_configs
    assert list(loaded) == list(fraud_configs)
    assert [type(c) for c in loaded.values()] == [type(c) for c in fraud_configs.values()]
    # And once more: a loaded file saves to the same bytes.
    again = save_configs(loaded, tmp_path / f"again-{name}")
    assert again.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


def test_the_file_writes_shared_fields_once(tmp_path: Path, fraud_configs: dict[str, StepConfig]) -> None:
    document = json.loads(save_configs(fraud_configs, tmp_path / "fraud.json").read_text(encoding="utf-8"))
    assert document["specwire_configs"] == 1
    assert document["pipeline"] == {
        "pipeline_name": "fraud",
        "region": "us-east-1",
        "role_arn": "arn:aws:iam::123456789012:role/SageMakerRole",
        "bucket": "ml-artifacts",
        "prefix": "ml",
        "tags": {"team": "risk"},
        "pipeline_version": "1.0.0",
    }
    train = document["nodes"]["train"]
    assert train["step_type"] == "XGBoostTraining"
    assert train["tags"] == {"team": "risk", "stage": "train"}  # differs from the shared value: kept
    assert "region" not in train and "node_name" not in train
    assert "output_s3_uri" not in train  # derived fields are not written
    assert train["hyperparameters"]["max_depth"] == 8
    assert document["nodes"]["eval"]["job_type"] == "testing"


def test_yaml_and_json_hold_the_same_document(tmp_path: Path, fraud_configs: dict[str, StepConfig]) -> None:
    as_json = json.loads(save_configs(fraud_configs, tmp_path / "f.json").read_text(encoding="utf-8"))
    as_yaml = yaml.safe_load(save_configs(fraud_configs, tmp_path / "f.yaml").read_text(encoding="utf-8"))
    assert as_json == as_yaml == configs_to_document(fraud_configs)


def test_a_hand_edited_file_is_validated(tmp_path: Path, fraud_configs: dict[str, StepConfig]) -> None:
    path = save_configs(fraud_configs, tmp_path / "fraud.yaml")
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["nodes"]["train"]["hyperparameters"]["max_depth"] = 100
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_configs(path)
    assert info.value.message == (
        f"{path}: XGBoostTraining (node 'train').hyperparameters.max_depth: must be between 1 and 64, got 100"
    )
    assert info.value.nodes == ("train",)


def test_save_is_atomic(tmp_path: Path, fraud_configs: dict[str, StepConfig], monkeypatch: pytest.MonkeyPatch) -> None:
    path = save_configs(fraud_configs, tmp_path / "fraud.json")
    before = path.read_text(encoding="utf-8")

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    changed = {**fraud_configs, "gate": fraud_configs["gate"].replace({"threshold": 0.5})}
    with pytest.raises(ConfigError) as info:
        save_configs(changed, path)
    assert info.value.message == f"{path}: cannot be written (No space left on device)"
    assert path.read_text(encoding="utf-8") == before  # the old file, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fraud.json"]  # no temp file left behind


def test_saved_files_get_the_usual_permissions(tmp_path: Path, fraud_configs: dict[str, StepConfig]) -> None:
    mask = os.umask(0o022)
    try:
        path = save_configs(fraud_configs, tmp_path / "sub" / "fraud.json")
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644


def test_nodes_that_disagree_on_a_shared_field_still_round_trip(tmp_path: Path) -> None:
    configs = generate_configs(FRAUD_NODES, context(), {"score": {"region": "eu-west-1", "prefix": "other"}})
    assert load_configs(save_configs(configs, tmp_path / "f.yaml")) == configs


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (["x"], "f.yaml: expected a mapping with 'pipeline' and 'nodes', got list"),
        (
            {"specwire_configs": 1, "pipline": {}, "nodes": {}},
            "f.yaml: unknown top-level field 'pipline' (did you mean 'pipeline'?)",
        ),
        ({"specwire_configs": 2, "pipeline": {}, "nodes": {}}, "f.yaml: specwire_configs must be 1, got 2"),
        (
            {"specwire_configs": 1, "pipeline": [], "nodes": {}},
            "f.yaml: 'pipeline' must be a mapping of the shared pipeline fields",
        ),
        ({"specwire_configs": 1, "pipeline": {}, "nodes": {}}, "f.yaml: 'nodes' must map each node name to its config"),
        (
            {"specwire_configs": 1, "pipeline": {"instance_type": "ml.m5.xlarge"}, "nodes": {"a": {}}},
            "f.yaml: pipeline.instance_type is not a shared pipeline field",
        ),
        ({"specwire_configs": 1, "pipeline": {}, "nodes": {"a": {}}}, "f.yaml: nodes.a.step_type is missing"),
        (
            {"specwire_configs": 1, "pipeline": {}, "nodes": {"a": {"step_type": "XGBoostTrainer"}}},
            "f.yaml: nodes.a: no config class for step type 'XGBoostTrainer'",
        ),
        (
            {"specwire_configs": 1, "pipeline": {}, "nodes": {"a": {"step_type": "DataLoading", "node_name": "b"}}},
            "f.yaml: nodes.a.node_name is 'b'; the key is the node's name",
        ),
        (
            {"specwire_configs": 1, "pipeline": {}, "nodes": {"a": {"step_type": "QualityGate"}}},
            "f.yaml: QualityGate (node 'a').metric_name: required field is missing; "
            "QualityGate (node 'a').threshold: required field is missing",
        ),
    ],
)
def test_bad_documents(document: Any, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        configs_from_document(document, "f.yaml")
    assert info.value.message == message


def test_bad_files(tmp_path: Path, fraud_configs: dict[str, StepConfig]) -> None:
    with pytest.raises(ConfigError) as info:
        save_configs(fraud_configs, tmp_path / "fraud.toml")
    assert info.value.message == f"{tmp_path / 'fraud.toml'}: cannot tell the config file format from '.toml'"
    with pytest.raises(ConfigError) as info:
        load_configs(tmp_path / "missing.yaml")
    assert info.value.message == f"{tmp_path / 'missing.yaml'}: no such file"
    broken = tmp_path / "broken.json"
    broken.write_text('{"specwire_configs": 1,', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_configs(broken)
    assert info.value.message.startswith(f"{broken}:1:")
    with pytest.raises(ConfigError) as info:
        save_configs({}, tmp_path / "empty.json")
    assert info.value.message == "there are no configs to save"


def test_configs_keyed_by_another_name_are_refused(fraud_configs: dict[str, StepConfig]) -> None:
    with pytest.raises(ConfigError) as info:
        configs_to_document({"training": fraud_configs["train"]})
    assert info.value.message == "configs['training'] holds the config of node 'train'"
