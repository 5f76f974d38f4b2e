"""Deploys a synthesized template into moto's CloudFormation, as ``cdk deploy`` would into a bootstrapped account."""

from __future__ import annotations

import io
import json
import logging
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import boto3

from alpr.rehearsal import moto_models

log = logging.getLogger("alpr.rehearsal")

ACCOUNT_ID = "123456789012"  # moto's default account
STACK_NAME = "AlprRehearsal"


@dataclass
class Skipped:
    """A resource the rehearsal could not create locally, and why."""

    logical_id: str
    resource_type: str
    reason: str


@dataclass
class Deployment:
    template: dict[str, Any]
    stack: Any  # moto's FakeStack
    endpoint: str
    region: str
    skipped: list[Skipped] = field(default_factory=list)
    custom_done: list[str] = field(default_factory=list)

    def resource(self, logical_id: str) -> Any:
        return self.stack.resource_map[logical_id]

    def physical_id(self, logical_id: str) -> str:
        return str(self.resource(logical_id).physical_resource_id)

    def resolve(self, value: Any) -> Any:
        """A template value (Ref, Fn::GetAtt, Fn::Join, Fn::Sub ...) as moto's CloudFormation resolved it."""
        from moto.cloudformation.parsing import clean_json

        return clean_json(value, self.stack.resource_map)

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.template["Resources"].items() if v["Type"] == resource_type}

    def skipped_summary(self) -> dict[str, int]:
        return dict(sorted(Counter(s.resource_type for s in self.skipped).items()))


def _asset_keys(template: dict[str, Any]) -> set[tuple[str, str]]:
    """Every (bucket expression, key) a Lambda function, layer or custom resource reads code from."""
    found: set[tuple[str, str]] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "S3Bucket" in node and isinstance(node.get("S3Key"), str):
                found.add((json.dumps(node["S3Bucket"], sort_keys=True), node["S3Key"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(template["Resources"])
    return found


def bootstrap(session: Any, template: dict[str, Any], resolve_sub: Any) -> None:
    """What ``cdk bootstrap`` leaves in an account: the version parameter and the assets bucket with the stack's
    code archives in it. The archives hold a stub: the rehearsal runs every handler in-process from this checkout."""
    parameter = template.get("Parameters", {}).get("BootstrapVersion", {})
    if parameter.get("Default", "").startswith("/"):
        session.client("ssm").put_parameter(Name=parameter["Default"], Value="99", Type="String", Overwrite=True)
    s3 = session.client("s3")
    stub = io.BytesIO()
    with zipfile.ZipFile(stub, "w") as archive:
        archive.writestr("README.txt", "The rehearsal runs handlers in-process; this archive is a stand-in.\n")
    made: set[str] = set()
    for bucket_expression, key in _asset_keys(template):
        bucket = resolve_sub(json.loads(bucket_expression))
        if bucket not in made:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": session.region_name})
            made.add(bucket)
        s3.put_object(Bucket=bucket, Key=key, Body=stub.getvalue())


def _pseudo_sub(region: str) -> Any:
    """Resolves the bootstrap's Fn::Sub expressions, which name only pseudo parameters."""

    def resolve(value: Any) -> str:
        if isinstance(value, str):
            return value
        text = value["Fn::Sub"]
        for name, replacement in {"AWS::AccountId": ACCOUNT_ID, "AWS::Region": region, "AWS::Partition": "aws"}.items():
            text = text.replace("${" + name + "}", replacement)
        return str(text)

    return resolve


def deploy(template: dict[str, Any], endpoint: str, region: str) -> Deployment:
    """Creates the stack through moto's CloudFormation API; fails when the stack does not reach CREATE_COMPLETE."""
    from moto.cloudformation.models import cloudformation_backends

    session = boto3.session.Session(region_name=region)
    bootstrap(session, template, _pseudo_sub(region))
    submitted = moto_models.teach(template)
    cloudformation = session.client("cloudformation")
    with warnings.catch_warnings():
        # moto warns once per type it skips; the rehearsal lists them itself.
        warnings.simplefilter("ignore")
        logging.getLogger("moto").setLevel(logging.ERROR)
        cloudformation.create_stack(
            StackName=STACK_NAME,
            TemplateBody=json.dumps(submitted),
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
    status = cloudformation.describe_stacks(StackName=STACK_NAME)["Stacks"][0]
    if status["StackStatus"] != "CREATE_COMPLETE":
        raise RuntimeError(f"stack {STACK_NAME}: {status['StackStatus']} {status.get('StackStatusReason', '')}")
    stack = cloudformation_backends[ACCOUNT_ID][region].get_stack(status["StackId"])
    deployment = Deployment(template=template, stack=stack, endpoint=endpoint, region=region)
    for logical_id, resource in template["Resources"].items():
        model = moto_models.recorded(stack.resource_map[logical_id])
        if model is None:
            continue
        if model.kind == "placeholder":
            deployment.skipped.append(Skipped(logical_id, resource["Type"], "moto's CloudFormation has no model"))
    return deployment
