"""Drop the rules that cannot fire, given which predicates have facts.

A rule with a positive body literal over a predicate that no fact and no firable rule can make
true never derives anything, so leaving it out changes no answer. clingo would find that out
while grounding, but only after rewriting every statement, and for a pipeline of a dozen steps
that fixed cost is most of the grounding time: a corpus pipeline without explicit edges, strict
mode, gap filling or --why-not has no facts for a quarter of the wiring rules, and grounding
them costs about a fifth of the time (benchmarks/RESULTS.md, perf history).

Only specwire's own rule files are specialised, and only when no other file takes part (a policy
file may derive any predicate the built-in rules read). engine/builtin_rules.py ships their
statements analysed, since reading a syntax tree through clingo's API costs more (about 20 ms)
than the whole grounding it saves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from clingo import SymbolType
from clingo.ast import AST, ASTType, Sign

Signature = tuple[str, int]


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


#: What specialising needs of one statement: its text, the predicates its head can make true, and
#: the predicates of its body's plain positive literals (None: it has no body, it is always kept).
Analysed = tuple[str, tuple[Signature, ...], "tuple[Signature, ...] | None"]


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


def specialise(statements: Sequence[Analysed], facts: Iterable[Signature]) -> list[Analysed]:
    """The statements that can fire when only the predicates of `facts` have facts."""
    present = set(facts)
    changed = True
    while changed:
        changed = False
        for _, heads, body in statements:
            if heads and body is not None and all(signature in present for signature in body):
                for signature in heads:
                    if signature not in present:
                        present.add(signature)
                        changed = True
    return [s for s in statements if s[2] is None or all(signature in present for signature in s[2])]
