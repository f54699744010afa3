"""Following an execution step by step, and the live display of it (steps stubbed: moto lists none)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from deploy_support import REGION

from specwire.deploy import Clients, ExecutionReport, ProgressDisplay, make_clients, wait_for_execution

ARN = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/fraud/execution/abc123"


def _execution(status: str) -> dict[str, Any]:
    return {"PipelineExecutionArn": ARN, "PipelineExecutionStatus": status}


def _steps(*steps: tuple[str, str, str]) -> dict[str, Any]:
    return {"PipelineExecutionSteps": [
        {"StepName": name, "StepStatus": status, "StartTime": datetime(2026, 1, 1), **(
            {"FailureReason": reason} if reason else {})}
        for name, status, reason in steps]}


def test_each_step_status_is_followed_and_shown(aws_env: None) -> None:
    from botocore.stub import Stubber
    from rich.console import Console

    clients: Clients = make_clients(REGION)
    listing = {"PipelineExecutionArn": ARN, "SortOrder": "Ascending"}
    with Stubber(clients.sagemaker) as stub:
        stub.add_response("describe_pipeline_execution", _execution("Executing"), {"PipelineExecutionArn": ARN})
        stub.add_response("list_pipeline_execution_steps",
                          _steps(("DataLoading", "Succeeded", ""), ("XGBoostTraining", "Executing", "")), listing)
        stub.add_response("describe_pipeline_execution", _execution("Failed"), {"PipelineExecutionArn": ARN})
        stub.add_response("list_pipeline_execution_steps",
                          _steps(("DataLoading", "Succeeded", ""),
                                 ("XGBoostTraining", "Failed", "AlgorithmError: out of memory")), listing)
        buffer = io.StringIO()
        console = Console(file=buffer, width=120, color_system=None, force_terminal=False)
        seen: list[ExecutionReport] = []
        with ProgressDisplay("fraud", console=console) as display:
            def update(report: ExecutionReport) -> None:
                seen.append(report)
                display.update(report)

            final = wait_for_execution(ARN, clients=clients, poll_seconds=0, on_update=update,
                                       sleep=lambda s: None)
        stub.assert_no_pending_responses()
    assert [r.status for r in seen] == ["Executing", "Failed"]
    assert [(s.name, s.status) for s in seen[0].steps] == [("DataLoading", "Succeeded"),
                                                           ("XGBoostTraining", "Executing")]
    assert final.done and not final.succeeded
    assert final.steps[1].failure_reason == "AlgorithmError: out of memory"
    shown = buffer.getvalue()
    assert "fraud: Failed" in shown
    assert "XGBoostTraining" in shown and "AlgorithmError: out of memory" in shown
