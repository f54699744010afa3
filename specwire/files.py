"""Writing files so that nothing is ever half-written.

Every file specwire writes for a user (definitions, config files, graphs, code archives, the
catalog cache) goes through `atomic_write`: the content goes to a temporary file in the target's
folder, is flushed to disk, and replaces the target with one `os.replace` (a rename on one file
system). A reader sees the old file or the new one, never part of either; a write that fails
(a full disk, an interrupt, an exception while the content is produced) leaves the old file as it
was and no temporary file behind.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from specwire.errors import BadInputError, SpecwireError


def atomic_write(target: str | Path, content: str | bytes, *, error: type[SpecwireError] = BadInputError,
                 mode: int | None = None) -> Path:
    """Write `content` (text as UTF-8, or bytes) to `target` atomically; returns the target.

    A failure raises `error` naming the file ("cannot be written (No space left on device)").
    `mode` fixes the new file's permissions (else: the old file's, or what a plain open() gives).
    Only a regular file (or a new name) is replaced: a device, a FIFO or a link to one is refused,
    never swapped for a regular file.
    """
    target = Path(target)
    data = content.encode("utf-8") if isinstance(content, str) else content
    folder = target.parent
    try:
        if target.is_dir():
            raise error(f"{target}: is a folder; give a file name to write to")
        _refuse_special(target, error)
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{target.name[:100]}.", suffix=".tmp")
    except OSError as exc:
        raise error(f"{target}: cannot be written ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates the file private (0600); give it the mode a plain open() would.
        os.chmod(temp, _mode_for(target) if mode is None else mode)
        os.replace(temp, target)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise error(f"{target}: cannot be written ({exc.strerror or exc})") from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target


def _mode_for(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _refuse_special(target: Path, error: type[SpecwireError]) -> None:
    try:
        info = target.stat()  # follows links: `/proc/self/fd/1` is the terminal or pipe behind it
    except FileNotFoundError:
        return
    except OSError:
        return  # a dangling link or an unreadable entry: the write itself says what is wrong
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{target}: is {file_kind(info.st_mode)}, not a regular file; specwire writes regular files only",
                    suggested_fix="give a file name to write to, or `-o -` to write to standard output")


def file_kind(mode: int) -> str:
    """What a non-regular file is, for messages: "a folder", "a character device", ..."""
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def read_input(path: str | Path, *, what: str, limit: int, error: type[SpecwireError] = BadInputError) -> bytes:
    """The bytes of the input file `path` (a spec pack, a pipeline file, ...), read once.

    Only a regular file is read: a folder, a device (`/dev/zero`), a FIFO (which would block for
    ever without a writer) or a socket is refused before any byte is read, and `limit` is
    enforced while reading, so a file that grows (or lies about its size) cannot exhaust memory.
    """
    path = Path(path)
    noun = what if what.endswith("file") else f"{what} file"
    fix = f"give the path of a {noun}"
    try:
        info = path.stat()
    except FileNotFoundError:
        raise error(f"{path}: no such file", suggested_fix=f"check the path of the {what}") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path}: is a folder, expected a {noun}", suggested_fix=fix)
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path}: is {file_kind(info.st_mode)}, expected a {noun} (a regular file)", suggested_fix=fix)
    if info.st_size > limit:
        raise error(f"{path}: {_size(info.st_size)} is larger than the {_size(limit)} limit for a {what}",
                    suggested_fix="split it into several files in a folder")
    try:
        # O_NONBLOCK: should the path become a FIFO between the check and the open, opening cannot hang.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise error(f"{path}: is {file_kind(opened.st_mode)}, expected a {noun} (a regular file)",
                        suggested_fix=fix)
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - total)):
            total += len(chunk)
            if total > limit:
                raise error(f"{path}: is larger than the {_size(limit)} limit for a {what}",
                            suggested_fix="split it into several files in a folder")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else f"{n} bytes"
