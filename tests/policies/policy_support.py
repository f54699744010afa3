"""Helpers of the policy tests: the pack's folder and the CLI runner."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner, Result

import specwire
from specwire.cli import app

#: The built-in example pack and its tests.
PACK = Path(specwire.__file__).parent / "rules" / "policies"
EXAMPLES = Path(specwire.__file__).parent / "examples"

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})


def run(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])
