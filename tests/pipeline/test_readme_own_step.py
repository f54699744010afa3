"""README "Add your own step", run as written: the files-only example's files are written from its
code blocks and its commands run; the plugin example's code is the code of examples/plugin-example
(which tests/pipeline/test_plugins.py installs and builds)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specwire.cli import app

REPO = Path(__file__).resolve().parents[2]
SECTION = REPO.joinpath("README.md").read_text(encoding="utf-8").split("## Add your own step", 1)[1].split("\n## ")[0]
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", SECTION, flags=re.S)


def test_the_files_only_example_builds_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for _, body in BLOCKS:
        first = body.splitlines()[0]
        if first.startswith("# file: "):
            target = tmp_path / first.removeprefix("# file: ")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body, encoding="utf-8")
    commands = [line for lang, body in BLOCKS if lang == "bash" for line in body.splitlines() if line]
    assert len(commands) == 2
    for command in commands:
        args = shlex.split(command)
        assert args[0] == "specwire"
        result = CliRunner().invoke(app, args[1:])
        assert result.exit_code == 0, (command, result.output)
    steps = {s["Name"]: s for s in json.loads((tmp_path / "embed-knn.json").read_text())["Steps"]}
    assert steps["embed"]["Arguments"]["AppSpecification"]["ContainerArguments"] == ["--dim", "128"]
    assert steps["knn"]["Arguments"]["AlgorithmSpecification"]["TrainingImage"].endswith("/knn:1")


def test_the_plugin_example_is_the_example_projects_code() -> None:
    example = REPO / "examples" / "plugin-example"
    toml, python = [body for lang, body in BLOCKS if lang in ("toml",)], [
        body for lang, body in BLOCKS if lang == "python" and not body.startswith("# file:")]
    assert toml and toml[0] in (example / "pyproject.toml").read_text(encoding="utf-8")
    assert python and python[0] in (example / "specwire_word_count" / "__init__.py").read_text(encoding="utf-8")
