"""The spec registry: the built-in catalog, spec packs in every accepted shape, and the errors a user sees."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import specwire.specs.files
from specwire.errors import SpecPackError, UnknownStepError
from specwire.specs.models import StepKind
from specwire.specs.registry import (
    SpecRegistry,
    builtin_catalog_files,
    load_registry,
    split_qualified_source,
)

BUILTIN_TYPES = sorted([
    "DataLoading", "TabularPreprocessing", "MissingValueImputation", "FeatureSelection", "XGBoostTraining",
    "LightGBMTraining", "PyTorchTraining", "HyperparameterTuning", "ModelEvaluation", "ModelCalibration",
    "ModelExplainability", "CreateModel", "BatchTransform", "ModelRegistration", "QualityGate", "DataQualityCheck",
])

WriteFile = Callable[[str, str | bytes], Path]

SPEC_A = "step_type: Alpha\noutputs:\n  - {logical_name: out, data_type: things}\n"
SPEC_B = ("step_type: Beta\ndependencies:\n  - {logical_name: inp, data_types: [things], "
          "compatible_sources: [Alpha]}\n")


def load_error(*paths: str | Path) -> str:
    with pytest.raises(SpecPackError) as info:
        load_registry(list(paths))
    return info.value.message


# --------------------------------------------------------------------------- the built-in catalog


@pytest.fixture(scope="module")
def builtin() -> SpecRegistry:
    return load_registry()


def test_builtin_catalog_holds_exactly_the_readme_step_types(builtin: SpecRegistry) -> None:
    assert builtin.step_types() == BUILTIN_TYPES
    assert len(builtin) == 16


def test_builtin_is_the_default_and_has_a_name() -> None:
    assert load_registry().step_types() == load_registry(["builtin"]).step_types() == load_registry([]).step_types()


def test_builtin_catalog_is_consistent(builtin: SpecRegistry) -> None:
    # every compatible source names a known step type: a typo there would never match
    assert builtin.warnings == []
    files = {str(p) for p in builtin_catalog_files()}
    assert {builtin.source(t) for t in builtin.step_types()} == files


def test_builtin_specs_read_as_a_practitioner_would(builtin: SpecRegistry) -> None:
    def accepts(step: str, dep: str) -> set[str]:
        d = builtin.get(step).dependency(dep)
        assert d is not None, f"{step} has no dependency {dep}"
        return set(d.data_types)

    raw = builtin.get("DataLoading").outputs[0].data_type
    for trainer in ("XGBoostTraining", "LightGBMTraining", "PyTorchTraining"):
        spec = builtin.get(trainer)
        assert spec.sagemaker_step_kind is StepKind.TRAINING
        assert raw not in accepts(trainer, "training_data")  # training needs processed data, not raw
        assert "model_artifacts" in {o.data_type for o in spec.outputs}
    assert raw in accepts("TabularPreprocessing", "raw_data")
    evaluation = builtin.get("ModelEvaluation")
    assert {d.data_types[0] for d in evaluation.dependencies if d.required} >= {"model_artifacts", "processed_tabular"}
    registration = {t for d in builtin.get("ModelRegistration").dependencies if d.required for t in d.data_types}
    assert {"model_artifacts", "evaluation_metrics"} <= registration
    assert builtin.get("QualityGate").sagemaker_step_kind is StepKind.CONDITION


def test_iteration_is_sorted_and_lookup_names_close_matches(builtin: SpecRegistry) -> None:
    assert [s.step_type for s in builtin] == BUILTIN_TYPES
    assert "DataLoading" in builtin and "Dataloading" not in builtin
    with pytest.raises(UnknownStepError) as info:
        builtin.get("XGBoostTrainin")
    assert info.value.message == "unknown step type 'XGBoostTrainin'"
    assert info.value.suggested_fix is not None
    assert info.value.suggested_fix.startswith("did you mean 'XGBoostTraining'")
    assert "XGBoostTraining" in info.value.compatible_sources


def test_lookup_with_no_close_match_points_at_steps_list(builtin: SpecRegistry) -> None:
    with pytest.raises(UnknownStepError) as info:
        builtin.get("Qwertyuiop")
    assert info.value.suggested_fix == "run `specwire steps list` to see the step types of the catalog"


# --------------------------------------------------------------------------- pack formats


def test_single_spec_mapping(write_file: WriteFile) -> None:
    registry = load_registry([write_file("a.yaml", SPEC_A)])
    assert registry.step_types() == ["Alpha"]
    assert registry.get("Alpha").outputs[0].data_type == "things"


def test_list_of_specs(write_file: WriteFile) -> None:
    path = write_file("pack.yml", "- " + SPEC_A.replace("\n", "\n  ").rstrip() + "\n- " +
                      SPEC_B.replace("\n", "\n  ").rstrip() + "\n")
    assert load_registry([path]).step_types() == ["Alpha", "Beta"]


def test_specs_key_with_version_and_description(write_file: WriteFile) -> None:
    doc = {"version": 1, "description": "team pack", "specs": [{"step_type": "Alpha"}, {"step_type": "Beta"}]}
    registry = load_registry([write_file("pack.json", json.dumps(doc))])
    assert registry.step_types() == ["Alpha", "Beta"]
    assert registry.warnings == []


def test_json_pack_with_every_field(write_file: WriteFile) -> None:
    spec = {
        "step_type": "Fraud", "sagemaker_step_kind": "Training", "description": "d",
        "dependencies": [{"logical_name": "x", "kind": "training_data", "required": False, "data_types": ["t"],
                          "compatible_sources": [], "semantic_keywords": ["k"], "aliases": ["y"],
                          "description": "dd"}],
        "outputs": [{"logical_name": "m", "kind": "model_artifacts", "data_type": "model", "aliases": [],
                     "semantic_keywords": ["model"], "property_path": "properties.ModelArtifacts.S3ModelArtifacts",
                     "description": ""}],
        "job_type_variants": {"training": {"dependencies": {"x": {"required": True}}, "outputs": {}}},
    }
    registry = load_registry([write_file("fraud.json", json.dumps(spec))])
    loaded = registry.get("Fraud")
    assert loaded.sagemaker_step_kind is StepKind.TRAINING
    assert loaded.outputs[0].property_path == "properties.ModelArtifacts.S3ModelArtifacts"
    assert loaded.for_job("TRAINING").dependencies[0].required is True


def test_folder_of_packs_recursively(write_file: WriteFile, tmp_path: Path) -> None:
    write_file("packs/a.yaml", SPEC_A)
    write_file("packs/nested/b.YML", SPEC_B)
    write_file("packs/nested/c.json", json.dumps({"specs": [{"step_type": "Gamma"}]}))
    write_file("packs/README.md", "not a pack: step_type: Nope")
    write_file("packs/notes.txt", "\x00 binary")
    registry = load_registry([tmp_path / "packs"])
    assert registry.step_types() == ["Alpha", "Beta", "Gamma"]
    assert registry.source("Beta") == str(tmp_path / "packs" / "nested" / "b.YML")
    assert registry.warnings == []


def test_builtin_combined_with_a_user_pack(write_file: WriteFile) -> None:
    pack = write_file("mine/fraud.yaml", (
        "step_type: FraudFeatureEngineering\n"
        "dependencies:\n"
        "  - {logical_name: input_data, data_types: [processed_tabular], compatible_sources: [TabularPreprocessing]}\n"
        "outputs:\n  - {logical_name: features, data_type: processed_tabular}\n"
    ))
    registry = load_registry(["builtin", pack.parent])
    assert registry.step_types() == sorted([*BUILTIN_TYPES, "FraudFeatureEngineering"])
    assert registry.source("FraudFeatureEngineering") == str(pack)
    assert registry.warnings == []  # TabularPreprocessing is known because builtin is loaded too


def test_a_user_pack_alone_replaces_the_builtin_catalog(write_file: WriteFile) -> None:
    registry = load_registry([write_file("a.yaml", SPEC_A)])
    assert "DataLoading" not in registry


def test_pack_order_does_not_change_the_catalog(write_file: WriteFile) -> None:
    a, b = write_file("a.yaml", SPEC_A), write_file("b.yaml", SPEC_B)
    one, two = load_registry([a, b]), load_registry([b, a])
    assert one.step_types() == two.step_types()
    assert [s.model_dump() for s in one] == [s.model_dump() for s in two]


def test_yaml_reads_json_content_and_the_bom_is_ignored(write_file: WriteFile) -> None:
    path = write_file("a.yaml", "\ufeff" + json.dumps({"step_type": "Alpha"}))
    assert load_registry([path]).step_types() == ["Alpha"]


def test_yaml_merge_keys_are_not_duplicates(write_file: WriteFile) -> None:
    path = write_file("a.yaml", (
        "- step_type: Alpha\n"
        "  outputs:\n"
        "    - &base {logical_name: one, data_type: things, semantic_keywords: [k]}\n"
        "    - <<: *base\n"
        "      logical_name: two\n"
    ))
    outs = load_registry([path]).get("Alpha").outputs
    assert [(o.logical_name, o.data_type, o.semantic_keywords) for o in outs] == [
        ("one", "things", ("k",)), ("two", "things", ("k",))]


# --------------------------------------------------------------------------- errors a user sees


def test_malformed_yaml_names_file_line_and_column(write_file: WriteFile) -> None:
    path = write_file("bad.yaml", "step_type: Alpha\noutputs: [a\n  - logical_name: x: y\n")
    message = load_error(path)
    assert message.startswith(f"{path}:3:")
    assert "invalid YAML in spec pack" in message


def test_malformed_yaml_points_at_the_offending_position(write_file: WriteFile) -> None:
    path = write_file("bad.yaml", "step_type: Alpha\ndescription: a\n  outputs: x\n")
    # libyaml says "... allowed in this context", PyYAML "... allowed here"
    assert load_error(path).startswith(f"{path}:3:10: invalid YAML in spec pack: mapping values are not allowed")


def test_invalid_json_names_file_line_and_column(write_file: WriteFile) -> None:
    path = write_file("bad.json", '{"step_type": "Alpha",\n "outputs": [,]}')
    assert load_error(path) == f"{path}:2:14: invalid JSON in spec pack: Expecting value"


def test_json_extension_is_parsed_strictly(write_file: WriteFile) -> None:
    path = write_file("yamlish.json", "step_type: Alpha\n")
    assert load_error(path).startswith(f"{path}:1:1: invalid JSON in spec pack")


def test_unknown_field_names_file_path_and_suggestion(write_file: WriteFile) -> None:
    path = write_file("typo.yaml", "step_type: Alpha\ndependencies:\n  - logical_name: x\n    data_typs: [a]\n")
    assert load_error(path) == (
        f"{path}: Alpha.dependencies[0].data_typs: unknown field 'data_typs' (did you mean 'data_types'?)")


def test_unknown_top_level_field_in_a_list_entry(write_file: WriteFile) -> None:
    path = write_file("typo.yaml", "- step_type: Alpha\n- step_type: Beta\n  outputz: []\n")
    assert load_error(path) == f"{path}: [1] (Beta).outputz: unknown field 'outputz' (did you mean 'outputs'?)"


def test_unknown_output_field_suggests_an_output_field(write_file: WriteFile) -> None:
    path = write_file("typo.yaml", "step_type: Alpha\noutputs:\n  - {logical_name: o, data_types: [x]}\n")
    assert load_error(path) == (
        f"{path}: Alpha.outputs[0].data_types: unknown field 'data_types' (did you mean 'data_type'?)")


def test_missing_required_field(write_file: WriteFile) -> None:
    path = write_file("missing.yaml", "step_type: Alpha\noutputs:\n  - {data_type: things}\n")
    assert load_error(path) == f"{path}: Alpha.outputs[0].logical_name: required field is missing"


def test_missing_step_type(write_file: WriteFile) -> None:
    path = write_file("missing.yaml", "sagemaker_step_kind: Processing\n")
    assert load_error(path) == f"{path}: step_type: required field is missing"


def test_a_bad_variant_override_is_refused_with_file_and_field(write_file: WriteFile) -> None:
    path = write_file("variant.yaml", (
        "step_type: Alpha\ndependencies: [{logical_name: x}]\n"
        "job_type_variants:\n  calibration:\n    dependencies:\n      x: {semantic_keyword: [c]}\n"
    ))
    assert load_error(path) == (
        f"{path}: Alpha: job_type_variants.calibration.dependencies.x.semantic_keyword: "
        "unknown field 'semantic_keyword' (did you mean 'semantic_keywords'?)")


def test_a_variant_naming_an_unknown_port_is_refused_with_file(write_file: WriteFile) -> None:
    path = write_file("variant.yaml", (
        "step_type: Alpha\noutputs: [{logical_name: o}]\n"
        "job_type_variants:\n  training:\n    outputs:\n      p: {aliases: [x]}\n"
    ))
    assert load_error(path) == f"{path}: Alpha: job_type_variants.training.outputs: 'p' is not an output of this step"


def test_the_same_step_type_twice_in_one_file(write_file: WriteFile) -> None:
    path = write_file("twice.yaml", "- step_type: Alpha\n- step_type: Beta\n- step_type: Alpha\n")
    with pytest.raises(SpecPackError) as info:
        load_registry([path])
    assert info.value.message == f"{path}: step type 'Alpha' is declared twice"
    assert info.value.suggested_fix == "keep one declaration, or rename one of the step types"


def test_the_same_step_type_in_two_files_names_both(write_file: WriteFile, tmp_path: Path) -> None:
    first = write_file("packs/a.yaml", SPEC_A)
    second = write_file("packs/b.yaml", SPEC_A.replace("things", "other"))
    assert load_error(tmp_path / "packs") == f"{second}: step type 'Alpha' is declared in both {first} and {second}"


def test_a_user_pack_redeclaring_a_builtin_step_names_both_files(write_file: WriteFile) -> None:
    mine = write_file("mine.yaml", "step_type: DataLoading\n")
    builtin_file = next(p for p in builtin_catalog_files() if p.name == "data_loading.yaml")
    assert load_error("builtin", mine) == (
        f"{mine}: step type 'DataLoading' is declared in both {builtin_file} and {mine}")


@pytest.mark.parametrize("content", ["", "   \n", "# only a comment\n", "---\n"])
def test_empty_file(write_file: WriteFile, content: str) -> None:
    path = write_file("empty.yaml", content)
    assert load_error(path) == f"{path}: the spec pack is empty"


def test_empty_json_file(write_file: WriteFile) -> None:
    path = write_file("empty.json", "")
    assert load_error(path).startswith(f"{path}:1:1: invalid JSON in spec pack")


def test_nul_bytes_are_refused_as_binary(write_file: WriteFile) -> None:
    path = write_file("bin.yaml", b"step_type: Alpha\x00\x01\x02\n")
    assert load_error(path) == f"{path}: holds binary data (a NUL byte); a spec pack must be YAML or JSON text"


def test_non_utf8_bytes_are_refused(write_file: WriteFile) -> None:
    path = write_file("latin1.yaml", "step_type: Café\n".encode("latin-1"))
    assert load_error(path) == f"{path}: is not UTF-8 text (byte 14); a spec pack must be YAML or JSON"


def test_random_binary_garbage_is_refused_without_a_crash(write_file: WriteFile) -> None:
    path = write_file("garbage.json", bytes(range(256)) * 4)
    assert load_error(path).startswith(f"{path}: ")


def test_a_path_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "pack.yaml"
    with pytest.raises(SpecPackError) as info:
        load_registry([missing])
    assert info.value.message == f"{missing}: no such file"
    assert info.value.suggested_fix == "check the path of the spec pack"


@pytest.mark.parametrize("files", [{}, {"README.md": "# docs", "notes.txt": "step_type: X"}])
def test_a_folder_with_no_packs(write_file: WriteFile, tmp_path: Path, files: dict[str, str]) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    for name, text in files.items():
        write_file(f"empty/{name}", text)
    assert load_error(folder) == f"{folder}: the folder holds no .yaml, .yml or .json spec pack"


def test_an_over_size_file_is_refused_before_parsing(write_file: WriteFile, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_file("big.yaml", SPEC_A)
    monkeypatch.setattr(specwire.specs.files, "MAX_DOCUMENT_BYTES", 16)
    with pytest.raises(SpecPackError) as info:
        load_registry([path])
    size = len(SPEC_A.encode())
    assert info.value.message == f"{path}: {size} bytes is larger than the 16 bytes limit for a spec pack"
    assert info.value.suggested_fix == "split it into several files in a folder"


def test_a_file_at_the_size_limit_is_read(write_file: WriteFile, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_file("exact.yaml", SPEC_A)
    monkeypatch.setattr(specwire.specs.files, "MAX_DOCUMENT_BYTES", len(SPEC_A.encode()))
    assert load_registry([path]).step_types() == ["Alpha"]


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("dup.yaml", "step_type: Alpha\noutputs: []\noutputs:\n  - {logical_name: x}\n",
     "{path}:3:1: invalid YAML in spec pack: duplicate key 'outputs'"),
    ("dup.json", '{"step_type": "Alpha", "step_type": "Beta"}',
     "{path}: invalid JSON in spec pack: duplicate key 'step_type'"),
])
def test_a_key_given_twice_is_refused_not_silently_dropped(
    write_file: WriteFile, name: str, content: str, expected: str
) -> None:
    path = write_file(name, content)
    assert load_error(path) == expected.format(path=path)


@pytest.mark.parametrize(("content", "expected"), [
    ("just a string\n", "expected a step specification, a list of them, or {specs: [...]}, found str"),
    ("42\n", "expected a step specification, a list of them, or {specs: [...]}, found int"),
    ("specs: {step_type: Alpha}\n", "'specs' must be a list of step specifications"),
    ("specs: []\nspecz: 1\n", "unknown top-level field 'specz' (expected 'specs')"),
    ("- step_type: Alpha\n- just text\n", "[1] must be a mapping, found str"),
])
def test_documents_of_the_wrong_shape(write_file: WriteFile, content: str, expected: str) -> None:
    path = write_file("shape.yaml", content)
    assert load_error(path) == f"{path}: {expected}"


def test_a_folder_given_where_a_file_is_read(tmp_path: Path) -> None:
    from specwire.specs.files import read_document

    with pytest.raises(SpecPackError, match="is a folder, expected a spec pack file"):
        read_document(tmp_path, what="spec pack", error=SpecPackError)


def test_errors_are_spec_pack_errors_with_exit_code_2(write_file: WriteFile) -> None:
    path = write_file("bad.yaml", "step_type: [\n")
    with pytest.raises(SpecPackError) as info:
        load_registry([path])
    assert info.value.exit_code == 2
    assert info.value.to_dict()["kind"] == "spec_pack"
    assert info.value.to_dict()["message"] == info.value.message


# --------------------------------------------------------------------------- compatible-source warnings


def test_a_source_naming_no_known_type_warns_with_a_suggestion(write_file: WriteFile) -> None:
    path = write_file("pack.yaml", "- step_type: Alpha\n- step_type: Beta\n  dependencies:\n"
                      "    - {logical_name: inp, compatible_sources: [Alpah, Zzzzzzzz, Alpha]}\n")
    registry = load_registry([path])
    assert [(w.source, w.message) for w in registry.warnings] == [
        (str(path), "Beta.dependencies.inp.compatible_sources: 'Alpah' names no known step type "
                    "(did you mean 'Alpha'?)"),
        (str(path), "Beta.dependencies.inp.compatible_sources: 'Zzzzzzzz' names no known step type"),
    ]
    assert registry.check_sources() == registry.warnings  # the check is repeatable


@pytest.mark.parametrize("source", ["Alpha", "alpha", "Alpha:training", "Alpha_Training", "Alpha-Calibration",
                                    "ALPHA_validation", "Alpha:custom_job"])
def test_qualified_and_case_variant_sources_are_known(write_file: WriteFile, source: str) -> None:
    path = write_file("pack.yaml", "- step_type: Alpha\n- step_type: Beta\n  dependencies:\n"
                      f"    - {{logical_name: inp, compatible_sources: ['{source}']}}\n")
    assert load_registry([path]).warnings == []


def test_a_typo_inside_a_variant_override_warns_once(write_file: WriteFile) -> None:
    path = write_file("pack.yaml", (
        "- step_type: Alpha\n"
        "- step_type: Beta\n"
        "  dependencies: [{logical_name: inp, compatible_sources: [Alpah]}]\n"
        "  job_type_variants:\n"
        "    training: {dependencies: {inp: {compatible_sources: [Alpah_Training]}}}\n"
        "    testing: {dependencies: {inp: {semantic_keywords: [t]}}}\n"
    ))
    messages = [w.message for w in load_registry([path]).warnings]
    assert messages == [
        "Beta.dependencies.inp.compatible_sources: 'Alpah' names no known step type (did you mean 'Alpha'?)",
        "Beta.dependencies.inp.compatible_sources: 'Alpah_Training' names no known step type "
        "(did you mean 'Alpha'?)",
    ]


def test_warnings_do_not_depend_on_pack_order(write_file: WriteFile) -> None:
    a = write_file("a.yaml", "step_type: A1\ndependencies: [{logical_name: x, compatible_sources: [Nope1]}]\n")
    b = write_file("b.yaml", "step_type: B1\ndependencies: [{logical_name: x, compatible_sources: [Nope2]}]\n")
    assert load_registry([a, b]).warnings == load_registry([b, a]).warnings


@pytest.mark.parametrize(("source", "expected"), [
    ("TabularPreprocessing:training", ("TabularPreprocessing", "training")),
    ("T:training", ("T", "training")),
    ("T:Custom", ("T", "custom")),
    ("T_Training", ("T", "training")),
    ("T-Calibration", ("T", "calibration")),
    ("FeatureSelection_validation", ("FeatureSelection", "validation")),
    ("Risk_Table_Mapping", ("Risk_Table_Mapping", None)),
    ("Model_Eval", ("Model_Eval", None)),
    ("My_Step_testing", ("My_Step", "testing")),
    ("Plain", ("Plain", None)),
    ("T:", ("T", None)),
])
def test_split_qualified_source(source: str, expected: tuple[str, str | None]) -> None:
    assert split_qualified_source(source) == expected


# --------------------------------------------------------------------------- the cursus format


@pytest.fixture(scope="module")
def cursus(cursus_dir: Path) -> SpecRegistry:
    return load_registry([cursus_dir / "specs.json"])


def test_cursus_catalog_imports_61_step_types(cursus: SpecRegistry, cursus_dir: Path) -> None:
    raw = json.loads((cursus_dir / "specs.json").read_text())
    assert len(cursus) == 61
    assert cursus.step_types() == sorted(e["step_type"] for e in raw["step_specifications"])
    assert {cursus.source(t) for t in cursus.step_types()} == {str(cursus_dir / "specs.json")}


def test_cursus_variants_are_kept_per_step(cursus: SpecRegistry) -> None:
    with_variants = sorted(s.step_type for s in cursus if s.job_type_variants)
    assert len(with_variants) == 7
    assert {"CradleDataLoading", "FeatureSelection", "BatchTransform"} <= set(with_variants)
    assert set(cursus.get("CradleDataLoading").job_type_variants) >= {"training", "calibration", "generic"}


def test_cursus_output_override_is_deep_merged(cursus: SpecRegistry) -> None:
    cradle = cursus.get("CradleDataLoading")
    base = cradle.output("DATA")
    calib = cradle.for_job("calibration").output("DATA")
    assert base is not None and calib is not None
    assert "calibration" not in base.semantic_keywords
    assert "calibration" in calib.semantic_keywords
    assert calib.kind == "processing_output"  # from the override's cursus `type` key
    assert calib.aliases == base.aliases  # not named by the override: kept from the base
    assert calib.property_path == "properties.ProcessingOutputConfig.Outputs['DATA'].S3Output.S3Uri"
    assert cradle.for_job("Calibration").output("DATA") == calib


def test_cursus_dependency_override_is_deep_merged(cursus: SpecRegistry) -> None:
    fs = cursus.get("FeatureSelection")
    base = fs.dependency("model_artifacts_input")
    calib = fs.for_job("calibration").dependency("model_artifacts_input")
    assert base is not None and calib is not None
    assert base.required is False and calib.required is True
    assert calib.compatible_sources == ("FeatureSelection_Training",)
    assert calib.semantic_keywords == base.semantic_keywords
    assert fs.for_job("unheard_of") is fs


def test_cursus_fields_map_to_specwire_fields(cursus: SpecRegistry) -> None:
    xgb = cursus.get("XGBoostTraining")
    assert xgb.sagemaker_step_kind is StepKind.TRAINING
    dep = xgb.dependency("input_path")
    assert dep is not None
    assert dep.kind == "training_data"  # dependency_type -> kind
    assert dep.data_types == ("S3Uri",)  # data_type (one string) -> data_types
    assert cursus.get("CradleDataLoading").sagemaker_step_kind is StepKind.CUSTOM  # an internal SDK step


def test_cursus_warnings_name_unknown_sources_with_suggestions(cursus: SpecRegistry) -> None:
    messages = [w.message for w in cursus.warnings]
    assert ("DummyDataLoading.dependencies.INPUT_DATA.compatible_sources: 'DataUploadStep' names no known "
            "step type (did you mean 'DataUploading'?)") in messages
    # a qualified source of a known type is not a typo
    assert not any("FeatureSelection_Training" in m or "TabularPreprocessing-" in m for m in messages)


CURSUS_SMALL = {
    "step_specifications": {
        "Loader": {
            "step_type": "Loader", "sagemaker_step_type": "Processing", "node_type": "source",
            "dependencies": [],
            "outputs": [{"logical_name": "DATA", "output_type": "processing_output", "data_type": "S3Uri",
                         "aliases": None, "property_path": "p", "semantic_keywords": ["data"]}],
            "job_type_variants": {
                "calibration": {"dependency_overrides": {}, "output_overrides": {
                    "DATA": {"type": "model_artifacts", "semantic_keywords": ["calibration"]}}},
            },
        },
        "Trainer": {
            "step_type": "Trainer", "sagemaker_step_type": "Training",
            "dependencies": {"input_path": {"dependency_type": "training_data", "required": True,
                                            "compatible_sources": ["Loader"], "data_type": "S3Uri"}},
            "outputs": [],
        },
    },
}


def test_cursus_type_key_maps_to_kind_and_mapping_shapes_are_read(write_file: WriteFile) -> None:
    registry = load_registry([write_file("cat.json", json.dumps(CURSUS_SMALL))])
    loader = registry.get("Loader")
    assert loader.output("DATA").kind == "processing_output"  # type: ignore[union-attr]
    calib = loader.for_job("calibration").output("DATA")
    assert calib is not None
    assert (calib.kind, calib.semantic_keywords, calib.property_path) == ("model_artifacts", ("calibration",), "p")
    trainer = registry.get("Trainer")
    assert trainer.dependency("input_path").kind == "training_data"  # type: ignore[union-attr]
    assert registry.warnings == []


def test_cursus_format_is_detected_by_content_in_yaml_too(write_file: WriteFile) -> None:
    import yaml

    registry = load_registry([write_file("cat.yaml", yaml.safe_dump(CURSUS_SMALL))])
    assert registry.step_types() == ["Loader", "Trainer"]


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda d: d["step_specifications"]["Loader"].update(colour="red"),
     "step_specifications[0] (Loader).colour: unknown field in a cursus step specification"),
    (lambda d: d["step_specifications"]["Loader"]["outputs"][0].update(output_typ="x"),
     "step_specifications[0] (Loader).outputs[0].output_typ: unknown field in a cursus port specification"),
    (lambda d: d["step_specifications"]["Loader"]["job_type_variants"]["calibration"].update(extra={}),
     "step_specifications[0] (Loader).job_type_variants.calibration.extra: unknown field in a job-type variant"),
    (lambda d: d.update(step_specifications=3),
     "step_specifications must be a list or a mapping of step specifications"),
])
def test_cursus_errors_name_the_field(
    write_file: WriteFile, mutate: Callable[[dict[str, Any]], None], expected: str
) -> None:
    doc = json.loads(json.dumps(CURSUS_SMALL))
    mutate(doc)
    path = write_file("cat.json", json.dumps(doc))
    assert load_error(path) == f"{path}: {expected}"
