"""How specwire's data becomes clingo terms.

Every user-supplied string reaches the solver as a clingo `String` symbol (or, for lower-case
words, a constant built by `Function`), never as program text, so a step called `a"). b(` stays
a name. Words are normalised by specs/names.py (data cleaning, not a decision: which words
match is decided by the rules).
"""

from __future__ import annotations

import re
from functools import lru_cache

from clingo import Function, String, Symbol, SymbolType

from specwire.specs.names import norm_name as norm_name  # re-exported: the engine's one spelling

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
