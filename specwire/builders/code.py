"""Where a step's code is on this machine and where its built definition expects it in S3.

Scripts are looked up in the config's `source_dir`, else in specwire's built-in scripts
(`specwire/scripts/`). Archives are built reproducibly (sorted entries, fixed times and
owners), so the same scripts give the same bytes. The builders read this module;
`uploads` (which asks the builder registry how each step ships its code) lists the files.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from importlib import resources
from pathlib import Path

from specwire.configs.base import StepConfig

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
NO_CODE_STEPS = frozenset({"QualityGate", "BatchTransform", "DataQualityCheck"})
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


def expected_script(config: StepConfig) -> Path | None:
    """Where the config's script should be on this machine (None: the step runs no script)."""
    entry_point = getattr(config, "entry_point", None)
    if not isinstance(entry_point, str) or not entry_point:
        return None
    source_dir = getattr(config, "source_dir", None)
    return (Path(source_dir).expanduser() if source_dir else builtin_scripts_dir()) / entry_point
