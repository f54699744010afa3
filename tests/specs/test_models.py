"""The spec models: immutable, de-duplicated, validated at load time, job-type variants applied by `for_job`."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from specwire.specs.models import DependencySpec, OutputSpec, StepKind, StepSpecification


def make(**fields: Any) -> StepSpecification:
    return StepSpecification.model_validate({"step_type": "Prep", **fields})


PREP = {
    "step_type": "Prep",
    "sagemaker_step_kind": "Processing",
    "dependencies": [
        {"logical_name": "raw", "data_types": ["raw_tabular"], "compatible_sources": ["Load"],
         "semantic_keywords": ["raw", "data"]},
        {"logical_name": "params", "required": False, "data_types": ["hyperparameters"]},
    ],
    "outputs": [
        {"logical_name": "train", "data_type": "processed_tabular", "semantic_keywords": ["processed", "training"]},
        {"logical_name": "test", "data_type": "processed_tabular", "aliases": ["holdout"]},
    ],
    "job_type_variants": {
        "Calibration": {
            "dependencies": {"raw": {"semantic_keywords": ["raw", "calibration"], "required": False}},
            "outputs": {"test": {"semantic_keywords": ["calibration"], "kind": "model_artifacts"}},
        },
    },
}


@pytest.fixture
def prep() -> StepSpecification:
    return StepSpecification.model_validate(PREP)


# --------------------------------------------------------------------------- immutability


def test_spec_fields_cannot_be_reassigned(prep: StepSpecification) -> None:
    with pytest.raises(ValidationError, match="frozen"):
        prep.step_type = "Other"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        prep.dependencies[0].required = False  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        prep.outputs[0].data_type = "raw"  # type: ignore[misc]


def test_port_lists_are_tuples_so_they_cannot_grow(prep: StepSpecification) -> None:
    assert isinstance(prep.dependencies, tuple)
    assert isinstance(prep.outputs, tuple)
    dep = prep.dependencies[0]
    for value in (dep.data_types, dep.compatible_sources, dep.semantic_keywords, dep.aliases):
        assert isinstance(value, tuple)
    assert isinstance(prep.outputs[1].aliases, tuple)


def test_ports_are_hashable_and_compare_by_value() -> None:
    a = OutputSpec(logical_name="o", data_type="t", aliases=["x"])
    b = OutputSpec.model_validate({"logical_name": "o", "data_type": "t", "aliases": ("x",)})
    assert a == b
    assert len({a, b}) == 1


def test_unknown_field_is_refused() -> None:
    with pytest.raises(ValidationError, match="data_typs"):
        DependencySpec.model_validate({"logical_name": "x", "data_typs": ["a"]})


def test_surrounding_whitespace_is_stripped() -> None:
    assert DependencySpec(logical_name="  x  ").logical_name == "x"


# --------------------------------------------------------------------------- lists


def test_lists_are_deduplicated_keeping_first_order() -> None:
    dep = DependencySpec.model_validate({
        "logical_name": "x",
        "data_types": ["b", "a", "b"],
        "compatible_sources": ["S", "T", "S", "S"],
        "semantic_keywords": ["k2", "k1", "k2"],
        "aliases": ["y", "y"],
    })
    assert dep.data_types == ("b", "a")
    assert dep.compatible_sources == ("S", "T")
    assert dep.semantic_keywords == ("k2", "k1")
    assert dep.aliases == ("y",)
    out = OutputSpec.model_validate({"logical_name": "o", "aliases": ["a", "a", "b"], "semantic_keywords": ["z", "z"]})
    assert out.aliases == ("a", "b")
    assert out.semantic_keywords == ("z",)


def test_a_single_string_is_a_one_item_list_and_null_is_empty() -> None:
    dep = DependencySpec.model_validate({"logical_name": "x", "data_types": "raw", "aliases": None})
    assert dep.data_types == ("raw",)
    assert dep.aliases == ()


@pytest.mark.parametrize("data_types", [[], None])
def test_a_dependency_must_accept_a_data_type(data_types: Any) -> None:
    with pytest.raises(ValidationError, match="a dependency must accept at least one data type"):
        DependencySpec.model_validate({"logical_name": "x", "data_types": data_types})


def test_defaults() -> None:
    spec = make()
    assert spec.sagemaker_step_kind is StepKind.PROCESSING
    assert spec.dependencies == () and spec.outputs == () and spec.job_type_variants == {}
    dep = DependencySpec(logical_name="x")
    assert (dep.kind, dep.required, dep.data_types) == ("processing_output", True, ("S3Uri",))


def test_empty_names_are_refused() -> None:
    with pytest.raises(ValidationError):
        make(step_type="")
    with pytest.raises(ValidationError):
        OutputSpec(logical_name="   ")


def test_unknown_step_kind_is_refused() -> None:
    with pytest.raises(ValidationError, match="sagemaker_step_kind"):
        make(sagemaker_step_kind="Lambada")


# --------------------------------------------------------------------------- ports


@pytest.mark.parametrize("label", ["dependencies", "outputs"])
def test_duplicate_logical_names_are_refused(label: str) -> None:
    ports = [{"logical_name": "data"}, {"logical_name": "other"}, {"logical_name": "data"}]
    with pytest.raises(ValidationError, match=f"{label}: logical name 'data' is declared twice"):
        make(**{label: ports})


def test_the_same_name_may_be_a_dependency_and_an_output() -> None:
    spec = make(dependencies=[{"logical_name": "data"}], outputs=[{"logical_name": "data"}])
    assert spec.dependency("data") is not None and spec.output("data") is not None


def test_port_lookup(prep: StepSpecification) -> None:
    assert prep.dependency("params") == prep.dependencies[1]
    assert prep.output("test") == prep.outputs[1]
    assert prep.dependency("nope") is None
    assert prep.output("raw") is None  # a dependency, not an output


# --------------------------------------------------------------------------- job-type variants


def test_for_job_applies_overrides_and_keeps_the_other_fields(prep: StepSpecification) -> None:
    calib = prep.for_job("Calibration")
    raw = calib.dependency("raw")
    assert raw is not None
    assert raw.semantic_keywords == ("raw", "calibration")
    assert raw.required is False
    # unnamed fields keep the base value
    assert raw.data_types == ("raw_tabular",)
    assert raw.compatible_sources == ("Load",)
    test = calib.output("test")
    assert test is not None
    assert (test.semantic_keywords, test.kind) == (("calibration",), "model_artifacts")
    assert test.aliases == ("holdout",)
    assert test.data_type == "processed_tabular"
    # ports without an override are the base ports
    assert calib.dependency("params") == prep.dependency("params")
    assert calib.output("train") == prep.output("train")
    # the port set and order are the step's contract
    assert [d.logical_name for d in calib.dependencies] == ["raw", "params"]
    assert [o.logical_name for o in calib.outputs] == ["train", "test"]
    assert calib.step_type == prep.step_type and calib.sagemaker_step_kind == prep.sagemaker_step_kind


def test_for_job_does_not_change_the_base_spec(prep: StepSpecification) -> None:
    before = prep.model_dump()
    prep.for_job("calibration")
    assert prep.model_dump() == before
    assert prep.dependency("raw").required is True  # type: ignore[union-attr]


def test_overrides_are_deduplicated_like_base_lists() -> None:
    spec = make(dependencies=[{"logical_name": "x"}],
                job_type_variants={"training": {"dependencies": {"x": {"aliases": ["a", "a"]}}}})
    assert spec.for_job("training").dependencies[0].aliases == ("a",)


@pytest.mark.parametrize("job", ["calibration", "CALIBRATION", "Calibration", "cAlIbRaTiOn"])
def test_variant_lookup_is_case_insensitive(prep: StepSpecification, job: str) -> None:
    assert prep.variant_key(job) == "Calibration"
    assert prep.for_job(job).output("test").kind == "model_artifacts"  # type: ignore[union-attr]


def test_an_exact_variant_key_wins_over_a_case_insensitive_one() -> None:
    spec = make(outputs=[{"logical_name": "o"}], job_type_variants={
        "training": {"outputs": {"o": {"aliases": ["lower"]}}},
        "Training": {"outputs": {"o": {"aliases": ["upper"]}}},
    })
    assert spec.for_job("Training").outputs[0].aliases == ("upper",)
    assert spec.for_job("training").outputs[0].aliases == ("lower",)


@pytest.mark.parametrize("job", [None, "testing", "train"])
def test_a_job_type_without_a_variant_uses_the_base_spec(prep: StepSpecification, job: str | None) -> None:
    assert prep.variant_key(job) is None
    assert prep.for_job(job) is prep


def test_the_effective_spec_has_no_variants_of_its_own(prep: StepSpecification) -> None:
    assert prep.for_job("calibration").job_type_variants == {}


@pytest.mark.parametrize(("section", "message"), [
    ("dependencies", "job_type_variants.testing.dependencies: 'ghost' is not a dependency of this step"),
    ("outputs", "job_type_variants.testing.outputs: 'ghost' is not an output of this step"),
])
def test_a_variant_naming_a_port_that_does_not_exist_is_refused(section: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        make(dependencies=[{"logical_name": "x"}], outputs=[{"logical_name": "y"}],
             job_type_variants={"testing": {section: {"ghost": {"required": False}}}})
    assert message in str(info.value)


def test_a_variant_cannot_name_a_dependency_as_an_output() -> None:
    with pytest.raises(ValidationError, match="'x' is not an output of this step"):
        make(dependencies=[{"logical_name": "x"}], job_type_variants={"testing": {"outputs": {"x": {}}}})


def test_an_override_with_an_unknown_field_is_refused_at_load_time() -> None:
    with pytest.raises(ValidationError) as info:
        make(dependencies=[{"logical_name": "x"}],
             job_type_variants={"training": {"dependencies": {"x": {"requird": False}}}})
    text = str(info.value)
    assert "job_type_variants.training.dependencies.x.requird: unknown field 'requird'" in text
    assert "did you mean 'required'?" in text


def test_an_override_with_an_invalid_value_is_refused_at_load_time() -> None:
    with pytest.raises(ValidationError) as info:
        make(dependencies=[{"logical_name": "x"}],
             job_type_variants={"calibration": {"dependencies": {"x": {"data_types": []}}}})
    assert ("job_type_variants.calibration.dependencies.x.data_types: "
            "a dependency must accept at least one data type") in str(info.value)


def test_an_override_cannot_rename_a_port() -> None:
    spec = make(outputs=[{"logical_name": "o"}],
                job_type_variants={"training": {"outputs": {"o": {"logical_name": "renamed", "aliases": ["a"]}}}})
    assert [o.logical_name for o in spec.for_job("training").outputs] == ["o"]


def test_a_variant_with_an_unknown_section_is_refused() -> None:
    with pytest.raises(ValidationError, match="dependncies"):
        make(dependencies=[{"logical_name": "x"}], job_type_variants={"training": {"dependncies": {}}})
