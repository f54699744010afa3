"""specwire: spec-driven Amazon SageMaker pipelines, wired and explained by clingo.

`import specwire` stays light: the engine, the config layer, the SageMaker SDK and boto3 are
imported only by the methods that need them. `specwire.Pipeline` itself is imported on first use
(PEP 562), so the command line, which never uses it, does not pay for the fluent API's modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from specwire.pipeline.api import Pipeline

__all__ = ["Pipeline"]


def __getattr__(name: str) -> Any:
    if name == "Pipeline":
        from specwire.pipeline.api import Pipeline

        globals()["Pipeline"] = Pipeline
        return Pipeline
    raise AttributeError(f"module 'specwire' has no attribute {name!r}")
