"""Two pipeline names with one SageMaker name never deploy over each other (moto in process)."""

from __future__ import annotations

import pytest
from deploy_support import ROLE
from test_deploy_moto import definition

from specwire.deploy import Clients, upsert_pipeline
from specwire.errors import BadInputError
from specwire.pipeline.state import sagemaker_name


@pytest.mark.parametrize("first,second", [("fraud_detection", "fraud detection"),
                                          ("fraud detection", "fraud-detection"),
                                          ("fraud-detection", "fraud--detection")])
def test_a_second_name_with_the_same_sagemaker_name_is_refused(first: str, second: str, clients: Clients) -> None:
    name = sagemaker_name(first)
    assert sagemaker_name(second) == name
    upsert_pipeline(definition("a"), name=name, role_arn=ROLE, clients=clients, source_name=first)
    with pytest.raises(BadInputError, match="overwrite") as info:
        upsert_pipeline(definition("b"), name=name, role_arn=ROLE, clients=clients, source_name=second)
    assert repr(second) in info.value.message and repr(name) in info.value.message
    described = clients.sagemaker.describe_pipeline(PipelineName=name)
    assert '"a"' in described["PipelineDefinition"]  # the first pipeline is untouched
    again = upsert_pipeline(definition("c"), name=name, role_arn=ROLE, clients=clients, source_name=first)
    assert not again.created  # the same name updates, as before


def test_an_untagged_pipeline_is_updated_only_under_its_exact_name(clients: Clients) -> None:
    upsert_pipeline(definition("a"), name="fraud-detection", role_arn=ROLE, clients=clients)
    with pytest.raises(BadInputError):
        upsert_pipeline(definition("b"), name="fraud-detection", role_arn=ROLE, clients=clients,
                        source_name="fraud_detection")
    upsert_pipeline(definition("b"), name="fraud-detection", role_arn=ROLE, clients=clients,
                    source_name="fraud-detection")
