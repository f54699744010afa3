"""What every step of a local run shares: its folders, its S3 stand-in, the values it resolved."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from specwire.local.expressions import Scope
from specwire.local.sandbox import Container
from specwire.local.storage import LocalS3

#: The account number local ARNs carry (no AWS account is involved).
LOCAL_ACCOUNT = "000000000000"


@dataclass
class Outcome:
    """What a step leaves behind: its properties (for `Get`), its files (for the results)."""

    properties: dict[str, Any]
    outputs: dict[str, str] = field(default_factory=dict)
    property_files: dict[str, str] = field(default_factory=dict)


@dataclass
class RunContext:
    workdir: Path
    s3: LocalS3
    scope: Scope
    pipeline_name: str
    execution_id: str
    region: str = "us-east-1"
    #: Trials a tuning step runs at most (a local run is a check, not a search).
    max_trials: int = 3
    #: Model name -> folder of the model (unpacked model.tar.gz and its code), as CreateModel made it.
    models: dict[str, Path] = field(default_factory=dict)

    def container(self, step: str, *parts: str) -> Container:
        folder = self.workdir / "steps" / _safe(step)
        for part in parts:
            folder = folder / _safe(part)
        return Container(folder)

    def job_name(self, step: str, suffix: str = "") -> str:
        """A job name like the ones Pipelines gives (`pipelines-<execution>-<step>-...`), at most 63 characters."""
        name = re.sub(r"[^A-Za-z0-9-]", "-", f"pipelines-{self.execution_id}-{step}")[:63 - len(suffix)]
        return f"{name.rstrip('-')}{suffix}"

    def arn(self, kind: str, name: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{LOCAL_ACCOUNT}:{kind}/{name.lower()}"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "_"
