"""types.lp: kinds and data types decide whether an output may feed a dependency at all."""

from __future__ import annotations

from rulekit import catalog, dep, out, pipeline, ports, spec


def test_a_dependency_refuses_an_output_of_another_data_type(resolve):
    reg = catalog(
        spec("Load", outs=[out("data", "raw_tabular", keywords=["tabular"])]),
        spec("Train", deps=[dep("data", ["processed_tabular"], sources=["Load"], keywords=["tabular"])]),
    )
    result = resolve(reg, pipeline("Load", "Train"))
    assert ports(result) == set()
    assert [d.kind for d in result.errors] == ["missing_dependency"]


def test_the_generic_s3_type_accepts_any_s3_output_but_not_a_name(resolve):
    reg = catalog(
        spec("Prep", outs=[out("table", "processed_tabular")]),
        spec("Namer", outs=[out("table", "model_name", kind="model_name")]),
        spec("Sink", deps=[dep("table", ["S3Uri"], sources=["Prep", "Namer"])]),
    )
    result = resolve(reg, pipeline("Prep", "Namer", "Sink"))
    assert ports(result) == {("Prep", "table", "Sink", "table")}


def test_kinds_must_fit_even_when_the_source_is_listed(resolve):
    reg = catalog(
        spec("Model", outs=[out("name", "S3Uri", kind="model_name")]),
        spec("Train", deps=[dep("name", ["S3Uri"], kind="training_data", sources=["Model"])]),
    )
    assert ports(resolve(reg, pipeline("Model", "Train"))) == set()


def test_processing_output_feeds_a_training_channel(resolve):
    reg = catalog(
        spec("Prep", outs=[out("train", "processed_tabular", kind="processing_output")]),
        spec("Train", deps=[dep("train", ["processed_tabular"], kind="training_data", sources=["Prep"])]),
    )
    assert ports(resolve(reg, pipeline("Prep", "Train"))) == {("Prep", "train", "Train", "train")}
