"""Pipeline(...) checks each argument against its annotation: a wrong one is a ConfigError naming it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from specwire import Pipeline
from specwire.errors import BadInputError, ConfigError


@pytest.mark.parametrize(("argument", "value", "takes"), [
    ("tags", 3, "Mapping[str, str] | None"),
    ("timeout", "abc", "float | None"),
    ("data_size_gb", "big", "float | None"),
    ("retry_attempts", "3x", "int"),
    ("retry_attempts", True, "int"),
    ("subnets", 5, "Sequence[str]"),
    ("subnets", "subnet-1", "Sequence[str]"),  # a string is not a list of subnets
    ("prefix", 5, "str"),
    ("catalog", 5, "SpecRegistry | Sequence[str | Path] | None"),
    ("rules", 5, "Sequence[str | Path]"),
    ("fill_gaps", "no", "bool"),
    ("version", 1, "str"),
])
def test_a_wrong_argument_is_named_with_what_it_takes(argument: str, value: Any, takes: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Pipeline("fraud", **{argument: value})
    assert f"{argument}={value!r}" in raised.value.message
    assert raised.value.suggested_fix == f"pass {argument} as {takes}"


def test_right_arguments_are_kept_as_given() -> None:
    pipeline = Pipeline("fraud", timeout=30, data_size_gb=2, tags={"team": "risk"}, rules=[Path("a.lp")],
                        catalog=("specs.yaml",), subnets=("subnet-1",), environment="dev", cache="P30d",
                        retry_attempts=0)
    assert (pipeline.timeout, pipeline.data_size_gb, pipeline.tags, pipeline.subnets) == (
        30, 2, {"team": "risk"}, ["subnet-1"])


def test_an_unknown_environment_keeps_its_did_you_mean() -> None:
    with pytest.raises(BadInputError, match="did you mean 'prod'"):
        Pipeline("fraud", environment="prd")


@pytest.mark.parametrize(("call", "message"), [
    (lambda p: p.add_step(5), "add_step(): step_type=5 is not accepted"),
    (lambda p: p.connect(1, 2), "connect(): source=1 is not accepted"),
    (lambda p: p.load_data("s3://fraud-data/raw/", data_format="xls"), "load_data(): data_format='xls'"),
    (lambda p: p.load_data("s3://fraud-data/raw/", validation_split="a fifth"), "validation_split='a fifth'"),
])
def test_a_fluent_call_with_a_wrong_argument_names_it_and_leaves_the_pipeline_as_it_was(
        call: Any, message: str) -> None:
    pipeline = Pipeline("fraud").load_data("s3://fraud-data/raw/")
    before = list(pipeline._steps)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(pipeline)
    assert pipeline._steps == before
