"""What a local run reports: each step's status, time, files and failure reason.

JSON contract (`specwire run --local --format json`, `RunResult.to_dict()`):

    {"ok": bool, "workdir": str, "parameters": {...},
     "steps": [{"name", "type", "status": "Succeeded"|"Failed"|"NotRun", "seconds",
                "outputs": {name: local path}, "failure_reason"}]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["Executing", "Succeeded", "Failed", "NotRun"]


@dataclass
class StepResult:
    name: str
    type: str
    status: Status = "NotRun"
    seconds: float = 0.0
    outputs: dict[str, str] = field(default_factory=dict)
    failure_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "status": self.status, "seconds": round(self.seconds, 3),
                "outputs": dict(self.outputs), "failure_reason": self.failure_reason}


@dataclass
class RunResult:
    workdir: str
    parameters: dict[str, Any]
    steps: list[StepResult]
    #: Ctrl-C stopped the run (the step that was running is Failed, the rest NotRun).
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.interrupted and not self.failed

    @property
    def failed(self) -> list[StepResult]:
        return [s for s in self.steps if s.status == "Failed"]

    def step(self, name: str) -> StepResult:
        for result in self.steps:
            if result.name == name:
                return result
        raise KeyError(name)

    @property
    def exit_code(self) -> int:
        """0 the run succeeded, 1 a step failed or a Fail step was reached, 130 stopped by Ctrl-C."""
        if self.interrupted:
            return 130
        return 0 if self.ok else 1

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "workdir": self.workdir, "parameters": dict(self.parameters),
                "steps": [s.to_dict() for s in self.steps]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)

    def summary(self) -> str:
        """One line: how the run ended."""
        ran = sum(1 for s in self.steps if s.status != "NotRun")
        seconds = sum(s.seconds for s in self.steps)
        if self.interrupted:
            return f"run stopped by Ctrl-C after {ran} of {len(self.steps)} steps"
        if self.ok:
            return f"run succeeded: {ran} steps in {seconds:.1f} s (the other {len(self.steps) - ran} not on the " \
                   "branch taken)" if ran < len(self.steps) else f"run succeeded: {ran} steps in {seconds:.1f} s"
        first = self.failed[0]
        return f"run failed at {first.name} ({first.type}): {first.failure_reason}"
