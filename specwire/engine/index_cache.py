"""Stage one's results on disk: plain JSON, checked before it is believed.

A cache file is data another process wrote, and a process of another user (or a planted file)
may have written it, so nothing in it is trusted:

* it is JSON (never pickle): reading it cannot run code;
* it is read only from a folder this user owns that nobody else may write to (created 0700;
  another owner or a group/world-writable folder turns the cache off with one warning);
* every entry is checked against the shape `encode` writes and against the catalog being loaded
  (each profile, output and dependency it names must exist); anything else is recomputed;
* its name is the catalog's key (catalog_index.catalog_fingerprint), a hash of exactly the bytes
  that were parsed, and the key is repeated inside the file;
* it is written with `atomic_write`, private (0600), so a reader sees a whole entry or none.

An entry is a whole catalog's stage one (`"complete": null`) or a scoped part of it (engine/stage_one.py):
`"complete"` then lists the dependencies whose matches it holds, and it holds no match into another.

The same codec reads the shipped index of the built-in catalog (engine/fast/builtin_index.py).
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from specwire.engine.catalog_index import CatalogIndex, PortMatch, ProfileKey, Reason, group_providers
from specwire.specs.models import StepSpecification

#: A cache entry bigger than this is not read (a dense catalog's entry stays far below it).
MAX_ENTRY_BYTES = 512 * 1024 * 1024

_SECTIONS = ("key", "complete", "matches", "qualified", "dep_roots", "near", "external", "weak_words", "held_out")
_warned: set[str] = set()


def cache_dir() -> Path | None:
    """Where stage one's results persist between runs; None when caching is switched off.

    The one place that decides the folder's location (its safety is `usable_dir`'s concern).
    """
    if os.environ.get("SPECWIRE_CACHE", "1").lower() in ("0", "false", "off", "no"):
        return None
    explicit = os.environ.get("SPECWIRE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    # platformdirs knows each system's place: $XDG_CACHE_HOME or ~/.cache on Linux,
    # ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows.
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("specwire", appauthor=False))


def usable_dir(folder: Path, *, create: bool) -> Path | None:
    """`folder` when this user owns it and nobody else can write to it (created 0700 when missing).

    Otherwise None, after one warning on stderr: a folder another user can write to could hold
    planted entries, so the cache is off (every run computes stage one, which costs speed only).
    """
    try:
        if create and not folder.exists():
            folder.parent.mkdir(parents=True, exist_ok=True)
            try:
                folder.mkdir(mode=0o700)
            except FileExistsError:
                pass  # another process created it first: checked below like any existing folder
            else:
                os.chmod(folder, 0o700)  # the umask may only remove bits; be explicit all the same
        info = os.stat(folder)
    except OSError:
        return None  # no folder (when reading) or none can be made: no cache, no noise
    problem = _unsafe(info)
    if problem:
        _warn(folder, problem)
        return None
    return folder


def _unsafe(info: os.stat_result) -> str | None:
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a folder"
    getuid = getattr(os, "getuid", None)
    if getuid is not None and info.st_uid != getuid():
        return f"it is owned by another user (uid {info.st_uid})"
    if info.st_mode & 0o022:
        who = {0o022: "its group and others", 0o002: "others", 0o020: "its group"}[info.st_mode & 0o022]
        return f"{who} can write to it (mode {stat.S_IMODE(info.st_mode):04o})"
    return None


def _warn(folder: Path, problem: str) -> None:
    if str(folder) in _warned:
        return
    _warned.add(str(folder))
    print(f"specwire: warning: not using the cache folder {folder}: {problem}; every run computes the "
          f"catalog's matches (fix: `chmod 700 {folder}` if it is yours, or set SPECWIRE_CACHE_DIR to a "
          f"private folder, or SPECWIRE_CACHE=0)", file=sys.stderr)


def entry_path(folder: Path, key: str) -> Path:
    return folder / f"index-{key}.json"


def load(key: str, profiles: dict[ProfileKey, StepSpecification], files: tuple[Path, ...],
         scoped: bool = False) -> CatalogIndex | None:
    """The cached stage one under `key`, when present, whole and consistent with `profiles`; else None.

    `scoped`: the entry must be a scoped part (else a whole catalog's), as its key promises.
    """
    base = cache_dir()
    folder = usable_dir(base, create=False) if base is not None else None
    if folder is None:
        return None
    raw = _read_entry(entry_path(folder, key))
    if raw is None:
        return None
    try:
        with _no_cycle_collection():
            index = decode(raw.decode("utf-8"), profiles, files, key=key)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None  # damaged, stale or forged: recomputed (and rewritten) by the caller
    return index if (index.complete is not None) == scoped else None


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Decoding a dense catalog's entry allocates millions of lists, tuples and reasons, none of them
    in a cycle; the cyclic collector would otherwise walk them over and over while they are built
    (300-type dense catalog: 2.35 s -> 0.75 s to load). Reference counting still frees garbage."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_entry(path: Path) -> bytes | None:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        getuid = getattr(os, "getuid", None)
        if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o022 or (getuid is not None and info.st_uid != getuid()):
            return None
        if info.st_size > MAX_ENTRY_BYTES:
            return None
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, 1 << 20):
            total += len(chunk)
            if total > MAX_ENTRY_BYTES:
                return None
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def store(key: str, index: CatalogIndex) -> None:
    """Write the entry of `key`; a folder that cannot be used or written only costs speed."""
    from specwire.errors import SpecwireError
    from specwire.files import atomic_write

    base = cache_dir()
    folder = usable_dir(base, create=True) if base is not None else None
    if folder is None:
        return
    with contextlib.suppress(SpecwireError):
        atomic_write(entry_path(folder, key), encode(index, key), mode=0o600)


# --------------------------------------------------------------------------- the codec


def _p(key: ProfileKey) -> list[str | None]:
    return [key[0], key[1]]


def _order_key(key: ProfileKey) -> tuple[str, str]:
    return (key[0], key[1] or "")


def _order(match: PortMatch) -> tuple[str, str, str, str, str, str]:
    return (*_order_key(match[2]), match[3], *_order_key(match[0]), match[1])


def encode(index: CatalogIndex, key: str) -> str:
    """The index as JSON text: one entry per line, in a stable order."""
    sections: dict[str, list[Any]] = {
        "matches": [[_p(m[0]), m[1], _p(m[2]), m[3], index.quality[m], m in index.loose,
                     [list(s) for s in index.scores.get(m, [])],
                     [[r.rule, r.field, r.value] for r in index.reasons.get(m, [])]]
                    for m in sorted(index.quality, key=_order)],
        "qualified": [[_p(a), _p(b), d, sorted(jobs)] for (a, b, d), jobs in sorted(
            index.qualified.items(), key=lambda kv: (_order_key(kv[0][0]), _order_key(kv[0][1]), kv[0][2]))],
        "dep_roots": [[_p(p), d, sorted(w)] for (p, d), w in sorted(
            index.dep_roots.items(), key=lambda kv: (_order_key(kv[0][0]), kv[0][1]))],
        "near": [[_p(p), d, [[_p(q), o] for q, o in providers]] for (p, d), providers in sorted(
            index.near.items(), key=lambda kv: (_order_key(kv[0][0]), kv[0][1]))],
        "external": [[_p(p), d] for p, d in sorted(index.external, key=lambda pd: (_order_key(pd[0]), pd[1]))],
        "weak_words": sorted(index.weak_words),
        "held_out": [[_p(p), o] for p, o in sorted(index.held_out, key=lambda po: (_order_key(po[0]), po[1]))],
    }
    # The key stays on the second line (fast/builtin_index.py looks for it there).
    lines = ["{", f' "key": {json.dumps(key)},']
    if index.complete is None:
        lines.append(' "complete": null,')
    else:
        complete = [[_p(p), d] for p, d in sorted(index.complete, key=lambda pd: (_order_key(pd[0]), pd[1]))]
        body = ",\n  ".join(json.dumps(item, ensure_ascii=False) for item in complete)
        lines.append(f' "complete": [\n  {body}\n ],' if complete else ' "complete": [],')
    for number, (name, items) in enumerate(sections.items()):
        body = ",\n  ".join(json.dumps(item, ensure_ascii=False) for item in items)
        end = "," if number < len(sections) - 1 else ""
        lines.append(f' "{name}": [\n  {body}\n ]{end}' if items else f' "{name}": []{end}')
    lines.append("}")
    return "\n".join(lines) + "\n"


class _Checker:
    """Reads the JSON values of an entry, raising ValueError at the first one of the wrong shape
    or naming a profile, output or dependency the catalog does not have."""

    def __init__(self, profiles: dict[ProfileKey, StepSpecification]) -> None:
        self.profiles = profiles
        self._outs: dict[ProfileKey, frozenset[str]] = {}
        self._deps: dict[ProfileKey, frozenset[str]] = {}

    @staticmethod
    def text(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("expected a string")
        return value

    @staticmethod
    def number(value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not -(2**31) <= value < 2**31:
            raise ValueError("expected an integer")
        return value

    @staticmethod
    def items(value: Any, size: int | None = None) -> list[Any]:
        if not isinstance(value, list) or (size is not None and len(value) != size):
            raise ValueError("expected a list" + (f" of {size}" if size is not None else ""))
        return value

    def texts(self, value: Any) -> set[str]:
        return {self.text(v) for v in self.items(value)}

    def profile(self, value: Any) -> ProfileKey:
        step, variant = self.items(value, 2)
        key = (self.text(step), None if variant is None else self.text(variant))
        if key not in self.profiles:
            raise ValueError(f"unknown profile {key}")
        return key

    def output(self, profile: ProfileKey, value: Any) -> str:
        name = self.text(value)
        if profile not in self._outs:
            self._outs[profile] = frozenset(o.logical_name for o in self.profiles[profile].outputs)
        if name not in self._outs[profile]:
            raise ValueError(f"unknown output {name!r}")
        return name

    def dependency(self, profile: ProfileKey, value: Any) -> str:
        name = self.text(value)
        if profile not in self._deps:
            self._deps[profile] = frozenset(d.logical_name for d in self.profiles[profile].dependencies)
        if name not in self._deps[profile]:
            raise ValueError(f"unknown dependency {name!r}")
        return name

    def port(self, value: Any, kind: str) -> tuple[ProfileKey, str]:
        p, name = self.items(value, 2)
        profile = self.profile(p)
        return profile, (self.output(profile, name) if kind == "out" else self.dependency(profile, name))


def decode(text: str, profiles: dict[ProfileKey, StepSpecification], files: tuple[Path, ...],
           key: str | None = None) -> CatalogIndex:
    """An index from `encode`'s text; ValueError for anything else (including another `key`)."""
    data = json.loads(text)
    if not isinstance(data, dict) or sorted(data) != sorted(_SECTIONS):
        raise ValueError("not a stage-one entry")
    if key is not None and data["key"] != key:
        raise ValueError("the entry is another catalog's")
    check = _Checker(profiles)
    index = CatalogIndex(profiles=profiles, files=files)
    if data["complete"] is not None:
        index.complete = {check.port(item, "dep") for item in check.items(data["complete"])}
    covered = index.complete

    def within(port: tuple[ProfileKey, str]) -> tuple[ProfileKey, str]:
        """A scoped entry holds matches only into the dependencies it says it covers."""
        if covered is not None and port not in covered:
            raise ValueError("a scoped entry with a match outside its scope")
        return port

    for item in check.items(data["matches"]):
        a, o, b, d, quality, loose, scores, reasons = check.items(item, 8)
        provider, consumer = check.profile(a), check.profile(b)
        match = (provider, check.output(provider, o), consumer, check.dependency(consumer, d))
        within((consumer, match[3]))
        if match in index.quality:
            raise ValueError("a match listed twice")
        index.quality[match] = check.number(quality)
        if not isinstance(loose, bool):
            raise ValueError("expected true or false")
        if loose:
            index.loose.add(match)
        points = [(check.text(r), check.number(n)) for r, n in (check.items(s, 2) for s in check.items(scores))]
        if not points or sum(n for _, n in points) != quality:  # match.lp: a match scores; its quality is the sum
            raise ValueError("a match whose quality is not the sum of its points")
        index.scores[match] = points
        index.reasons[match] = [Reason(check.text(r), check.text(f), check.text(v))
                                for r, f, v in (check.items(x, 3) for x in check.items(reasons))]
    for item in check.items(data["qualified"]):
        a, b, d, jobs = check.items(item, 4)
        consumer = check.profile(b)
        port = within((consumer, check.dependency(consumer, d)))
        index.qualified[(check.profile(a), *port)] = check.texts(jobs)
    for item in check.items(data["dep_roots"]):
        p, d, roots = check.items(item, 3)
        index.dep_roots[check.port([p, d], "dep")] = check.texts(roots)
    for item in check.items(data["near"]):
        p, d, providers = check.items(item, 3)
        index.near[within(check.port([p, d], "dep"))] = [check.port(x, "out") for x in check.items(providers)]
    index.external = {within(check.port(item, "dep")) for item in check.items(data["external"])}
    index.weak_words = check.texts(data["weak_words"])
    index.held_out = {check.port(item, "out") for item in check.items(data["held_out"])}
    index.providers_of = group_providers(index.quality)
    return index
