"""Shared by the policy tests: a private stage-one cache, and no policy settings or SPECWIRE_POLICY_PATH
from the developer's environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPECWIRE_CACHE_DIR", str(tmp_path_factory.mktemp("specwire-cache")))
        yield


@pytest.fixture(autouse=True)
def _no_outside_policies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in an empty folder (no settings file) with no SPECWIRE_POLICY_PATH."""
    monkeypatch.delenv("SPECWIRE_POLICY_PATH", raising=False)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
