"""How specwire's data becomes clingo terms.

Every user-supplied string reaches the solver as a clingo `String` symbol (or, for lower-case
words, a constant built by `Function`), never as program text, so a step called `a"). b(` stays
a name. Words are normalised by specs/names.py (data cleaning, not a decision: which words
match is decided by the rules).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from clingo import Function, Number, String, Symbol, SymbolType

from specwire.specs.names import norm_name as norm_name  # re-exported: the engine's one spelling

#: A clingo term, for the layers that hand facts to the engine without importing clingo.
Term = Symbol

NONE = Function("none")

_CONSTANT = re.compile(r"[a-z][a-z0-9_]*")


@lru_cache(maxsize=65536)
def atom(text: str) -> Symbol:
    """A lower-case identifier as a constant (readable in rules), anything else as a string."""
    return Function(text) if _CONSTANT.fullmatch(text) else String(text)


def text_of(symbol: Symbol) -> str:
    """The Python string behind a constant or string symbol."""
    if symbol.type == SymbolType.String:
        return str(symbol.string)
    if symbol.type == SymbolType.Number:
        return str(symbol.number)
    return str(symbol.name) if not symbol.arguments else str(symbol)


def words(text: str) -> set[str]:
    """The normalised name and each of its parts: `eval_output` -> {eval_output, eval, output}."""
    name = norm_name(text)
    if not name:
        return set()
    parts = {p for p in name.split("_") if p}
    parts.add(name)
    return parts


def job_symbol(job_type: str | None) -> Symbol:
    return NONE if not job_type else atom(job_type.lower())


def profile_symbol(step_type: str, variant: str | None) -> Symbol:
    return Function("p", [String(step_type), String(variant) if variant is not None else NONE])


def new_node_symbol(step_type: str, job: Symbol) -> Symbol:
    return Function("new", [String(step_type), job])


def fact(name: str, *arguments: Symbol) -> Symbol:
    """The fact `name(arguments...)` (a constant when there are no arguments)."""
    return Function(name, list(arguments))


def text_term(text: str) -> Symbol:
    """A string term: user text stays data, never program text."""
    return String(text)


def value_term(value: Any) -> Symbol:
    """A config value as a term: a bool is the constant `true`/`false`, a 32-bit int a number, else a string."""
    if isinstance(value, bool):
        return Function("true" if value else "false")
    if isinstance(value, int) and -(2**31) <= value < 2**31:
        return Number(value)
    return String(str(value))
