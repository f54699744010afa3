"""The built-in catalog's stage one shipped as specwire/engine/builtin_index.json."""

from __future__ import annotations

from pathlib import Path

import pytest

from specwire.engine import catalog_index, stage_one
from specwire.engine.catalog_index import MATCH_RULES, catalog_fingerprint, profile_keys
from specwire.engine.fast import builtin_index
from specwire.engine.solver import builtin_rule_file
from specwire.engine.stage_one import build_index
from specwire.specs.registry import load_registry


def test_the_shipped_index_is_the_built_in_catalogs_stage_one_today() -> None:
    key, computed = builtin_index.current()
    shipped = builtin_index.PATH.read_text(encoding="utf-8")
    assert shipped == builtin_index.encode(computed, key), (
        "specwire/engine/builtin_index.json is stale (a rule file or a built-in spec changed): "
        "run `python -m specwire.engine.fast.builtin_index` and commit the file")


def test_decoding_gives_back_every_cached_field() -> None:
    key, computed = builtin_index.current()
    decoded = builtin_index.decode(builtin_index.encode(computed, key), computed.profiles, computed.files)
    for name in catalog_index._CACHED_FIELDS:
        assert getattr(decoded, name) == getattr(computed, name), name


def test_a_fresh_machine_uses_the_shipped_index_and_computes_nothing(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    monkeypatch.delenv("SPECWIRE_CACHE", raising=False)
    monkeypatch.setenv("SPECWIRE_CACHE_DIR", str(tmp_path / "empty"))
    monkeypatch.setattr(stage_one, "_CACHE", {})

    def refuse(*_: object) -> None:
        raise AssertionError("stage one was computed although the shipped index matches")

    monkeypatch.setattr(catalog_index, "_compute", refuse)
    index = build_index(load_registry())
    assert index.quality and index.reasons
    assert not (tmp_path / "empty").exists()  # nothing needed writing


@pytest.mark.parametrize("damage", ["key", "body"])
def test_a_stale_or_damaged_file_is_ignored(damage: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    registry = load_registry()
    files = [builtin_rule_file(name) for name in MATCH_RULES]
    key = catalog_fingerprint(registry, files)
    text = builtin_index.PATH.read_text(encoding="utf-8")
    broken = text.replace(key, "0" * len(key)) if damage == "key" else text[: len(text) // 2]
    fake = tmp_path / "builtin_index.json"
    fake.write_text(broken, encoding="utf-8")
    monkeypatch.setattr(builtin_index, "PATH", fake)
    assert builtin_index.load(key, dict(profile_keys(registry)), files) is None


def test_another_catalog_never_takes_the_shipped_index(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text("step_type: Extra\nsagemaker_step_kind: Processing\ndependencies:\n"
                    "  - {logical_name: raw_data, kind: processing_output, required: true,"
                    " data_types: [raw_tabular], compatible_sources: [DataLoading]}\n", encoding="utf-8")
    # Every cache on, none of them holding this catalog: only the shipped index could answer wrongly.
    monkeypatch.delenv("SPECWIRE_CACHE", raising=False)
    monkeypatch.setenv("SPECWIRE_CACHE_DIR", str(tmp_path / "empty"))
    monkeypatch.setattr(stage_one, "_CACHE", {})
    calls: list[int] = []
    real = catalog_index._compute

    def counting(*args: object) -> catalog_index.CatalogIndex:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(catalog_index, "_compute", counting)
    index = build_index(load_registry(["builtin", pack]))
    assert calls == [1]
    assert ("Extra", None) in index.profiles
    extra_matches = [m for m in index.quality if ("Extra", None) in (m[0], m[2])]
    assert extra_matches, "DataLoading feeds the extra step's input: its matches must be computed"
    _, builtin = builtin_index.current()
    assert index.quality != builtin.quality


def test_the_key_covers_the_python_that_writes_the_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = load_registry()
    files = [builtin_rule_file(name) for name in MATCH_RULES]
    before = catalog_fingerprint(registry, files)
    monkeypatch.setattr(catalog_index, "_code_digest", lambda: "edited")
    assert catalog_fingerprint(registry, files) != before
    assert builtin_index.load(catalog_fingerprint(registry, files), dict(profile_keys(registry)), files) is None
