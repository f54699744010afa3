"""docs/rules.md, generated: every predicate of the built-in rule files, its arguments and files.

    python -m specwire.engine.rules_doc        # rewrites docs/rules.md (a test fails when stale)

Read through clingo's syntax trees (so only this command, never `specwire resolve`, pays for
clingo.ast). A predicate is *derived* in the files whose rule heads make it, *read* in the files
whose bodies use it, and *input* when no rule derives it: the resolver writes it as facts.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clingo.ast import AST, ASTType, parse_string

from specwire.engine.solver import builtin_rule_file

#: Stage one (catalog matching) and stage two (wiring), in the order the engine loads them.
STAGE_ONE = ("types.lp", "words.lp", "match.lp")
FILES = ("types.lp", "words.lp", "match.lp", "jobs.lp", "gaps.lp", "choose.lp", "order.lp", "diagnose.lp",
         "objective.lp", "explain.lp", "policy.lp")
DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


@dataclass
class Predicate:
    derived_in: set[str] = field(default_factory=set)
    read_in: set[str] = field(default_factory=set)
    declared_in: set[str] = field(default_factory=set)
    shown: bool = False
    #: Argument lists seen, heads first: the first without `_` names the arguments.
    candidates: list[str] = field(default_factory=list)

    @property
    def arguments(self) -> str:
        return min(self.candidates, key=lambda args: (args.count("_"), self.candidates.index(args)), default="")


def _atoms(node: Any) -> list[AST]:
    """Every symbolic atom below `node` in the syntax tree."""
    found: list[AST] = []
    if isinstance(node, AST):
        if node.ast_type == ASTType.SymbolicAtom:
            found.append(node)
        for key in node.child_keys:
            found.extend(_atoms(getattr(node, key)))
    elif isinstance(node, (list, tuple)) or type(node).__name__ == "ASTSequence":
        for item in node:
            found.extend(_atoms(item))
    return found


def _head_parts(head: AST) -> tuple[list[AST], list[AST]]:
    """The atoms a rule head derives, and those its element conditions only read."""
    kind = head.ast_type
    if kind == ASTType.Literal:
        return _atoms(head), []
    if kind in (ASTType.Aggregate, ASTType.Disjunction):
        return ([a for el in head.elements for a in _atoms(el.literal)],
                [a for el in head.elements for a in _atoms(el.condition)])
    if kind == ASTType.HeadAggregate:
        return ([a for el in head.elements for a in _atoms(el.condition.literal)],
                [a for el in head.elements for a in _atoms(el.condition.condition)])
    return _atoms(head), []


def _function(atom: AST) -> tuple[tuple[str, int], str] | None:
    term = atom.symbol
    if term.ast_type == ASTType.Function and not term.external:
        return (term.name, len(term.arguments)), ",".join(str(a) for a in term.arguments)
    if term.ast_type == ASTType.SymbolicTerm and str(term.symbol).isidentifier():
        return (str(term.symbol), 0), ""
    return None


def collect(files: tuple[str, ...] = FILES) -> tuple[dict[tuple[str, int], Predicate], dict[str, str]]:
    """The predicates of the rule files, and each file's first comment line (what it decides)."""
    table: dict[tuple[str, int], Predicate] = defaultdict(Predicate)
    summaries: dict[str, str] = {}
    for name in files:
        text = builtin_rule_file(name).read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        summaries[name] = first.lstrip("% ").split(" — ", 1)[-1] if first.startswith("%") else ""

        def visit(statement: AST, name: str = name) -> None:
            kind = statement.ast_type
            if kind == ASTType.Defined:
                table[(statement.name, statement.arity)].declared_in.add(name)
                return
            if kind == ASTType.ShowSignature:
                table[(statement.name, statement.arity)].shown = True
                return
            heads, conditions = _head_parts(statement.head) if kind == ASTType.Rule else ([], [])
            for atom in heads:
                found = _function(atom)
                if found:
                    table[found[0]].derived_in.add(name)
                    table[found[0]].candidates.insert(0, found[1])
            body = [getattr(statement, key) for key in statement.child_keys if key != "head"]
            for atom in _atoms(body) + conditions:
                found = _function(atom)
                if found:
                    table[found[0]].read_in.add(name)
                    table[found[0]].candidates.append(found[1])

        parse_string(text, visit)
    return dict(table), summaries


def inputs(table: dict[tuple[str, int], Predicate], name: str) -> list[tuple[str, int]]:
    """The predicates file `name` reads that no file of its stage derives: facts from the resolver."""
    stage = STAGE_ONE if name in STAGE_ONE else tuple(f for f in FILES if f not in STAGE_ONE)
    return sorted(sig for sig, entry in table.items() if name in entry.read_in and not entry.derived_in & set(stage))


def render() -> str:
    table, summaries = collect()
    lines = ["# The rules: every predicate, its arguments and its files", "",
             "Generated by `python -m specwire.engine.rules_doc` from `specwire/rules/*.lp` (a test fails when",
             "this file is stale). *Input* predicates come as facts from the resolver (see",
             "`specwire resolve --show-facts` for the facts of one pipeline); the others are derived.", "",
             "## Files", "", "| file | what it decides |", "|---|---|"]
    lines += [f"| `{name}` | {summaries[name]} |" for name in FILES]
    lines += ["", "## Predicates", "", "| predicate | arguments | derived in | read in | input (facts) of | shown |",
              "|---|---|---|---|---|---|"]
    for (pred, arity), entry in sorted(table.items()):
        files = [f for f in FILES if f in entry.derived_in]
        readers = [f for f in FILES if f in entry.read_in]
        is_input = ", ".join(f for f in FILES if (pred, arity) in inputs(table, f))
        lines.append(f"| `{pred}/{arity}` | `{entry.arguments.replace('|', '/')}` | {', '.join(files)} | "
                     f"{', '.join(readers)} | {is_input} | {'yes' if entry.shown else ''} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    from specwire.files import atomic_write

    atomic_write(DOC, render())
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
