"""The SageMaker operations moto 5.2.6 does not implement, answered for tests on the client itself.

moto has models, endpoint configs, endpoints, model packages and data-quality job definitions, but
raises NotImplementedError for UpdateEndpoint and the monitoring-schedule operations. These are
answered by `before-call` handlers on the moto-backed client: botocore emits `before-call` only
after it has validated the request against SageMaker's real service model (`_make_api_call`
converts and validates the parameters first), so every recorded request is one the real service
would accept in shape; specwire's own code runs unchanged. UpdateEndpoint is applied to moto's
own endpoint, so DescribeEndpoint answers with the new endpoint config afterwards.

moto also silently replaces a model, endpoint config, endpoint or job definition created again under
the same name, where SageMaker refuses ("Cannot create already existing ..."): the stand-in refuses
too, so a deployment that creates twice fails here as it would in AWS.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from botocore.awsrequest import AWSResponse

ACCOUNT = "123456789012"


class SageMakerGaps:
    """Monitoring schedules kept here; UpdateEndpoint applied to moto's endpoint. `requests` holds
    each answered operation's validated request, in order."""

    OPERATIONS = ("CreateMonitoringSchedule", "DescribeMonitoringSchedule", "UpdateMonitoringSchedule",
                  "UpdateEndpoint")

    def __init__(self, client: Any) -> None:
        self.region = client.meta.region_name
        self.schedules: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, dict[str, Any]]] = []
        for operation in self.OPERATIONS:
            client.meta.events.register(f"before-call.sagemaker.{operation}", self._answer)
        for operation in self.EXISTING:
            client.meta.events.register(f"before-call.sagemaker.{operation}", self._refuse_existing)

    #: Create operations SageMaker refuses for a name in use: (moto backend attribute, name parameter).
    EXISTING: ClassVar[dict[str, tuple[str, str]]] = {"CreateModel": ("_models", "ModelName"),
                "CreateEndpointConfig": ("endpoint_configs", "EndpointConfigName"),
                "CreateEndpoint": ("endpoints", "EndpointName"),
                "CreateDataQualityJobDefinition": ("data_quality_job_definitions", "JobDefinitionName")}

    def _refuse_existing(self, model: Any, params: dict[str, Any], **_: Any) -> Any:
        from moto.sagemaker.models import sagemaker_backends

        attribute, key = self.EXISTING[model.name]
        name = json.loads(params["body"] or b"{}")[key]
        if name in getattr(sagemaker_backends[ACCOUNT][self.region], attribute):
            return _error("ValidationException", f"Cannot create already existing resource {name!r}")
        return None  # moto answers

    def calls(self, operation: str) -> list[dict[str, Any]]:
        return [params for name, params in self.requests if name == operation]

    def _answer(self, model: Any, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        request = json.loads(params["body"] or b"{}")
        self.requests.append((model.name, request))
        return getattr(self, "_" + model.name)(request)

    def _arn(self, kind: str, name: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{ACCOUNT}:{kind}/{name.lower()}"

    def _CreateMonitoringSchedule(self, request: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
        name = request["MonitoringScheduleName"]
        if name in self.schedules:
            return _error("ResourceInUse", f"Monitoring schedule {name} already exists")
        self.schedules[name] = {"MonitoringScheduleName": name, "MonitoringScheduleArn": self._arn(
            "monitoring-schedule", name), "MonitoringScheduleStatus": "Scheduled",
            "MonitoringScheduleConfig": request["MonitoringScheduleConfig"], "Tags": request.get("Tags", [])}
        return _ok({"MonitoringScheduleArn": self.schedules[name]["MonitoringScheduleArn"]})

    def _DescribeMonitoringSchedule(self, request: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
        name = request["MonitoringScheduleName"]
        if name not in self.schedules:
            return _error("ResourceNotFound", f"Could not find monitoring schedule {name}")
        return _ok(dict(self.schedules[name]))

    def _UpdateMonitoringSchedule(self, request: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
        name = request["MonitoringScheduleName"]
        if name not in self.schedules:
            return _error("ResourceNotFound", f"Could not find monitoring schedule {name}")
        self.schedules[name]["MonitoringScheduleConfig"] = request["MonitoringScheduleConfig"]
        return _ok({"MonitoringScheduleArn": self.schedules[name]["MonitoringScheduleArn"]})

    def _UpdateEndpoint(self, request: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
        from moto.sagemaker.models import sagemaker_backends

        backend = sagemaker_backends[ACCOUNT][self.region]
        endpoint = backend.endpoints.get(request["EndpointName"])
        config = backend.endpoint_configs.get(request["EndpointConfigName"])
        if endpoint is None or config is None:
            return _error("ValidationException", f"Could not find endpoint or endpoint config in {request}")
        endpoint.endpoint_config_name = config.endpoint_config_name
        endpoint.data_capture_config = config.data_capture_config
        return _ok({"EndpointArn": endpoint.arn})


def _ok(body: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    return AWSResponse("https://sagemaker.invalid/", 200, {}, None), {**body, "ResponseMetadata": {
        "HTTPStatusCode": 200}}


def _error(code: str, message: str) -> tuple[AWSResponse, dict[str, Any]]:
    return AWSResponse("https://sagemaker.invalid/", 400, {}, None), {"Error": {"Code": code, "Message": message},
                                                                       "ResponseMetadata": {"HTTPStatusCode": 400}}
