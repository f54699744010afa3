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


def test_completion_completes_commands_and_the_options_of_lazily_loaded_ones() -> None:
    def complete(words: str) -> list[str]:
        env = {"_SPECWIRE_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)}
        result = CliRunner().invoke(app, [], env=env, prog_name="specwire")
        return result.output.split()

    assert complete("specwire dep") == ["deploy"]
    assert complete("specwire deploy --pro") == ["--profile"]
    assert set(complete("specwire build --ex")) == {"--example", "--explain"}
