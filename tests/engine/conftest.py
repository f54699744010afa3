"""Fixtures of the rule tests; the builders live in `rulekit`."""

from __future__ import annotations

from typing import Any

import pytest
from rulekit import Resolve

from specwire.engine.pipeline_def import PipelineDefinition
from specwire.engine.resolver import ResolveOptions, Resolver
from specwire.plan import ResolvedPipeline
from specwire.specs.registry import SpecRegistry, load_registry


@pytest.fixture
def resolve() -> Resolve:
    def run(registry: SpecRegistry, definition: PipelineDefinition, **options: Any) -> ResolvedPipeline:
        return Resolver(registry).resolve(definition, ResolveOptions(**options))

    return run


@pytest.fixture(scope="session")
def builtin() -> SpecRegistry:
    return load_registry()


