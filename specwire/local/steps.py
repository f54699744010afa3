"""The steps of a built definition, flattened, with what each waits for.

A ConditionStep's `IfSteps` and `ElseSteps` are steps of the pipeline too: each is *guarded* by
the branch it sits in. A step waits for every step its arguments reference (`Get:
Steps.NAME...`, also inside `Std:Join` and `Std:JsonGet`), the steps of its `DependsOn`, and the
condition whose branch holds it. The order is the definition's, moved only as far as these
waits require (SageMaker runs ready steps in parallel; a local run runs them one by one).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from specwire.errors import BadInputError

BRANCHES = ("IfSteps", "ElseSteps")


@dataclass
class StepNode:
    name: str
    type: str
    raw: Mapping[str, Any]
    #: (condition step, "IfSteps" or "ElseSteps") the step runs under.
    guards: tuple[tuple[str, str], ...] = ()
    waits_for: set[str] = field(default_factory=set)


def _references(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "Get" and isinstance(item, str) and item.startswith("Steps."):
                yield item.split(".", 2)[1].split("[", 1)[0]
            elif key not in BRANCHES:
                yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def load_definition(definition: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(definition, Mapping):
        return dict(definition)
    try:
        document = json.loads(definition)
    except ValueError as exc:
        raise BadInputError(f"the pipeline definition is not JSON: {exc}",
                            suggested_fix="pass the JSON `specwire build` writes") from None
    if not isinstance(document, dict) or not isinstance(document.get("Steps"), list):
        raise BadInputError("the pipeline definition has no Steps list",
                            suggested_fix="pass the JSON `specwire build` writes")
    return document


def flatten(document: Mapping[str, Any]) -> list[StepNode]:
    """Every step, condition branches included, in definition order, with its waits."""
    nodes: list[StepNode] = []

    def visit(steps: list[Any], guards: tuple[tuple[str, str], ...]) -> None:
        for raw in steps:
            if not isinstance(raw, Mapping) or not isinstance(raw.get("Name"), str):
                raise BadInputError(f"a step of the definition has no Name: {str(raw)[:80]}")
            node = StepNode(raw["Name"], str(raw.get("Type", "?")), raw, guards)
            node.waits_for.update(_references(raw.get("Arguments")))
            node.waits_for.update(str(d) for d in raw.get("DependsOn") or [])
            node.waits_for.update(condition for condition, _ in guards)
            nodes.append(node)
            if node.type == "Condition":
                arguments = raw.get("Arguments") or {}
                for branch in BRANCHES:
                    visit(list(arguments.get(branch) or []), (*guards, (node.name, branch)))

    visit(list(document.get("Steps") or []), ())
    names = [n.name for n in nodes]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise BadInputError(f"the definition names more than one step {', '.join(duplicates)}")
    known = set(names)
    for node in nodes:
        node.waits_for.discard(node.name)
        unknown = sorted(node.waits_for - known)
        if unknown:
            raise BadInputError(f"step {node.name!r} references {', '.join(unknown)}, which the definition lacks")
    return order(nodes)


def order(nodes: list[StepNode]) -> list[StepNode]:
    """Definition order, each step after everything it waits for."""
    placed: list[StepNode] = []
    done: set[str] = set()
    pending = list(nodes)
    while pending:
        ready = next((n for n in pending if n.waits_for <= done), None)
        if ready is None:
            names = ", ".join(n.name for n in pending)
            raise BadInputError(f"the steps {names} wait for each other (a cycle)")
        placed.append(ready)
        done.add(ready.name)
        pending.remove(ready)
    return placed
