"""`specwire build`: the README's command in a fresh process with no AWS configuration and no network,
the same bytes as the API, `--explain`, `--config`, and errors without tracebacks or half-written files."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from builders_support import AWS_VARIABLES, EXAMPLES, ROLE, Built, NetworkGuard
from typer.testing import CliRunner, Result

from specwire.cli import app
from specwire.cli.build import PLACEHOLDER_ROLE

GAP = """
name: gap
nodes:
  - {name: load, step: DataLoading}
  - {name: train, step: XGBoostTraining}
edges:
  - [load, train]
"""

#: Runs the CLI with every non-loopback connection refused and counted.
GUARDED_MAIN = """
import socket, sys
attempts = []
def loopback(address):
    host = address[0] if isinstance(address, tuple) else address
    return isinstance(host, str) and (host.startswith("127.") or host in ("::1", "localhost"))
connect, create = socket.socket.connect, socket.create_connection
def guarded_connect(sock, address):
    if sock.family != getattr(socket, "AF_UNIX", None) and not loopback(address):
        attempts.append(address)
        raise OSError("network blocked")
    return connect(sock, address)
def guarded_create(address, *args, **kwargs):
    if not loopback(address):
        attempts.append(address)
        raise OSError("network blocked")
    return create(address, *args, **kwargs)
socket.socket.connect, socket.create_connection = guarded_connect, guarded_create
import atexit
atexit.register(lambda: sys.stderr.write(f"CONNECTION ATTEMPTS: {len(attempts)}\\n"))
from specwire.cli import main
sys.argv = ["specwire", *sys.argv[1:]]
main()
"""

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})
README = Path(__file__).resolve().parents[2] / "README.md"


def readme_main_command() -> list[str]:
    """The arguments of the `specwire` command on the README's first line, as written."""
    first = README.read_text(encoding="utf-8").split("```bash\n", 1)[1].splitlines()[0]
    return shlex.split(first.split(".venv/bin/specwire ", 1)[1])


def run(*args: str | Path) -> Result:
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def test_the_readme_command_builds_offline_in_a_fresh_process(
    offline: NetworkGuard, tmp_path: Path, fraud: Built
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in AWS_VARIABLES}
    env.update(HOME=str(tmp_path / "home"), SPECWIRE_CACHE_DIR=str(tmp_path / "cache"), COLUMNS="200", NO_COLOR="1")
    (tmp_path / "home").mkdir()
    args = readme_main_command()
    assert args == ["build", "--example", "fraud", "--explain", "-o", "fraud-definition.json"]
    target = tmp_path / "fraud-definition.json"
    done = subprocess.run([sys.executable, "-c", GUARDED_MAIN, *args],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "CONNECTION ATTEMPTS: 0" in done.stderr
    assert "Traceback" not in done.stderr
    assert PLACEHOLDER_ROLE in done.stderr  # the warning that names the placeholder role
    assert "wrote fraud-definition.json" in done.stderr
    definition = json.loads(target.read_text(encoding="utf-8"))
    assert definition["Version"] == "2020-12-01"
    # --explain printed what `specwire resolve --explain` prints, before writing
    explanation = run("resolve", "--example", "fraud", "--explain").stdout
    assert explanation.strip() and explanation.strip() in done.stdout
    # the same bytes as the API builds in this process (another process, same inputs)
    from specwire.builders import definition_json
    from specwire.pipeline.api import Pipeline

    pipeline = Pipeline.from_file(EXAMPLES / "fraud.yaml", role_arn=PLACEHOLDER_ROLE)
    plan = pipeline.plan()
    assert target.read_text(encoding="utf-8") == definition_json(plan.resolved, plan.configs, name="fraud-detection")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_build_with_saved_configs_gives_the_same_definition(offline: NetworkGuard, fraud: Built,
                                                           tmp_path: Path) -> None:
    from specwire.configs import save_configs

    configs_file = tmp_path / "fraud.configs.yaml"
    save_configs(fraud.configs, configs_file)
    target = tmp_path / "out.json"
    result = run("build", "--example", "fraud", "--config", configs_file, "--role", ROLE, "-o", target)
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == fraud.text


def test_build_to_stdout(offline: NetworkGuard, fraud: Built) -> None:
    result = run("build", str(EXAMPLES / "fraud.yaml"), "--role", ROLE, "--bucket", "ml-artifacts")
    assert result.exit_code == 0, result.output
    assert result.stdout == fraud.text


def test_configs_for_another_pipeline_are_refused(offline: NetworkGuard, fraud: Built, tmp_path: Path) -> None:
    from specwire.configs import save_configs

    configs_file = tmp_path / "partial.configs.yaml"
    save_configs({k: v for k, v in fraud.configs.items() if k != "BatchTransform"}, configs_file)
    target = tmp_path / "out.json"
    result = run("build", "--example", "fraud", "--config", configs_file, "-o", target)
    assert result.exit_code == 2
    assert "no config for node(s) 'BatchTransform'" in result.output
    assert not target.exists()


def test_a_pipeline_that_does_not_resolve_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "gap.yaml"
    path.write_text(GAP, encoding="utf-8")
    target = tmp_path / "out.json"
    target.write_text("previous", encoding="utf-8")
    result = run("build", path, "-o", target)
    assert result.exit_code == 1
    assert "missing_dependency" in result.output and "no definition written" in result.output
    assert target.read_text(encoding="utf-8") == "previous"


def test_bad_input_exits_2_with_a_fix(tmp_path: Path) -> None:
    nothing = run("build")
    assert nothing.exit_code == 2 and "--example" in nothing.output
    both = run("build", str(EXAMPLES / "fraud.yaml"), "--example", "fraud")
    assert both.exit_code == 2
    unknown = run("build", "--example", "fraudd")
    assert unknown.exit_code == 2 and "fraud" in unknown.output
    missing = run("build", tmp_path / "nope.yaml")
    assert missing.exit_code == 2 and "nope.yaml" in missing.output


def test_an_output_that_cannot_be_written_is_reported(offline: NetworkGuard, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    result = run("build", "--example", "fraud", "--role", ROLE, "-o", blocker / "definition.json")
    assert result.exit_code == 2
    assert "cannot be written" in result.output


def test_role_and_bucket_flags_win_over_a_configs_file(offline: NetworkGuard, fraud: Built, tmp_path: Path) -> None:
    from specwire.configs import save_configs

    configs_file = tmp_path / "fraud.configs.yaml"
    save_configs(fraud.configs, configs_file)  # names ROLE and the bucket ml-artifacts
    other_role = "arn:aws:iam::210987654321:role/Other"
    result = run("build", "--example", "fraud", "--config", configs_file, "--role", other_role,
                 "--bucket", "other-artifacts")
    assert result.exit_code == 0, result.output
    assert other_role in result.stdout and ROLE not in result.stdout
    assert "s3://other-artifacts/" in result.stdout and "s3://ml-artifacts/" not in result.stdout


TWO_TRAINERS = """
name: two-trainers
nodes:
  - {name: load, step: DataLoading}
  - {name: prep, step: TabularPreprocessing}
  - {name: xgb, step: XGBoostTraining}
  - {name: lgbm, step: LightGBMTraining}
  - {name: evaluate, step: ModelEvaluation}
edges:
  - [xgb, evaluate]
  - [lgbm, evaluate]
"""


def test_an_edge_that_carries_no_data_becomes_depends_on(offline: NetworkGuard, tmp_path: Path) -> None:
    """Both trainers are written into the evaluation, which takes one model: the other edge is kept
    for the order, as the step's DependsOn (no property reference carries it)."""
    source = tmp_path / "two.yaml"
    source.write_text(TWO_TRAINERS, encoding="utf-8")
    target = tmp_path / "two.json"
    result = run("build", source, "--role", ROLE, "--bucket", "ml-artifacts", "-o", target)
    assert result.exit_code == 0, result.output
    assert "order_only" in result.output
    steps = {s["Name"]: s for s in json.loads(target.read_text(encoding="utf-8"))["Steps"]}
    arguments = json.dumps(steps["evaluate"]["Arguments"])
    fed = [t for t in ("xgb", "lgbm") if f"Steps.{t}." in arguments]
    assert len(fed) == 1
    assert steps["evaluate"]["DependsOn"] == [({"xgb", "lgbm"} - set(fed)).pop()]
