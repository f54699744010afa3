"""diagnose.lp: failures are answers; several problems are reported at once."""

from __future__ import annotations

import pytest
from rulekit import pipeline

from specwire.errors import MissingDependencyError, PipelineResolutionError


def test_several_problems_are_reported_together(resolve, builtin):
    result = resolve(builtin, pipeline("XGBoostTraining", "ModelRegistration", "BatchTransform"))
    missing = sorted((d.nodes[0], d.message.split("(")[1].split(")")[0]) for d in result.errors)
    assert ("BatchTransform", "model_name") in missing
    assert ("XGBoostTraining", "training_data") in missing
    assert ("ModelRegistration", "evaluation_report") in missing
    assert len(result.errors) == 4  # BatchTransform also lacks its input data
    with pytest.raises(PipelineResolutionError) as info:
        result.raise_for_errors()
    assert len(info.value.errors) == 4
    assert all(isinstance(e, MissingDependencyError) for e in info.value.errors)
    data = info.value.to_dict()
    assert data["error"] == "PipelineResolutionError" and len(data["errors"]) == 4


def test_a_single_problem_raises_its_own_class(resolve, builtin):
    result = resolve(builtin, pipeline("DataLoading", "XGBoostTraining"))
    with pytest.raises(MissingDependencyError) as info:
        result.raise_for_errors()
    error = info.value
    assert "TabularPreprocessing" in (error.suggested_fix or "")
    assert "TabularPreprocessing" in error.compatible_sources
    assert error.to_dict()["kind"] == "missing_dependency"


def test_unknown_step_types_get_did_you_mean(resolve, builtin):
    result = resolve(builtin, pipeline(("x", "XGBostTraining"), "DataLoading"))
    (err,) = [d for d in result.errors if d.kind == "unknown_step"]
    assert err.message == "node 'x': unknown step type 'XGBostTraining'"
    assert err.suggested_fix == "did you mean 'XGBoostTraining'?"


def test_a_resolving_pipeline_has_no_errors(resolve, builtin):
    result = resolve(builtin, pipeline("DataLoading", "TabularPreprocessing", "XGBoostTraining"))
    assert result.ok and result.errors == []
    result.raise_for_errors()
