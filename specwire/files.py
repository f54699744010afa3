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
import tempfile
from pathlib import Path

from specwire.errors import BadInputError, SpecwireError


def atomic_write(target: str | Path, content: str | bytes, *, error: type[SpecwireError] = BadInputError) -> Path:
    """Write `content` (text as UTF-8, or bytes) to `target` atomically; returns the target.

    A failure raises `error` naming the file ("cannot be written (No space left on device)").
    """
    target = Path(target)
    data = content.encode("utf-8") if isinstance(content, str) else content
    folder = target.parent
    try:
        if target.is_dir():
            raise error(f"{target}: is a folder; give a file name to write to")
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
        os.chmod(temp, _mode_for(target))
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
