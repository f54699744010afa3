"""Names are normalised one way, for every script, and distinct names never collide silently."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specwire.errors import SpecPackError
from specwire.specs.names import collision_key, norm_name, step_key
from specwire.specs.registry import load_registry


def test_every_script_keeps_its_letters() -> None:
    assert norm_name("音频") == "音频" != norm_name("图像") == "图像"
    assert norm_name("Données Brutes") == "données_brutes"
    assert norm_name("изображения") == "изображения"
    assert norm_name("डेटा") == "डेटा"  # vowel signs (marks) stay inside the word


def test_separators_case_camel_and_compatibility_forms_are_one_name() -> None:
    assert norm_name("ModelArtifacts") == norm_name("model-artifacts") == norm_name(" model_artifacts ") \
        == "model_artifacts"
    assert norm_name("S3Uri") == "s3_uri" and norm_name("XMLFile") == "xml_file"
    assert norm_name("ｄａｔａ") == "data"  # full-width letters (NFKC)
    assert norm_name("STRASSE") == norm_name("straße")  # case folding, not lower()
    assert norm_name("ÉTÉ") == norm_name("e\u0301te\u0301")  # composed and decomposed accents


def test_symbols_that_normalising_drops_are_told_apart() -> None:
    assert norm_name("C++") == norm_name("C#") == "c"
    assert collision_key("C++") != collision_key("C#")
    assert collision_key("ModelArtifacts") == collision_key("model_artifacts")
    assert step_key("dataloading") == step_key("DataLoading") == step_key("ＤａｔａＬｏａｄｉｎｇ")


def _pack(path: Path, out_type: str, in_type: str, sources: str = "[Loader]") -> Path:
    path.write_text(
        "specs:\n"
        "  - step_type: Loader\n    sagemaker_step_kind: Processing\n"
        f"    outputs: [{{logical_name: data_out, kind: processing_output, data_type: {out_type!r}}}]\n"
        "  - step_type: Consumer\n    sagemaker_step_kind: Processing\n"
        f"    dependencies: [{{logical_name: data_in, required: true, data_types: [{in_type!r}],"
        f" compatible_sources: {sources}}}]\n", encoding="utf-8")
    return path


def test_a_pack_whose_types_differ_only_by_normalisation_is_refused_naming_both(tmp_path: Path) -> None:
    with pytest.raises(SpecPackError) as info:
        load_registry([_pack(tmp_path / "p.yaml", "C++", "C#")])
    assert "'C++'" in info.value.message and "'C#'" in info.value.message
    assert "Consumer.dependencies.data_in.data_types" in info.value.message
    load_registry([_pack(tmp_path / "q.yaml", "ModelArtifacts", "model_artifacts")])  # one type, two spellings


def test_step_types_differing_only_in_case_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("- {step_type: Loader, sagemaker_step_kind: Processing}\n"
                    "- {step_type: LOADER, sagemaker_step_kind: Processing}\n", encoding="utf-8")
    with pytest.raises(SpecPackError, match="'LOADER' differs from 'Loader'"):
        load_registry([path])


_generic = {"s3", "s3uri", "s3_uri"}
_type_text = st.text(st.characters(categories=("Lu", "Ll", "Lo", "Nd", "Pd", "Sm", "So", "Zs")), min_size=1,
                     max_size=6)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(out_type=_type_text, in_type=_type_text)
def test_random_unicode_types_match_only_when_equal_after_normalisation(out_type: str, in_type: str) -> None:
    import tempfile

    from specwire.engine.stage_one import build_index

    if norm_name(out_type) in _generic or norm_name(in_type) in _generic or out_type.strip() != out_type \
            or in_type.strip() != in_type:
        return
    with tempfile.TemporaryDirectory() as folder:
        pack = _pack(Path(folder) / "p.yaml", out_type.replace("'", "x"), in_type.replace("'", "x"))
        out_type, in_type = out_type.replace("'", "x"), in_type.replace("'", "x")
        try:
            registry = load_registry([pack])
        except SpecPackError as exc:
            assert norm_name(out_type) == norm_name(in_type) and collision_key(out_type) != collision_key(in_type)
            assert repr(out_type) in exc.message or repr(in_type) in exc.message
            return
        matched = bool(build_index(registry).quality)
        assert matched == (norm_name(out_type) == norm_name(in_type))


def test_a_case_typo_in_compatible_sources_matches_like_the_typo_check_says(tmp_path: Path) -> None:
    from specwire.engine.stage_one import build_index

    registry = load_registry([_pack(tmp_path / "p.yaml", "tabular", "tabular", "[loader]")])
    assert not registry.warnings  # the check accepts `loader` as Loader ...
    index = build_index(registry)
    assert (("Loader", None), "data_out", ("Consumer", None), "data_in") in index.quality  # ... and so does matching
    assert not index.external
    typo = load_registry([_pack(tmp_path / "q.yaml", "tabular", "tabular", "[Loadr]")])
    assert typo.warnings and "'Loadr' names no known step type" in typo.warnings[0].message
