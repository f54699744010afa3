"""The user's face: the fluent `Pipeline` API, pipeline files, and the actions on a built pipeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from specwire.pipeline.api import Pipeline

__all__ = ["Pipeline"]


def __getattr__(name: str) -> Any:
    # Imported on first use (PEP 562): the command line reaches `pipeline.plugins` to load plugins
    # and must not pay for the fluent API's modules on the way.
    if name == "Pipeline":
        from specwire.pipeline.api import Pipeline

        globals()["Pipeline"] = Pipeline
        return Pipeline
    raise AttributeError(f"module 'specwire.pipeline' has no attribute {name!r}")
