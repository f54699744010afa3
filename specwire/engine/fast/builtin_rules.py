"""specwire's own rule files as program text, with the rules that cannot fire left out.

Each built-in file's statements are shipped analysed in `builtin_rules.json` (text, head and
positive body of each; engine/specialise.py), so building a program costs a JSON read once per
process, a fixpoint over a few hundred statements and a join, and clingo parses the text as fast
as it loads a file. A file whose bytes are not the shipped ones (edited in a checkout) is analysed
from its syntax tree instead: slower, never wrong. tests/engine/test_specialise.py fails while the
shipped file is stale; rewrite it with

    python -m specwire.engine.fast.builtin_rules
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from specwire.engine.fast.specialise import Analysed, Signature, specialise

PATH = Path(__file__).with_name("builtin_rules.json")

#: A file's analysed statements, or None when it cannot be specialised (kept whole).
FileStatements = tuple[str, "tuple[Analysed, ...] | None"]


def program(files: Sequence[Path], facts: frozenset[Signature] | None,
            without: frozenset[Signature] = frozenset()) -> str:
    """The text of the given built-in rule files; given `facts`, without the rules that cannot fire
    (nor those that derive only the predicates of `without`, taken as never true)."""
    return _program(tuple((path, _stamp(path)) for path in files), facts, without)


@lru_cache(maxsize=256)
def _program(files: tuple[tuple[Path, tuple[int, int]], ...], facts: frozenset[Signature] | None,
             without: frozenset[Signature] = frozenset()) -> str:
    analysed = [_statements(path, stamp) for path, stamp in files]
    if facts is None or any(statements is None for _, statements in analysed):
        # Each file starts in the base part, whatever the one before it ended with.
        return "\n".join(f"#program base.\n{text}" for text, _ in analysed)
    merged = [statement for _, statements in analysed for statement in statements or ()]
    return "\n".join(text for text, _, _ in specialise(merged, facts, without))


@lru_cache(maxsize=64)
def _statements(path: Path, stamp: tuple[int, int]) -> FileStatements:
    """A file's text and analysed statements: shipped when its bytes are the shipped ones."""
    text = path.read_text(encoding="utf-8")
    shipped = _shipped().get(path.name)
    try:
        if shipped is not None and shipped["sha256"] == _digest(text):
            return text, _decode(shipped["statements"])
    except (KeyError, TypeError, ValueError, IndexError):
        pass  # a damaged entry: analyse instead
    return text, _analyse_file(path)


def _analyse_file(path: Path) -> tuple[Analysed, ...] | None:
    from clingo import ast

    from specwire.engine.fast.rule_analysis import analyse

    statements: list[Any] = []
    # A syntax error raises RuntimeError; solver.load_rules then loads the file to say where.
    ast.parse_files([str(path)], statements.append, logger=lambda _code, _message: None)
    found = analyse(statements)
    return None if found is None else tuple(found)


@lru_cache(maxsize=1)
def _shipped() -> dict[str, Any]:
    try:
        data = json.loads(PATH.read_text(encoding="utf-8"))
        return dict(data["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return {}  # a missing or damaged file: analyse instead


def _decode(items: Any) -> tuple[Analysed, ...] | None:
    if items is None:
        return None
    return tuple((str(text), tuple((str(n), int(a)) for n, a in heads),
                  None if body is None else tuple((str(n), int(a)) for n, a in body))
                 for text, heads, body in items)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return (stat.st_mtime_ns, stat.st_size)


def rule_files() -> list[Path]:
    from importlib import resources

    # `specwire.rules` is a namespace package: a file inside it has a plain path, the folder may not.
    return sorted(Path(str(resources.files("specwire.rules") / "choose.lp")).parent.glob("*.lp"))


def encode() -> str:
    """The shipped file as it should be today: one statement per line, in file order."""
    lines = ["{", ' "files": {']
    files = rule_files()
    for number, path in enumerate(files):
        statements = _analyse_file(path)
        lines.append(f'  {json.dumps(path.name)}: {{"sha256": {json.dumps(_digest(path.read_text(encoding="utf-8")))},')
        if statements is None:
            lines.append('   "statements": null}' + ("," if number < len(files) - 1 else ""))
            continue
        body = ",\n    ".join(json.dumps([text, heads, pos], ensure_ascii=False) for text, heads, pos in statements)
        lines.append(f'   "statements": [\n    {body}\n   ]}}' + ("," if number < len(files) - 1 else ""))
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"


def main() -> int:
    from specwire.files import atomic_write

    atomic_write(PATH, encode())
    print(f"wrote {PATH} ({len(rule_files())} rule files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
