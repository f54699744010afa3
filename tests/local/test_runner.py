"""The runner on small hand-written definitions: the container contract, failures, refusals, Ctrl-C."""

from __future__ import annotations

import _thread
import json
import threading
import time
from pathlib import Path

import pytest

from specwire.errors import BadInputError
from specwire.local import run_definition

from .local_support import (
    SKLEARN_IMAGE,
    TEAM_IMAGE,
    code_uri,
    definition,
    output_ref,
    processing_step,
    write_script,
)

#: Reads the container paths the way scripts do (pathlib, open, shutil, tempfile, os.replace).
COPY_SCRIPT = """
import json, os, shutil, sys, tempfile
from pathlib import Path
source = Path("/opt/ml/processing/input/data")
target = Path("/opt/ml/processing/output/copied")
rows = sum(len(p.read_text().splitlines()) for p in sorted(source.rglob("*.csv")))
staging = Path(tempfile.mkdtemp(dir=target))
for p in source.iterdir():
    shutil.copy2(p, staging / p.name)
for p in staging.iterdir():
    os.replace(p, target / p.name)
os.rmdir(staging)
with open("/opt/ml/processing/output/report/report.json", "w") as f:
    json.dump({"rows": rows, "argv": sys.argv[1:], "mode": os.environ.get("MODE")}, f)
"""

FAIL_SCRIPT = """
import sys
from pathlib import Path
message = "fail.py: error: column 'label' is not in the data"
print(message, file=sys.stderr)
if Path("/opt/ml/output").is_dir():
    Path("/opt/ml/output/message").write_text(message)
sys.exit(2)
"""


def two_steps(tmp_path: Path, threshold_default: float = 0.5) -> tuple[dict[str, object], list[tuple[Path, str]]]:
    scripts = tmp_path / "scripts"
    copy = processing_step(
        "copy", "copy.py", inputs={"data": {"Get": "Parameters.InputDataUri"}}, outputs=("copied", "report"),
        arguments=("--rows", {"Get": "Parameters.Rows"}), environment={"MODE": "local"},  # type: ignore[arg-type]
        property_files=[{"PropertyFileName": "report", "OutputName": "report", "FilePath": "report.json"}])
    gate = {"Name": "gate", "Type": "Condition", "Arguments": {
        "Conditions": [{"Type": "GreaterThanOrEqualTo",
                        "LeftValue": {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.copy.PropertyFiles.report"},
                                                      "Path": "rows"}},
                        "RightValue": {"Get": "Parameters.MinRows"}}],
        "IfSteps": [processing_step("again", "copy.py", inputs={"data": output_ref("copy", "copied")},
                                    outputs=("copied", "report"))],
        "ElseSteps": [{"Name": "gate-fail", "Type": "Fail", "Arguments": {"ErrorMessage": {"Std:Join": {
            "On": " ", "Values": ["fewer rows than", {"Get": "Parameters.MinRows"}]}}}}]}}
    parameters = [{"Name": "InputDataUri", "Type": "String", "DefaultValue": "s3://nowhere/data/"},
                  {"Name": "Rows", "Type": "Integer", "DefaultValue": 1},
                  {"Name": "MinRows", "Type": "Integer", "DefaultValue": 3}]
    uploads = [(write_script(scripts, "copy.py", COPY_SCRIPT), code_uri("copy", "copy.py")),
               (scripts / "copy.py", code_uri("again", "copy.py"))]
    return definition(copy, gate, parameters=parameters), uploads


def data_folder(tmp_path: Path, rows: int = 4) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(parents=True)
    (folder / "part.csv").write_text("".join(f"{i}\n" for i in range(rows)), encoding="utf-8")
    return folder


def test_a_processing_step_sees_its_inputs_arguments_and_outputs_at_the_container_paths(tmp_path: Path) -> None:
    document, uploads = two_steps(tmp_path)
    result = run_definition(document, parameters={"InputDataUri": str(data_folder(tmp_path)), "Rows": "7"},
                            uploads=uploads, workdir=tmp_path / "run")
    assert result.ok, result.to_json()
    assert [(s.name, s.status) for s in result.steps] == [
        ("copy", "Succeeded"), ("gate", "Succeeded"), ("again", "Succeeded"), ("gate-fail", "NotRun")]
    report = json.loads((Path(result.step("copy").outputs["report"]) / "report.json").read_text())
    assert report == {"rows": 4, "argv": ["--rows", "7"], "mode": "local"}
    copied = Path(result.step("again").outputs["copied"])
    assert (copied / "part.csv").read_text() == "0\n1\n2\n3\n"
    assert str(copied).startswith(str(tmp_path / "run" / "s3"))
    saved = json.loads((tmp_path / "run" / "results.json").read_text())
    assert saved == json.loads(result.to_json())
    assert set(saved) == {"ok", "workdir", "parameters", "steps"}
    assert saved["parameters"]["Rows"] == 7
    assert set(saved["steps"][0]) == {"name", "type", "status", "seconds", "outputs", "failure_reason"}


def test_the_else_branch_ends_at_the_fail_step_with_its_message(tmp_path: Path) -> None:
    document, uploads = two_steps(tmp_path)
    result = run_definition(document, parameters={"InputDataUri": str(data_folder(tmp_path, rows=2))},
                            uploads=uploads, workdir=tmp_path / "run")
    assert not result.ok and result.exit_code == 1
    assert [(s.name, s.status) for s in result.steps] == [
        ("copy", "Succeeded"), ("gate", "Succeeded"), ("again", "NotRun"), ("gate-fail", "Failed")]
    assert result.step("gate-fail").failure_reason == "fewer rows than 3"


def test_the_failure_file_is_the_failure_reason_and_later_steps_do_not_run(tmp_path: Path) -> None:
    scripts = tmp_path / "scripts"
    first = processing_step("check", "fail.py", outputs=("o",))
    second = processing_step("after", "fail.py", inputs={"d": output_ref("check", "o")})
    result = run_definition(definition(first, second), workdir=tmp_path / "run",
                            uploads=[(write_script(scripts, "fail.py", FAIL_SCRIPT), code_uri("check", "fail.py")),
                                     (scripts / "fail.py", code_uri("after", "fail.py"))])
    assert [(s.name, s.status) for s in result.steps] == [("check", "Failed"), ("after", "NotRun")]
    assert result.step("check").failure_reason == "fail.py: error: column 'label' is not in the data (exit code 2)"
    assert "column 'label'" in (tmp_path / "run" / "steps" / "check" / "log.txt").read_text()


def test_steps_a_local_run_cannot_emulate_are_refused_before_anything_runs(tmp_path: Path) -> None:
    team = processing_step("embed", "embed.py", image=TEAM_IMAGE)
    lam = {"Name": "notify", "Type": "Lambda", "Arguments": {}}
    algorithm = {"Name": "train", "Type": "Training", "Arguments": {
        "AlgorithmSpecification": {"TrainingImage": SKLEARN_IMAGE.replace("scikit-learn", "xgboost")},
        "HyperParameters": {"num_round": "10"}}}
    with pytest.raises(BadInputError) as caught:
        run_definition(definition(team, lam, algorithm), workdir=tmp_path / "run")
    message = caught.value.message
    assert "step 'embed': it runs the image " + TEAM_IMAGE in message
    assert "step 'notify': a Lambda step does not run locally" in message
    assert "step 'train': it runs the image's built-in algorithm" in message
    assert list(caught.value.nodes) == ["embed", "notify", "train"]
    assert not (tmp_path / "run").exists()


def test_an_s3_input_parameter_must_be_given_as_a_local_path(tmp_path: Path) -> None:
    document, uploads = two_steps(tmp_path)
    with pytest.raises(BadInputError, match="reads parameter InputDataUri = s3://nowhere/data/") as caught:
        run_definition(document, uploads=uploads, workdir=tmp_path / "run")
    # In Python's words for a Python caller, in `specwire run`'s flags for the CLI.
    assert caught.value.suggested_fix == "pass a local folder or file: parameters={'InputDataUri': PATH}"
    with pytest.raises(BadInputError) as from_cli:
        run_definition(document, uploads=uploads, workdir=tmp_path / "run", interface="cli")
    assert from_cli.value.suggested_fix == "pass a local folder or file: -P InputDataUri=PATH"
    missing = str(tmp_path / "missing")
    with pytest.raises(BadInputError, match=r"^parameters=\{'InputDataUri': '.*missing'\}: no such file or folder"):
        run_definition(document, parameters={"InputDataUri": missing}, uploads=uploads, workdir=tmp_path / "run")


def test_a_workdir_holding_a_run_is_refused_and_left_alone(tmp_path: Path) -> None:
    document, uploads = two_steps(tmp_path)
    data = data_folder(tmp_path / "run")  # input data inside the workdir is fine
    first = run_definition(document, parameters={"InputDataUri": str(data)}, uploads=uploads, workdir=tmp_path / "run")
    assert first.ok
    before = (tmp_path / "run" / "results.json").read_text()
    with pytest.raises(BadInputError, match="already holds a run"):
        run_definition(document, parameters={"InputDataUri": str(data)}, uploads=uploads, workdir=tmp_path / "run")
    assert (tmp_path / "run" / "results.json").read_text() == before


def test_ctrl_c_stops_the_running_step_and_reports_what_ran(tmp_path: Path) -> None:
    scripts = tmp_path / "scripts"
    sleeper = write_script(scripts, "sleep.py", "import time\nprint('started', flush=True)\ntime.sleep(60)\n")
    steps = [processing_step("quick", "copy.py", inputs={"data": {"Get": "Parameters.InputDataUri"}},
                             outputs=("copied", "report"), arguments=("--rows", "1")),
             processing_step("slow", "sleep.py", inputs={"d": output_ref("quick", "copied")}),
             processing_step("never", "sleep.py", inputs={"d": output_ref("quick", "copied")})]
    uploads = [(write_script(scripts, "copy.py", COPY_SCRIPT), code_uri("quick", "copy.py")),
               (sleeper, code_uri("slow", "sleep.py")), (sleeper, code_uri("never", "sleep.py"))]
    parameters = [{"Name": "InputDataUri", "Type": "String", "DefaultValue": str(data_folder(tmp_path))}]

    def interrupt_when_slow_runs(step: object) -> None:
        if getattr(step, "name", "") == "slow" and getattr(step, "status", "") == "Executing":
            threading.Timer(0.5, _thread.interrupt_main).start()

    started = time.perf_counter()
    result = run_definition(definition(*steps, parameters=parameters), uploads=uploads, workdir=tmp_path / "run",
                            on_step=interrupt_when_slow_runs)
    assert time.perf_counter() - started < 20
    assert result.interrupted and result.exit_code == 130 and not result.ok
    assert [(s.name, s.status) for s in result.steps] == [("quick", "Succeeded"), ("slow", "Failed"),
                                                          ("never", "NotRun")]
    assert result.step("slow").failure_reason == "stopped by Ctrl-C"
    assert json.loads((tmp_path / "run" / "results.json").read_text())["ok"] is False
