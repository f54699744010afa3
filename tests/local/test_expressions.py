"""Get, Std:Join, Std:JsonGet, conditions and parameters, evaluated as SageMaker evaluates them."""

from __future__ import annotations

from typing import Any

import pytest

from specwire.errors import BadInputError
from specwire.local.expressions import (
    ExpressionError,
    Scope,
    condition_holds,
    parameter_values,
    path_segments,
)


def scope(**documents: Any) -> Scope:
    result = Scope(
        parameters={"Threshold": 0.8, "InputDataUri": "data/"},
        execution={"PipelineExecutionId": "abc123", "PipelineName": "fraud"},
        read_json=lambda location: documents[location],
    )
    result.properties["prep"] = {"ProcessingOutputConfig": {"Outputs": [
        {"OutputName": "train_data", "S3Output": {"S3Uri": "s3://b/prep/train"}},
        {"OutputName": "test_data", "S3Output": {"S3Uri": "s3://b/prep/test"}},
    ]}}
    result.properties["tune"] = {"TrainingJobSummaries": [{"TrainingJobName": "best"}, {"TrainingJobName": "next"}]}
    result.property_files["eval"] = {"report": "s3://b/eval/report/evaluation.json"}
    result.properties["eval"] = {}
    return result


def test_property_paths_split_into_names_keys_and_indexes() -> None:
    assert path_segments("ProcessingOutputConfig.Outputs['train_data'].S3Output.S3Uri") == [
        "ProcessingOutputConfig", "Outputs", "train_data", "S3Output", "S3Uri"]
    assert path_segments('TrainingJobSummaries[0].TrainingJobName') == ["TrainingJobSummaries", 0, "TrainingJobName"]
    with pytest.raises(ExpressionError, match="cannot read the property path"):
        path_segments("Outputs[train]")


def test_get_reads_parameters_execution_variables_and_named_list_items() -> None:
    s = scope()
    assert s.evaluate({"Get": "Parameters.Threshold"}) == 0.8
    assert s.evaluate({"Get": "Execution.PipelineExecutionId"}) == "abc123"
    ref = {"Get": "Steps.prep.ProcessingOutputConfig.Outputs['test_data'].S3Output.S3Uri"}
    assert s.evaluate(ref) == "s3://b/prep/test"
    assert s.evaluate({"Get": "Steps.tune.TrainingJobSummaries[1].TrainingJobName"}) == "next"


def test_join_evaluates_its_values_and_nests() -> None:
    s = scope()
    joined = s.evaluate({"Std:Join": {"On": "/", "Values": [
        "s3:/", "b", {"Get": "Steps.tune.TrainingJobSummaries[0].TrainingJobName"}, "output/model.tar.gz"]}})
    assert joined == "s3://b/best/output/model.tar.gz"
    assert s.evaluate({"Std:Join": {"On": "-", "Values": [{"Get": "Execution.PipelineName"}, 1, True]}}) == \
        "fraud-1-true"


def test_jsonget_reads_the_property_file_the_step_declared() -> None:
    report = {"metrics": {"auc": {"value": 0.91}}, "curve": [0.1, 0.2]}
    s = scope(**{"s3://b/eval/report/evaluation.json": report})
    get = {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.eval.PropertyFiles.report"}, "Path": "metrics.auc.value"}}
    assert s.evaluate(get) == 0.91
    assert s.evaluate({"Std:JsonGet": {"PropertyFile": {"Get": "Steps.eval.PropertyFiles.report"},
                                       "Path": "curve[1]"}}) == 0.2
    missing = {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.eval.PropertyFiles.report"}, "Path": "metrics.f1.value"}}
    with pytest.raises(ExpressionError, match="no property 'f1'"):
        s.evaluate(missing)


def test_references_to_what_does_not_exist_say_what_is_missing() -> None:
    s = scope()
    with pytest.raises(ExpressionError, match="has not run"):
        s.evaluate({"Get": "Steps.train.ModelArtifacts.S3ModelArtifacts"})
    with pytest.raises(ExpressionError, match="no parameter 'Nope'"):
        s.evaluate({"Get": "Parameters.Nope"})
    with pytest.raises(ExpressionError, match="no property 'validation_data'"):
        s.evaluate({"Get": "Steps.prep.ProcessingOutputConfig.Outputs['validation_data'].S3Output.S3Uri"})


def test_conditions_compare_a_json_metric_with_a_float_parameter() -> None:
    report = {"metrics": {"auc": {"value": 0.75}}}
    s = scope(**{"s3://b/eval/report/evaluation.json": report})
    metric = {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.eval.PropertyFiles.report"}, "Path": "metrics.auc.value"}}
    at_least = {"Type": "GreaterThanOrEqualTo", "LeftValue": metric, "RightValue": {"Get": "Parameters.Threshold"}}
    assert condition_holds(at_least, s) is False
    assert condition_holds({"Type": "Not", "Condition": at_least}, s) is True
    assert condition_holds({"Type": "Or", "Conditions": [at_least, {"Type": "Equals", "LeftValue": 1,
                                                                    "RightValue": 1}]}, s) is True
    assert condition_holds({"Type": "In", "QueryValue": {"Get": "Execution.PipelineName"},
                            "Values": ["fraud", "churn"]}, s) is True
    assert condition_holds({"Type": "LessThan", "LeftValue": metric, "RightValue": "0.8"}, s) is True


def test_parameters_take_their_type_and_refuse_unknown_names_and_bad_values() -> None:
    declared = [
        {"Name": "MetricThreshold", "Type": "Float", "DefaultValue": 0.7},
        {"Name": "Rounds", "Type": "Integer", "DefaultValue": 10},
        {"Name": "Status", "Type": "String", "DefaultValue": "PendingManualApproval",
         "EnumValues": ["PendingManualApproval", "Approved"]},
        {"Name": "Flag", "Type": "Boolean", "DefaultValue": False},
    ]
    values = parameter_values(declared, {"MetricThreshold": "0.95", "Rounds": "3", "Flag": "true"})
    assert values == {"MetricThreshold": 0.95, "Rounds": 3, "Status": "PendingManualApproval", "Flag": True}
    with pytest.raises(BadInputError, match="did you mean 'MetricThreshold'"):
        parameter_values(declared, {"MetricTreshold": "0.9"})
    with pytest.raises(BadInputError, match="MetricThreshold is a Float parameter"):
        parameter_values(declared, {"MetricThreshold": "high"})
    with pytest.raises(BadInputError, match="not one of PendingManualApproval, Approved"):
        parameter_values(declared, {"Status": "Maybe"})
