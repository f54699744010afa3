"""The user's face: the fluent `Pipeline` API, pipeline files, and the actions on a built pipeline."""

from specwire.pipeline.api import Pipeline

__all__ = ["Pipeline"]
