"""A step's container on this machine: a folder that plays `/opt/ml`, and a child process.

Each step gets `<workdir>/steps/<step>/`: `opt/ml/...` inside it is what the container would
see at `/opt/ml/...` (processing inputs and outputs, `/opt/ml/output/message` and `failure`),
and `log.txt` receives everything the job prints. Scripts run with the Python running specwire
through `container_boot.py`, which redirects the script's own `/opt/ml/...` paths to the folder.

Ctrl-C (or any exception while waiting) stops the child and everything it started: the child
runs in a session of its own, and its whole process group is terminated, then killed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from specwire.files import atomic_write

#: The container's root of everything SageMaker mounts.
CONTAINER_ROOT = "/opt/ml"
BOOT = Path(__file__).with_name("container_boot.py")
#: Files SageMaker reads back as a failed job's reason (processing: ExitMessage; training:
#: FailureReason).
FAILURE_FILES = ("output/failure", "output/message")
#: Seconds a stopped child gets to exit after SIGTERM before SIGKILL.
GRACE_SECONDS = 5.0
POLL_SECONDS = 0.1


class StepFailed(Exception):
    """The step failed; the message is its failure reason."""


@dataclass(frozen=True)
class Container:
    """The folder that stands for one job's container."""

    folder: Path

    @property
    def root(self) -> Path:
        """The host folder of the container's `/opt/ml`."""
        return self.folder / "opt" / "ml"

    @property
    def log(self) -> Path:
        return self.folder / "log.txt"

    def host(self, container_path: str) -> Path:
        """The host path of a container path under /opt/ml (other absolute paths go under the folder)."""
        if container_path == CONTAINER_ROOT or container_path.startswith(CONTAINER_ROOT + "/"):
            return self.root / container_path[len(CONTAINER_ROOT):].lstrip("/")
        return self.folder / "root" / container_path.lstrip("/")

    def prepare(self) -> None:
        for sub in ("output", "input", "code", "model"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    def translate(self, argument: str) -> str:
        """An argument naming a container path becomes the host path (other arguments unchanged)."""
        if argument == CONTAINER_ROOT or argument.startswith(CONTAINER_ROOT + "/"):
            return str(self.host(argument))
        return argument

    def note(self, text: str) -> None:
        """A line in the step's log (steps that run no process log what they did)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.log.open("a", encoding="utf-8") as handle:
            handle.write(text.rstrip("\n") + "\n")

    def failure_reason(self, exit_code: int) -> str:
        """What SageMaker would show: the job's failure file, else the last line it printed."""
        for name in FAILURE_FILES:
            path = self.root / name
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace").strip()
                if text:
                    return f"{text[:1024]} (exit code {exit_code})"
        last = _last_line(self.log)
        return f"{last} (exit code {exit_code})" if last else f"the script exited with code {exit_code}"

    def run_python(self, program: Path, arguments: Sequence[str], *, env: Mapping[str, str], cwd: Path,
                   timeout: float | None = None, extra_paths: Mapping[str, str] | None = None) -> int:
        """Run `python program arguments...` as the container would; returns the exit code."""
        mapping = self.folder / "container-paths.json"
        paths = {CONTAINER_ROOT: str(self.root), **(extra_paths or {})}
        atomic_write(mapping, json.dumps({"paths": paths}, indent=2) + "\n")
        command = [sys.executable, str(BOOT), str(mapping), str(program), *arguments]
        return run_logged(command, env=env, cwd=cwd, log=self.log, timeout=timeout)


def child_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The environment of a job: this process's (PATH, HOME, the virtual environment) plus the
    job's own variables; Python writes no bytecode into the workdir and flushes its output."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SM_")}
    env.update({"PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"})
    env.update({str(k): str(v) for k, v in extra.items()})
    return env


def run_logged(command: Sequence[str], *, env: Mapping[str, str], cwd: Path, log: Path,
               timeout: float | None = None) -> int:
    """Run a command with its output appended to `log`; stop it (and its children) on Ctrl-C or
    after `timeout` seconds (the job's MaxRuntimeInSeconds)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(list(command), env=dict(env), cwd=str(cwd), stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            # Short waits, so a Ctrl-C (or another signal's handler) is seen while the child runs.
            while True:
                try:
                    return process.wait(timeout=POLL_SECONDS)
                except subprocess.TimeoutExpired:
                    if deadline is not None and time.monotonic() > deadline:
                        raise StepFailed(f"stopped after MaxRuntimeInSeconds ({timeout:g} s)") from None
        except BaseException:
            _stop(process)
            raise


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the child's process group, SIGKILL if it has not ended in GRACE_SECONDS."""
    for sig, wait in ((signal.SIGTERM, GRACE_SECONDS), (signal.SIGKILL, GRACE_SECONDS)):
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        deadline = time.monotonic() + wait
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)


def _last_line(log: Path) -> str:
    if not log.is_file():
        return ""
    lines = [line.strip() for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    return lines[-1][:1024] if lines else ""
