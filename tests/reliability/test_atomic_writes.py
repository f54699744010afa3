"""Nothing half-written: every file specwire writes replaces the previous one whole, or not at all.

Faults are injected where a write can fail: `os.replace` (the rename), `os.fsync` (a full disk),
the content itself (an exception while it is produced), an interrupt (KeyboardInterrupt inside
the write, SIGINT and SIGKILL to a real process in the middle of it). After each, the previous
file is intact and, except after SIGKILL, no temporary file is left. A source scan keeps every
writer of user files on `specwire.files.atomic_write`.
"""

from __future__ import annotations

import ast
import errno
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from specwire import files
from specwire.cli import app
from specwire.errors import BadInputError, BuildError, ConfigError

runner = CliRunner(env={"COLUMNS": "200", "NO_COLOR": "1"})
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "specwire" / "examples" / "fraud.yaml"
ROLE = "arn:aws:iam::111122223333:role/SageMaker"
PREVIOUS = "the previous file, which must survive\n"

#: The faults injected, by name (for the closing note of issue 9).
FAULTS: list[str] = []


def run(*args: str | Path) -> Result:
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def target(tmp_path: Path) -> Path:
    path = tmp_path / "out" / "target.json"
    path.parent.mkdir()
    path.write_text(PREVIOUS, encoding="utf-8")
    path.chmod(0o640)
    return path


def intact(path: Path) -> None:
    assert path.read_text(encoding="utf-8") == PREVIOUS
    leftovers = [p.name for p in path.parent.iterdir() if p != path]
    assert leftovers == [], f"temporary files left behind: {leftovers}"


def _raise(exc: BaseException) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return fail


FAULT_POINTS: dict[str, tuple[str, BaseException]] = {
    "rename fails": ("os.replace", OSError(errno.EXDEV, "Invalid cross-device link")),
    "disk full at flush": ("os.fsync", OSError(errno.ENOSPC, "No space left on device")),
    "mode cannot be set": ("os.chmod", OSError(errno.EPERM, "Operation not permitted")),
}


# --------------------------------------------------------------------------- the helper itself


@pytest.mark.parametrize("fault", sorted(FAULT_POINTS))
def test_a_failing_write_keeps_the_previous_file(fault: str, target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name, exc = FAULT_POINTS[fault]
    monkeypatch.setattr(name, _raise(exc))
    with pytest.raises(BadInputError) as caught:
        files.atomic_write(target, "new content")
    assert caught.value.message == f"{target}: cannot be written ({exc.strerror})"
    intact(target)
    FAULTS.append(f"atomic_write: {fault}")


def test_an_interrupt_inside_the_write_keeps_the_previous_file(target: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.fsync", _raise(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        files.atomic_write(target, "new content")
    intact(target)
    FAULTS.append("atomic_write: KeyboardInterrupt")


def test_a_successful_write_replaces_the_file_whole_and_keeps_its_mode(target: Path) -> None:
    files.atomic_write(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["target.json"]
    fresh = files.atomic_write(target.parent / "deep" / "er" / "fresh.bin", b"\x00\x01")
    assert fresh.read_bytes() == b"\x00\x01"
    mask = os.umask(0)
    os.umask(mask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~mask  # as open() would, not mkstemp's 0600


def test_a_folder_as_target_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="is a folder; give a file name to write to"):
        files.atomic_write(tmp_path, "x")
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match="a-file/below: cannot be written"):
        files.atomic_write(tmp_path / "a-file" / "below", "x", error=ConfigError)


# --------------------------------------------------------------------------- every writer


def test_save_configs_keeps_the_previous_file_when_the_content_or_the_write_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from specwire.configs import save_configs
    from specwire.pipeline.api import Pipeline

    configs = Pipeline.from_file(EXAMPLE, role_arn=ROLE, bucket="ml-artifacts").configs()
    target = tmp_path / "out" / "fraud.configs.yaml"
    target.parent.mkdir()
    target.write_text(PREVIOUS, encoding="utf-8")
    with monkeypatch.context() as patch:
        patch.setattr("yaml.safe_dump", _raise(RuntimeError("serialiser crashed half-way")))
        with pytest.raises(RuntimeError):
            save_configs(configs, target)
    intact(target)
    json_target = target.with_suffix(".json")
    json_target.write_text(PREVIOUS, encoding="utf-8")
    with monkeypatch.context() as patch:
        patch.setattr("json.dumps", _raise(ValueError("Circular reference detected")))
        with pytest.raises(ValueError):
            save_configs(configs, json_target)
    assert json_target.read_text(encoding="utf-8") == PREVIOUS
    with monkeypatch.context() as patch:
        patch.setattr("os.replace", _raise(OSError(errno.EACCES, "Permission denied")))
        with pytest.raises(ConfigError, match=r"fraud.configs.yaml: cannot be written \(Permission denied\)"):
            save_configs(configs, target)
    assert target.read_text(encoding="utf-8") == PREVIOUS
    save_configs(configs, target)  # and without a fault, the new file is complete
    from specwire.configs import load_configs

    assert load_configs(target) == configs
    FAULTS.extend(["save_configs: serialiser (yaml)", "save_configs: serialiser (json)", "save_configs: rename"])


@pytest.mark.parametrize("fmt", ["svg", "mermaid", "dot"])
def test_graph_keeps_the_previous_file_when_the_rename_fails(fmt: str, target: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.replace", _raise(OSError(errno.ENOSPC, "No space left on device")))
    result = run("graph", EXAMPLE, "--format", fmt, "-o", target)
    assert result.exit_code == 2
    assert f"error: {target}: cannot be written (No space left on device)" in result.output
    intact(target)
    FAULTS.append(f"graph --format {fmt}: rename")


def test_graph_keeps_the_previous_file_when_drawing_fails(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from specwire.plan import render

    monkeypatch.setattr(render, "to_svg", _raise(ZeroDivisionError("layout")))
    result = run("graph", EXAMPLE, "--format", "svg", "-o", target)
    assert result.exit_code == 3
    assert "internal error: ZeroDivisionError: layout" in result.output
    intact(target)
    FAULTS.append("graph: drawing fails")


def test_build_keeps_the_previous_definition_when_building_or_writing_fails(
        target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import specwire.builders as builders

    monkeypatch.setattr(builders, "definition_json", _raise(BuildError("no builder for step type 'X'")))
    result = run("build", "--example", "fraud", "--role", ROLE, "-o", target)
    assert result.exit_code == 2 and "error: no builder for step type 'X'" in result.output
    intact(target)
    monkeypatch.setattr(builders, "definition_json", lambda *a, **k: '{"Version": "2020-12-01"}\n')
    monkeypatch.setattr("os.fsync", _raise(OSError(errno.EIO, "Input/output error")))
    result = run("build", "--example", "fraud", "--role", ROLE, "-o", target)
    assert result.exit_code == 2
    assert f"error: {target}: cannot be written (Input/output error)" in result.output
    intact(target)
    monkeypatch.undo()
    FAULTS.extend(["build: builder fails", "build: disk fails"])


def test_a_build_that_does_not_resolve_keeps_the_previous_definition(target: Path, tmp_path: Path) -> None:
    gap = tmp_path / "gap.yaml"
    gap.write_text("nodes: [{name: load, step: DataLoading}, {name: train, step: XGBoostTraining}]\n",
                   encoding="utf-8")
    result = run("build", gap, "--role", ROLE, "-o", target)
    assert result.exit_code == 1 and "no definition written" in result.output
    intact(target)
    FAULTS.append("build: does not resolve")


def test_code_archives_are_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from specwire.builders.uploads import script_uploads
    from specwire.pipeline.api import Pipeline

    plan = Pipeline.from_file(EXAMPLE, role_arn=ROLE, bucket="ml-artifacts").plan()
    folder = tmp_path / "archives"
    uploads = script_uploads(plan.resolved, plan.configs, archive_dir=folder)
    archives = sorted(p for p in folder.iterdir())
    assert archives, "the fraud example packs at least one step's code as an archive"
    before = {p: p.read_bytes() for p in archives}
    for path in archives:
        path.write_bytes(b"previous archive")
    monkeypatch.setattr("os.replace", _raise(OSError(errno.ENOSPC, "No space left on device")))
    with pytest.raises(BuildError, match="cannot be written"):
        script_uploads(plan.resolved, plan.configs, archive_dir=folder)
    assert sorted(folder.iterdir()) == archives
    assert all(p.read_bytes() == b"previous archive" for p in archives)
    monkeypatch.undo()
    assert script_uploads(plan.resolved, plan.configs, archive_dir=folder) == uploads
    assert {p: p.read_bytes() for p in archives} == before
    FAULTS.append("code archives: rename")


# --------------------------------------------------------------------------- a real process, interrupted

SLOW_WRITE = """
import os, sys, time
real_fsync = os.fsync
def slow_fsync(fd):
    sys.stderr.write("WRITING\\n"); sys.stderr.flush()
    time.sleep(30)
    real_fsync(fd)
os.fsync = slow_fsync
from specwire.cli import main
sys.argv = ["specwire", *sys.argv[1:]]
main()
"""


@pytest.fixture
def slow_graph(target: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen([sys.executable, "-c", SLOW_WRITE, "graph", str(EXAMPLE), "-o", str(target)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "NO_COLOR": "1", "SPECWIRE_CACHE": "0"})  # one write: the graph
    assert process.stderr is not None
    line = process.stderr.readline()  # blocks until the content is in the temporary file
    assert line == "WRITING\n", line
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_ctrl_c_in_the_middle_of_a_write_keeps_the_previous_file(slow_graph: subprocess.Popen[str],
                                                                 target: Path) -> None:
    temporary = [p for p in target.parent.iterdir() if p != target]
    assert len(temporary) == 1 and temporary[0].name.startswith(".target.json.")  # the new content, aside
    slow_graph.send_signal(signal.SIGINT)
    _, err = slow_graph.communicate(timeout=20)
    assert slow_graph.returncode == 130  # the shell's code for Ctrl-C
    assert "Traceback" not in err
    intact(target)
    FAULTS.append("graph process: SIGINT mid-write")


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_a_killed_process_leaves_the_previous_file(slow_graph: subprocess.Popen[str], target: Path) -> None:
    slow_graph.kill()
    slow_graph.wait(timeout=10)
    assert target.read_text(encoding="utf-8") == PREVIOUS  # only the temporary file may be left
    FAULTS.append("graph process: SIGKILL mid-write")


# --------------------------------------------------------------------------- every writer goes through the helper

#: Writes outside `specwire.files` that are not a user's file, each with its reason.
ALLOWED = {
    ("specwire/builders/offline.py", "write_text"): "an empty SDK config in a fresh private temporary folder",
    ("specwire/builders/code.py", "open"): "tarfile.open on an in-memory buffer",
    ("specwire/local/jobs.py", "open"): "tarfile.open on an in-memory buffer",
    ("specwire/local/serving_boot.py", "open"): "the batch transform's container process (like specwire/scripts): "
                                                "writes <file>.out.partial, then renames it",
}


def _writes(path: Path) -> Iterator[tuple[str, int]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name in ("write_text", "write_bytes", "dump"):
            yield name, node.lineno
        elif name in ("open", "fdopen"):
            modes = [a.value for a in node.args[1:2] if isinstance(a, ast.Constant)]
            modes += [k.value.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)]
            if any(isinstance(m, str) and set(m) & set("wax+") for m in modes):
                yield name, node.lineno


def test_no_module_writes_a_file_but_through_atomic_write() -> None:
    found = []
    for path in sorted((ROOT / "specwire").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("specwire/scripts/") or relative == "specwire/files.py":
            continue  # scripts run inside SageMaker's containers, not on the user's machine
        found += [(relative, name, line) for name, line in _writes(path) if (relative, name) not in ALLOWED]
    assert found == [], f"write these through specwire.files.atomic_write: {found}"
