"""The code a built pipeline references in S3, and where it comes from on this machine.

A definition only names S3 locations (`<node_s3_root>/code/...`); deploying uploads the files
there. Processing steps run one script (`<entry_point>`); training, tuning and model steps run
a framework container in script mode, which downloads `sourcedir.tar.gz` and unpacks it.

Scripts are looked up in the config's `source_dir`, else in specwire's built-in scripts
(`specwire/scripts/`). Archives are built reproducibly (sorted entries, fixed times and
owners), so the same scripts give the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from specwire.builders.code import (
    ARCHIVE_STEPS,
    NO_CODE_STEPS,
    OPTIONAL_CODE_STEPS,
    SOURCE_ARCHIVE,
    archive_bytes,
    builtin_scripts_dir,
    expected_script,
    find_script,
    source_archive_uri,
)
from specwire.builders.registry import BUILDERS, builder_for_config
from specwire.configs.base import StepConfig
from specwire.errors import BuildError
from specwire.files import atomic_write


def code_kind(config: StepConfig) -> str:
    """How the step's code reaches S3: "script" (one file), "archive" (`sourcedir.tar.gz`, script
    mode), "optional" (an archive when there is a script), or "none".

    A builder says so with its `CODE` (generic builders, plugins); specwire's own step types are
    listed above by name.
    """
    from specwire.configs.generated import FileStepConfig

    declared = ""
    if isinstance(config, FileStepConfig) or config.STEP_TYPE in BUILDERS:
        declared = type(builder_for_config(config)).CODE
    if declared:
        return declared
    if config.STEP_TYPE in NO_CODE_STEPS:
        return "none"
    if config.STEP_TYPE in OPTIONAL_CODE_STEPS:
        return "optional"
    return "archive" if config.STEP_TYPE in ARCHIVE_STEPS else "script"


def missing_scripts(configs: Mapping[str, StepConfig]) -> list[tuple[str, Path, str]]:
    """(node, expected file, where it is declared) of every script a step needs and that does not
    exist, one entry per file (several nodes of one step type share their script)."""
    from specwire.configs.generated import FileStepConfig

    found: dict[Path, tuple[str, Path, str]] = {}
    for name, config in configs.items():
        expected = expected_script(config)
        if expected is None or expected.is_file() or code_kind(config) in ("none", "optional"):
            continue
        where = (type(config).where("script") if isinstance(config, FileStepConfig)
                 else f"{config.STEP_TYPE} (node {name!r}).entry_point")
        found.setdefault(expected, (name, expected, where))
    return list(found.values())


def _missing(config: StepConfig) -> BuildError:
    from specwire.configs.generated import FileStepConfig

    entry_point = getattr(config, "entry_point", "?")
    source_dir = getattr(config, "source_dir", None)
    if isinstance(config, FileStepConfig):
        return BuildError(
            f"{type(config).where('script')}: {expected_script(config)} does not exist (node {config.node_name!r})",
            suggested_fix="write the script there, or fix `script:` in the step's implementation block",
            nodes=[config.node_name],
        )
    where = f"source_dir {source_dir!r}" if source_dir else f"specwire's built-in scripts ({builtin_scripts_dir()})"
    return BuildError(
        f"{config.STEP_TYPE} (node {config.node_name!r}): its script {entry_point!r} is not in {where}",
        suggested_fix="set entry_point and source_dir in the node's config to a script that exists",
        nodes=[config.node_name],
    )


def script_uploads(
    resolved: object, configs: Mapping[str, StepConfig], *, archive_dir: str | os.PathLike[str] | None = None
) -> list[tuple[Path, str]]:
    """(local file, S3 URI) of every piece of code the pipeline's steps run, in node order.

    Archives are written to `archive_dir` (a new temporary folder by default) and named after
    their node. `resolved` is the `ResolvedPipeline` (only its node order is read; the configs
    alone also work, in their own order). Raises `BuildError` naming the node whose script is
    missing.
    """
    order = list(getattr(resolved, "order", None) or configs)
    uploads: list[tuple[Path, str]] = []
    folder: Path | None = Path(archive_dir) if archive_dir is not None else None
    for name in order:
        config = configs[name]
        kind = code_kind(config)
        if kind == "none" or not getattr(config, "entry_point", None):
            continue
        script = find_script(config)
        if script is None:
            if kind == "optional":
                continue
            raise _missing(config)
        if kind == "script":
            uploads.append((script, f"{config.node_s3_root}/code/{script.name}"))
            continue
        if folder is None:
            folder = Path(tempfile.mkdtemp(prefix="specwire-code-"))
        folder.mkdir(parents=True, exist_ok=True)
        data = archive_bytes(script)
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        archive = folder / f"{name}-{digest}-{SOURCE_ARCHIVE}"
        atomic_write(archive, data, error=BuildError)
        uploads.append((archive, source_archive_uri(config)))
    return uploads
