"""A policy file is checked by specwire before clingo reads it, and limits are numbers a clock can hold.

Found by an adversarial sweep: a policy file with a byte that is not UTF-8 made clingo's Python
logger raise inside C ("PANIC: exception in nothrow scope", a traceback on stderr) and the resolve
came back as "no wiring found within the time limit" (exit 1); `#include` loaded a file past every
check (a device, a binary, any size); a FIFO was "no such rule file"; `--timeout 1e300` was exit 3.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specwire.cli import app

runner = CliRunner(env={"COLUMNS": "250", "NO_COLOR": "1"})
ENTRY = "import sys; from specwire.cli import main; sys.argv[0] = 'specwire'; main()"
ONE = "nodes:\n  - {name: load, step: DataLoading}\n"


def files(tmp_path: Path, policy: bytes) -> tuple[Path, Path]:
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(ONE, encoding="utf-8")
    rules = tmp_path / "policy.lp"
    rules.write_bytes(policy)
    return pipeline, rules


@pytest.mark.parametrize("policy, expected", [
    (b'violation(x, "caf\xe9", ()) :- node(N).\n', "policy.lp: is not UTF-8 text (byte 17)"),
    (b"\xff\xfe v.\n", "policy.lp: is not UTF-8 text (byte 0)"),
    (b"a.\x00\n", "policy.lp: holds binary data (a NUL byte)"),
    (b'% shared rules\n  #include "other.lp".\n', "policy.lp:2:3: #include is not allowed in a policy file"),
    (b"#include <incmode>.\n", "policy.lp:1:1: #include is not allowed in a policy file"),
])
@pytest.mark.parametrize("command", ["resolve", "check"])
def test_a_policy_file_clingo_must_not_read_is_refused_naming_it(tmp_path: Path, policy: bytes, expected: str,
                                                                 command: str) -> None:
    pipeline, rules = files(tmp_path, policy)
    (tmp_path / "other.lp").write_bytes(b"\xff.\n")
    args = (["resolve", "-p", str(pipeline), "-r", str(rules), "--format", "json"] if command == "resolve"
            else ["rules", "check", str(rules)])
    done = runner.invoke(app, args)
    assert done.exit_code == 2, done.output
    assert expected in done.output


def test_a_non_utf8_policy_in_a_real_process_is_bad_input_not_a_timeout(tmp_path: Path) -> None:
    pipeline, rules = files(tmp_path, b'violation(x, "\xff", ()) :- node(N).\n')
    done = subprocess.run([sys.executable, "-c", ENTRY, "resolve", "-p", str(pipeline), "-r", str(rules)],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "PANIC" not in done.stderr
    assert "timeout" not in done.stdout + done.stderr
    assert f"{rules}: is not UTF-8 text" in done.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_given_as_a_policy_is_named_as_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "policy.lp"
    os.mkfifo(fifo)
    done = runner.invoke(app, ["rules", "check", str(fifo)])
    assert done.exit_code == 2
    assert f"{fifo}: is not a regular file" in done.output


@pytest.mark.parametrize("value", ["1e300", "1e12", "100000001"])
def test_a_limit_no_clock_can_hold_is_bad_input(tmp_path: Path, value: str) -> None:
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(ONE, encoding="utf-8")
    for option in ("--timeout", "--memory-limit"):
        if option == "--memory-limit" and "e" in value:
            continue  # an integer option: typer refuses a float itself (exit 2)
        done = runner.invoke(app, ["resolve", "-p", str(pipeline), option, value])
        assert done.exit_code == 2, done.output
        assert f"{option}: " in done.output and "is not a limit" in done.output
