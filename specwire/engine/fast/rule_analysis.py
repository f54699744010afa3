"""What each statement of a rule file reads and derives, for engine/specialise.py.

Read through clingo's syntax trees, which costs about 20 ms for the built-in rules (every
attribute is a call into the C library): engine/builtin_rules.py ships the result, and only an
edited rule file comes here at run time. Importing `clingo.ast` alone costs a one-pipeline
command about 15 ms, so nothing on the path of `specwire resolve` imports this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from clingo import SymbolType
from clingo.ast import AST, ASTType, Sign

from specwire.engine.fast.specialise import Analysed, Signature


class _Unknown(Exception):
    """A head whose predicate cannot be read (a pool, a theory atom): keep every statement."""


def _signature(atom: AST) -> Signature | None:
    if atom.ast_type != ASTType.SymbolicAtom:
        return None
    term = atom.symbol
    if term.ast_type == ASTType.Function and not term.external:
        return (term.name, len(term.arguments))
    if term.ast_type == ASTType.SymbolicTerm and term.symbol.type == SymbolType.Function:
        return (term.symbol.name, len(term.symbol.arguments))
    return None


def _head_signatures(head: AST) -> list[Signature]:
    """The predicates a rule head can make true (nothing for a constraint)."""
    if head.ast_type == ASTType.Literal:
        if head.atom.ast_type == ASTType.BooleanConstant:
            return []
        literals = [head]
    elif head.ast_type in (ASTType.Aggregate, ASTType.Disjunction):
        literals = [element.literal for element in head.elements]
    elif head.ast_type == ASTType.HeadAggregate:
        literals = [element.condition.literal for element in head.elements]
    else:
        raise _Unknown
    found = []
    for literal in literals:
        signature = _signature(literal.atom)
        if signature is None:
            raise _Unknown
        found.append(signature)
    return found


def _positive_body(body: Iterable[AST]) -> list[Signature]:
    """The predicates of the body's plain positive literals (aggregates and conditions may be empty)."""
    found = []
    for literal in body:
        if literal.ast_type == ASTType.Literal and literal.sign == Sign.NoSign:
            signature = _signature(literal.atom)
            if signature is not None:
                found.append(signature)
    return found


def analyse(statements: Sequence[Any]) -> list[Analysed] | None:
    """Each statement's text, head and positive body; None when a head cannot be read (keep all)."""
    found: list[Analysed] = []
    try:
        for statement in statements:
            kind = statement.ast_type
            if kind == ASTType.Comment:
                continue
            if kind == ASTType.External:
                raise _Unknown  # an external atom may be set true from outside: no predicate is surely empty
            heads = tuple(_head_signatures(statement.head)) if kind == ASTType.Rule else ()
            literals = getattr(statement, "body", None)
            found.append((str(statement), heads, None if literals is None else tuple(_positive_body(literals))))
    except _Unknown:
        return None
    return found
