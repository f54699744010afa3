"""Policy rules: where they come from (the vocabulary is in `vocabulary.py`, their facts in `facts.py`).

Policy files are `.lp` files that derive `violation(Id, Message, Args)` (a hard rule: the
pipeline fails with a `policy` diagnostic) or `prefer(Id, Weight, Args)` (a soft rule: the wiring
avoids the cost when it can). docs/policies.md is the guide; `specwire.policy.vocabulary.VOCABULARY` is the contract
that `specwire rules check` checks files against.

Where they come from, in this order (each adds to the ones before; nothing is replaced):

1. the folders of the settings file in the current directory: `specwire.toml` (a `[policies]`
   table) or else `pyproject.toml` (`[tool.specwire.policies]`), with `dirs = [...]` (relative to
   the file) and `packs = ["builtin"]`;
2. the folders of the `SPECWIRE_POLICY_PATH` environment variable, separated by `os.pathsep`
   (an organisation's folder, then a team's);
3. the packs asked for with `--policy-pack` (`builtin`: the example pack of `specwire/rules/policies/`);
4. the files and folders given with `--rules`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from specwire.errors import BadInputError, RuleFileError, suggestion_text
from specwire.files import read_input
from specwire.plan import check_environment
from specwire.policy.facts import context_facts, pipeline_policy_facts, reads_configs

if TYPE_CHECKING:
    from specwire.engine.terms import Term

ENV_VAR = "SPECWIRE_POLICY_PATH"
SETTINGS_FILE = "specwire.toml"
BUILTIN_PACK = "builtin"
PACKS = (BUILTIN_PACK,)
_SETTINGS_KEYS = ("dirs", "packs")


# --------------------------------------------------------------------------- files


def policy_files(paths: Iterable[str | Path]) -> list[Path]:
    """The `.lp` files to load, each checked to exist; a folder stands for its `.lp` files."""
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            files = sorted(p for p in path.glob("*.lp") if p.is_file())
            if not files:
                raise RuleFileError(f"{path}: the folder holds no .lp rule file")
            found.extend(files)
        elif path.is_file():
            found.append(path)
        elif path.exists():
            raise RuleFileError(f"{path}: is not a regular file (a device, FIFO or socket); a policy is a .lp file")
        else:
            raise RuleFileError(f"{path}: no such rule file", suggested_fix="check the path given to --rules")
    unique: dict[Path, None] = {}
    for p in found:
        unique.setdefault(p.resolve(), None)
    for p in unique:
        check_policy_text(p)
    return list(unique)


#: A policy file bigger than this is refused before clingo reads it (the built-in pack is 3 KB).
MAX_POLICY_BYTES = 4 * 1024 * 1024

#: `#include "file".` / `#include <file>.`: clingo would load that file unchecked.
_INCLUDE = re.compile(r"#include\s*[\"<]")


def check_policy_text(path: Path) -> None:
    """A policy file is read by specwire before clingo sees it: a regular file within the size
    limit, UTF-8 text (clingo's Python logger dies on other bytes in a message quoting the file, and
    the resolve was then reported as a time-out), and no `#include` (the included file would escape
    every one of these checks)."""
    raw = read_input(path, what="policy file", limit=MAX_POLICY_BYTES, error=RuleFileError)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RuleFileError(f"{path}: is not UTF-8 text (byte {exc.start}); a policy file is clingo text",
                            suggested_fix="save the policy file as UTF-8") from None
    if "\x00" in text:
        raise RuleFileError(f"{path}: holds binary data (a NUL byte); a policy file is clingo text")
    found = _INCLUDE.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
        raise RuleFileError(f"{path}:{line}:{column}: #include is not allowed in a policy file (the included "
                            "file would be loaded unchecked)",
                            suggested_fix="pass each policy file, or their folder, with --rules")


def pack_dir(name: str) -> Path:
    """The folder of a built-in policy pack (`builtin`: specwire/rules/policies/)."""
    if name != BUILTIN_PACK:
        hint = suggestion_text(name, PACKS)
        raise BadInputError(f"no policy pack named {name!r}" + (f" ({hint})" if hint else ""),
                            suggested_fix="packs: " + ", ".join(PACKS))
    return Path(str(resources.files("specwire.rules") / "policies"))


@dataclass(frozen=True)
class Settings:
    """The policy part of a settings file."""

    source: Path | None = None
    dirs: tuple[Path, ...] = ()
    packs: tuple[str, ...] = ()


def read_settings(cwd: Path | None = None) -> Settings:
    """`specwire.toml`'s `[policies]`, else `pyproject.toml`'s `[tool.specwire.policies]`, in `cwd`."""
    folder = cwd or Path.cwd()
    own = folder / SETTINGS_FILE
    if own.is_file():
        table = _toml(own).get("policies", {})
        return _settings(own, table, "[policies]")
    project = folder / "pyproject.toml"
    if project.is_file():
        try:
            text = project.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return Settings()
        if "tool.specwire" not in text:  # most projects: no TOML parse at all
            return Settings()
        tool = _toml(project).get("tool", {})
        table = tool.get("specwire", {}).get("policies", {}) if isinstance(tool, dict) else {}
        return _settings(project, table, "[tool.specwire.policies]")
    return Settings()


def _toml(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BadInputError(f"{path}: cannot be read as TOML ({exc})") from None


def _settings(path: Path, table: Any, where: str) -> Settings:
    if not isinstance(table, dict):
        raise BadInputError(f"{path}: {where}: expected a table")
    for key in table:
        if key not in _SETTINGS_KEYS:
            hint = suggestion_text(str(key), _SETTINGS_KEYS)
            raise BadInputError(f"{path}: {where}: unknown key {key!r}" + (f" ({hint})" if hint else ""),
                                suggested_fix="keys: " + ", ".join(_SETTINGS_KEYS))
    dirs, packs = table.get("dirs", []), table.get("packs", [])
    for key, value in (("dirs", dirs), ("packs", packs)):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BadInputError(f"{path}: {where}.{key}: expected a list of strings")
    return Settings(path, tuple(_folder(path.parent / d, f"{path}: {where}.dirs") for d in dirs), tuple(packs))


def _folder(path: Path, where: str) -> Path:
    if not path.is_dir():
        raise RuleFileError(f"{where}: {path}: no such folder",
                            suggested_fix="create the folder or remove it from the policy path")
    return path


def env_dirs(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The folders of SPECWIRE_POLICY_PATH, in order; empty entries are skipped."""
    value = (os.environ if environ is None else environ).get(ENV_VAR, "")
    return [_folder(Path(part), ENV_VAR) for part in value.split(os.pathsep) if part.strip()]


def discover_policies(rules: Sequence[str | Path] = (), packs: Sequence[str] = (), *, cwd: Path | None = None,
                      environ: Mapping[str, str] | None = None, use_settings: bool = True) -> list[Path]:
    """Every policy file to load: settings folders, SPECWIRE_POLICY_PATH, packs, then `rules`."""
    sources: list[str | Path] = []
    all_packs = list(packs)
    if use_settings:
        settings = read_settings(cwd)
        sources.extend(settings.dirs)
        all_packs = [*settings.packs, *all_packs]
        sources.extend(env_dirs(environ))
    for pack in dict.fromkeys(all_packs):
        sources.append(pack_dir(pack))
    sources.extend(rules)
    return policy_files(sources)


def resolve_policies(definition: Any, rules: Sequence[str | Path] = (), packs: Sequence[str] = (),
                     environment: str | None = None) -> tuple[list[Path], tuple[Term, ...]]:
    """What `specwire resolve` loads: the policy files, and (when there are any) the pipeline's facts.

    `definition` is the pipeline as written (its `context` and `overrides` feed the config facts).
    Without policy files nothing is generated, so a resolve without policies pays nothing.
    """
    # The same rule with or without policies, and as `build` applies it to the file's context.
    if environment is not None:
        check_environment(environment, "--environment")
    extra = getattr(definition, "extra", {}) or {}
    context = dict(extra.get("context") or {}) if isinstance(extra.get("context"), Mapping) else {}
    if environment is None and context.get("environment") is not None:
        check_environment(context["environment"], f"{getattr(definition, 'source', 'pipeline')}: context.environment")
    files = discover_policies(rules, packs)
    if not files:
        return files, ()
    overrides = extra.get("overrides") if isinstance(extra.get("overrides"), Mapping) else {}
    if not reads_configs(files):  # generating configs costs their import (~0.1 s): only when read
        if environment:
            context["environment"] = environment
        return files, context_facts(context)
    edges = list(getattr(definition, "edges", ()) or ())
    return files, pipeline_policy_facts(definition.nodes, context, overrides, environment, edges)


