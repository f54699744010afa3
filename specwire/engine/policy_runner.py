"""Running policy rules: their catalog facts, a hard time limit on grounding, and preferences.

Policy files are written by people who are not the engine's authors, so two things are guarded:

* **Grounding is bounded.** clingo cannot interrupt its grounder, and a rule that joins predicates
  without shared variables (or counts without end) grounds for ever. When policies are loaded,
  grounding and solving run in a forked child process with a memory limit; the parent waits with
  a deadline and stops the child, and the error names the rule files loaded. Resolving without
  policies never forks (it pays nothing); with policies the fork costs about 7 ms (measured on
  the fraud example: 12.5 ms in-process, 19.5 ms forked).
  Where `os.fork` does not exist (Windows) the work runs in-process, without the limit.
* **Preferences are explained.** With `explain`, a second solve in the same child neutralises the
  policy preferences (`prefer/3`, level @4 of objective.lp) by adding their negation, and the
  edges that differ from the chosen wiring are the ones a preference decided.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import clingo
from clingo import Control, Function, String, Symbol

from specwire.engine.solver import Messages, SolveOutcome, ground, solve
from specwire.engine.terms import atom, norm_name
from specwire.errors import RuleFileError
from specwire.plan import Diagnostic, ResolvedNode
from specwire.specs.registry import SpecRegistry

#: The rule file loaded with every policy: derived vocabulary and `#show` of its outputs.
POLICY_RULES = "policy.lp"

#: Makes the policy preferences cost nothing, for the counterfactual solve of `--explain`.
NEUTRALISE_PREFERENCES = "#minimize { -W@4,Id,Args : prefer(Id,W,Args) }."

#: Extra seconds the child may take beyond the solver's own limit (it returns its best model then).
SOLVE_GRACE_SECONDS = 10.0

Edge = tuple[Symbol, str, Symbol, str]


def catalog_facts(registry: SpecRegistry) -> Iterator[Symbol]:
    """`step_kind/2`, `output_type/3` and `input_type/3` of every step type of the catalog."""
    for spec in registry:
        t = String(spec.step_type)
        yield Function("step_kind", [t, String(spec.sagemaker_step_kind.value)])
        for out in spec.outputs:
            yield Function("output_type", [t, String(out.logical_name), atom(norm_name(out.data_type))])
        for dep in spec.dependencies:
            for data_type in dep.data_types:
                yield Function("input_type", [t, String(dep.logical_name), atom(norm_name(data_type))])


# --------------------------------------------------------------------------- bounded grounding


@dataclass
class PolicyRun:
    """What the grounding-and-solving of a program with policies gave."""

    outcome: SolveOutcome
    seconds_ground: float
    #: The shown atoms of the best wiring with the preferences neutralised (None: not asked for).
    unsteered: list[Symbol] | None = None


def ground_and_solve(ctl: Control, messages: Messages, files: Sequence[Path], timeout: float | None,
                     *, explain_preferences: bool = False, isolate: bool | None = None,
                     left: float | None = None) -> PolicyRun:
    """Ground and solve `ctl`; when isolated (the default where fork exists), within `timeout`.

    `timeout` bounds grounding; solving has its own limit of `timeout` (see `solver.solve`), after
    which the best model so far is kept. `left` (when the resolve has a deadline: what remains of
    the time limit) replaces it as the bound, while messages name the limit the user gave.
    """
    shown = timeout
    if left is not None:
        timeout = left
    if isolate is None:
        isolate = can_isolate()
    if not isolate or timeout is None:
        return _work(ctl, messages, files, timeout, explain_preferences, lambda _s: None)

    def task(grounded: Callable[[float], None]) -> tuple[Any, ...]:
        run = _work(ctl, messages, files, timeout, explain_preferences, grounded)
        o = run.outcome
        return ([str(s) for s in o.symbols], o.cost, o.proven, o.timed_out, o.models, o.seconds,
                run.seconds_ground, None if run.unsteered is None else [str(s) for s in run.unsteered])

    solves = 2 if explain_preferences else 1
    start = time.monotonic()
    payload = run_isolated(task, files, timeout, solves * timeout + SOLVE_GRACE_SECONDS, shown_limit=shown)
    if payload is None:  # grounded, but the solver's preprocessing outran its own limit: no answer in time
        return PolicyRun(SolveOutcome([], [], False, True, 0, time.monotonic() - start), 0.0)
    symbols, cost, proven, timed_out, models, seconds, seconds_ground, unsteered = payload
    outcome = SolveOutcome(_parse(symbols), list(cost), proven, timed_out, models, seconds)
    return PolicyRun(outcome, seconds_ground, None if unsteered is None else _parse(unsteered))


def can_isolate() -> bool:
    return hasattr(os, "fork")


def _work(ctl: Control, messages: Messages, files: Sequence[Path], timeout: float | None,
          explain_preferences: bool, grounded: Callable[[float], None]) -> PolicyRun:
    t0 = time.perf_counter()
    ground(ctl, messages, files)
    seconds_ground = time.perf_counter() - t0
    grounded(seconds_ground)
    outcome = solve(ctl, timeout)
    unsteered: list[Symbol] | None = None
    if explain_preferences and outcome.models:
        ctl.add("specwire_unsteered", [], NEUTRALISE_PREFERENCES)
        ctl.ground([("specwire_unsteered", [])])
        unsteered = solve(ctl, timeout).symbols
    return PolicyRun(outcome, seconds_ground, unsteered)


def _memory_limit() -> int:
    """Half the machine's memory, and at least 2 GiB more than the process maps already."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        physical = 8 << 30
    mapped = 0
    with contextlib.suppress(OSError, ValueError, IndexError), open("/proc/self/statm") as statm:
        mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    return max(physical // 2, mapped + (2 << 30))


def _send(fd: int, message: tuple[Any, ...]) -> None:
    import pickle
    import struct

    data = pickle.dumps(message)
    view = memoryview(struct.pack(">Q", len(data)) + data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


Task = Callable[[Callable[[float], None]], tuple[Any, ...]]


def _child(task: Task, fd: int) -> None:
    limit = _memory_limit()
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    try:
        _send(fd, ("done", *task(lambda seconds: _send(fd, ("grounded", seconds)))))
    except RuleFileError as exc:
        _send(fd, ("error", exc.message, exc.suggested_fix))
    except MemoryError:
        _send(fd, ("memory", limit))
    except RuntimeError as exc:
        text = str(exc)
        _send(fd, ("memory", limit) if "bad_alloc" in text else ("crash", f"{type(exc).__name__}: {text}"))
    except BaseException as exc:  # the child must never return into the parent's code
        _send(fd, ("crash", f"{type(exc).__name__}: {exc}"))


class _Reader:
    """Length-prefixed pickled messages from the child, each awaited until a deadline."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""
        self.closed = False

    def next(self, deadline: float) -> tuple[Any, ...] | None:
        """The next message; None when the deadline passes or the child closed the pipe."""
        import pickle
        import select
        import struct

        while True:
            if len(self.buffer) >= 8:
                size = struct.unpack(">Q", self.buffer[:8])[0]
                if len(self.buffer) >= 8 + size:
                    data, self.buffer = self.buffer[8:8 + size], self.buffer[8 + size:]
                    message: tuple[Any, ...] = pickle.loads(data)
                    return message
            if self.closed:
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    self.closed = True
                self.buffer += chunk


def run_isolated(task: Task, files: Sequence[Path], ground_timeout: float, then_timeout: float,
                 *, shown_limit: float | None = None) -> tuple[Any, ...] | None:
    """Run `task` in a forked child with a memory limit, and return what it returns.

    The task calls its argument once grounding is done; that must happen within `ground_timeout`
    seconds (else the child is stopped and a RuleFileError names `files`), the rest within
    `then_timeout` more (else None). Errors raised in the child come back as errors here.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child; its results are what the tests check
        os.close(read_fd)
        try:
            _child(task, write_fd)
        finally:
            os._exit(0)
    os.close(write_fd)
    reader = _Reader(read_fd)
    names = loaded_names(files)
    try:
        message = reader.next(time.monotonic() + ground_timeout)
        if message is not None and message[0] == "grounded":
            message = reader.next(time.monotonic() + then_timeout)
            if message is None and not reader.closed:
                return None
        elif message is None and not reader.closed:
            raise RuleFileError(
                f"grounding did not finish within the time limit of {shown_limit or ground_timeout:g} s: a rule "
                f"makes the "
                f"program too large to ground (rules loaded: {names})",
                suggested_fix="look for a rule whose body joins predicates that share no variable (a cross "
                              "product) or counts without a bound; raise the limit with --timeout")
        return _result(message, names)
    finally:
        _stop(pid)
        os.close(read_fd)


def loaded_names(files: Sequence[Path]) -> str:
    """The policy files by path, then how many of specwire's own wiring rules were loaded beside them."""
    from specwire.engine.solver import builtin_rule_file

    own_dir = builtin_rule_file(POLICY_RULES).parent.resolve()
    own = [f for f in files if Path(f).resolve().parent == own_dir]
    policies = [str(f) for f in files if f not in own]
    text = ", ".join(policies) or "no policy file"
    return text + (f", with specwire's {len(own)} wiring rule files" if own else "")


def _result(message: tuple[Any, ...] | None, names: str) -> tuple[Any, ...]:
    if message is None:
        raise RuleFileError(f"the solver process ended without an answer (rules loaded: {names})",
                            suggested_fix="run `specwire rules check` on the rule files; if they are clean, "
                                          "report this with the command you ran")
    kind = message[0]
    if kind == "error":
        raise RuleFileError(message[1], suggested_fix=message[2])
    if kind == "memory":
        raise RuleFileError(
            f"grounding ran out of memory (limit {message[1] / (1 << 30):.1f} GiB): a rule makes the program "
            f"too large to ground (rules loaded: {names})",
            suggested_fix="look for a rule whose body joins predicates that share no variable (a cross product)")
    if kind == "crash":
        raise RuleFileError(f"solving failed: {message[1]} (rules loaded: {names})")
    return message[1:]


def _parse(texts: Sequence[str]) -> list[Symbol]:
    return [clingo.parse_term(t) for t in texts]


def _stop(pid: int) -> None:
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


# --------------------------------------------------------------------------- preferences


def _uses(symbols: Sequence[Symbol]) -> set[Edge]:
    return {(s.arguments[0], s.arguments[1].string, s.arguments[2], s.arguments[3].string)
            for s in symbols if s.name == "use" and len(s.arguments) == 4}


def _prefers(symbols: Sequence[Symbol]) -> set[Symbol]:
    return {s for s in symbols if s.name == "prefer" and len(s.arguments) == 3}


def preference_reasons(chosen: Sequence[Symbol], unsteered: Sequence[Symbol],
                       name: Callable[[Symbol], str]) -> dict[Edge, list[str]]:
    """For each chosen edge that the preferences decided, a line naming them and the alternative.

    A preference decided an edge when, with all preferences neutralised, the best wiring differs
    there; the preferences named are those the alternative wiring would have paid.
    """
    mine, other = _uses(chosen), _uses(unsteered)
    avoided = sorted(_prefers(unsteered) - _prefers(chosen), key=str)
    if mine == other:
        return {}
    alternative: Mapping[tuple[Symbol, str], Edge] = {(e[2], e[3]): e for e in other - mine}
    reasons: dict[Edge, list[str]] = {}
    for edge in sorted(mine - other, key=str):
        alt = alternative.get((edge[2], edge[3]))
        instead = f"{name(alt[0])}.{alt[1]}" if alt else "leaving the input empty"
        involved = {edge[0], edge[2], *(alt[:1] if alt else ())}
        named = [p for p in avoided if _mentions(p.arguments[2], involved)]
        if named:
            ids = ", ".join(f"{_text(p.arguments[0])} (weight {p.arguments[1]})" for p in named)
            reasons[edge] = [f"preference: chosen over {instead} because of the policy preference {ids}"]
        elif avoided:
            ids = ", ".join(f"{_text(p.arguments[0])} (weight {p.arguments[1]})" for p in avoided)
            reasons[edge] = [f"preference: chosen over {instead} as a consequence of the policy preference {ids} "
                             "on other edges"]
        else:
            reasons[edge] = [f"preference: chosen over {instead} to lower the cost of the policy preferences"]
    return reasons


def _mentions(term: Symbol, nodes: set[Symbol]) -> bool:
    stack = [term]
    while stack:
        s = stack.pop()
        if s in nodes:
            return True
        if s.type == clingo.SymbolType.Function:
            stack.extend(s.arguments)
    return False


def _text(symbol: Symbol) -> str:
    return symbol.string if symbol.type == clingo.SymbolType.String else str(symbol)


# --------------------------------------------------------------------------- violations


def violation_diagnostics(violations: Sequence[tuple[Symbol, str, Symbol]], violation_id: Symbol, args: Symbol,
                          nodes: Mapping[Symbol, ResolvedNode]) -> list[Diagnostic]:
    """One `policy` error per violation(Id, Message, Args): the message, its arguments, its nodes."""
    out: list[Diagnostic] = []
    for vid, message, vargs in violations:
        if vid == violation_id and vargs == args:
            detail = args_text(vargs, nodes)
            out.append(Diagnostic("error", "policy", f"policy {_text(vid)}: {message}"
                                  + (f" ({detail})" if detail else ""), None, tuple(_node_names(vargs, nodes))))
    return out


def args_text(args: Symbol, nodes: Mapping[Symbol, ResolvedNode]) -> str:
    """A violation's arguments for people: nodes by name, a tuple as a list, strings unquoted."""
    if args in nodes:
        return nodes[args].name
    if args.type == clingo.SymbolType.Function and args.name == "":
        return ", ".join(t for t in (args_text(a, nodes) for a in args.arguments) if t)
    if args.type == clingo.SymbolType.Function and not args.arguments:
        return "" if args.name == "none" else args.name
    return _text(args)


def _node_names(args: Symbol, nodes: Mapping[Symbol, ResolvedNode]) -> list[str]:
    found: list[str] = []
    stack = [args]
    while stack:
        s = stack.pop()
        if s in nodes:
            if nodes[s].name not in found:
                found.append(nodes[s].name)
        elif s.type == clingo.SymbolType.Function:
            stack.extend(reversed(s.arguments))
    return found
