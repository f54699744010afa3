"""Intents as goals: what a pipeline must end up doing, found in the catalog by contract.

`Pipeline(...).auto_train_xgboost(uri)` does not list steps. It states a goal — *an evaluated
XGBoost model trained from the raw tabular data at `uri`* — and this module finds, in whatever
catalog is loaded, the step types that state's endpoints need by reading their specifications:

- a **source**: a step with no required input that produces raw tabular data;
- a **trainer**: a training step whose model output is tagged with the framework;
- an **evaluator**: a step that needs a trained model and produces evaluation metrics.

Everything between them (cleaning and splitting the data, for the built-in catalog) is left to
the engine's gap filling, so a catalog with another preprocessing chain gets that chain instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from specwire.errors import BadInputError
from specwire.specs.models import StepKind, StepSpecification
from specwire.specs.registry import SpecRegistry

#: Data types the goals are written in (the built-in catalog's vocabulary).
RAW_DATA = "raw_tabular"
MODEL = "model_artifacts"
METRICS = "evaluation_metrics"


@dataclass(frozen=True)
class Requirement:
    """One endpoint of a goal: a role, how a spec qualifies for it, and how to say so."""

    role: str
    description: str
    test: Callable[[StepSpecification], bool]

    def candidates(self, registry: SpecRegistry) -> list[str]:
        return sorted(spec.step_type for spec in registry if self.test(spec))


def _source(spec: StepSpecification) -> bool:
    return not any(d.required for d in spec.dependencies) and any(o.data_type == RAW_DATA for o in spec.outputs)


def _trainer(framework: str) -> Callable[[StepSpecification], bool]:
    def test(spec: StepSpecification) -> bool:
        if spec.sagemaker_step_kind is not StepKind.TRAINING:
            return False
        return any(
            o.data_type == MODEL and framework in {w.lower() for w in o.semantic_keywords} for o in spec.outputs
        )

    return test


def _evaluator(spec: StepSpecification) -> bool:
    needs_model = any(d.required and MODEL in d.data_types for d in spec.dependencies)
    return needs_model and any(o.data_type == METRICS for o in spec.outputs)


@dataclass(frozen=True)
class TrainingGoal:
    """An evaluated model of `framework`, trained from raw tabular data."""

    framework: str

    def requirements(self) -> tuple[Requirement, ...]:
        return (
            Requirement("source", f"reads {RAW_DATA} data (no required input, a {RAW_DATA} output)", _source),
            Requirement(
                "trainer",
                f"trains a {self.framework} model (a Training step with a {MODEL} output tagged "
                f"'{self.framework}')",
                _trainer(self.framework),
            ),
            Requirement("evaluator", f"evaluates a model (needs {MODEL}, produces {METRICS})", _evaluator),
        )

    def describe(self) -> str:
        return f"an evaluated {self.framework} model trained from the raw tabular data"

    def step_types(self, registry: SpecRegistry) -> dict[str, str]:
        """Role -> the one step type of the catalog that fills it; an error names what is missing."""
        chosen: dict[str, str] = {}
        for requirement in self.requirements():
            found = requirement.candidates(registry)
            if not found:
                raise BadInputError(
                    f"goal {self.describe()!r}: the catalog has no step that {requirement.description}",
                    suggested_fix="add a spec for it to the catalog (--catalog builtin --catalog my_steps/), or "
                    "build the pipeline step by step with add_step()",
                )
            if len(found) > 1:
                raise BadInputError(
                    f"goal {self.describe()!r}: {len(found)} steps of the catalog could be the {requirement.role} "
                    f"({', '.join(found)})",
                    suggested_fix="name the step you want with add_step(STEP_TYPE)",
                    compatible_sources=found,
                )
            chosen[requirement.role] = found[0]
        return chosen
