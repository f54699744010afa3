"""A resolve bounded in wall time and memory: stage one, grounding and solving all included.

clingo cannot interrupt its grounder, and stage one of a dense catalog (many ports sharing one
data type) or grounding a very large pipeline can take far longer than the solver's limit. So the
whole resolve runs in a forked child with an address-space limit; the parent waits until the
deadline (the time limit plus a small grace for reading the answer) and then stops the child.
The child's solver gets what is left of the time limit after stage one and grounding, so a
resolve that fits comes back with its best wiring, and one that does not comes back as `timeout`.
Where `os.fork` does not exist (Windows) the resolve runs in-process, bounded as before.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import replace
from typing import Any

from specwire.engine.policy_runner import _Reader, _send, _stop, can_isolate
from specwire.errors import BadInputError, SpecwireError
from specwire.plan import Diagnostic, ResolvedPipeline

#: The memory a resolve may use unless --memory-limit says otherwise (MiB).
DEFAULT_MEMORY_MIB = 4096
#: Seconds beyond the time limit the parent waits for the child's answer (fork, pickling, reading).
GRACE_SECONDS = 0.35


#: The largest limit taken (seconds or MiB: three years, or 95 TiB). A larger number is no limit at
#: all, and past about 1e11 seconds the clock's own arithmetic overflows (exit 3 before this check).
MAX_LIMIT = 1e8


def check_limit(value: float | int | None, option: str, *, minimum: float = 0.0) -> None:
    """Refuse a limit that is nan, infinite, negative, zero or absurdly large: bad input, not an
    internal error."""
    if value is None:
        return
    if (not isinstance(value, int | float) or math.isnan(value) or math.isinf(value) or value <= minimum
            or value > MAX_LIMIT):
        raise BadInputError(f"{option}: {value!r} is not a limit (a positive, finite number up to "
                            f"{MAX_LIMIT:.0e} is needed)",
                            suggested_fix=f"give {option} a positive number, e.g. {option} 60")


def resolve_bounded(resolver: Any, definition: Any, options: Any, *, memory_mib: int = DEFAULT_MEMORY_MIB,
                    isolate: bool | None = None) -> ResolvedPipeline:
    """`resolver.resolve(definition, options)` within `options.timeout` seconds (wall) and `memory_mib`."""
    timeout = options.timeout
    check_limit(timeout, "--timeout")
    check_limit(memory_mib, "--memory-limit")
    if isolate is None:
        isolate = can_isolate()
    if not isolate or timeout is None:
        return resolver.resolve(definition, options)  # type: ignore[no-any-return]
    deadline = time.monotonic() + timeout
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child; what it sends is what the tests check
        os.close(read_fd)
        try:
            _child(resolver, definition, replace(options, deadline=deadline), memory_mib, write_fd)
        finally:
            os._exit(0)
    os.close(write_fd)
    reader = _Reader(read_fd)
    try:
        message = reader.next(deadline + GRACE_SECONDS)
    finally:
        _stop(pid)
        os.close(read_fd)
    if message is None and reader.closed:
        # The child answers every Python error; one that closes the pipe without a word died in
        # native code (clingo aborts when an allocation fails under the address-space limit).
        message = ("memory",)
    if message is None:
        return _timed_out(definition, timeout)
    kind = message[0]
    if kind == "done":
        return message[1]  # type: ignore[no-any-return]
    if kind == "memory":
        raise BadInputError(f"resolving needs more than {memory_mib} MiB of memory",
                            suggested_fix="raise --memory-limit (in MiB), or resolve a smaller pipeline or catalog")
    if kind == "error":
        raise _rebuild(*message[1:])
    raise BadInputError(f"resolving failed: {message[1]}",
                        suggested_fix="report this with the command you ran and its files")


def _child(resolver: Any, definition: Any, options: Any, memory_mib: int, fd: int) -> None:
    try:
        import resource

        limit = memory_mib << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    try:
        _send(fd, ("done", resolver.resolve(definition, options)))
    except MemoryError:
        _send(fd, ("memory",))
    except SpecwireError as exc:
        _send(fd, ("error", type(exc).__module__, type(exc).__qualname__, exc.message, exc.suggested_fix,
                   exc.compatible_sources, exc.nodes))
    except RuntimeError as exc:
        _send(fd, ("memory",) if "bad_alloc" in str(exc) else ("crash", f"{type(exc).__name__}: {exc}"))
    except BaseException as exc:  # the child must never return into the parent's code
        _send(fd, ("crash", f"{type(exc).__name__}: {exc}"))


def _rebuild(module: str, name: str, message: str, fix: str | None, sources: tuple[str, ...],
             nodes: tuple[str, ...]) -> SpecwireError:
    """The child's error, as the same class in the parent (its exit code and kind depend on it)."""
    import importlib

    try:
        cls = getattr(importlib.import_module(module), name)
        error: SpecwireError = cls(message, suggested_fix=fix, compatible_sources=sources, nodes=nodes)
        return error
    except (ImportError, AttributeError, TypeError):
        return SpecwireError(message, suggested_fix=fix, compatible_sources=sources, nodes=nodes)


def _timed_out(definition: Any, timeout: float) -> ResolvedPipeline:
    return ResolvedPipeline(
        str(getattr(definition, "name", "pipeline")), [], [], [],
        [Diagnostic("error", "timeout",
                    f"no wiring found within the time limit of {timeout:g} s (matching the catalog and "
                    "grounding included)",
                    "raise the limit with --timeout, or resolve a smaller pipeline or catalog")])
