"""From a resolved plan and its configs to a real SageMaker pipeline definition, offline.

    from specwire.builders import definition_json, script_uploads

    text = definition_json(resolved, configs, name="fraud")   # JSON, schema 2020-12-01
    for local_path, s3_uri in script_uploads(resolved, configs):
        ...                                                   # upload at deploy time

One builder per config class (`BUILDERS`, keyed by step type), with no dependency logic; the
assembler (`assembler.py`) passes each consumer the property reference of its provider's output.
Importing this package does not import the SageMaker SDK; building does (about 2 s).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from specwire.builders.base import BuildContext, BuiltStep, OutputRef, StepBuilder
from specwire.builders.offline import offline_environment
from specwire.builders.registry import BUILDERS, builder_for, register_builder
from specwire.builders.uploads import script_uploads

if TYPE_CHECKING:
    from specwire.configs.base import StepConfig
    from specwire.plan import ResolvedPipeline


def build_pipeline(resolved: ResolvedPipeline, configs: Mapping[str, StepConfig], *, name: str) -> Any:
    """The SageMaker `Pipeline` (SDK object) of a resolved plan and its configs, built offline."""
    from specwire.builders.assembler import build_pipeline as build

    return build(resolved, configs, name=name)


def definition_json(resolved: ResolvedPipeline, configs: Mapping[str, StepConfig], *, name: str) -> str:
    """The pipeline definition JSON; byte-identical for the same inputs."""
    from specwire.builders.assembler import definition_json as build

    return build(resolved, configs, name=name)


__all__ = [
    "BUILDERS",
    "BuildContext",
    "BuiltStep",
    "OutputRef",
    "StepBuilder",
    "build_pipeline",
    "builder_for",
    "definition_json",
    "offline_environment",
    "register_builder",
    "script_uploads",
]
