"""The design note's code, as a new user pastes it: Level 1, 2, 3 and the week-2 chain build definitions offline.

Each snippet is the note's text (imports from `specwire` / `specwire.configs`, no role: the
definition names the placeholder role with a warning, as `specwire build` does). Building
imports the SageMaker SDK (about 2 s), paid once by this module.
"""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Callable
from typing import Any

import pytest

from specwire.errors import SpecwireWarning


def built(make: Callable[[], Any]) -> dict[str, Any]:
    """The definition of the pipeline `make()` returns, as a dict (the role warning expected and silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecwireWarning)
        document: dict[str, Any] = json.loads(make().definition())
    return document


def steps_by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every step of a definition, those inside condition branches included."""
    out: dict[str, dict[str, Any]] = {}

    def walk(steps: list[dict[str, Any]]) -> None:
        for step in steps:
            out[step["Name"]] = step
            walk(step.get("Arguments", {}).get("IfSteps", []))
            walk(step.get("Arguments", {}).get("ElseSteps", []))

    walk(document["Steps"])
    return out


def level_1() -> Any:
    from specwire import Pipeline

    return Pipeline("fraud").auto_train_xgboost("s3://fraud-data/")


def level_2() -> Any:
    from specwire import Pipeline
    from specwire.configs import TabularPreprocessingConfig

    config = TabularPreprocessingConfig(instance_type="ml.m5.4xlarge", custom_transformations=["log_transform"])
    return (Pipeline("fraud")
            .load_data("s3://fraud-data/")
            .preprocess_tabular(config=config, instance_type="ml.m5.4xlarge")
            .train_xgboost(max_depth=8)
            .evaluate_performance(metrics=["auc", "precision", "recall"]))


def level_3() -> Any:
    from specwire import Pipeline
    from specwire.configs import DataLoadingConfig, XGBoostTrainingConfig

    training = XGBoostTrainingConfig(max_depth=8, n_estimators=200)
    loading = DataLoadingConfig(s3_bucket="fraud-data")
    return Pipeline.from_configs([loading, training], auto_resolve_dependencies=True)


def week_2() -> Any:
    from specwire import Pipeline

    return (Pipeline("fraud-detection")
            .load_data("s3://data/", validation_split=0.2)
            .preprocess_with_quality_checks()
            .train_xgboost_with_hyperparameter_tuning()
            .evaluate_with_business_metrics()
            .deploy_with_monitoring())


#: The note's forms, each built once for the checks every definition must pass.
NOTE_FORMS: dict[str, Callable[[], Any]] = {"level 1": level_1, "level 2": level_2, "level 3": level_3,
                                            "week 2": week_2}
EXECUTION_ID = {"Get": "Execution.PipelineExecutionId"}
TRANSIENT = {"Step.SERVICE_FAULT", "Step.THROTTLING", "SageMaker.JOB_INTERNAL_ERROR", "SageMaker.CAPACITY_ERROR"}


@functools.cache
def note_definition(form: str) -> dict[str, Any]:
    return built(NOTE_FORMS[form])


def test_level_1_an_intent_builds_the_whole_chain() -> None:
    steps = steps_by_name(note_definition("level 1"))
    assert {n: s["Type"] for n, s in steps.items() if n != "QualityGate-fail"} == {
        "DataLoading": "Processing", "TabularPreprocessing": "Processing", "XGBoostTraining": "Training",
        "ModelEvaluation": "Processing"}


def test_level_2_the_config_object_and_the_call_reach_the_job() -> None:
    steps = steps_by_name(note_definition("level 2"))
    prep = steps["TabularPreprocessing"]["Arguments"]
    arguments = prep["AppSpecification"]["ContainerArguments"]
    assert arguments[arguments.index("--custom-transformations") + 1] == "log_transform"
    assert prep["ProcessingResources"]["ClusterConfig"]["InstanceType"] == {
        "Get": "Parameters.TabularPreprocessingInstanceType"}
    document = note_definition("level 2")
    defaults = {p["Name"]: p.get("DefaultValue") for p in document["Parameters"]}
    assert defaults["TabularPreprocessingInstanceType"] == "ml.m5.4xlarge"
    hyper = steps["XGBoostTraining"]["Arguments"]["HyperParameters"]
    assert hyper["max_depth"] == "8"
    evaluation = steps["ModelEvaluation"]["Arguments"]["AppSpecification"]["ContainerArguments"]
    assert evaluation[evaluation.index("--metrics") + 1] == "auc,precision,recall"


def test_level_3_configs_on_their_own_and_auto_resolution() -> None:
    steps = steps_by_name(note_definition("level 3"))
    assert set(steps) == {"DataLoading", "TabularPreprocessing", "XGBoostTraining"}
    hyper = steps["XGBoostTraining"]["Arguments"]["HyperParameters"]
    assert (hyper["max_depth"], hyper["num_round"]) == ("8", "200")  # n_estimators is XGBoost's num_round
    document = note_definition("level 3")
    defaults = {p["Name"]: p.get("DefaultValue") for p in document["Parameters"]}
    assert defaults["InputDataUri"] == "s3://fraud-data/"


def test_week_2_chain_checks_data_quality_tunes_and_gates_on_business_value() -> None:
    document = note_definition("week 2")
    steps = steps_by_name(document)
    types = {name: step["Type"] for name, step in steps.items()}
    check = steps["DataQualityCheck"]
    assert check["Type"] == "QualityCheck" and check["CheckType"] == "DATA_QUALITY"
    # A first run: nothing to check against, so the baseline is computed and registered; violations never fail it.
    assert (check["SkipCheck"], check["RegisterNewBaseline"], check["FailOnViolation"]) == (True, True, False)
    analyzer = check["Arguments"]
    assert "sagemaker-model-monitor-analyzer" in analyzer["AppSpecification"]["ImageUri"]
    (dataset,) = analyzer["ProcessingInputs"]
    assert dataset["S3Input"]["S3Uri"]["Std:Join"]["Values"] == [
        {"Get": "Steps.TabularPreprocessing.ProcessingOutputConfig.Outputs['train_data'].S3Output.S3Uri"}, "train.csv"]
    (output,) = analyzer["ProcessingOutputConfig"]["Outputs"]
    assert output["S3Output"]["S3Uri"]["Std:Join"]["Values"][1] == {"Get": "Execution.PipelineExecutionId"}
    assert types["HyperparameterTuning"] == "Tuning" and "XGBoostTraining" not in types
    tuning = steps["HyperparameterTuning"]["Arguments"]["HyperParameterTuningJobConfig"]
    searched = {r["Name"] for kind in tuning["ParameterRanges"].values() for r in kind}
    assert searched == {"eta", "max_depth", "min_child_weight", "subsample", "colsample_bytree"}
    evaluation = steps["ModelEvaluation"]["Arguments"]["AppSpecification"]["ContainerArguments"]
    costs = json.loads(evaluation[evaluation.index("--cost-matrix") + 1])
    assert costs == {"false_negative": 100.0, "false_positive": 5.0, "true_negative": 0.0, "true_positive": 0.0}
    (condition,) = steps["QualityGate"]["Arguments"]["Conditions"]
    assert condition["Type"] == "GreaterThan"
    assert condition["LeftValue"]["Std:JsonGet"]["Path"] == "metrics.business_value_gain.value"
    assert condition["LeftValue"]["Std:JsonGet"]["PropertyFile"] == {
        "Get": "Steps.ModelEvaluation.PropertyFiles.evaluation_report"}
    threshold = {p["Name"]: p for p in document["Parameters"]}["MetricThreshold"]
    assert threshold["DefaultValue"] == 0.0
    # deploy_with_monitoring(): registration pending manual approval behind the gate, no endpoint before approval.
    assert steps["ModelRegistration"]["Type"] == "RegisterModel"
    assert "ModelRegistration" in {s["Name"] for s in steps["QualityGate"]["Arguments"]["IfSteps"]}
    approval = {p["Name"]: p for p in document["Parameters"]}["ModelApprovalStatus"]
    assert approval["DefaultValue"] == "PendingManualApproval"
    assert not any("Endpoint" in kind for kind in types.values())


def test_a_gate_on_business_value_needs_the_cost_matrix() -> None:
    from specwire import Pipeline
    from specwire.errors import BuildError

    pipeline = (Pipeline("f", role_arn="arn:aws:iam::123456789012:role/R").auto_train_xgboost("s3://fraud-data/")
                .quality_gate(metric="business_value", threshold=-2.0))
    with pytest.raises(BuildError, match=r"tests 'business_value', which ModelEvaluation .* does not write") as caught:
        pipeline.definition()
    assert "give 'ModelEvaluation' a cost_matrix" in (caught.value.suggested_fix or "")


def test_a_registered_model_carries_the_data_quality_baseline() -> None:
    """What a post-approval deployment reads back with DescribeModelPackage:
    DriftCheckBaselines.ModelDataQuality.Statistics.S3Uri and .Constraints.S3Uri."""
    steps = steps_by_name(note_definition("week 2"))  # deploy_with_monitoring() registers, pending manual approval
    registration = steps["ModelRegistration"]["Arguments"]
    drift = registration["DriftCheckBaselines"]["ModelDataQuality"]
    assert drift["Statistics"] == {"ContentType": "application/json",
                                   "S3Uri": {"Get": "Steps.DataQualityCheck.BaselineUsedForDriftCheckStatistics"}}
    assert drift["Constraints"]["S3Uri"] == {"Get": "Steps.DataQualityCheck.BaselineUsedForDriftCheckConstraints"}
    computed = registration["ModelMetrics"]["ModelDataQuality"]
    assert computed["Statistics"]["S3Uri"] == {"Get": "Steps.DataQualityCheck.CalculatedBaselineStatistics"}
    assert computed["Constraints"]["S3Uri"] == {"Get": "Steps.DataQualityCheck.CalculatedBaselineConstraints"}
    assert "ModelQuality" in registration["ModelMetrics"]  # the evaluation's report stays


def test_a_supplied_baseline_is_checked_and_can_fail_the_pipeline() -> None:
    from specwire import Pipeline

    stats, constraints = "s3://baselines/v3/statistics.json", "s3://baselines/v3/constraints.json"
    check = steps_by_name(built(lambda: Pipeline("fraud").load_data("s3://fraud-data/").preprocess_with_quality_checks(
        fail_on_violation=True, baseline_statistics=stats, baseline_constraints=constraints).train_xgboost()))
    step = check["DataQualityCheck"]
    assert (step["SkipCheck"], step["RegisterNewBaseline"], step["FailOnViolation"]) == (False, False, True)
    assert (step["SuppliedBaselineStatistics"], step["SuppliedBaselineConstraints"]) == (stats, constraints)


def test_the_readme_production_block_runs_as_written() -> None:
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start = text.index("## Production forms")
    (block,) = re.findall(r"```python\n(.*?)```", text[start:text.index("\n## ", start + 1)], flags=re.S)
    namespace: dict[str, Any] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    steps = steps_by_name(json.loads(namespace["definition"]))
    assert {"DataQualityCheck", "HyperparameterTuning", "QualityGate", "ModelRegistration"} <= set(steps)
    assert "DriftCheckBaselines" in steps["ModelRegistration"]["Arguments"]
    tuning = steps["HyperparameterTuning"]["Arguments"]["HyperParameterTuningJobConfig"]
    assert tuning["ResourceLimits"]["MaxNumberOfTrainingJobs"] == 12


def test_a_local_run_refuses_a_check_against_the_registry_before_anything_runs(tmp_path: Any) -> None:
    from specwire import Pipeline
    from specwire.errors import BadInputError
    from specwire.local import run_definition

    document = built(lambda: Pipeline("fraud").load_data("s3://fraud-data/").preprocess_with_quality_checks(
        model_package_group_name="fraud-models").train_xgboost())
    data = tmp_path / "data"
    data.mkdir()
    with pytest.raises(BadInputError, match=r"step 'DataQualityCheck': it checks against the latest approved model "
                                            r"of a model package group, which only SageMaker's model registry knows"):
        run_definition(document, workdir=tmp_path / "run", parameters={"InputDataUri": str(data)})
    assert not (tmp_path / "run" / "steps").exists()


def test_with_an_id_column_the_check_reads_the_split_without_it() -> None:
    from specwire import Pipeline

    steps = steps_by_name(built(lambda: Pipeline("fraud").load_data("s3://fraud-data/")
                                .preprocess_with_quality_checks(id_field="txn_id").train_xgboost()))
    (dataset,) = steps["DataQualityCheck"]["Arguments"]["ProcessingInputs"]
    assert dataset["S3Input"]["S3Uri"]["Std:Join"]["Values"][1] == "_monitoring_baseline.csv"
    training = steps["XGBoostTraining"]["Arguments"]["InputDataConfig"]
    assert all("_monitoring" not in json.dumps(channel) for channel in training)



def written_locations(step: dict[str, Any]) -> list[tuple[str, Any]]:
    """(what, S3 location) of everything a step's job writes: processing and check outputs, model
    artifacts of training and of every tuning trial, transform output."""
    args = step.get("Arguments", {})
    outputs = args.get("ProcessingOutputConfig", {}).get("Outputs", [])
    found = [(o["OutputName"], o["S3Output"]["S3Uri"]) for o in outputs]
    if "OutputDataConfig" in args:
        found.append(("model artifacts", args["OutputDataConfig"]["S3OutputPath"]))
    if "TrainingJobDefinition" in args:
        found.append(("tuned model artifacts", args["TrainingJobDefinition"]["OutputDataConfig"]["S3OutputPath"]))
    if "TransformOutput" in args:
        found.append(("transform output", args["TransformOutput"]["S3OutputPath"]))
    return found


@pytest.mark.parametrize("form", list(NOTE_FORMS))
def test_every_form_of_the_note_scopes_its_outputs_by_execution_and_retries(form: str) -> None:
    steps = steps_by_name(note_definition(form))
    written = 0
    for step in steps.values():
        for what, location in written_locations(step):
            written += 1
            assert location["Std:Join"]["Values"][1] == EXECUTION_ID, (step["Name"], what, location)
        if step["Type"] in ("Processing", "Training", "Tuning", "Transform"):
            kinds = {kind for policy in step.get("RetryPolicies", []) for kind in policy["ExceptionType"]}
            assert kinds >= TRANSIENT, (step["Name"], kinds)
    assert written >= 5
    for step in steps.values():  # a model read by a later step is the execution's own artifact
        for container in step.get("Arguments", {}).get("InferenceSpecification", {}).get("Containers", []):
            model = json.dumps(container["ModelDataUrl"])
            assert "Execution.PipelineExecutionId" in model or model.startswith('{"Get": "Steps.'), model


def test_the_week_2_chain_with_the_pipelines_security_settings_puts_them_on_every_job() -> None:
    """VPC, KMS, network isolation, tags and caching as `Pipeline(...)` arguments reach the
    QualityCheck and Tuning jobs as they reach processing and training (read from the definition)."""
    from specwire import Pipeline

    subnets, groups = ["subnet-0abc12345", "subnet-0def67890"], ["sg-0abc12345"]
    vpc = {"Subnets": subnets, "SecurityGroupIds": groups}
    document = built(lambda: (
        Pipeline("fraud-detection", subnets=subnets, security_group_ids=groups, kms_key_id="alias/ml-data",
                 enable_network_isolation=True, tags={"team": "fraud"}, cache=True)
        .load_data("s3://data/", validation_split=0.2)
        .preprocess_with_quality_checks()
        .train_xgboost_with_hyperparameter_tuning()
        .evaluate_with_business_metrics()
        .deploy_with_monitoring()))
    kinds = set()
    for step in steps_by_name(document).values():
        kind, args = step["Type"], step["Arguments"]
        if kind not in ("Processing", "QualityCheck", "Tuning", "Training", "Transform"):
            continue
        kinds.add(kind)
        assert step["CacheConfig"] == {"Enabled": True, "ExpireAfter": "P30D"}, step["Name"]
        assert args["Tags"] == [{"Key": "team", "Value": "fraud"}], step["Name"]
        if kind in ("Processing", "QualityCheck"):
            network = args["NetworkConfig"]
            assert network["EnableNetworkIsolation"] is True and network["VpcConfig"] == vpc, step["Name"]
            assert args["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"] == "alias/ml-data"
            assert args["ProcessingOutputConfig"]["KmsKeyId"] == "alias/ml-data"
        else:
            job = args["TrainingJobDefinition"] if kind == "Tuning" else args
            assert job["VpcConfig"] == vpc and job["EnableNetworkIsolation"] is True, step["Name"]
            assert job["ResourceConfig"]["VolumeKmsKeyId"] == "alias/ml-data"
            assert job["OutputDataConfig"]["KmsKeyId"] == "alias/ml-data"
    assert kinds == {"Processing", "QualityCheck", "Tuning"}


def test_the_snippets_here_are_the_notes_own_text() -> None:
    """The code each level runs is the design note's (DESIGN.md "User-facing shape", beside the
    checkout as the corpus is), character for character outside the note's `...` placeholders."""
    import inspect
    import re
    from pathlib import Path

    note = Path(__file__).resolve().parents[2].parent / "shared" / "DESIGN.md"
    if not note.is_file():
        pytest.skip(f"the design note is not at {note} (it sits beside the checkout)")
    levels = dict(re.findall(r"^- (Level \d): `(.+?)`", note.read_text(encoding="utf-8"), flags=re.M))
    assert set(levels) == {"Level 1", "Level 2", "Level 3"}
    for level, form in (("Level 1", level_1), ("Level 2", level_2), ("Level 3", level_3)):
        code = "".join(line.strip() for line in inspect.getsource(form).splitlines())
        pattern = "[^()]+?".join(re.escape(part) for part in levels[level].split("..."))
        assert re.search(pattern, code), (level, levels[level])
