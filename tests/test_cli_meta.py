"""`specwire --version` and shell completion."""

from __future__ import annotations

from importlib.metadata import version

from typer.testing import CliRunner

from specwire.cli import app


def test_version_prints_the_installed_version_and_exits_0() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"specwire {version('specwire')}"


def test_shell_completion_script_completes_the_specwire_command() -> None:
    result = CliRunner().invoke(app, ["--show-completion", "bash"], prog_name="specwire")
    assert result.exit_code == 0, result.output
    assert "_specwire_completion" in result.output and "complete " in result.output
