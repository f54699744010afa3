"""The example plugin (examples/plugin-example) installed offline into a fresh environment path
(its package on PYTHONPATH and a .dist-info declaring its `specwire.plugins` entry point, which is
what `pip install` writes), next to a broken plugin: `specwire steps list` shows the plugin's step
with its source and names the broken one, and `specwire build` builds a pipeline mixing the
plugin's step with built-in ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "plugin-example"
SPECWIRE = [sys.executable, "-c", "from specwire.cli import main; main()"]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    site = tmp_path_factory.mktemp("site")
    info = site / "specwire_word_count-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: specwire-word-count\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(
        "[specwire.plugins]\nword_count = specwire_word_count:plugin\nbroken = no_such_module:plugin\n"
    )
    home = tmp_path_factory.mktemp("home")
    variables = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    variables.update(PYTHONPATH=os.pathsep.join([str(site), str(EXAMPLE)]), HOME=str(home),
                     SPECWIRE_CACHE_DIR=str(home / "cache"), COLUMNS="250")
    return variables


def test_steps_list_shows_the_plugins_step_and_names_the_broken_plugin(env: dict[str, str]) -> None:
    done = subprocess.run([*SPECWIRE, "steps", "list"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.strip().startswith("WordCount "))
    assert "plugin word-count" in line
    assert "plugin 'broken' not loaded: no_such_module:plugin: ModuleNotFoundError" in done.stderr
    assert "Traceback" not in done.stderr


def test_build_mixes_the_plugins_step_with_built_in_ones(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "definition.json"
    done = subprocess.run([*SPECWIRE, "build", str(EXAMPLE / "pipeline.yaml"), "-o", str(out)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    steps = {s["Name"]: s for s in json.loads(out.read_text())["Steps"]}
    assert list(steps) == ["load", "prep", "words"]
    words = steps["words"]["Arguments"]
    assert words["AppSpecification"]["ContainerArguments"] == ["--min-count", "3"]
    source = next(i for i in words["ProcessingInputs"] if i["InputName"] == "input_data")["S3Input"]["S3Uri"]
    assert source == {"Get": "Steps.prep.ProcessingOutputConfig.Outputs['train_data'].S3Output.S3Uri"}
    code = next(i for i in words["ProcessingInputs"] if i["InputName"] == "code")["S3Input"]["S3Uri"]
    assert code.endswith("/words/code/word_count.py")
