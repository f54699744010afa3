"""S3 URIs as folders of the workdir (prefix semantics), and the steps' order and branches."""

from __future__ import annotations

from pathlib import Path

import pytest

from specwire.errors import BadInputError
from specwire.local.steps import flatten
from specwire.local.storage import LocalS3

from .local_support import definition, output_ref, processing_step


def put(s3: LocalS3, uri: str, text: str = "x") -> None:
    path = s3.path(uri)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_prefix_brings_every_object_under_it_with_the_rest_of_its_key(tmp_path: Path) -> None:
    s3 = LocalS3(tmp_path / "s3")
    put(s3, "s3://b/out/test_data/test.csv")
    put(s3, "s3://b/out/test_data/_schema.json")
    put(s3, "s3://b/out/test_data/deep/part-1.csv")
    put(s3, "s3://b/out/test_data_2/other.csv")
    target = tmp_path / "in"
    assert s3.download("s3://b/out/test_data/", target) == 3
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()) == [
        "_schema.json", "deep/part-1.csv", "test.csv"]
    # without the trailing slash, S3's prefix also matches test_data_2 (as on SageMaker)
    assert s3.download("s3://b/out/test_data", tmp_path / "in2") == 4
    # a key named exactly: the one object, under its own name
    assert s3.download("s3://b/out/test_data/test.csv", tmp_path / "in3") == 1
    assert (tmp_path / "in3" / "test.csv").is_file()
    assert not s3.exists("s3://b/out/nothing")


def test_local_files_and_folders_are_read_in_place(tmp_path: Path) -> None:
    s3 = LocalS3(tmp_path / "s3")
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("a\n1\n", encoding="utf-8")
    assert s3.download(str(data), tmp_path / "in") == 1
    assert s3.download(str(data / "a.csv"), tmp_path / "in2") == 1
    assert (tmp_path / "in2" / "a.csv").read_text(encoding="utf-8") == "a\n1\n"
    assert not (tmp_path / "s3").exists()


def test_steps_run_after_what_they_reference_and_inside_their_branch() -> None:
    gate = {"Name": "gate", "Type": "Condition", "Arguments": {
        "Conditions": [{"Type": "Equals", "LeftValue": {"Get": "Steps.load.ProcessingJobName"}, "RightValue": "x"}],
        "IfSteps": [processing_step("use", "u.py", inputs={"d": output_ref("prep", "out")})],
        "ElseSteps": [{"Name": "stop", "Type": "Fail", "Arguments": {"ErrorMessage": "no"}}]}}
    # written out of order: prep references load, load comes later in the list
    nodes = flatten(definition(processing_step("prep", "p.py", inputs={"d": output_ref("load", "raw")},
                                               outputs=("out",)),
                               gate, processing_step("load", "l.py", outputs=("raw",))))
    assert [n.name for n in nodes] == ["load", "prep", "gate", "use", "stop"]
    use = next(n for n in nodes if n.name == "use")
    assert use.guards == (("gate", "IfSteps"),) and use.waits_for == {"gate", "prep"}


def test_a_cycle_or_an_unknown_reference_is_bad_input() -> None:
    a = processing_step("a", "a.py", inputs={"d": output_ref("b", "o")}, outputs=("o",))
    b = processing_step("b", "b.py", inputs={"d": output_ref("a", "o")}, outputs=("o",))
    with pytest.raises(BadInputError, match="wait for each other"):
        flatten(definition(a, b))
    with pytest.raises(BadInputError, match="references ghost"):
        flatten(definition(processing_step("c", "c.py", inputs={"d": output_ref("ghost", "o")})))
