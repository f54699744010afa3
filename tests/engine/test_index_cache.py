"""Stage one's disk cache is data: planted, forged or racing entries never run code or change an answer."""

from __future__ import annotations

import json
import os
import pickle
import stat
import threading
from pathlib import Path

import pytest

from specwire.engine import catalog_index, index_cache, stage_one
from specwire.engine.catalog_index import MATCH_RULES, CatalogIndex, catalog_fingerprint, profile_keys
from specwire.engine.solver import builtin_rule_file
from specwire.engine.stage_one import build_index
from specwire.specs.registry import load_registry

FILES = [builtin_rule_file(name) for name in MATCH_RULES]


def _pack(accepts: str) -> str:
    """Two steps; the consumer's one input accepts `accepts` (the provider writes tabular data)."""
    return (
        "specs:\n"
        "  - step_type: Loader\n    sagemaker_step_kind: Processing\n"
        "    outputs: [{logical_name: data_out, kind: processing_output, data_type: raw_tabular,"
        " semantic_keywords: [tabular, data]}]\n"
        "  - step_type: Consumer\n    sagemaker_step_kind: Processing\n"
        f"    dependencies: [{{logical_name: data_in, kind: processing_output, required: true, data_types: [{accepts}],"
        " compatible_sources: [Loader], semantic_keywords: [tabular, data]}]\n"
    )


class _Payload:
    """Unpickling this makes a folder: the marker that code from the cache ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (str(self.marker),))



def _fresh(pack: Path) -> CatalogIndex:
    """What stage one is for the pack's content now, computed without any cache."""
    registry = load_registry([pack])
    return catalog_index._compute(dict(profile_keys(registry)), FILES)


def _cached(pack: Path, monkeypatch: pytest.MonkeyPatch) -> CatalogIndex:
    """What a new process gets (the memory cache is empty; the disk cache is what it is)."""
    monkeypatch.setattr(stage_one, "_CACHE", {})
    return build_index(load_registry([pack]))


def _same(a: CatalogIndex, b: CatalogIndex) -> bool:
    return all(getattr(a, name) == getattr(b, name) for name in catalog_index._CACHED_FIELDS)


def test_the_folder_is_made_private_under_any_umask(cache: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(_pack("raw_tabular"), encoding="utf-8")
    old = os.umask(0)
    try:
        _cached(pack, monkeypatch)
    finally:
        os.umask(old)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    entries = list(cache.iterdir())
    assert [p.suffix for p in entries] == [".json"]
    assert stat.S_IMODE(entries[0].stat().st_mode) == 0o600
    json.loads(entries[0].read_text(encoding="utf-8"))  # plain data


@pytest.mark.parametrize("name", ["json", "pickle"])
def test_a_planted_pickle_never_runs_and_never_changes_the_answer(name: str, cache: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(_pack("raw_tabular"), encoding="utf-8")
    key = catalog_fingerprint(load_registry([pack]), FILES)
    marker = tmp_path / "code-ran"
    index_cache.usable_dir(cache, create=True)
    (cache / f"index-{key}.{name}").write_bytes(pickle.dumps(_Payload(marker)))
    assert _same(_cached(pack, monkeypatch), _fresh(pack))
    assert not marker.exists()


def _forgeries(honest: str, key: str) -> dict[str, str]:
    data = json.loads(honest)
    match = data["matches"][0]
    out: dict[str, str] = {}
    # An edge the specs reject (tabular data into an images-only input) with no points or reasons.
    out["forged match"] = json.dumps({**data, "matches": [[match[0], match[1], match[2], match[3], 30, False, [], []]]})
    out["quality not the sum"] = json.dumps({**data, "matches": [[*match[:4], match[4] + 50, *match[5:]]]})
    out["unknown output"] = json.dumps({**data, "matches": [[match[0], "nope", *match[2:]]]})
    out["unknown profile"] = json.dumps({**data, "external": [[["Ghost", None], "x"]]})
    out["another key"] = json.dumps({**data, "key": "0" * 64})
    out["extra section"] = json.dumps({**data, "more": []})
    out["wrong type"] = json.dumps({**data, "weak_words": "abc"})
    out["boolean quality"] = json.dumps({**data, "matches": [[*match[:4], True, *match[5:]]]})
    out["not an object"] = json.dumps([data])
    out["truncated"] = honest[: len(honest) // 2]
    out["not utf-8"] = "\udcff"
    return out


def test_forged_or_damaged_entries_are_recomputed_and_rewritten(cache: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(_pack("raw_tabular"), encoding="utf-8")
    right = _cached(pack, monkeypatch)
    assert right.quality, "the loader feeds the consumer"
    (entry,) = cache.iterdir()
    honest = entry.read_text(encoding="utf-8")
    key = catalog_fingerprint(load_registry([pack]), FILES)
    # The same ports, but the consumer accepts images only: a forged entry must not make them match.
    images = tmp_path / "images.yaml"
    images.write_text(_pack("images"), encoding="utf-8")
    images_key = catalog_fingerprint(load_registry([images]), FILES)
    assert not _fresh(images).quality
    for what, text in _forgeries(honest, key).items():
        for target, expected_pack in ((key, pack), (images_key, images)):
            planted = text.replace(key, target)
            (cache / f"index-{target}.json").write_bytes(planted.encode("utf-8", "surrogateescape"))
            got = _cached(expected_pack, monkeypatch)
            if what == "another key" or (target == key and planted == honest):
                continue
            assert _same(got, _fresh(expected_pack)), what
    # The honest entry of the images pack is never its tabular twin's.
    assert not _cached(images, monkeypatch).quality


def test_a_shared_folder_is_refused_with_a_message(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    cache.mkdir(mode=0o700)
    os.chmod(cache, 0o777)
    pack = tmp_path / "pack.yaml"
    pack.write_text(_pack("raw_tabular"), encoding="utf-8")
    key = catalog_fingerprint(load_registry([pack]), FILES)
    honest = index_cache.encode(_fresh(pack), key)
    # A world-writable folder could hold anything: even an honest-looking entry is not read.
    data = json.loads(honest)
    data["matches"] = []
    (cache / f"index-{key}.json").write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(index_cache, "_warned", set())
    assert _same(_cached(pack, monkeypatch), _fresh(pack))
    err = capsys.readouterr().err
    assert str(cache) in err and "others can write" in err and "chmod 700" in err
    assert [p.name for p in cache.iterdir()] == [f"index-{key}.json"]  # nothing written there either


@pytest.mark.skipif(not hasattr(os, "chown") or os.geteuid() != 0, reason="needs root to give a folder away")
def test_a_folder_of_another_user_is_refused(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    cache.mkdir(mode=0o700)
    os.chown(cache, 54321, -1)
    pack = tmp_path / "pack.yaml"
    pack.write_text(_pack("raw_tabular"), encoding="utf-8")
    monkeypatch.setattr(index_cache, "_warned", set())
    assert _same(_cached(pack, monkeypatch), _fresh(pack))
    assert "owned by another user" in capsys.readouterr().err
    assert not list(cache.iterdir())


def test_a_pack_swapped_during_reads_never_poisons_the_cache(cache: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """An editor's save (write a copy, rename it over the pack) racing many runs."""
    pack = tmp_path / "pack.yaml"
    versions = [_pack("raw_tabular").encode(), _pack("images").encode()]
    pack.write_bytes(versions[0])
    stop = threading.Event()

    def swap() -> None:
        turn = 0
        while not stop.is_set():
            turn += 1
            temp = tmp_path / f".pack.{turn}.tmp"
            temp.write_bytes(versions[turn % 2])
            os.replace(temp, pack)
            stop.wait(0.002)

    swapper = threading.Thread(target=swap)
    swapper.start()
    try:
        for _ in range(40):
            monkeypatch.setattr(stage_one, "_CACHE", {})
            registry = load_registry([pack])
            index = build_index(registry)
            assert _same(index, catalog_index._compute(dict(profile_keys(registry)), FILES))
    finally:
        stop.set()
        swapper.join()
    for content in versions:  # what the disk holds for each version, read by a later run, is right
        pack.write_bytes(content)
        assert _same(_cached(pack, monkeypatch), _fresh(pack))
