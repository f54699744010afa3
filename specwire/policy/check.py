"""`specwire rules check`: syntax errors, unsafe variables and misspelled predicates in policy files.

A misspelled predicate is the policy author's worst bug: `node_stp(N, T)` in a body is never
true, so the rule silently never fires; `violaton(...)` in a head is never read. clingo's AST
(`clingo.ast.parse_files`) gives every atom with its location before anything is grounded, so
each predicate a file reads is compared with the policy vocabulary (specwire.policy.sources.VOCABULARY),
the predicates the files define and those of the wiring rules, and each predicate a file defines
with what is read. The files given together are checked as one program (an organisation's file
may define what a team's file reads).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path

from specwire.engine.policy_guard import Finding, Program, grounding_errors, parse_file, rule_findings
from specwire.errors import RuleFileError, did_you_mean
from specwire.policy.vocabulary import OUTPUTS, READABLE

#: How long grounding a checked file alone may take (a file whose own facts explode).
CHECK_GROUND_SECONDS = 10.0

_LOCATION = re.compile(r"^(?P<file>.*?):(?P<line>\d+):(?P<col>\d+)(?:-\d+(?::\d+)?)?:\s*(?:error|info|warning):\s*"
                       r"(?P<rest>.*)$", re.S)


def check_files(paths: Sequence[str | Path]) -> list[Finding]:
    """Every finding of the files, checked as one program: errors first, then by place."""
    files = [Path(p) for p in paths]
    for path in files:
        if not path.is_file():
            raise RuleFileError(f"{path}: no such rule file", suggested_fix="check the path given to `rules check`")
    findings: list[Finding] = []
    program = Program()
    for path in files:
        findings.extend(_messages_to_findings(parse_file(path, program), str(path)))
    if not findings:
        # The engine's rule (engine/policy_guard.py), the one `resolve` and `build` apply. A file breaking
        # it is not grounded: `#script` and the like are refused, never run.
        findings.extend(rule_findings(program))
    if not findings:
        findings.extend(_ground_check(files))
    if not any(f.severity == "error" for f in findings):
        findings.extend(_vocabulary_findings(program))
    return sorted(findings, key=lambda f: (f.severity != "error", f.file, f.line, f.column, f.message))


# --------------------------------------------------------------------------- parsing


def _messages_to_findings(lines: Iterable[str], default_file: str) -> list[Finding]:
    found: list[Finding] = []
    for text in lines:
        first = text.strip().splitlines()[0] if text.strip() else text
        match = _LOCATION.match(first)
        if match is None:
            found.append(Finding(default_file, 1, 1, "error", first.strip()))
            continue
        rest = match["rest"].strip()
        # clingo follows "unsafe variables in:" with the rule and a note naming the variable.
        line, column = int(match["line"]), int(match["col"])
        note = re.search(r"^.*?:(\d+):(\d+)(?:-\d+(?::\d+)?)?: note: '([^']+)' is unsafe", text, re.M)
        if note and rest.startswith("unsafe variables"):
            line, column = int(note[1]), int(note[2])
            rest = f"unsafe variable {note[3]}: it must occur in a positive body atom of the rule"
        found.append(Finding(match["file"], line, column, "error", rest))
    return found


# --------------------------------------------------------------------------- grounding


def _ground_check(files: Sequence[Path]) -> list[Finding]:
    """Unsafe variables and other grounding errors, with the policy vocabulary loaded beside the files."""
    return _messages_to_findings(grounding_errors(files, CHECK_GROUND_SECONDS), str(files[0]))


# --------------------------------------------------------------------------- vocabulary


@lru_cache(maxsize=1)
def internal_predicates() -> frozenset[str]:
    """What the wiring rules (specwire/rules/*.lp) define: readable, but not part of the vocabulary."""
    from specwire.engine.solver import WIRING_RULES, builtin_rule_file

    program = Program()
    for name in WIRING_RULES:
        parse_file(builtin_rule_file(name), program)
    # The facts the resolver adds for stage two (see engine.part_facts.part_facts).
    facts = {"fill/0", "type_rank/2", "catalog_profile/3", "node_profile/2", "node_rank/2", "dep/2",
             "required/2", "dword/3", "port_match/5", "qualified/4", "out_rank/3", "whynot/2"}
    # Every input the wiring rules read is declared `#defined` (tests/engine/test_rules_doc.py).
    return frozenset({u.signature for u in program.defines} | program.declared | facts) - READABLE - OUTPUTS


def _vocabulary_findings(program: Program) -> list[Finding]:
    defined = {u.signature for u in program.defines} | program.declared
    read = {u.signature for u in program.reads} | program.shown
    internal = internal_predicates()
    known = READABLE | defined
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for use in program.reads:
        if use.signature in known or (use.file, use.signature) in seen:
            continue
        seen.add((use.file, use.signature))
        if use.signature in internal:
            findings.append(Finding(use.file, use.line, use.column, "warning",
                                    f"`{use.signature}` is an internal predicate of the wiring rules, not part of "
                                    "the policy vocabulary (docs/policies.md): it may change without notice"))
            continue
        hint = _hint(use.signature, READABLE | defined | internal)
        findings.append(Finding(use.file, use.line, use.column, "warning",
                                f"`{use.signature}` is neither in the policy vocabulary nor defined in the files "
                                f"checked, so it is never true{hint}"))
    for use in program.defines:
        if use.signature in OUTPUTS or use.signature in read or (use.file, use.signature) in seen:
            continue
        seen.add((use.file, use.signature))
        hint = _hint(use.signature, OUTPUTS | read)
        findings.append(Finding(use.file, use.line, use.column, "warning",
                                f"`{use.signature}` is defined but never read: specwire reads only "
                                f"`violation/3` and `prefer/3`{hint}"))
    if program.defines and not defined & OUTPUTS:
        first = min(program.defines, key=lambda u: (u.file, u.line, u.column))
        findings.append(Finding(first.file, 1, 1, "warning",
                                "no rule derives `violation/3` or `prefer/3`: these files can neither fail nor "
                                "steer a pipeline"))
    return findings


def _hint(signature: str, candidates: Iterable[str]) -> str:
    """`: did you mean `node_step/2`?`, by name first, then preferring the same arity."""
    name, arity = signature.rsplit("/", 1)
    pool = sorted(set(candidates) - {signature})
    by_name: dict[str, list[str]] = {}
    for candidate in pool:
        by_name.setdefault(candidate.rsplit("/", 1)[0], []).append(candidate)
    names = did_you_mean(name, by_name)
    if not names:
        return ""
    options = [c for n in names for c in by_name[n]]
    same = [c for c in options if c.endswith(f"/{arity}")]
    chosen = same or options
    return ": did you mean " + " or ".join(f"`{c}`" for c in chosen[:3]) + "?"


def findings_text(findings: Iterable[Finding]) -> Iterator[str]:
    for finding in findings:
        yield str(finding)
