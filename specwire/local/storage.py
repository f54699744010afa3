"""S3 on this machine: every `s3://bucket/key` of a run is a path under `<workdir>/s3/bucket/key`.

Objects are files; a "folder" is a key prefix, as in S3. A run writes its outputs only under its
own workdir, so two runs never overwrite each other's outputs, even though the definition names
the same S3 locations for every execution.

Values given for S3 parameters (`-P InputDataUri=./data`) may be local folders or files: a URI
that is not `s3://...` is read in place, never written.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from specwire.local.expressions import ExpressionError

S3 = "s3://"


def is_s3(uri: str) -> bool:
    return uri.startswith(S3)


class LocalS3:
    """The run's stand-in for S3, rooted at `<workdir>/s3`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, uri: str) -> Path:
        """The local path of an S3 URI (or the path itself for a local file or folder)."""
        if not is_s3(uri):
            return Path(uri).expanduser().resolve()
        bucket, _, key = uri[len(S3):].partition("/")
        if not bucket or ".." in key.split("/"):
            raise ExpressionError(f"{uri!r} is not an S3 URI a run can map to its folder")
        return self.root / bucket / key

    def exists(self, uri: str) -> bool:
        if not is_s3(uri):
            return self.path(uri).exists()
        return any(self._prefix_matches(uri))

    def _prefix_matches(self, uri: str) -> Iterable[tuple[Path, str]]:
        """Files whose key starts with the URI's key (S3 prefix semantics), with where SageMaker
        puts each in the job's folder: the rest of its key after the prefix (a key equal to the
        prefix, one object named exactly, keeps its file name)."""
        bucket, _, key = uri[len(S3):].partition("/")
        prefix = f"{self.root / bucket}/{key}"
        parent = Path(prefix.rpartition("/")[0])
        if not parent.is_dir():
            return
        for child in sorted(parent.iterdir()):
            files = [child] if child.is_file() else sorted(p for p in child.rglob("*") if p.is_file())
            for file in files:
                text = str(file)
                if text.startswith(prefix):
                    yield file, text[len(prefix):].lstrip("/") or file.name

    def download(self, uri: str, target: Path, data_type: str = "S3Prefix") -> int:
        """Copy what `uri` names into the folder `target`, as SageMaker fills a job's input:
        a prefix brings every object under it (keeping the rest of its key after the prefix),
        a local folder its content, a local file itself. Returns the number of files."""
        if data_type not in ("S3Prefix", None, ""):
            raise ExpressionError(f"S3DataType {data_type!r} is not supported by a local run (S3Prefix is)")
        target.mkdir(parents=True, exist_ok=True)
        source = self.path(uri)
        if not is_s3(uri):
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True)
                return sum(1 for p in source.rglob("*") if p.is_file())
            if source.is_file():
                shutil.copy2(source, target / source.name)
                return 1
            raise ExpressionError(f"{uri} does not exist on this machine")
        if source.is_dir() and uri.endswith("/"):
            shutil.copytree(source, target, dirs_exist_ok=True)
            return sum(1 for p in source.rglob("*") if p.is_file())
        count = 0
        for file, relative in self._prefix_matches(uri):
            dest = target / relative
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, dest)
            count += 1
        return count

    def upload_folder(self, folder: Path, uri: str) -> None:
        """Put a job's output folder at `uri` (what SageMaker uploads at the end of a job)."""
        target = self.path(uri)
        target.mkdir(parents=True, exist_ok=True)
        if folder.is_dir():
            shutil.copytree(folder, target, dirs_exist_ok=True)

    def upload_file(self, file: Path, uri: str) -> Path:
        target = self.path(uri)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, target)
        return target

    def read_json(self, uri: str) -> Any:
        path = self.path(uri)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ExpressionError(f"{uri} does not exist (the step did not write it)") from None
        except (OSError, ValueError) as exc:
            raise ExpressionError(f"{uri} is not a JSON document: {exc}") from None
