"""What a policy file may say, checked before it is loaded beside the wiring rules.

A policy adds hard rules (`violation/3`) and soft costs (`prefer/3`), and may define helper
predicates of its own; it reads the vocabulary specwire gives it. It may not *define* anything
the engine's own rules mention (`use/4`, `external/2`, `error/3`, `node/1`, ...): a policy that
derives `use/4` forces an edge the specs reject, one that derives `external/2` empties a required
input, and either would come back `ok: true`. Nor may it carry code (`#script`), optimisation
statements of its own (`#minimize`, `:~`), or solver directives (`#external`, `#heuristic`,
`#edge`, `#project`), which change the wiring without a violation or a preference to show for it.

`rules check` reports these as errors (policy/check.py), and `resolve`/`build` refuse the files
(exit 2, file:line:column and the predicate), so the two commands apply one rule. A predicate a
policy reads that nothing defines is never true; `resolve` warns about it as `rules check` does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from specwire.errors import RuleFileError

#: What a policy derives for specwire to read.
POLICY_OUTPUTS = frozenset({"violation/3", "prefer/3"})

#: Statements a policy may not contain, with what to do instead.
_FORBIDDEN_STATEMENTS = {
    "Script": "`#script` is not allowed in a policy file: policies are rules, never code",
    "Minimize": "optimisation statements (`#minimize`, `:~`) are not allowed in a policy file: "
                "derive prefer(Id, Weight, Args) to steer the wiring",
    "External": "`#external` is not allowed in a policy file",
    "Heuristic": "`#heuristic` is not allowed in a policy file",
    "Edge": "`#edge` is not allowed in a policy file",
    "ProjectAtom": "`#project` is not allowed in a policy file",
    "ProjectSignature": "`#project` is not allowed in a policy file",
}

#: Most findings shown in one error.
MAX_SHOWN = 3


@dataclass(frozen=True)
class Use:
    """One predicate, read or defined at `file:line:column`."""

    signature: str
    file: str
    line: int
    column: int

    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass
class Program:
    """What a set of rule files reads, defines, shows and declares, with where."""

    reads: list[Use] = field(default_factory=list)
    defines: list[Use] = field(default_factory=list)
    shown: set[str] = field(default_factory=set)
    declared: set[str] = field(default_factory=set)
    #: Statements a policy may not contain: (place, what is wrong).
    forbidden: list[tuple[Use, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    column: int
    severity: Literal["error", "warning"]
    message: str
    #: Breaks the policy rule (resolve and build refuse the file: exit 2), not only a mistake.
    refused: bool = False

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else "warning: "
        return f"{self.file}:{self.line}:{self.column}: {prefix}{self.message}"


# --------------------------------------------------------------------------- parsing


def parse_file(path: Path, program: Program) -> list[str]:
    """Add what `path` says to `program`; clingo's error messages when it cannot be parsed."""
    from clingo import ast

    errors: list[str] = []

    def log(_code: Any, message: str) -> None:
        if "error" in message.split("\n", 1)[0]:
            errors.append(message)

    statements: list[Any] = []
    try:
        ast.parse_files([str(path)], statements.append, logger=log, message_limit=50)
    except RuntimeError:
        return errors or [f"{path}:1:1: error: cannot be parsed"]
    for statement in statements:
        collect(statement, program)
    return []


def _loc(node: Any) -> tuple[str, int, int]:
    begin = node.location.begin
    return str(begin.filename), int(begin.line), int(begin.column)


def atoms(node: Any, sink: Callable[[str, Any], None]) -> None:
    """Each symbolic atom below `node` (not inside another atom's arguments)."""
    from clingo import ast

    if node.ast_type == ast.ASTType.SymbolicAtom:
        signature = signature_of(node.symbol)
        if signature:
            sink(signature, node.symbol)
        return
    for key in node.child_keys:
        child = getattr(node, key)
        if child is None:
            continue
        if isinstance(child, ast.AST):
            atoms(child, sink)
        elif isinstance(child, Sequence) and not isinstance(child, str):
            for item in child:
                if isinstance(item, ast.AST):
                    atoms(item, sink)


def signature_of(term: Any) -> str | None:
    from clingo import ast

    if term.ast_type == ast.ASTType.Function:
        return f"{term.name}/{len(term.arguments)}" if term.name else None
    if term.ast_type == ast.ASTType.UnaryOperation:  # classical negation: -p(X)
        return signature_of(term.argument)
    if term.ast_type == ast.ASTType.Pool and term.arguments:
        return signature_of(term.arguments[0])
    return None


def collect(statement: Any, program: Program) -> None:
    from clingo import ast

    kind = statement.ast_type

    def read(signature: str, node: Any) -> None:
        program.reads.append(Use(signature, *_loc(node)))

    def define(signature: str, node: Any) -> None:
        program.defines.append(Use(signature, *_loc(node)))

    if kind.name in _FORBIDDEN_STATEMENTS:
        program.forbidden.append((Use(kind.name, *_loc(statement)), _FORBIDDEN_STATEMENTS[kind.name]))
    if kind == ast.ASTType.Rule:
        _head(statement.head, define, read)
        for literal in statement.body:
            atoms(literal, read)
    elif kind == ast.ASTType.ShowSignature:
        program.shown.add(f"{statement.name}/{statement.arity}")
    elif kind == ast.ASTType.Defined:
        program.declared.add(f"{statement.name}/{statement.arity}")
    elif kind == ast.ASTType.External:
        atoms(statement.atom, define)
        for literal in statement.body:
            atoms(literal, read)
    elif kind in (ast.ASTType.Program, ast.ASTType.Comment, ast.ASTType.Script):
        return
    else:  # #minimize, #show t : body, #edge, #heuristic, #project: their atoms are read
        atoms(statement, read)


def _head(head: Any, define: Callable[[str, Any], None], read: Callable[[str, Any], None]) -> None:
    """Atoms in a head are defined; the conditions of a choice or disjunction element are read."""
    from clingo import ast

    kind = head.ast_type
    if kind == ast.ASTType.Literal:
        atoms(head, define)
    elif kind in (ast.ASTType.Aggregate, ast.ASTType.Disjunction):
        for element in head.elements:
            atoms(element.literal, define)
            for literal in element.condition:
                atoms(literal, read)
    elif kind == ast.ASTType.HeadAggregate:
        for element in head.elements:
            atoms(element.condition.literal, define)
            for literal in element.condition.condition:
                atoms(literal, read)
    else:
        atoms(head, define)


# --------------------------------------------------------------------------- the rule


@lru_cache(maxsize=1)
def engine_predicates() -> frozenset[str]:
    """Every predicate specwire's own rule files mention (what they define, read, show or declare,
    which covers the facts specwire gives), except what policies derive for it to read."""
    from specwire.engine.catalog_index import MATCH_RULES
    from specwire.engine.policy_runner import POLICY_RULES
    from specwire.engine.solver import WIRING_RULES, builtin_rule_file

    program = Program()
    for name in (*MATCH_RULES, *WIRING_RULES, POLICY_RULES):
        parse_file(builtin_rule_file(name), program)
    mentioned = {u.signature for u in (*program.reads, *program.defines)} | program.shown | program.declared
    return frozenset(mentioned - POLICY_OUTPUTS)


def rule_findings(program: Program) -> list[Finding]:
    """The errors of the policy rule: forbidden statements, and engine predicates a policy defines."""
    engine = engine_predicates()
    found = [Finding(use.file, use.line, use.column, "error", message, True) for use, message in program.forbidden]
    for use in program.defines:
        if use.signature in engine:
            found.append(Finding(
                use.file, use.line, use.column, "error",
                f"`{use.signature}` is specwire's own predicate: a policy may not define it (a policy derives "
                f"violation/3 and prefer/3, and predicates of its own)", True))
    return sorted(set(found), key=lambda f: (f.file, f.line, f.column, f.message))


def undefined_reads(program: Program, known: Iterable[str]) -> list[Use]:
    """Predicates the files read that nothing defines (each once per file): never true."""
    defined = {u.signature for u in program.defines} | program.declared | set(known)
    seen: set[tuple[str, str]] = set()
    out: list[Use] = []
    for use in program.reads:
        if use.signature in defined or (use.file, use.signature) in seen:
            continue
        seen.add((use.file, use.signature))
        out.append(use)
    return out


def guard(files: Sequence[Path]) -> list[str]:
    """Refuse policy files that break the rule (RuleFileError: file:line:column, the predicate);
    return warnings for the predicates they read that nothing defines."""
    program = Program()
    for path in files:
        errors = parse_file(Path(path), program)
        if errors:
            from specwire.engine.solver import format_clingo_message

            raise RuleFileError("; ".join(format_clingo_message(m) for m in errors[:MAX_SHOWN]),
                                suggested_fix=f"fix the rule file {path}")
    broken = rule_findings(program)
    if broken:
        shown = "; ".join(f"{f.file}:{f.line}:{f.column}: {f.message}" for f in broken[:MAX_SHOWN])
        more = f" (and {len(broken) - MAX_SHOWN} more)" if len(broken) > MAX_SHOWN else ""
        raise RuleFileError(shown + more, suggested_fix="remove these rules from the policy file, or derive "
                                                        "violation(Id, Message, Args) instead; run `specwire rules "
                                                        "check` on it")
    return [f"{use.where()}: `{use.signature}` is neither in the policy vocabulary nor defined in the policy files, "
            "so it is never true (run `specwire rules check` for suggestions)"
            for use in undefined_reads(program, engine_predicates())]


def grounding_errors(files: Sequence[Path], seconds: float) -> list[str]:
    """Unsafe variables and other grounding errors, with the policy vocabulary loaded beside the files."""
    from clingo import Control

    from specwire.engine import policy_runner as policy
    from specwire.engine.solver import Messages, builtin_rule_file

    messages = Messages()
    ctl = Control(["--warn=none"], logger=messages, message_limit=50)
    loaded = [*files, builtin_rule_file(policy.POLICY_RULES)]
    for path in loaded:
        ctl.load(str(path))

    def task(grounded: Callable[[float], None]) -> tuple[Any, ...]:
        with contextlib.suppress(RuntimeError):  # the logger has the messages
            ctl.ground([("base", [])])
        grounded(0.0)
        return (messages.errors(),)

    if policy.can_isolate():
        payload = policy.run_isolated(task, files, seconds, seconds)
        errors: list[str] = list(payload[0]) if payload else []
    else:
        errors = list(task(lambda _s: None)[0])
    return errors
