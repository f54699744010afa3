"""Progress of a local run as each step starts and ends (rich), like `specwire deploy --wait`.

On a terminal: a live table of every step (waiting, executing, succeeded, failed, not run) with
its seconds and failure reason. Elsewhere (a pipe, a CI log): one line per step as it ends.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from specwire.errors import printable
from specwire.local.results import StepResult

STYLE = {"Succeeded": "green", "Failed": "red", "Executing": "cyan", "NotRun": "dim", "Waiting": "dim"}


class LocalProgress:
    """`with LocalProgress(name, steps) as progress: run_definition(..., on_step=progress.update)`."""

    def __init__(self, pipeline_name: str, console: Any = None) -> None:
        from rich.console import Console

        self.pipeline_name = pipeline_name
        self.console = console or Console(stderr=True, highlight=False, emoji=False)
        self.steps: dict[str, StepResult] = {}
        self.started: dict[str, float] = {}
        self._live: Any = None

    def __enter__(self) -> LocalProgress:
        if self.console.is_terminal:
            from rich.live import Live

            self._live = Live(self._table(), console=self.console, refresh_per_second=4, transient=False)
            self._live.__enter__()
        return self

    def update(self, step: StepResult) -> None:
        self.steps[step.name] = step
        if step.status == "Executing":
            self.started[step.name] = time.perf_counter()
        if self._live is not None:
            self._live.update(self._table())
        elif step.status != "Executing":
            from rich.markup import escape

            reason = f": {escape(printable(step.failure_reason))}" if step.failure_reason else ""
            self.console.print(f"[{STYLE.get(step.status, '')}]{step.status:>9}[/] {escape(printable(step.name))} "
                               f"({escape(printable(step.type))}, {step.seconds:.1f} s){reason}")

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._live is not None:
            self._live.update(self._table())
            self._live.__exit__(kind, exc, tb)

    def _table(self) -> Any:
        from rich.table import Table
        from rich.text import Text

        table = Table(title=f"{printable(self.pipeline_name)}: local run", title_justify="left", box=None)
        for column in ("step", "type", "status", "seconds"):
            table.add_column(column)
        table.add_column("reason", overflow="fold")
        for step in self.steps.values():
            seconds = step.seconds
            if step.status == "Executing":
                seconds = time.perf_counter() - self.started.get(step.name, time.perf_counter())
            # A failed script's message is the script's text: shown, never obeyed by the terminal.
            table.add_row(Text(printable(step.name)), Text(printable(step.type)),
                          Text(step.status, style=STYLE.get(step.status, "")),
                          Text(f"{seconds:.1f}"), Text(printable(step.failure_reason or "")))
        return table
