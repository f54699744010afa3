"""Fixtures of the config tests."""

from __future__ import annotations

import pytest
from fraud_pipeline import context

from specwire.configs import GenerationContext


@pytest.fixture
def fraud_context() -> GenerationContext:
    return context(tags={"team": "risk"})
