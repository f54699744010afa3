"""Step specifications: dependency and output contracts, and the registry that loads them."""

from specwire.specs.models import (
    STANDARD_JOB_TYPES,
    DependencySpec,
    JobTypeVariant,
    OutputSpec,
    StepKind,
    StepSpecification,
)
from specwire.specs.registry import BUILTIN, SpecRegistry, load_registry

__all__ = [
    "BUILTIN",
    "STANDARD_JOB_TYPES",
    "DependencySpec",
    "JobTypeVariant",
    "OutputSpec",
    "SpecRegistry",
    "StepKind",
    "StepSpecification",
    "load_registry",
]
