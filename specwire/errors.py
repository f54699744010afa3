"""Errors a person can act on.

Every error carries a `message` (what is wrong, naming the file, field, step or node), a
`suggested_fix` (what to do about it, or None) and `to_dict()` for tools. The CLI prints them
without a traceback: exit code 2 for bad input, 1 for a pipeline that does not resolve.
"""

from __future__ import annotations

import difflib
import re
import reprlib
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar


class SpecwireError(Exception):
    """Base class of every error specwire raises on purpose."""

    exit_code = 2
    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        suggested_fix: str | None = None,
        compatible_sources: Sequence[str] = (),
        nodes: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.suggested_fix = suggested_fix
        # Each name once, in the order found (two rules may name the same step).
        self.compatible_sources = tuple(dict.fromkeys(compatible_sources))
        self.nodes = tuple(dict.fromkeys(nodes))

    def __str__(self) -> str:
        if self.suggested_fix:
            return f"{self.message}\n  fix: {self.suggested_fix}"
        return self.message

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": type(self).__name__,
            "kind": self.kind,
            "message": self.message,
            "suggested_fix": self.suggested_fix,
            "compatible_sources": list(self.compatible_sources),
            "nodes": list(self.nodes),
        }


class SpecwireWarning(UserWarning):
    """Something specwire did on the user's behalf that they should know of (a placeholder role in
    a definition, a default data location); `warnings.simplefilter("error", SpecwireWarning)` makes
    them errors."""


class BadInputError(SpecwireError):
    """Input that cannot be read or makes no sense: a file, a field, a name."""

    exit_code = 2
    kind = "bad_input"


class SpecPackError(BadInputError):
    """A spec pack (YAML/JSON file of step specifications) that cannot be loaded."""

    kind = "spec_pack"


class PipelineFileError(BadInputError):
    """A pipeline file (nodes and optional edges) that cannot be loaded."""

    kind = "pipeline_file"


class UnknownStepError(BadInputError):
    """A step type that no loaded specification declares."""

    kind = "unknown_step"


class RuleFileError(BadInputError):
    """A `.lp` rule file with a syntax or grounding error."""

    kind = "rules"


class ConfigError(BadInputError):
    """A config value that fails validation."""

    kind = "config"


class SolverTimeoutError(SpecwireError):
    """The solver found no answer at all within its time limit."""

    exit_code = 1
    kind = "timeout"


class ResolutionError(SpecwireError):
    """A pipeline that does not resolve: a person must change the pipeline or the specs."""

    exit_code = 1
    kind = "resolution"


class MissingDependencyError(ResolutionError):
    """A required dependency that no node of the pipeline provides."""

    kind = "missing_dependency"


class IncompatibleStepsError(ResolutionError):
    """An explicit edge between two steps whose specs do not connect."""

    kind = "incompatible"


class CycleError(ResolutionError):
    """Explicit edges, or the only possible wiring, form a cycle."""

    kind = "cycle"


class PolicyViolationError(ResolutionError):
    """A policy rule reports a violation."""

    kind = "policy"


class BuildError(SpecwireError):
    """A resolved pipeline and its configs that cannot become a SageMaker pipeline definition.

    Exit code 2: the fix is in the input (a config, a pipeline file, a missing builder).
    """

    exit_code = 2
    kind = "build"


class DeployError(SpecwireError):
    """AWS refused or could not be reached while deploying or running a pipeline.

    `operation` is the AWS call that failed, `aws_code` AWS's error code (or the network
    failure's name), and `left_behind` what the attempt had already changed (S3 objects
    uploaded, a pipeline created) so nothing half-deployed goes unreported.
    """

    exit_code = 1
    kind = "deploy"

    def __init__(
        self,
        message: str,
        *,
        suggested_fix: str | None = None,
        operation: str | None = None,
        aws_code: str | None = None,
        left_behind: Sequence[str] = (),
    ) -> None:
        super().__init__(message, suggested_fix=suggested_fix)
        self.operation = operation
        self.aws_code = aws_code
        self.left_behind = tuple(left_behind)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data.update(operation=self.operation, aws_code=self.aws_code, left_behind=list(self.left_behind))
        return data


class PipelineResolutionError(ResolutionError, ExceptionGroup):
    """Several problems at once, all reported together: each is in `errors` (and `exceptions`).

    It is an `ExceptionGroup` of them (`except* MissingDependencyError` works), and it is also an
    instance of each contained type: `PipelineResolutionError([IncompatibleStepsError(...),
    MissingDependencyError(...)])` is caught by `except IncompatibleStepsError` and by `except
    MissingDependencyError`, so code written for one problem still catches it when it comes with
    others. (`message` is the group's: every problem, the worst first.)
    """

    _mixed: ClassVar[dict[tuple[type[ResolutionError], ...], type[PipelineResolutionError]]] = {}

    def __new__(cls, errors: Sequence[ResolutionError]) -> PipelineResolutionError:
        kinds = tuple(dict.fromkeys(type(e) for e in errors if not issubclass(cls, type(e))))
        target = cls
        if cls is PipelineResolutionError and kinds:
            target = cls._mixed.get(kinds) or cls._mixed.setdefault(
                kinds, type("PipelineResolutionError", (cls, *kinds), {"__module__": cls.__module__})
            )
        group: PipelineResolutionError = ExceptionGroup.__new__(target, _group_message(errors), list(errors))
        return group

    def __init__(self, errors: Sequence[ResolutionError]) -> None:
        # ExceptionGroup owns `message` (read-only): only the other SpecwireError fields are set here.
        Exception.__init__(self, _group_message(errors), list(errors))
        first = errors[0]
        self.suggested_fix = first.suggested_fix
        self.compatible_sources = tuple(dict.fromkeys(s for e in errors for s in e.compatible_sources))
        self.nodes = tuple(dict.fromkeys(n for e in errors for n in e.nodes))
        self.errors = tuple(errors)
        self.kind = first.kind if len(errors) == 1 else "resolution"

    def derive(self, excs: Sequence[Exception]) -> ExceptionGroup[Exception]:  # type: ignore[override]
        """What `except*` splits off: a plain group of the matched problems."""
        return ExceptionGroup(self.message, list(excs))

    def __str__(self) -> str:
        return SpecwireError.__str__(self)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["error"] = "PipelineResolutionError"
        data["errors"] = [e.to_dict() for e in self.errors]
        return data


def _group_message(errors: Sequence[SpecwireError]) -> str:
    if len(errors) == 1:
        return errors[0].message
    return f"{len(errors)} problems: " + "; ".join(e.message for e in errors)


def did_you_mean(name: str, candidates: Iterable[str], *, n: int = 3) -> list[str]:
    """Close matches for a misspelt name, case-insensitively, best first."""
    pool = sorted(set(candidates))
    lowered = {c.lower(): c for c in pool}
    matches = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.6)
    if not matches:
        return []
    # Only the matches about as close as the best one: a clear winner is named alone.
    ratio = {m: difflib.SequenceMatcher(None, name.lower(), m).ratio() for m in matches}
    best = max(ratio.values())
    return [lowered[m] for m in matches if ratio[m] >= best - 0.1]


def suggestion_text(name: str, candidates: Iterable[str]) -> str | None:
    close = did_you_mean(name, candidates)
    if not close:
        return None
    return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


_BRIEF = reprlib.Repr()
_BRIEF.maxlevel = 3
_BRIEF.maxlist = _BRIEF.maxtuple = _BRIEF.maxdict = _BRIEF.maxset = _BRIEF.maxfrozenset = 5
_BRIEF.maxstring = _BRIEF.maxother = 80


#: Control characters (C0 and C1 but newline and tab) and bidi controls: in text a terminal shows,
#: they could clear the screen, set the window title, hide or reorder what is shown.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with each control character shown as its escape (`\\x1b`), so a terminal only ever
    displays it: for every string others wrote (names, spec fields, a failed script's message)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def brief(value: Any, limit: int = 80) -> str:
    """A bounded repr of a value a user gave, for error messages.

    Work and length are bounded whatever the value: a YAML alias bomb (`&a [*b, *b, ...]` nested
    ten deep) is a small file but a structure of billions of items, which `repr` would try to
    print in full.
    """
    if isinstance(value, str):
        text = repr(value[: limit + 1])
    elif isinstance(value, bool | int | float) or value is None:
        try:
            text = repr(value)
        except ValueError:  # an integer too long to print
            text = "<a number too long to show>"
    else:
        text = _BRIEF.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
