"""What a failed step's script wrote reaches the terminal shown, never obeyed.

Found by an adversarial sweep: a step script raising `ValueError("\\x1b[31m...")`, or writing an
escape sequence to /opt/ml/output/failure, drove the terminal through `specwire run --local`'s
progress lines (the final summary was escaped; the progress display was not). The same holds for
the live tables of a local run and of `specwire deploy --wait` (reasons quote SageMaker jobs' scripts).
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from specwire.deploy import ExecutionReport, ProgressDisplay, StepStatus
from specwire.local.progress import LocalProgress
from specwire.local.results import StepResult

HOSTILE = "\x1b[2J\x1b]0;pwned\x07 bad \u202e reason \x9b"


def console(terminal: bool) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=terminal, color_system=None, width=300, emoji=False), out


@pytest.mark.parametrize("terminal", [False, True])
def test_a_local_run_shows_a_failure_reason_escaped(terminal: bool) -> None:
    shown, out = console(terminal)
    with LocalProgress("p\x1b[2J", console=shown) as progress:
        progress.update(StepResult(name="boom\x1b[8m", type="Processing", status="Failed", failure_reason=HOSTILE))
    text = out.getvalue()
    for raw in ("\x1b[2J", "\x1b]0;", "\x07", "\u202e", "\x9b", "\x1b[8m"):
        assert raw not in text
    assert "\\x1b[2J" in text and "\\u202e" in text


def test_a_deploy_watch_shows_a_failure_reason_escaped() -> None:
    shown, out = console(True)
    report = ExecutionReport(arn="arn:x", status="Failed", failure_reason=HOSTILE,
                             steps=(StepStatus(name="train\x1b[8m", status="Failed", failure_reason=HOSTILE),))
    with ProgressDisplay("p", console=shown) as display:
        display.update(report)
    text = out.getvalue()
    assert "\x1b]0;" not in text and "\u202e" not in text and "\x1b[8m" not in text
    assert "\\x1b]0;pwned" in text
