"""The fraud example's definition: JSON of schema 2020-12-01, one step per node, every resolved edge a
property reference in its consumer's arguments, the gate's branches, parameters, determinism, offline."""

from __future__ import annotations

import re
import socket
from typing import Any

import pytest
from builders_support import Built, NetworkGuard, all_steps, references, scoped, steps_by_name

from specwire.builders.base import script_arguments
from specwire.builders.deployment import fail_step_name
from specwire.specs.registry import load_registry

#: The SageMaker step type of each built-in step type.
STEP_KINDS = {
    "DataLoading": "Processing",
    "TabularPreprocessing": "Processing",
    "MissingValueImputation": "Processing",
    "FeatureSelection": "Processing",
    "ModelEvaluation": "Processing",
    "ModelCalibration": "Processing",
    "ModelExplainability": "Processing",
    "XGBoostTraining": "Training",
    "LightGBMTraining": "Training",
    "PyTorchTraining": "Training",
    "HyperparameterTuning": "Tuning",
    "QualityGate": "Condition",
    "DataQualityCheck": "QualityCheck",
    "CreateModel": "Model",
    "ModelRegistration": "RegisterModel",
    "BatchTransform": "Transform",
}


def input_value(step: dict[str, Any], dependency: str) -> Any:
    """What a step's arguments hold for one of its spec's dependencies."""
    args = step["Arguments"]
    kind = step["Type"]
    if kind == "Processing":
        return next(i["S3Input"]["S3Uri"] for i in args["ProcessingInputs"] if i["InputName"] == dependency)
    if kind == "QualityCheck":  # SageMaker names the analyzer's one input
        assert dependency == "baseline_data"
        return next(i["S3Input"]["S3Uri"] for i in args["ProcessingInputs"]
                    if i["InputName"] == "baseline_dataset_input")
    if kind == "Training":
        return next(c["DataSource"]["S3DataSource"]["S3Uri"] for c in args["InputDataConfig"]
                    if c["ChannelName"] == dependency)
    if kind == "Tuning":
        return next(c["DataSource"]["S3DataSource"]["S3Uri"]
                    for c in args["TrainingJobDefinition"]["InputDataConfig"] if c["ChannelName"] == dependency)
    if kind == "Transform":
        return args["ModelName"] if dependency == "model_name" else args["TransformInput"]["DataSource"]
    if kind == "Model":
        return args["PrimaryContainer"]["ModelDataUrl"]
    if kind == "RegisterModel":
        return {
            "model_artifacts": args["InferenceSpecification"]["Containers"][0]["ModelDataUrl"],
            "evaluation_report": args["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"],
            "explainability_report": args["ModelMetrics"].get("Explainability"),
            "calibration_model": args.get("CustomerMetadataProperties", {}).get("calibration_model"),
            "data_quality_statistics": args["ModelMetrics"].get("ModelDataQuality", {}).get("Statistics"),
            "data_quality_constraints": args["ModelMetrics"].get("ModelDataQuality", {}).get("Constraints"),
        }[dependency]
    if kind == "Condition":
        return args["Conditions"][0]["LeftValue"]
    raise AssertionError(f"no input {dependency} in a {kind} step")


def expected_reference(provider: str, provider_step: dict[str, Any], output: str, step_type: str) -> str:
    """The property a consumer must read: the spec's `property_path` on the provider's step."""
    if provider_step["Type"] == "Tuning":
        return f"Steps.{provider}.TrainingJobSummaries[0].TrainingJobName"  # inside the best model's S3 URI
    spec = load_registry(None).get(step_type)
    path = next(o.property_path for o in spec.outputs if o.logical_name == output)
    assert path, f"{step_type}.{output} has no property path"
    return f"Steps.{provider}." + path.removeprefix("properties.")


def check_edges(built: Built) -> int:
    steps = steps_by_name(built.definition)
    checked = 0
    for edge in built.resolved.edges:
        consumer = steps[edge.target]
        if edge.output == "approval":
            continue  # a branch, not a value: see test_gate_branches
        provider_type = built.resolved.node(edge.source).step_type
        value = input_value(consumer, edge.dependency)
        if consumer["Type"] == "Condition":
            assert references(value) == [f"Steps.{edge.source}.PropertyFiles.{edge.output}"]
        else:
            want = expected_reference(edge.source, steps[edge.source], edge.output, provider_type)
            assert want in references(value), (edge, value)
        checked += 1
    return checked


def test_definition_is_json_of_schema_2020_12_01(fraud: Built) -> None:
    definition = fraud.definition
    assert definition["Version"] == "2020-12-01"
    assert isinstance(definition["Steps"], list) and definition["Steps"]
    assert fraud.text.endswith("}\n")


def test_one_step_per_node_plus_the_gates_fail_step(fraud: Built) -> None:
    steps = steps_by_name(fraud.definition)
    nodes = {n.name: n.step_type for n in fraud.resolved.nodes}
    assert len(nodes) == 8
    assert set(steps) == set(nodes) | {fail_step_name("QualityGate")}
    assert sum(1 for _ in all_steps(fraud.definition["Steps"])) == len(steps)  # no name twice
    for name, step_type in nodes.items():
        assert steps[name]["Type"] == STEP_KINDS[step_type], name
    assert steps[fail_step_name("QualityGate")]["Type"] == "Fail"


def test_every_resolved_edge_is_a_property_reference_in_its_consumer(fraud: Built) -> None:
    approvals = [e for e in fraud.resolved.edges if e.output == "approval"]
    assert check_edges(fraud) == len(fraud.resolved.edges) - len(approvals) == 11


def test_the_steps_after_the_gate_run_in_its_if_branch_and_a_fail_step_in_its_else(fraud: Built) -> None:
    top = {s["Name"]: s for s in fraud.definition["Steps"]}
    assert list(top) == ["DataLoading", "TabularPreprocessing", "XGBoostTraining", "ModelEvaluation", "QualityGate"]
    gate = top["QualityGate"]["Arguments"]
    approved = {e.target for e in fraud.resolved.edges if e.source == "QualityGate" and e.output == "approval"}
    assert approved == {"CreateModel", "ModelRegistration"}
    # BatchTransform needs CreateModel's model name, so it runs in the same branch
    assert [s["Name"] for s in gate["IfSteps"]] == ["CreateModel", "BatchTransform", "ModelRegistration"]
    assert [s["Name"] for s in gate["ElseSteps"]] == ["QualityGate-fail"]
    message = gate["ElseSteps"][0]["Arguments"]["ErrorMessage"]
    assert "auc >= 0.7" in message


def test_the_gate_reads_its_metric_from_evaluation_json(fraud: Built) -> None:
    steps = steps_by_name(fraud.definition)
    condition = steps["QualityGate"]["Arguments"]["Conditions"][0]
    config = fraud.configs["QualityGate"]
    assert condition["Type"] == "GreaterThanOrEqualTo"
    json_get = condition["LeftValue"]["Std:JsonGet"]
    assert json_get["Path"] == f"metrics.{config.metric_name}.value"
    assert condition["RightValue"] == {"Get": "Parameters.MetricThreshold"}
    assert steps["ModelEvaluation"]["PropertyFiles"] == [
        {"PropertyFileName": "evaluation_report", "OutputName": "evaluation_report", "FilePath": "evaluation.json"}
    ]
    parameters = {p["Name"]: p for p in fraud.definition["Parameters"]}
    assert parameters["MetricThreshold"] == {"Name": "MetricThreshold", "Type": "Float",
                                             "DefaultValue": config.threshold}


def test_the_registered_model_carries_the_evaluation_metrics(fraud: Built) -> None:
    register = steps_by_name(fraud.definition)["ModelRegistration"]["Arguments"]
    statistics = register["ModelMetrics"]["ModelQuality"]["Statistics"]
    assert statistics["ContentType"] == "application/json"
    assert statistics["S3Uri"]["Std:Join"]["Values"][1] == "evaluation.json"
    assert register["ModelApprovalStatus"] == {"Get": "Parameters.ModelApprovalStatus"}
    assert register["ModelPackageGroupName"] == fraud.configs["ModelRegistration"].model_package_group_name


def test_per_run_values_are_pipeline_parameters_with_the_configs_defaults(fraud: Built) -> None:
    parameters = {p["Name"]: p for p in fraud.definition["Parameters"]}
    assert parameters["InputDataUri"]["DefaultValue"] == fraud.configs["DataLoading"].source_s3_uri
    assert parameters["ModelApprovalStatus"]["DefaultValue"] == "PendingManualApproval"
    assert "Approved" in parameters["ModelApprovalStatus"]["EnumValues"]
    for node in ("DataLoading", "TabularPreprocessing", "XGBoostTraining", "ModelEvaluation", "BatchTransform"):
        assert parameters[f"{node}InstanceType"]["DefaultValue"] == fraud.configs[node].instance_type
    steps = steps_by_name(fraud.definition)
    assert steps["DataLoading"]["Arguments"]["ProcessingInputs"][0]["S3Input"]["S3Uri"] == {
        "Get": "Parameters.InputDataUri"}
    assert steps["XGBoostTraining"]["Arguments"]["ResourceConfig"]["InstanceType"] == {
        "Get": "Parameters.XGBoostTrainingInstanceType"}


def test_every_reference_names_a_step_or_parameter_of_the_definition(fraud: Built, everything: Built) -> None:
    for built in (fraud, everything):
        definition = built.definition
        steps = set(steps_by_name(definition))
        parameters = {p["Name"] for p in definition["Parameters"]}
        found = references(definition["Steps"])
        assert found
        for ref in found:
            kind, _, rest = ref.partition(".")
            name = re.split(r"[.\[]", rest)[0]
            assert (kind == "Steps" and name in steps) or (kind == "Parameters" and name in parameters) or (
                kind == "Execution"), ref
        assert parameters <= {r.split(".")[1] for r in found if r.startswith("Parameters.")}  # none unused


def test_scripts_are_referenced_under_each_nodes_code_prefix(fraud: Built) -> None:
    steps = steps_by_name(fraud.definition)
    for name, config in fraud.configs.items():
        args = steps[name]["Arguments"]
        if steps[name]["Type"] == "Processing":
            code = next(i for i in args["ProcessingInputs"] if i["InputName"] == "code")
            script = f"{config.node_s3_root}/code/{config.entry_point}"
            assert code["S3Input"]["S3Uri"] == config.script_s3_uri == script
            assert args["AppSpecification"]["ContainerEntrypoint"] == [
                "python3", f"/opt/ml/processing/input/code/{config.entry_point}"]
            assert args.get("AppSpecification", {}).get("ContainerArguments") == (script_arguments(config) or None)
            outputs = {o["OutputName"]: o["S3Output"]["S3Uri"] for o in args["ProcessingOutputConfig"]["Outputs"]}
            assert outputs == {out: scoped(config.output_s3_uri, out) for out in outputs}
        elif steps[name]["Type"] == "Training":
            hyper = args["HyperParameters"]
            assert hyper["sagemaker_program"] == config.entry_point
            assert hyper["sagemaker_submit_directory"] == f"{config.node_s3_root}/code/sourcedir.tar.gz"
            assert hyper["max_depth"] == str(config.hyperparameters.max_depth)
            assert args["OutputDataConfig"]["S3OutputPath"] == scoped(f"{config.node_s3_root}/output")


def test_the_definition_is_byte_identical_across_builds(fraud: Built, everything: Built) -> None:
    assert fraud.text == fraud.second_text
    assert everything.text == everything.second_text


def test_no_timestamp_or_generated_name_in_the_definition(fraud: Built) -> None:
    text = fraud.text
    assert not re.search(r"20\d\d-\d\d-\d\d", text.replace("2020-12-01", ""))
    assert not re.search(r"-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}", text)  # the SDK's job-name suffix
    for key in ("ProcessingJobName", "TrainingJobName\"", "TransformJobName", "ModelName\": \"", "Credentials"):
        assert key not in text, key


def test_the_build_made_no_network_connection(fraud: Built, everything: Built) -> None:
    assert fraud.attempts == []
    assert everything.attempts == []


def test_the_network_guard_refuses_and_records(offline: NetworkGuard) -> None:
    before = len(offline.attempts)
    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)  # TEST-NET-1: never routed
    with socket.socket() as sock, pytest.raises(OSError, match="blocked"):
        sock.connect(("192.0.2.1", 443))
    assert len(offline.attempts) == before + 2
    del offline.attempts[before:]


# ----------------------------------------------------------------------------- every builder


def test_every_builtin_step_type_builds(fraud: Built, everything: Built) -> None:
    steps = steps_by_name(everything.definition)
    nodes = {n.name: n.step_type for n in everything.resolved.nodes}
    assert set(nodes.values()) | {n.step_type for n in fraud.resolved.nodes} == set(STEP_KINDS)
    assert set(steps) == set(nodes) | {fail_step_name("gate")}
    for name, step_type in nodes.items():
        assert steps[name]["Type"] == STEP_KINDS[step_type], name


def test_every_edge_of_the_big_pipeline_is_a_property_reference(everything: Built) -> None:
    approvals = [e for e in everything.resolved.edges if e.output == "approval"]
    assert approvals
    assert check_edges(everything) == len(everything.resolved.edges) - len(approvals)


def test_tuning_step_searches_the_configs_ranges(everything: Built) -> None:
    args = steps_by_name(everything.definition)["tune"]["Arguments"]
    config = everything.configs["tune"]
    job = args["HyperParameterTuningJobConfig"]
    assert job["HyperParameterTuningJobObjective"] == {"Type": config.objective_type,
                                                       "MetricName": config.objective_metric_name}
    ranges = job["ParameterRanges"]
    tuned = {r["Name"] for kind in ranges.values() for r in kind}
    assert tuned == set(config.parameter_ranges)
    definition = args["TrainingJobDefinition"]
    static = definition["StaticHyperParameters"]
    assert not tuned & set(static)
    assert static["sagemaker_program"] == config.entry_point
    metric = definition["AlgorithmSpecification"]["MetricDefinitions"][0]
    assert metric["Name"] == config.objective_metric_name
    assert re.search(metric["Regex"], "validation:auc=0.9312").group(1) == "0.9312"  # type: ignore[union-attr]


def test_images_follow_the_region_and_the_framework(everything: Built) -> None:
    steps = steps_by_name(everything.definition)
    assert "eu-west-1" in steps["load"]["Arguments"]["AppSpecification"]["ImageUri"]
    assert "sagemaker-scikit-learn" in steps["load"]["Arguments"]["AppSpecification"]["ImageUri"]
    assert "pytorch-training" in steps["torch"]["Arguments"]["AlgorithmSpecification"]["TrainingImage"]
    assert "sagemaker-xgboost" in steps["tune"]["Arguments"]["TrainingJobDefinition"]["AlgorithmSpecification"][
        "TrainingImage"]
    # an evaluation runs where its model's library is. Three trained models fit `evaluate` equally
    # well (the engine reports the tie and picks one), so follow the edge the engine chose.
    provider = next(e.source for e in everything.resolved.edges if e.target == "evaluate" and e.dependency == "model")
    framework, image = {"tune": ("xgboost", "sagemaker-xgboost"), "lgbm": ("lightgbm", "sagemaker-scikit-learn"),
                        "torch": ("pytorch", "pytorch")}[provider]
    assert everything.configs["evaluate"].model_framework == framework
    assert image in steps["evaluate"]["Arguments"]["AppSpecification"]["ImageUri"]


def test_nested_branches_hold_every_step_fed_by_a_gated_step(everything: Built) -> None:
    gate = next(s for s in everything.definition["Steps"] if s["Name"] == "gate")
    branch = {s["Name"] for s in gate["Arguments"]["IfSteps"]}
    assert {"model", "register", "score", "calibrate"} <= branch  # calibrate reads score's predictions
    top = {s["Name"] for s in everything.definition["Steps"]}
    assert not branch & top


def test_model_steps_follow_their_configs(everything: Built) -> None:
    steps = steps_by_name(everything.definition)
    model = steps["model"]["Arguments"]
    assert model["EnableNetworkIsolation"] is True
    assert "sagemaker-scikit-learn" in model["PrimaryContainer"]["Image"]  # LightGBM is served from it
    register = steps["register"]["Arguments"]
    assert register["ModelMetrics"]["Explainability"]["Report"]["S3Uri"]["Std:Join"]["Values"][1] == (
        "explainability.json")
    # the calibration step's metrics fed the registration's evaluation_report
    assert register["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"]["Std:Join"]["Values"][1] == (
        "calibration_metrics.json")
    assert references(register["CustomerMetadataProperties"]["calibration_model"]) == [
        "Steps.calibrate.ProcessingOutputConfig.Outputs['calibration_model'].S3Output.S3Uri"]
