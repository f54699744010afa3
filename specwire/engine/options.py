"""How a resolve runs: the options every caller (CLI, API, policy tests, benchmarks) passes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from clingo import Symbol

#: Default solver time limit in seconds; on expiry the best wiring so far is returned.
DEFAULT_TIMEOUT = 60.0

@dataclass(frozen=True)
class ResolveOptions:
    fill_gaps: bool = False
    suggest: bool = True
    rule_files: tuple[Path, ...] = ()
    timeout: float | None = DEFAULT_TIMEOUT
    why_not: tuple[tuple[str, str], ...] = ()
    ignore_edges: bool = False
    #: Validate a hand-written DAG: only its edges are wired, and inputs they leave empty are errors.
    strict_edges: bool = False
    max_insert_depth: int = 3
    extra_facts: tuple[Symbol, ...] = field(default=())
    #: With policy files: solve again without their preferences, to say which preference decided.
    explain_preferences: bool = False
    #: time.monotonic() by which the answer must be back (engine/bounded.py): the solver gets what is left.
    deadline: float | None = None
    #: Who reads the messages: a fix names a setting as a Python caller writes it (`fill_gaps=True`)
    #: or as a command-line flag (`--fill-gaps`).
    interface: Literal["python", "cli"] = "python"
