"""What the deployed stack gives each function: handler, environment, role, timeout and event source mappings,
read back from moto's Lambda and IAM (what CloudFormation created), never from ``alpr.schema``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alpr.rehearsal.deploy import Deployment
from alpr.rehearsal.moto_models import SKIPPED_PREFIX

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass
class EventSource:
    """One AWS::Lambda::EventSourceMapping as Lambda's API describes it."""

    function: str
    source_arn: str
    batch_size: int
    filters: list[dict[str, Any]]
    report_item_failures: bool
    on_failure_arn: str | None
    max_retry_attempts: int | None
    enabled: bool

    @classmethod
    def from_api(cls, mapping: dict[str, Any], function: str) -> EventSource:
        destination = (mapping.get("DestinationConfig") or {}).get("OnFailure") or {}
        return cls(
            function=function,
            source_arn=mapping["EventSourceArn"],
            batch_size=int(mapping["BatchSize"]),
            filters=[json.loads(f["Pattern"]) for f in (mapping.get("FilterCriteria") or {}).get("Filters", [])],
            report_item_failures="ReportBatchItemFailures" in (mapping.get("FunctionResponseTypes") or []),
            on_failure_arn=destination.get("Destination"),
            max_retry_attempts=mapping.get("MaximumRetryAttempts"),
            enabled=mapping.get("State", "Enabled") == "Enabled",
        )

    @property
    def service(self) -> str:
        return self.source_arn.split(":")[2]


@dataclass
class FunctionWiring:
    logical_id: str
    name: str
    handler: str
    environment: dict[str, str]
    role_arn: str
    arn: str
    timeout_s: int
    memory_mb: int
    event_sources: list[EventSource] = field(default_factory=list)
    # Variables the template sets that the deployed function lacks, or that point at a resource moto skipped.
    unresolved: dict[str, str] = field(default_factory=dict)


def image_handler(resource: dict[str, Any]) -> str:
    """A container function's handler: the template's ImageConfig.Command, else the CMD of the Dockerfile that the
    template's asset metadata names."""
    command = resource["Properties"].get("ImageConfig", {}).get("Command")
    if command:
        return str(command[0])
    dockerfile = resource.get("Metadata", {}).get("aws:asset:dockerfile-path")
    if not dockerfile:
        raise RuntimeError(
            "a container function names no handler: give it ImageConfig.Command "
            "(DockerImageCode.from_image_asset(..., cmd=[handler])) or synthesize with asset metadata"
        )
    text = (REPO_ROOT / dockerfile).read_text()
    found = re.findall(r'^CMD\s*\[\s*"([^"]+)"', text, flags=re.MULTILINE)
    if not found:
        raise RuntimeError(f'{dockerfile} has no CMD ["module.handler"]')
    return str(found[-1])


def _importable(handler: str) -> bool:
    module = handler.rpartition(".")[0]
    return (REPO_ROOT / (module.replace(".", "/") + ".py")).exists()


def read_functions(deployment: Deployment, lambda_client: Any) -> dict[str, FunctionWiring]:
    """Every function whose handler is in this repository, keyed by its deployed name. CDK's own providers (bucket
    notifications, bucket deployment) are not ours; their custom resources are done by the rehearsal itself."""
    functions: dict[str, FunctionWiring] = {}
    for logical_id, resource in deployment.of_type("AWS::Lambda::Function").items():
        properties = resource["Properties"]
        handler = image_handler(resource) if properties.get("PackageType") == "Image" else properties.get("Handler", "")
        if not _importable(handler):
            continue
        name = deployment.physical_id(logical_id)
        configuration = lambda_client.get_function_configuration(FunctionName=name)
        environment = dict((configuration.get("Environment") or {}).get("Variables") or {})
        declared = (properties.get("Environment") or {}).get("Variables") or {}
        unresolved = {key: "not in the deployed function" for key in declared if key not in environment}
        unresolved.update(
            {
                key: f"points at a resource moto skipped ({value.removeprefix(SKIPPED_PREFIX)})"
                for key, value in environment.items()
                if SKIPPED_PREFIX in value
            }
        )
        functions[name] = FunctionWiring(
            logical_id=logical_id,
            name=name,
            handler=handler,
            environment=environment,
            role_arn=configuration["Role"],
            arn=configuration["FunctionArn"],
            timeout_s=int(configuration.get("Timeout", 3)),
            memory_mb=int(configuration.get("MemorySize", 128)),
            unresolved=unresolved,
        )
    by_arn = {f"{name}": wiring for name, wiring in functions.items()}
    paginator = lambda_client.get_paginator("list_event_source_mappings")
    for page in paginator.paginate():
        for mapping in page["EventSourceMappings"]:
            name = mapping["FunctionArn"].split(":")[6]
            if name in by_arn:
                by_arn[name].event_sources.append(EventSource.from_api(mapping, name))
    return functions


def detach_moto_pollers(region: str, account_id: str) -> None:
    """moto invokes a mapped function itself (in Docker) when a message or stream record arrives, and then drops the
    stream records it delivered. The rehearsal polls instead, as Lambda's pollers do, with the function's role."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.sqs.models import sqs_backends

    for queue in sqs_backends[account_id][region].queues.values():
        queue.lambda_event_source_mappings.clear()
    for table in dynamodb_backends[account_id][region].tables.values():
        table.lambda_event_source_mappings.clear()
