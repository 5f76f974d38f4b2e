"""Reads every IAM policy of a synthesized template and says who may do what, on what.

Each statement's resources are rendered to readable names ("table:alpr-reads/index/*",
"bucket:Images2D38C313/frames/*", "queue:alpr-frame-events", "*"), each policy is mapped through its role to
the function that uses it ("ocr", or the logical id of a role no schema function uses), and ``can`` answers
with IAM's wildcard rules. ``violations`` applies the platform's least-privilege rules (policy 418.6) to
every principal in the template, whatever functions exist; tests/infra/test_least_privilege.py runs them.
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from alpr import schema
from infra.guardrails.trail import OPERATIONAL_TABLES

# Actions that AWS defines on "*" only (no resource-level permissions), and nothing that touches data.
STAR_RESOURCE_ACTIONS = frozenset(
    {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:PutMetricData", "dynamodb:ListStreams"}
)
# What may be done to an append-only (access record) table: add and look, never change or remove.
APPEND_ONLY_ACTIONS = frozenset(
    {
        "dynamodb:PutItem",
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "dynamodb:DescribeTable",
        "dynamodb:ConditionCheckItem",
    }
)
DELETE_ACTIONS = (
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLDelete",
    "dynamodb:DeleteTable",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutLifecycleConfiguration",
)
WRITE_ACTIONS = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    *DELETE_ACTIONS,
)
# Only the purge function deletes what the retention policy (418.5) governs.
DELETERS = frozenset({"purge"})
# Functions that only look things up (and must record that they did, in an append-only table).
READ_ONLY_FUNCTIONS = frozenset({"search"})
# What a read-only function may still write: the chain head its access record extends, and the training
# records administrators keep through the staff API (policy 418.4(d)).
READER_RECORD_TABLES = frozenset({schema.ACCESS_CHAIN_HEADS.logical_name, schema.TRAINING.logical_name})
# CDK's own helper that copies the staff page into its bucket: checked to stay off the data, then left alone.
FRAMEWORK_PRINCIPAL_PREFIXES = ("CustomCDKBucketDeployment",)
# The one function that creates plate reads.
READ_WRITERS = frozenset({"ocr"})
# Areas of the images bucket whose objects are images of vehicles.
IMAGE_AREAS = (schema.BUCKET.frames, schema.BUCKET.evidence)


@dataclass(frozen=True)
class Grant:
    principal: str
    action: str
    resource: str


class PolicyAudit:
    def __init__(self, template: dict[str, Any], prefix: str = "alpr") -> None:
        self.resources: dict[str, Any] = template["Resources"]
        self.prefix = prefix
        self.grants = list(self._grants())

    # --- reading the template ----------------------------------------------------------------------------

    def _role_principals(self) -> dict[str, str]:
        """Role logical id -> the schema function that uses it, or the role's own logical id."""
        principals: dict[str, str] = {}
        for resource in self.resources.values():
            if resource["Type"] != "AWS::Lambda::Function":
                continue
            props = resource["Properties"]
            role = props.get("Role", {}).get("Fn::GetAtt", [None])[0]
            name = str(props.get("FunctionName", ""))
            if role and name.startswith(f"{self.prefix}-"):
                principals[role] = name.removeprefix(f"{self.prefix}-")
        return principals

    def _grants(self) -> Iterable[Grant]:
        principals = self._role_principals()
        for resource in self.resources.values():
            if resource["Type"] not in {"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}:
                continue
            props = resource["Properties"]
            for role_ref in props.get("Roles", []):
                role = role_ref["Ref"] if isinstance(role_ref, dict) else str(role_ref)
                principal = principals.get(role, role)
                for statement in props["PolicyDocument"]["Statement"]:
                    if statement.get("Effect") != "Allow":
                        continue
                    for action in _as_list(statement.get("Action", [])):
                        for target in _as_list(statement.get("Resource", [])):
                            yield Grant(principal, action, self.render(target))

    def render(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        if "Fn::GetAtt" in value:
            return self._name(value["Fn::GetAtt"][0])
        if "Ref" in value:
            return self._name(value["Ref"])
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(self.render(p) for p in parts)
        return repr(value)

    def _name(self, logical_id: str) -> str:
        resource = self.resources.get(logical_id)
        if resource is None:
            return logical_id
        props = resource.get("Properties", {})
        kind = resource["Type"]
        if kind == "AWS::DynamoDB::Table":
            return f"table:{props.get('TableName', logical_id)}"
        if kind == "AWS::S3::Bucket":
            return f"bucket:{logical_id}"
        if kind == "AWS::SQS::Queue":
            return f"queue:{props.get('QueueName', logical_id)}"
        if kind == "AWS::SNS::Topic":
            return f"topic:{props.get('TopicName', logical_id)}"
        if kind == "AWS::Cognito::UserPool":
            return f"userpool:{props.get('UserPoolName', logical_id)}"
        if kind == "AWS::KMS::Key":
            return f"key:{logical_id}"
        return f"{kind}:{logical_id}"

    # --- questions ---------------------------------------------------------------------------------------

    @property
    def principals(self) -> set[str]:
        return {g.principal for g in self.grants}

    def of(self, principal: str) -> set[tuple[str, str]]:
        return {(g.action, g.resource) for g in self.grants if g.principal == principal}

    def can(self, principal: str, action: str, resource: str) -> bool:
        return any(
            g.principal == principal
            and fnmatch.fnmatchcase(action.lower(), g.action.lower())
            and fnmatch.fnmatchcase(resource, g.resource)
            for g in self.grants
        )

    def who_can(self, actions: Iterable[str], resource: str) -> set[str]:
        return {p for p in self.principals for a in actions if self.can(p, a, resource)}

    def table(self, table: schema.Table) -> str:
        return f"table:{table.physical_name(self.prefix)}"

    def tables(self) -> dict[str, schema.Table]:
        """Every table in the template that the schema describes, by its resource name."""
        names = {
            str(r["Properties"].get("TableName"))
            for r in self.resources.values()
            if r["Type"] == "AWS::DynamoDB::Table"
        }
        return {self.table(t): t for t in schema.TABLES if t.physical_name(self.prefix) in names}

    def image_objects(self) -> list[str]:
        """A sample object in each image area of every bucket: what 'deleting images' means."""
        buckets = [lid for lid, r in self.resources.items() if r["Type"] == "AWS::S3::Bucket"]
        return [f"bucket:{b}/{area}sample.jpg" for b in buckets for area in IMAGE_AREAS]

    def _images_bucket_id(self) -> str:
        """The Object Lock bucket that holds frames, evidence and audits."""
        return next(
            lid
            for lid, r in self.resources.items()
            if r["Type"] == "AWS::S3::Bucket" and r.get("Properties", {}).get("ObjectLockEnabled")
        )

    # --- the rules ---------------------------------------------------------------------------------------

    def violations(self) -> list[str]:
        found = [v for v in self._all_violations() if not v.startswith(FRAMEWORK_PRINCIPAL_PREFIXES)]
        for principal in self.principals:
            if principal.startswith(FRAMEWORK_PRINCIPAL_PREFIXES):
                found += [
                    f"{principal} (a CDK helper) may {action} on {resource}: it must stay off the data"
                    for action, resource in self.of(principal)
                    if resource.startswith("table:") or resource.startswith(f"bucket:{self._images_bucket_id()}")
                ]
        return found

    def _all_violations(self) -> list[str]:
        found: list[str] = []
        found += self._no_wildcard_actions()
        found += self._star_resources_only_where_aws_requires()
        tables = self.tables()
        for name, table in tables.items():
            for principal in self.principals:
                for action in (*WRITE_ACTIONS, "dynamodb:UpdateItem", "dynamodb:PartiQLUpdate"):
                    if table.append_only and action not in APPEND_ONLY_ACTIONS and self.can(principal, action, name):
                        found.append(f"{principal} may {action} on append-only {name} (access records never change)")
            plate_data = table.ttl_attribute is not None and table.logical_name not in OPERATIONAL_TABLES
            if plate_data:
                for principal in self.who_can(DELETE_ACTIONS, name) - DELETERS:
                    found.append(f"{principal} may delete from {name}: only purge deletes retained data")
        for image in self.image_objects():
            for principal in self.who_can(DELETE_ACTIONS, image) - DELETERS:
                found.append(f"{principal} may delete {image}: only purge deletes images")
        reads = self.table(schema.READS)
        creators = self.who_can(("dynamodb:PutItem",), reads) | (
            self.who_can(("dynamodb:BatchWriteItem",), reads) - DELETERS  # purge batches deletes only
        )
        for principal in creators - READ_WRITERS:
            found.append(f"{principal} may create reads in {reads}: only the OCR function does")
        for principal in self.principals:
            if principal.startswith("ingest"):
                found += self._touches_nothing_but(principal, {schema.CAMERAS.logical_name, schema.FRAMES.logical_name})
            if principal in READ_ONLY_FUNCTIONS:
                found += self._read_only(principal, tables)
        return found

    def _no_wildcard_actions(self) -> list[str]:
        # CDK's KMS grants name action families ("kms:GenerateDataKey*") on one key; nothing else may.
        return [
            f"{g.principal} has wildcard action {g.action} on {g.resource}"
            for g in self.grants
            if "*" in g.action and not (g.action.startswith("kms:") and g.resource.startswith("key:"))
        ]

    def _star_resources_only_where_aws_requires(self) -> list[str]:
        return [
            f"{g.principal} may {g.action} on any resource"
            for g in self.grants
            if g.resource == "*" and g.action not in STAR_RESOURCE_ACTIONS
        ]

    def _touches_nothing_but(self, principal: str, allowed: set[str]) -> list[str]:
        found = []
        for action, resource in self.of(principal):
            if action.startswith("dynamodb:") and resource.startswith("table:"):
                logical = resource.removeprefix(f"table:{self.prefix}-").split("/")[0]
                if logical not in allowed:
                    found.append(f"{principal} may {action} on {resource}: ingest touches only cameras and frames")
        return found

    def _read_only(self, principal: str, tables: dict[str, schema.Table]) -> list[str]:
        found = []
        for name, table in tables.items():
            if name.removeprefix(f"table:{self.prefix}-") in READER_RECORD_TABLES:
                continue
            for action in WRITE_ACTIONS:
                if table.append_only and action == "dynamodb:PutItem":
                    continue  # recording the access is the one write a reader makes
                if self.can(principal, action, name):
                    found.append(f"{principal} is read-only but may {action} on {name}")
        for image in self.image_objects():
            if self.can(principal, "s3:PutObject", image) or self.can(principal, "s3:DeleteObject", image):
                found.append(f"{principal} is read-only but may change {image}")
        return found


def grants_by_principal(audit: PolicyAudit) -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for g in audit.grants:
        out[g.principal].add((g.action, g.resource))
    return dict(out)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
