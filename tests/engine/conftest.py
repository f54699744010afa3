"""Fixtures of the rule tests; the builders live in `rulekit`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rulekit import Resolve, answer

from specwire.engine import stage_one
from specwire.engine.pipeline_def import PipelineDefinition
from specwire.engine.resolver import ResolveOptions, Resolver
from specwire.plan import ResolvedPipeline
from specwire.specs.registry import SpecRegistry, load_registry


@pytest.fixture
def resolve() -> Resolve:
    """Resolve with the whole catalog's stage one, and check that a stage one scoped to the
    pipeline (engine/stage_one.py, grown on demand) gives the same answer in every rule test."""

    def run(registry: SpecRegistry, definition: PipelineDefinition, **options: Any) -> ResolvedPipeline:
        whole = Resolver(registry, scoped=False).resolve(definition, ResolveOptions(**options))
        scoped = Resolver(registry, scoped=True).resolve(definition, ResolveOptions(**options))
        assert answer(scoped) == answer(whole)
        return whole

    return run


@pytest.fixture(scope="session")
def builtin() -> SpecRegistry:
    return load_registry()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty stage-one cache folder of the test's own, and no index held in process."""
    folder = tmp_path / "cache"
    monkeypatch.delenv("SPECWIRE_CACHE", raising=False)
    monkeypatch.setenv("SPECWIRE_CACHE_DIR", str(folder))
    monkeypatch.setattr(stage_one, "_CACHE", {})
    monkeypatch.setattr(stage_one, "_SCOPED", {})
    return folder
