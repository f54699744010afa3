"""The Pipeline API's three levels end in the same plan and configs, without the SageMaker SDK."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from specwire import Pipeline
from specwire.configs import (
    ConfigNode,
    GenerationContext,
    TabularPreprocessingConfig,
    XGBoostTrainingConfig,
    generate_configs,
)
from specwire.errors import (
    BadInputError,
    ConfigError,
    IncompatibleStepsError,
    MissingDependencyError,
    PipelineResolutionError,
    SpecwireWarning,
    UnknownStepError,
)
from specwire.pipeline.state import PLACEHOLDER_ROLE

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
DATA = "s3://fraud-data/"


def test_import_specwire_loads_neither_the_sdk_nor_boto3_nor_the_engine() -> None:
    heavy = "{'sagemaker', 'boto3', 'botocore', 'clingo', 'pydantic'}"
    code = ("import sys, specwire; specwire.Pipeline('x');"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {heavy}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_planning_a_pipeline_loads_neither_the_sdk_nor_boto3() -> None:
    code = ("import sys; from specwire import Pipeline;"
            f"p = Pipeline('f', role_arn={ROLE!r}).auto_train_xgboost('s3://fraud-data/');"
            "p.explain(); p.configs(); p.graph('svg'); p._repr_mimebundle_();"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'sagemaker', 'boto3', 'botocore'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --------------------------------------------------------------------------- level 1


@pytest.mark.parametrize(("method", "trainer"), [
    ("auto_train_xgboost", "XGBoostTraining"),
    ("auto_train_lightgbm", "LightGBMTraining"),
    ("auto_train_pytorch", "PyTorchTraining"),
])
def test_intent_is_a_goal_the_engine_completes(method: str, trainer: str) -> None:
    pipeline = getattr(Pipeline("fraud_detection", role_arn=ROLE), method)(DATA)
    result = pipeline.resolve()
    assert result.ok
    assert [(n.step_type, n.inserted) for n in result.nodes] == [
        ("DataLoading", False), ("TabularPreprocessing", True), (trainer, False), ("ModelEvaluation", False)]
    assert ("TabularPreprocessing", trainer) in result.node_edges()
    configs = pipeline.configs()
    assert configs["DataLoading"].source_s3_uri == DATA  # type: ignore[attr-defined]
    framework = trainer.removesuffix("Training").lower()
    assert configs["ModelEvaluation"].model_framework == framework  # type: ignore[attr-defined]
    assert configs[trainer].pipeline_name == "fraud-detection"


def test_intent_takes_hyperparameters() -> None:
    configs = Pipeline("f", role_arn=ROLE).auto_train_xgboost(DATA, max_depth=8, n_estimators=200).configs()
    train = configs["XGBoostTraining"]
    assert isinstance(train, XGBoostTrainingConfig)
    assert (train.hyperparameters.max_depth, train.hyperparameters.num_round) == (8, 200)


def _catalog_without_preprocessing(tmp_path: Path, extra: str) -> Path:
    from specwire.specs.registry import builtin_catalog_files

    folder = tmp_path / "catalog"
    folder.mkdir()
    for path in builtin_catalog_files():
        if path.name != "tabular_preprocessing.yaml":
            (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "extra.yaml").write_text(extra, encoding="utf-8")
    return folder


CLEANER = """
step_type: FraudCleaner
dependencies:
  - {logical_name: raw, data_types: [raw_tabular], compatible_sources: [DataLoading], semantic_keywords: [raw]}
outputs:
  - {logical_name: train_data, data_type: processed_tabular, semantic_keywords: [processed, tabular, training]}
  - {logical_name: test_data, data_type: processed_tabular, semantic_keywords: [processed, tabular, test, evaluation]}
"""


def test_intent_is_no_template_another_catalog_gets_another_plan(tmp_path: Path) -> None:
    catalog = _catalog_without_preprocessing(tmp_path, CLEANER)
    result = Pipeline("f", catalog=[catalog]).auto_train_xgboost(DATA).resolve()
    assert result.ok
    assert [n.step_type for n in result.inserted] == ["FraudCleaner"]


def test_intent_names_what_the_catalog_lacks_or_cannot_decide(tmp_path: Path) -> None:
    second_trainer = """
step_type: FastXGBoost
sagemaker_step_kind: Training
dependencies: [{logical_name: training_data, data_types: [processed_tabular]}]
outputs: [{logical_name: model, data_type: model_artifacts, semantic_keywords: [model, xgboost]}]
"""
    with pytest.raises(BadInputError, match=r"2 steps of the catalog could be the trainer \(FastXGBoost, "
                                            r"XGBoostTraining\)"):
        Pipeline("f", catalog=["builtin", _write(tmp_path / "t.yaml", second_trainer)]).auto_train_xgboost(DATA)
    with pytest.raises(BadInputError, match="no step that trains a catboost model"):
        Pipeline("f").auto_train("catboost", DATA)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- level 2


def fraud_chain() -> Pipeline:
    return (Pipeline("fraud_detection", role_arn=ROLE)
            .load_data(DATA, validation_split=0.2)
            .train_xgboost(max_depth=8, n_estimators=200)
            .evaluate_performance(metrics=["auc", "precision", "recall"]))


def test_chain_with_a_gap_is_filled_and_explained() -> None:
    pipeline = fraud_chain()
    result = pipeline.resolve()
    assert result.ok
    assert [n.name for n in result.inserted] == ["TabularPreprocessing"]
    assert set(result.node_edges()) == {("DataLoading", "TabularPreprocessing"),
                                        ("TabularPreprocessing", "XGBoostTraining"),
                                        ("TabularPreprocessing", "ModelEvaluation"),
                                        ("XGBoostTraining", "ModelEvaluation")}
    text = pipeline.explain()
    assert "gap filling: the engine inserted TabularPreprocessing" in text
    assert "TabularPreprocessing  (inserted)" in text
    assert "inserted TabularPreprocessing between DataLoading and XGBoostTraining" in text
    configs = pipeline.configs()
    prep = configs["TabularPreprocessing"]
    assert isinstance(prep, TabularPreprocessingConfig) and prep.validation_ratio == 0.2
    train = configs["XGBoostTraining"]
    assert isinstance(train, XGBoostTrainingConfig)
    assert (train.hyperparameters.max_depth, train.hyperparameters.num_round) == (8, 200)
    assert configs["ModelEvaluation"].metrics == ["auc", "precision", "recall"]  # type: ignore[attr-defined]


def test_explain_is_the_cli_text() -> None:
    from typer.testing import CliRunner

    from specwire.cli import app

    pipeline = Pipeline("pipeline").add_step("DataLoading").add_step("XGBoostTraining").add_step("ModelEvaluation")
    cli = CliRunner().invoke(app, ["resolve", "DataLoading", "XGBoostTraining", "ModelEvaluation", "--fill-gaps",
                                   "--explain"])
    assert cli.exit_code == 0
    assert pipeline.explain().endswith(cli.output)


def test_full_chain_each_method_adds_its_step() -> None:
    pipeline = (fraud_chain().calibrate(method="platt").quality_gate(metric="auc", threshold=0.85)
                .register_model("fraud-models", approval_status="Approved").batch_transform(instance_count=2))
    result = pipeline.resolve()
    assert result.ok
    assert {n.step_type for n in result.inserted} == {"TabularPreprocessing", "CreateModel"}
    configs = pipeline.configs()
    assert configs["ModelCalibration"].method == "platt"  # type: ignore[attr-defined]
    assert configs["QualityGate"].condition == "auc >= 0.85"  # type: ignore[attr-defined]
    assert configs["ModelRegistration"].approval_status == "Approved"  # type: ignore[attr-defined]
    assert configs["BatchTransform"].instance_count == 2  # type: ignore[attr-defined]
    assert ("QualityGate", "ModelRegistration") in result.node_edges()


def test_tuning_replaces_the_training_step_and_keeps_its_fixed_values() -> None:
    pipeline = fraud_chain().tune_hyperparameters(max_jobs=10, max_parallel_jobs=2)
    assert [n[1] for n in pipeline.nodes] == ["DataLoading", "HyperparameterTuning", "ModelEvaluation"]
    configs = pipeline.configs()
    tuning = configs["HyperparameterTuning"]
    assert tuning.framework == "xgboost"  # type: ignore[attr-defined]
    assert tuning.static_hyperparameters == {"max_depth": 8, "num_round": 200}  # type: ignore[attr-defined]
    assert "max_depth" not in tuning.parameter_ranges and "eta" in tuning.parameter_ranges  # type: ignore[attr-defined]
    assert "became the tuning job 'HyperparameterTuning'" in pipeline.explain()
    assert ("HyperparameterTuning", "ModelEvaluation") in pipeline.resolve().node_edges()


@pytest.mark.parametrize(("call", "message"), [
    (lambda p: p.train_xgboost(max_dept=8), "did you mean 'max_depth'"),
    (lambda p: p.train_lightgbm(n_leaves=8), "did you mean 'num_leaves'"),
    (lambda p: p.preprocess_tabular(label_fild="is_fraud"), "did you mean 'label_field'"),
    (lambda p: p.evaluate_performance(metrics=["auc", "precission"]), "metrics"),
    (lambda p: p.train_xgboost(max_depth=100), "max_depth: must be between 1 and 64"),
    (lambda p: p.quality_gate(metric="auc", threshold=1.5), "threshold: must be between 0 and 1"),
    (lambda p: p.load_data("fraud-data/train.csv"), "source_s3_uri: must be an S3 URI"),
    (lambda p: p.load_data(DATA, validation_split=1.2), "validation_split must be a fraction"),
    (lambda p: p.train_xgboost(max_depth=8, config={"hyperparameters": {"eta": 2.0}}), "eta"),
])
def test_overrides_are_checked_at_the_call(call: object, message: str) -> None:
    pipeline = Pipeline("f")
    with pytest.raises(ConfigError, match=message):
        call(pipeline)  # type: ignore[operator]
    assert pipeline.nodes == []  # a refused step is not added


def test_a_config_object_gives_its_step_fields_not_its_pipeline_fields() -> None:
    other = TabularPreprocessingConfig(pipeline_name="other", region="eu-west-1",
                                       role_arn="arn:aws:iam::999999999999:role/Other", bucket="other-bucket",
                                       node_name="prep", label_field="is_fraud", train_ratio=0.6)
    pipeline = Pipeline("f", role_arn=ROLE, bucket="ml-bucket").load_data(DATA).preprocess_tabular(
        config=other, validation_ratio=0.1).train_xgboost()
    prep = pipeline.configs()["TabularPreprocessing"]
    assert isinstance(prep, TabularPreprocessingConfig)
    assert (prep.label_field, prep.train_ratio, prep.validation_ratio) == ("is_fraud", 0.6, 0.1)
    assert (prep.role_arn, prep.bucket, prep.region) == (ROLE, "ml-bucket", "us-east-1")
    with pytest.raises(ConfigError, match="is a XGBoostTraining step, but config= is a TabularPreprocessingConfig"):
        Pipeline("f").train_xgboost(config=other)


def test_unknown_step_and_duplicate_names() -> None:
    with pytest.raises(UnknownStepError, match="did you mean 'XGBoostTraining'"):
        Pipeline("f").add_step("XGBoostTrainig")
    with pytest.raises(ConfigError, match="already has a node named 'train'"):
        Pipeline("f").train_xgboost(name="train").train_lightgbm(name="train")
    twice = Pipeline("f").load_data(DATA).load_data("s3://other-data/x.csv", job_type="calibration").load_data(DATA)
    assert [n[0] for n in twice.nodes] == ["DataLoading", "DataLoading_calibration", "DataLoading_2"]


def test_without_gap_filling_the_gap_is_an_error_with_the_fix() -> None:
    pipeline = Pipeline("f", role_arn=ROLE, fill_gaps=False).load_data(DATA).train_xgboost()
    assert not pipeline.resolve().ok
    with pytest.raises(MissingDependencyError) as caught:
        pipeline.configs()
    assert "TabularPreprocessing" in (caught.value.suggested_fix or "")


def test_split_without_a_preprocessing_step_is_reported() -> None:
    pipeline = Pipeline("f", role_arn=ROLE).load_data(DATA, validation_split=0.2)
    with pytest.raises(ConfigError, match=r"load_data\(validation_split=0.2\) configures the TabularPreprocessing "
                                          "step, but the plan has none"):
        pipeline.configs()


def test_aws_details_role_from_environment_and_default_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPECWIRE_ROLE_ARN", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    pipeline = Pipeline("f").auto_train_xgboost(DATA)
    assert pipeline.resolve().ok  # resolving needs no AWS details
    # Like `specwire build`: a definition without a role names a placeholder, with a warning...
    with pytest.warns(SpecwireWarning, match="has no IAM role.*role_arn=") as warned:
        placeholder = pipeline.configs()["XGBoostTraining"].role_arn
    assert placeholder == PLACEHOLDER_ROLE and "SPECWIRE_ROLE_ARN" in str(warned[0].message)
    # ... and deploying it is refused before anything reaches AWS.
    with pytest.raises(ConfigError, match="has no IAM role") as caught:
        pipeline.upsert(clients=object())
    assert "SPECWIRE_ROLE_ARN" in (caught.value.suggested_fix or "")
    monkeypatch.setenv("SPECWIRE_ROLE_ARN", ROLE)
    train = pipeline.configs()["XGBoostTraining"]
    assert (train.role_arn, train.region, train.bucket) == (ROLE, "eu-west-1", "sagemaker-eu-west-1-123456789012")


def test_changes_after_resolve_are_seen() -> None:
    pipeline = Pipeline("f", role_arn=ROLE).load_data(DATA).train_xgboost()
    assert len(pipeline.resolve().nodes) == 3
    pipeline.evaluate_performance()
    assert len(pipeline.resolve().nodes) == 4
    assert "ModelEvaluation" in pipeline.configs()


# --------------------------------------------------------------------------- level 3


def generated(*nodes: ConfigNode) -> list[object]:
    context = GenerationContext(pipeline_name="fraud", region="us-east-1", role_arn=ROLE, bucket="ml-artifacts",
                                data_location="s3://fraud-data/raw/")
    return list(generate_configs(nodes, context).values())


def test_from_configs_resolves_and_fills_gaps() -> None:
    configs = generated(ConfigNode("load", "DataLoading"), ConfigNode("train", "XGBoostTraining"),
                        ConfigNode("eval", "ModelEvaluation"))
    pipeline = Pipeline.from_configs(configs)  # type: ignore[arg-type]
    result = pipeline.resolve()
    assert result.ok and [n.step_type for n in result.inserted] == ["TabularPreprocessing"]
    out = pipeline.configs()
    for config in configs:
        assert out[config.node_name] is config  # type: ignore[attr-defined]
    assert out["TabularPreprocessing"].bucket == "ml-artifacts"
    assert pipeline.sagemaker_name == "fraud"
    renamed = Pipeline.from_configs(configs, name="fraud v2")  # type: ignore[arg-type]
    assert renamed.sagemaker_name == "fraud-v2"
    assert renamed.configs()["TabularPreprocessing"].pipeline_s3_root == configs[0].pipeline_s3_root  # type: ignore[attr-defined]


def test_from_configs_with_a_valid_dag() -> None:
    configs = generated(ConfigNode("load", "DataLoading"), ConfigNode("prep", "TabularPreprocessing"),
                        ConfigNode("train", "XGBoostTraining"))
    pipeline = Pipeline.from_configs(configs, dag=[("load", "prep"), ("prep", "train")],  # type: ignore[arg-type]
                                     auto_resolve_dependencies=False)
    result = pipeline.resolve()
    assert result.ok and result.node_edges() == [("load", "prep"), ("prep", "train")]
    assert [e.output for e in result.edges if e.target == "train"] == ["train_data", "validation_data"]


def test_explicit_edge_from_raw_data_into_training_is_incompatible() -> None:
    configs = generated(ConfigNode("load", "DataLoading"), ConfigNode("train", "XGBoostTraining"))
    pipeline = Pipeline.from_configs(configs, dag={"load": ["train"]})  # type: ignore[arg-type]
    assert not pipeline.resolve().ok
    with pytest.raises(IncompatibleStepsError) as caught:
        pipeline.configs()
    err = caught.value
    assert "explicit edge load -> train" in err.message
    assert err.suggested_fix == "Add TabularPreprocessing between 'load' (DataLoading) and 'train' (XGBoostTraining)?"


def test_a_dag_without_auto_resolution_wires_only_its_edges() -> None:
    configs = generated(ConfigNode("load", "DataLoading"), ConfigNode("prep", "TabularPreprocessing"),
                        ConfigNode("train", "XGBoostTraining"))
    loose = Pipeline.from_configs(configs, dag=[("load", "prep")])  # type: ignore[arg-type]
    assert loose.resolve().ok and ("prep", "train") in loose.resolve().node_edges()  # the engine completes it
    strict = Pipeline.from_configs(configs, dag=[("load", "prep")],  # type: ignore[arg-type]
                                   auto_resolve_dependencies=False)
    with pytest.raises(MissingDependencyError) as caught:
        strict.configs()
    assert "no edge of the pipeline brings it" in caught.value.message
    assert caught.value.suggested_fix == "add the edge [prep, train]"


def test_from_configs_without_auto_resolution_reports_the_gap() -> None:
    configs = generated(ConfigNode("load", "DataLoading"), ConfigNode("train", "XGBoostTraining"))
    with pytest.raises(MissingDependencyError):
        Pipeline.from_configs(configs, auto_resolve_dependencies=False).configs()  # type: ignore[arg-type]


def test_from_configs_refuses_bad_input() -> None:
    configs = generated(ConfigNode("load", "DataLoading"), ConfigNode("train", "XGBoostTraining"))
    with pytest.raises(ConfigError, match=r"(?s)no node named 'trian'.*did you mean 'train'"):
        Pipeline.from_configs(configs, dag=[("load", "trian")])  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="two configs are for node 'load'"):
        Pipeline.from_configs([configs[0], configs[0]])  # type: ignore[list-item]
    with pytest.raises(ConfigError, match="expected step config objects"):
        Pipeline.from_configs([{"step_type": "DataLoading"}])  # type: ignore[list-item]
    with pytest.raises(ConfigError, match="no configs"):
        Pipeline.from_configs([])


# --------------------------------------------------------------------------- files, display


PIPELINE_FILE = """
name: fraud
description: fraud detection
context:
  data_location: s3://fraud-data/raw/
  bucket: ml-artifacts
  label_field: is_fraud
overrides:
  XGBoostTraining: {hyperparameters: {max_depth: 4}}
nodes:
  - {name: load, step: DataLoading}
  - {name: prep, step: TabularPreprocessing, config: {train_ratio: 0.8, validation_ratio: 0.1}}
  - {name: train, step: XGBoostTraining}
edges:
  - [load, prep]
"""


def test_from_file_reads_context_overrides_and_node_configs(tmp_path: Path) -> None:
    pipeline = Pipeline.from_file(_write(tmp_path / "p.yaml", PIPELINE_FILE), role_arn=ROLE)
    configs = pipeline.configs()
    assert configs["load"].source_s3_uri == "s3://fraud-data/raw/"  # type: ignore[attr-defined]
    assert configs["prep"].train_ratio == 0.8 and configs["prep"].label_field == "is_fraud"  # type: ignore[attr-defined]
    assert configs["train"].hyperparameters.max_depth == 4  # type: ignore[attr-defined]
    assert configs["train"].bucket == "ml-artifacts" and pipeline.description == "fraud detection"
    bad = PIPELINE_FILE.replace("label_field", "label_fild")
    with pytest.raises(BadInputError, match=r"context.label_fild is not a context field.*did you mean 'label_field'"):
        Pipeline.from_file(_write(tmp_path / "bad.yaml", bad))


def test_notebook_shows_the_graph() -> None:
    bundle = fraud_chain()._repr_mimebundle_()
    assert bundle["text/markdown"].count("```") == 2
    assert "```mermaid\nflowchart LR\n" in bundle["text/markdown"]
    assert "[[\"TabularPreprocessing\"]]" in bundle["text/markdown"]  # inserted: drawn as a subroutine
    assert "fraud_detection: resolves" in bundle["text/plain"]
    broken = Pipeline("f", fill_gaps=False).load_data(DATA).train_xgboost()._repr_mimebundle_()
    assert "does not resolve" in broken["text/markdown"] and "**error**" in broken["text/markdown"]
    assert "error:" in Pipeline("empty")._repr_mimebundle_()["text/plain"]


def test_svg_graph_is_well_formed_and_escapes_names() -> None:
    import xml.etree.ElementTree as ET

    from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode
    from specwire.engine.resolver import ResolveOptions, resolve
    from specwire.plan import render

    hostile = 'load"]; <evil> &'
    definition = PipelineDefinition((PipelineNode(hostile, "DataLoading"), PipelineNode("train", "XGBoostTraining"),
                                     PipelineNode("eval", "ModelEvaluation", "testing")), name="a<b>&c")
    svg = render.to_svg(resolve(definition, options=ResolveOptions(fill_gaps=True)))
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    rects = root.findall(f".//{ns}rect")
    # The engine gives the testing evaluation its own preprocessing: two inserted steps, dashed.
    assert len(rects) == 5 and len(root.findall(f".//{ns}line")) == 5
    assert len([r for r in rects if r.get("stroke-dasharray")]) == 2
    texts = [t.text for t in root.findall(f".//{ns}text")]
    assert hostile in texts and "(testing)" in texts
    assert root.find(f"{ns}title").text == "a<b>&c"  # type: ignore[union-attr]
    # Columns follow the longest path: load, then both preprocessings, then training, then evaluation.
    xs = sorted({float(r.get("x", "0")) for r in rects})
    assert len(xs) == 4


def test_pipeline_graph_formats() -> None:
    pipeline = fraud_chain()
    assert pipeline.graph("svg").startswith("<svg ")
    assert pipeline.graph("dot").startswith('digraph "fraud_detection"')
    assert pipeline.graph("mermaid").startswith("flowchart LR")
    assert "resolves" in pipeline.graph("text")
    with pytest.raises(BadInputError, match="unknown graph format 'png'"):
        pipeline.graph("png")  # type: ignore[arg-type]


def test_changing_an_attribute_makes_new_configs() -> None:
    pipeline = Pipeline("f", role_arn=ROLE).auto_train_xgboost(DATA)
    assert pipeline.configs()["XGBoostTraining"].bucket == "sagemaker-us-east-1-123456789012"
    pipeline.bucket = "ml-bucket"
    assert pipeline.configs()["XGBoostTraining"].bucket == "ml-bucket"
    pipeline.fill_gaps = False
    with pytest.raises(PipelineResolutionError) as caught:
        pipeline.configs()
    assert [type(e) for e in caught.value.errors] == [MissingDependencyError, MissingDependencyError]


def test_policies_apply_to_the_pipeline_as_to_the_cli(tmp_path: Path) -> None:
    from specwire.errors import PolicyViolationError

    dev = Pipeline("f", role_arn=ROLE, environment="dev", policy_packs=["builtin"]).auto_train_pytorch(DATA)
    result = dev.resolve()
    assert [d.kind for d in result.errors] == ["policy"]
    assert "GPU instances are not allowed in a dev pipeline" in result.errors[0].message
    with pytest.raises(PolicyViolationError):
        dev.configs()
    cpu = Pipeline("f", role_arn=ROLE, environment="dev", policy_packs=["builtin"]).auto_train_pytorch(
        DATA, instance_type="ml.m5.xlarge")
    assert cpu.resolve().ok
    rule = _write(tmp_path / "no_tuning.lp", 'violation(no_tuning, "tuning is not allowed here", N) :- '
                                             'node_step(N, "HyperparameterTuning").\n')
    tuned = Pipeline("f", rules=[rule]).load_data(DATA).train_xgboost().tune_hyperparameters()
    assert [d.message for d in tuned.resolve().errors] == [
        "policy no_tuning: tuning is not allowed here (HyperparameterTuning)"]


def test_a_refused_call_leaves_the_pipeline_as_it_was() -> None:
    pipeline = Pipeline("f").load_data(DATA)
    with pytest.raises(ConfigError, match="max_depth"):
        pipeline.auto_train_xgboost("s3://other-data/", max_depth=0)
    assert pipeline.nodes == [("DataLoading", "DataLoading", None)]
    pipeline.train_xgboost(max_depth=8)
    with pytest.raises(ConfigError, match="max_jobs"):
        pipeline.tune_hyperparameters(max_jobs=0)
    assert [n[1] for n in pipeline.nodes] == ["DataLoading", "XGBoostTraining"]  # the trainer is back
    with pytest.raises(ConfigError, match="validation_split must be a fraction"):
        pipeline.load_data(DATA, validation_split=0)
    assert len(pipeline.nodes) == 2
