"""Runs one script as if inside a SageMaker container: the child process of a local run.

    python container_boot.py MAPPING.json PROGRAM [ARG ...]

MAPPING.json holds {"paths": {"/opt/ml": "/host/folder/opt/ml", ...}}. Every file operation of
Python on a path under a container prefix (open, os.stat, os.listdir, os.scandir, os.mkdir,
os.replace, ..., so also pathlib, shutil, tempfile, tarfile and pandas, which call them) is
redirected to the host folder, so a script that reads `/opt/ml/processing/input/data` or writes
`/opt/ml/output/failure` finds the folders the runner prepared. Then PROGRAM runs as `__main__`,
with `sys.argv` and `sys.path[0]` as `python PROGRAM ARG...` would set them.

Paths a library opens in compiled code (not through Python's file functions) are not
redirected; the runner passes host paths wherever it can (SM_* variables, arguments).

Standard library only, and not a module of specwire when it runs: it is started as a file.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import runpy
import sys
from collections.abc import Callable
from typing import Any


def _translator(paths: dict[str, str]) -> Callable[[Any], Any]:
    prefixes = sorted(paths.items(), key=lambda item: len(item[0]), reverse=True)

    def translate(path: Any) -> Any:
        if isinstance(path, int):
            return path
        try:
            text = os.fspath(path)
        except TypeError:
            return path
        as_bytes = isinstance(text, bytes)
        value = os.fsdecode(text) if as_bytes else text
        for prefix, host in prefixes:
            if value == prefix or value.startswith(prefix + "/"):
                mapped = host + value[len(prefix):]
                return os.fsencode(mapped) if as_bytes else mapped
        return path

    return translate


def _wrap_one(function: Callable[..., Any], translate: Callable[[Any], Any]) -> Callable[..., Any]:
    def wrapper(path: Any, *args: Any, **kwargs: Any) -> Any:
        return function(translate(path), *args, **kwargs)

    wrapper.__name__ = getattr(function, "__name__", "wrapper")
    wrapper.__doc__ = function.__doc__
    return wrapper


def _wrap_two(function: Callable[..., Any], translate: Callable[[Any], Any]) -> Callable[..., Any]:
    def wrapper(source: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
        return function(translate(source), translate(target), *args, **kwargs)

    wrapper.__name__ = getattr(function, "__name__", "wrapper")
    wrapper.__doc__ = function.__doc__
    return wrapper


#: os functions whose first argument is a path.
ONE_PATH = ("stat", "lstat", "listdir", "scandir", "mkdir", "rmdir", "remove", "unlink", "access", "chmod",
            "lchmod", "chown", "lchown", "chflags", "lchflags", "utime", "readlink", "truncate", "open", "chdir",
            "statvfs", "pathconf", "mkfifo", "mknod", "listxattr", "getxattr", "setxattr", "removexattr")
#: os functions whose first two arguments are paths.
TWO_PATHS = ("rename", "replace", "link", "symlink")


def install(paths: dict[str, str]) -> None:
    """Redirect Python's file functions from container prefixes to host folders."""
    translate = _translator(paths)
    for name in ONE_PATH:
        if hasattr(os, name):
            setattr(os, name, _wrap_one(getattr(os, name), translate))
    for name in TWO_PATHS:
        if hasattr(os, name):
            setattr(os, name, _wrap_two(getattr(os, name), translate))
    opener = _wrap_one(builtins.open, translate)
    builtins.open = opener
    io.open = opener


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        sys.exit("usage: container_boot.py MAPPING.json PROGRAM [ARG ...]")
    with open(argv[0], encoding="utf-8") as handle:
        mapping = json.load(handle)
    program = os.path.abspath(argv[1])
    install(dict(mapping.get("paths", {})))
    sys.argv = [program, *argv[2:]]
    sys.path[0] = os.path.dirname(program)
    runpy.run_path(program, run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
