"""Reading YAML and JSON documents with errors that name the file, line and field."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from specwire.errors import BadInputError
from specwire.files import read_input

#: A spec pack or pipeline file bigger than this is refused before parsing: real catalogs of
#: thousands of step types stay well under it, and parsing is what a hostile file would abuse.
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024


@cache
def _loader() -> Any:
    """The safe loader, refusing a mapping that names the same key twice (YAML keeps the last silently).

    Made on first use: a JSON catalog and pipeline (a team's usual files) never import PyYAML.
    """
    import yaml

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc]
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, yaml.MappingNode):
                seen: set[Any] = set()
                for key_node, _ in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
                        continue
                    key = (key_node.tag, key_node.value)
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"duplicate key {key_node.value!r}", key_node.start_mark
                        )
                    seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return Loader


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def read_document(path: Path, *, what: str, error: type[BadInputError] = BadInputError) -> Any:
    """Parse a YAML or JSON file (by extension; YAML otherwise, which also reads JSON)."""
    return read_document_bytes(path, what=what, error=error)[0]


def read_document_bytes(path: Path, *, what: str, error: type[BadInputError] = BadInputError) -> tuple[Any, bytes]:
    """The parsed document and the exact bytes it was parsed from (read once: a digest of them is
    a digest of what was parsed, even when the file is replaced meanwhile)."""
    raw = read_input(path, what=what, limit=MAX_DOCUMENT_BYTES, error=error)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(
            f"{path}: is not UTF-8 text (byte {exc.start}); a {what} must be YAML or JSON",
        ) from None
    if "\x00" in text:
        raise error(f"{path}: holds binary data (a NUL byte); a {what} must be YAML or JSON text")
    document = parse_text(text, source=str(path), what=what, json_only=path.suffix.lower() == ".json", error=error)
    return document, raw


def parse_text(
    text: str, *, source: str, what: str, json_only: bool = False, error: type[BadInputError] = BadInputError
) -> Any:
    if json_only:
        try:
            return json.loads(text, object_pairs_hook=_unique_keys)
        except json.JSONDecodeError as exc:
            raise error(f"{source}:{exc.lineno}:{exc.colno}: invalid JSON in {what}: {exc.msg}") from None
        except (ValueError, RecursionError) as exc:
            raise error(f"{source}: invalid JSON in {what}: {exc}") from None
    import yaml

    try:
        return yaml.load(text, Loader=_loader())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = exc.problem or exc.context or "invalid YAML"
        raise error(f"{where}: invalid YAML in {what}: {problem}") from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise error(f"{source}: invalid YAML in {what}: {exc}") from None


def field_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as `a.b[2].c`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
