"""The code a built pipeline references in S3, and where it comes from on this machine.

A definition only names S3 locations (`<node_s3_root>/code/...`); deploying uploads the files
there. Processing steps run one script (`<entry_point>`); training, tuning and model steps run
a framework container in script mode, which downloads `sourcedir.tar.gz` and unpacks it.

Scripts are looked up in the config's `source_dir`, else in specwire's built-in scripts
(`specwire/scripts/`). Archives are built reproducibly (sorted entries, fixed times and
owners), so the same scripts give the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
import tempfile
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from specwire.configs.base import StepConfig
from specwire.errors import BuildError
from specwire.files import atomic_write

#: Name of the code archive of training jobs and models, under `<node_s3_root>/code/`.
SOURCE_ARCHIVE = "sourcedir.tar.gz"
#: Step types whose code runs from an archive (script mode) rather than as a single script.
ARCHIVE_STEPS = frozenset(
    {
        "XGBoostTraining",
        "LightGBMTraining",
        "PyTorchTraining",
        "HyperparameterTuning",
        "CreateModel",
        "ModelRegistration",
    }
)
#: Step types that run no code of their own.
NO_CODE_STEPS = frozenset({"QualityGate", "BatchTransform"})
#: Steps whose code is optional: a model without an inference script uses its container's
#: default serving (the SageMaker XGBoost container loads the model file by itself).
OPTIONAL_CODE_STEPS = frozenset({"CreateModel", "ModelRegistration"})


def builtin_scripts_dir() -> Path:
    return Path(str(resources.files("specwire") / "scripts"))


def find_script(config: StepConfig) -> Path | None:
    """The local file of the config's entry point, or None when it is nowhere to be found."""
    entry_point = getattr(config, "entry_point", None)
    if not entry_point:
        return None
    source_dir = getattr(config, "source_dir", None)
    folder = Path(source_dir).expanduser() if source_dir else builtin_scripts_dir()
    path = folder / entry_point
    return path if path.is_file() else None


def has_serving_code(config: StepConfig) -> bool:
    """Whether a model step ships an inference script (else the container's default serving is used)."""
    return find_script(config) is not None


def source_archive_uri(config: StepConfig) -> str:
    return f"{config.node_s3_root}/code/{SOURCE_ARCHIVE}"


def requirements_for(script: Path) -> Path | None:
    """The pip requirements that go with a script: `<framework>_requirements.txt` beside it
    (`lightgbm_train.py` -> `lightgbm_requirements.txt`), else a `requirements.txt` there."""
    prefix = script.stem.split("_")[0]
    for candidate in (script.parent / f"{prefix}_requirements.txt", script.parent / "requirements.txt"):
        if candidate.is_file():
            return candidate
    return None


def archive_bytes(script: Path) -> bytes:
    """A gzipped tar with `script` (and its requirements as requirements.txt, which the
    framework containers install) at its root; byte-identical for identical content."""
    members = [(script.name, script.read_bytes())]
    requirements = requirements_for(script)
    if requirements is not None:
        members.append(("requirements.txt", requirements.read_bytes()))
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in sorted(members):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def code_kind(config: StepConfig) -> str:
    """How the step's code reaches S3: "script" (one file), "archive" (`sourcedir.tar.gz`, script
    mode), "optional" (an archive when there is a script), or "none".

    A builder says so with its `CODE` (generic builders, plugins); specwire's own step types are
    listed above by name.
    """
    from specwire.builders.registry import BUILDERS, builder_for_config
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


def expected_script(config: StepConfig) -> Path | None:
    """Where the config's script should be on this machine (None: the step runs no script)."""
    entry_point = getattr(config, "entry_point", None)
    if not isinstance(entry_point, str) or not entry_point:
        return None
    source_dir = getattr(config, "source_dir", None)
    return (Path(source_dir).expanduser() if source_dir else builtin_scripts_dir()) / entry_point


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
