"""A thin layer over clingo: rule files with readable errors, facts through the backend,
deterministic options, and a bounded solve."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import clingo
from clingo import Control, Symbol

from specwire.engine.fast.specialise import Signature
from specwire.errors import RuleFileError

#: Options that make answers repeatable: one thread, a fixed seed, the same heuristics.
DETERMINISTIC = ["--parallel-mode=1", "--seed=0", "--warn=none"]

#: clasp's core-guided optimisation (unsatisfiable cores, OLL, one priority level at a time).
#: Branch-and-bound, which improves one wiring at a time, did not prove the optimum of a
#: 100-node synthetic pipeline in 40 s; core-guided search proves it in 0.03 s (benchmarks/RESULTS.md).
OPTIMISATION = ["--opt-strategy=usc,oll,stratify"]

#: Core-guided search finds a wiring only once a priority level is optimal, and its first ones can
#: be poor. When it has not finished within its share of the time limit, branch-and-bound with
#: clingo's domain heuristic (choose.lp's `#heuristic`: each input's best link first, which is
#: usually close to the optimum) gets the rest, and the better of the wirings found is kept.
FALLBACK_SHARE = 0.2
FALLBACK = {"opt_strategy": "bb,hier", "heuristic": "Domain"}

_LOCATION = re.compile(r"^(?P<file>.*?):(?P<line>\d+):(?P<col>\d+)(?:-\d+(?::\d+)?)?:\s*(?P<rest>.*)$", re.S)


#: The rule files of stage two (the wiring), in the order the resolver loads them.
WIRING_RULES = ("jobs.lp", "gaps.lp", "choose.lp", "order.lp", "diagnose.lp", "objective.lp", "explain.lp")


@cache
def builtin_rule_file(name: str) -> Path:
    return Path(str(resources.files("specwire.rules") / name))


@dataclass
class Messages:
    """What clingo's logger said, kept so a bare `RuntimeError("parsing failed")` can be explained."""

    lines: list[str] = field(default_factory=list)

    def __call__(self, code: clingo.MessageCode, message: str) -> None:
        self.lines.append(message.strip())

    def errors(self) -> list[str]:
        return [m for m in self.lines if ": error:" in m or "error:" in m.split("\n", 1)[0]]


def format_clingo_message(message: str) -> str:
    """`file:1:5-7: error: syntax error, ...` -> `file:1:5: syntax error, ...`."""
    first = message.strip().splitlines()[0] if message.strip() else message
    match = _LOCATION.match(first)
    if not match:
        return first
    rest = re.sub(r"^(error|info|warning):\s*", "", match["rest"]).strip()
    return f"{match['file']}:{match['line']}:{match['col']}: {rest}"


def new_control(extra: Sequence[str] = (), messages: Messages | None = None) -> Control:
    return Control([*DETERMINISTIC, *OPTIMISATION, *extra], logger=messages or Messages(), message_limit=50)


def load_rules(ctl: Control, files: Iterable[Path], messages: Messages,
               facts: frozenset[Signature] | None = None, without: frozenset[Signature] = frozenset()) -> None:
    """Load rule files; a syntax error becomes a RuleFileError with `file:line:col: message`.

    specwire's own files are added as one program text (engine/builtin_rules.py). Given `facts`
    (the predicates that have facts), it leaves out the rules that cannot fire; that needs every
    file to be specwire's own, since the rules of all of them are read together.
    """
    from specwire.engine.fast import builtin_rules

    own_dir = builtin_rule_file("choose.lp").parent
    paths = [Path(path) for path in files]
    own = [path for path in paths if path.parent == own_dir]
    text = None
    if own:
        # A built-in file edited into a syntax error raises here; loading it below says where.
        with contextlib.suppress(RuntimeError):
            text = builtin_rules.program(own, facts if len(own) == len(paths) else None, without)
    if text is not None:
        ctl.add("base", [], text)
    for path in paths:
        if path.parent == own_dir and text is not None:
            continue
        try:
            ctl.load(str(path))
        except RuntimeError:
            found = messages.errors() or messages.lines
            detail = "; ".join(format_clingo_message(m) for m in found[:3]) or f"{path}: cannot be parsed"
            raise RuleFileError(detail, suggested_fix=f"fix the rule file {path}") from None


def add_facts(ctl: Control, facts: Iterable[Symbol]) -> int:
    """Add ground facts through the backend: no program text, so no escaping to get wrong."""
    count = 0
    with ctl.backend() as backend:
        for symbol in facts:
            backend.add_rule([backend.add_atom(symbol)])
            count += 1
    return count


def ground(ctl: Control, messages: Messages, files: Sequence[Path]) -> None:
    try:
        ctl.ground([("base", [])])
    except RuntimeError:
        found = messages.errors() or messages.lines
        names = ", ".join(str(f) for f in files)
        detail = "; ".join(format_clingo_message(m) for m in found[:3]) or "grounding failed"
        raise RuleFileError(f"{detail} (rules loaded: {names})") from None


@dataclass
class SolveOutcome:
    symbols: list[Symbol]
    cost: list[int]
    proven: bool
    timed_out: bool
    models: int
    seconds: float


def solve(ctl: Control, timeout: float | None, on_model: Callable[[clingo.Model], None] | None = None) -> SolveOutcome:
    """Optimise; on timeout keep the best model found so far, marked not proven optimal."""
    best: list[Symbol] = []
    cost: list[int] = []
    models = 0

    def record(model: clingo.Model) -> None:
        nonlocal best, cost, models
        models += 1
        if not cost or list(model.cost) <= cost:
            best = list(model.symbols(shown=True))
            cost = list(model.cost)
        if on_model is not None:
            on_model(model)

    def finished(exhausted: bool) -> bool:
        # A program whose minimize statements all grounded away (a part with nothing to choose) stops
        # at its first model without exhausting the search; that model is optimal all the same.
        return exhausted or (models > 0 and not cost)

    start = time.perf_counter()
    if timeout is None:
        exhausted = finished(bool(ctl.solve(on_model=record).exhausted))
        return SolveOutcome(best, cost, exhausted and models > 0, False, models, time.perf_counter() - start)
    exhausted = finished(_bounded(ctl, record, timeout * (1 - FALLBACK_SHARE)))
    if not exhausted:
        for key, value in FALLBACK.items():
            setattr(ctl.configuration.solver, key, value)
        exhausted = finished(_bounded(ctl, record, timeout * FALLBACK_SHARE))
    timed_out = not exhausted
    return SolveOutcome(best, cost, exhausted and models > 0, timed_out, models, time.perf_counter() - start)


def _bounded(ctl: Control, record: Callable[[clingo.Model], None], seconds: float) -> bool:
    """Solve for at most `seconds` (after the solver's preprocessing); True when the search finished."""
    with ctl.solve(on_model=record, async_=True) as handle:
        if not handle.wait(seconds):
            handle.cancel()
            handle.get()
            return False
        return bool(handle.get().exhausted)
