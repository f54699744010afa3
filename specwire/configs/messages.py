"""Turning pydantic's validation errors into one `ConfigError` a person can act on.

The target shape is `<Step> (node '<name>').<field path>: <what is wrong>, got <value>`, e.g.
`XGBoostTraining (node 'train').hyperparameters.max_depth: must be between 1 and 64, got 100`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from specwire.configs.types import ERROR_TYPE
from specwire.errors import ConfigError, brief, did_you_mean

#: At most this many problems are spelled out; the rest are counted.
MAX_PROBLEMS = 5

# pydantic's wording for type errors, rephrased to finish "<field>: ..." and to name no Python type.
_TYPE_MESSAGES = {
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "missing": "required field is missing",
}


def value_text(value: Any, limit: int = 80) -> str:
    return brief(value, limit)  # bounded work and length, whatever the value


def field_path(loc: Sequence[int | str]) -> str:
    """A location as `a.b[2].c`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _literal_choices(expected: str) -> list[str]:
    return re.findall(r"'([^']*)'", expected)


def describe(err: ErrorDetails) -> tuple[tuple[int | str, ...], str, str | None]:
    """(location, message, suggested fix) of one pydantic error."""
    loc: tuple[int | str, ...] = tuple(err["loc"])
    kind = err["type"]
    ctx: dict[str, Any] = dict(err.get("ctx") or {})
    if kind == ERROR_TYPE:
        loc = loc + tuple(ctx.get("loc", ()))
        message = str(ctx["message"])
        if ctx.get("show_input", True):
            value = ctx.get("value")
            message += ", got " + value_text(err["input"] if value is None else value)
        hint = ctx.get("hint")
        if hint:
            message += f" ({hint})"
        return loc, message, hint
    if kind == "literal_error":
        choices = _literal_choices(str(ctx.get("expected", "")))
        message = "must be one of " + ", ".join(repr(c) for c in choices) + ", got " + value_text(err["input"])
        given = err["input"]
        # "=>" is one swap from ">=": an anagram is a better guess than the closest spelling.
        close = [c for c in choices if isinstance(given, str) and sorted(c) == sorted(given)]
        close = close or (did_you_mean(given, choices) if isinstance(given, str) else [])
        fix = f"did you mean {close[0]!r}?" if close else None
        return loc, message + (f" ({fix})" if fix else ""), fix
    if kind == "extra_forbidden":
        # The models refuse unknown fields themselves (with suggestions); this is a fallback.
        return loc, "unknown field", None
    if kind == "missing":
        name = next((p for p in reversed(loc) if isinstance(p, str)), "")
        return loc, _TYPE_MESSAGES[kind], f"set {name!r}" if name else None
    if kind in _TYPE_MESSAGES:
        return loc, f"{_TYPE_MESSAGES[kind]}, got {value_text(err['input'])}", None
    message = err["msg"].removeprefix("Value error, ")
    return loc, message[:1].lower() + message[1:], None


def format_problems(exc: ValidationError, label: str) -> tuple[str, str | None]:
    """The message of all problems in `exc` (each prefixed by `label` and its field), and a fix."""
    problems: list[str] = []
    fixes: list[str] = []
    for err in exc.errors()[:MAX_PROBLEMS]:
        loc, message, fix = describe(err)
        path = field_path(loc)
        where = f"{label}.{path}" if label and path else (label or path)
        problems.append(f"{where}: {message}")
        if fix:
            fixes.append(fix)
    more = exc.error_count() - MAX_PROBLEMS
    text = "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")
    return text, (fixes[0] if fixes else None)


def config_error(exc: ValidationError, label: str, *, nodes: Sequence[str] = ()) -> ConfigError:
    message, fix = format_problems(exc, label)
    return ConfigError(message, suggested_fix=fix, nodes=nodes)
