"""The resource types our template uses that moto's CloudFormation cannot create, taught to it in-process.

moto lists the types its CloudFormation creates from ``CloudFormationModel``'s direct subclasses
(``moto/cloudformation/parsing.py``: ``get_model_list`` returns ``CloudFormationModel.__subclasses__()``, cached).
Any other type is skipped with "Tried to parse X but it's not supported", and an ``Fn::GetAtt`` on a skipped
resource fails the whole stack ("references undefined resource"). ``Custom::`` resources are sent to their provider
Lambda, which moto can only run in Docker. So, before the stack is created, the rehearsal registers:

* stand-ins that really create the resource in moto's service, because a user path needs it (the Cognito user pool,
  its app client and its groups: staff log in through them);
* placeholders for every other type moto lacks (CloudWatch alarms, CloudFront, WAF, CloudTrail, API Gateway
  stages ...): nothing is created, ``Ref`` and ``Fn::GetAtt`` give a value starting ``rehearsal-skipped:``, and the
  rehearsal lists the type as skipped (so a function environment variable that points at one is caught);
* deferred models for custom resources: the submitted template renames ``Custom::X`` to ``Rehearsal::Custom::X``;
  the model keeps the properties moto resolved, and the rehearsal then does what the provider would do.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from moto.cloudformation import parsing
from moto.cognitoidp.models import cognitoidp_backends
from moto.core.common_models import CloudFormationModel
from moto.secretsmanager.models import secretsmanager_backends

SKIPPED_PREFIX = "rehearsal-skipped:"
CUSTOM_PREFIX = "Rehearsal::"


class _Recorded:
    """A resource the rehearsal handled itself: its logical id, resolved properties and physical id."""

    resource_type: ClassVar[str] = ""
    kind: ClassVar[str] = "placeholder"

    def __init__(self, logical_id: str, properties: dict[str, Any], physical_id: str) -> None:
        self.logical_id = logical_id
        self.properties = properties
        self._physical_id = physical_id

    @property
    def physical_resource_id(self) -> str:
        return self._physical_id

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return f"{self._physical_id}:{attribute_name}"

    def is_created(self) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[no-untyped-def]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs
    ) -> _Recorded:
        logical_id = kwargs["LogicalId"]
        properties = cloudformation_json.get("Properties", {})
        return cls(logical_id, properties, cls.create(logical_id, properties, account_id, region_name))

    @classmethod
    def create(cls, logical_id: str, properties: dict[str, Any], account_id: str, region_name: str) -> str:
        return f"{SKIPPED_PREFIX}{cls.resource_type}:{logical_id}"

    @classmethod
    def update_from_cloudformation_json(cls, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("the rehearsal creates stacks once")

    @classmethod
    def delete_from_cloudformation_json(cls, *args: Any, **kwargs: Any) -> None:
        return None


class _Deferred(_Recorded):
    kind = "custom"

    @classmethod
    def create(cls, logical_id: str, properties: dict[str, Any], account_id: str, region_name: str) -> str:
        return f"rehearsal-custom:{logical_id}"


class _UserPool(_Recorded):
    kind = "stand-in"
    resource_type = "AWS::Cognito::UserPool"

    @classmethod
    def create(cls, logical_id: str, properties: dict[str, Any], account_id: str, region_name: str) -> str:
        backend = cognitoidp_backends[account_id][region_name]
        config = {k: v for k, v in properties.items() if k not in ("UserPoolName", "EnabledMfas")}
        pool = backend.create_user_pool(properties.get("UserPoolName", logical_id), config)
        if "SOFTWARE_TOKEN_MFA" in properties.get("EnabledMfas", []):
            backend.set_user_pool_mfa_config(
                pool.id,
                None,  # type: ignore[arg-type]
                {"Enabled": True},
                str(properties.get("MfaConfiguration", "OFF")),
            )
        return str(pool.id)

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        # AWS::Cognito::UserPool return values (CloudFormation User Guide).
        region = self._physical_id.split("_", 1)[0]
        provider = f"cognito-idp.{region}.amazonaws.com/{self._physical_id}"
        values = {
            "UserPoolId": self._physical_id,
            "ProviderName": provider,
            "ProviderURL": f"https://{provider}",
        }
        if attribute_name == "Arn":
            return self._arn()
        return values.get(attribute_name) or super().get_cfn_attribute(attribute_name)

    def _arn(self) -> str:
        for backends in cognitoidp_backends.values():
            for backend in backends.values():
                pool = backend.user_pools.get(self._physical_id)
                if pool is not None:
                    return str(pool.arn)
        raise KeyError(self._physical_id)


class _UserPoolClient(_Recorded):
    kind = "stand-in"
    resource_type = "AWS::Cognito::UserPoolClient"

    @classmethod
    def create(cls, logical_id: str, properties: dict[str, Any], account_id: str, region_name: str) -> str:
        backend = cognitoidp_backends[account_id][region_name]
        config = {k: v for k, v in properties.items() if k not in ("UserPoolId", "GenerateSecret")}
        client = backend.create_user_pool_client(
            properties["UserPoolId"], bool(properties.get("GenerateSecret", False)), config
        )
        return str(client.id)


class _UserPoolGroup(_Recorded):
    kind = "stand-in"
    resource_type = "AWS::Cognito::UserPoolGroup"

    @classmethod
    def create(cls, logical_id: str, properties: dict[str, Any], account_id: str, region_name: str) -> str:
        backend = cognitoidp_backends[account_id][region_name]
        group = backend.create_group(
            properties["UserPoolId"],
            properties["GroupName"],
            properties.get("Description", ""),
            properties.get("RoleArn", ""),
            properties.get("Precedence", 0),
        )
        return str(group.group_name)


class _Secret(_Recorded):
    """AWS::SecretsManager::Secret: Ref returns the secret's ARN (CloudFormation User Guide), which IAM grants name."""

    kind = "stand-in"
    resource_type = "AWS::SecretsManager::Secret"

    @classmethod
    def create(cls, logical_id: str, properties: dict[str, Any], account_id: str, region_name: str) -> str:
        backend = secretsmanager_backends[account_id][region_name]
        created = backend.create_secret(
            name=properties.get("Name", logical_id),
            secret_string=properties.get("SecretString", "{}"),
            secret_binary=None,
            description=properties.get("Description", ""),
            tags=[],
            kms_key_id=None,
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
        return str(json.loads(created)["ARN"])

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self._physical_id if attribute_name in ("Id", "Arn") else super().get_cfn_attribute(attribute_name)


STAND_INS: tuple[type[_Recorded], ...] = (_UserPool, _UserPoolClient, _UserPoolGroup, _Secret)
_registered: dict[str, type] = {}


def moto_types() -> set[str]:
    """The types moto's own CloudFormation creates (before the rehearsal registers anything)."""
    return {t for t, model in parsing.get_model_map().items() if model.__name__ not in _registered}


def _register(resource_type: str, base: type[_Recorded]) -> None:
    if resource_type in _registered:
        return
    name = "Rehearsal" + "".join(ch for ch in resource_type if ch.isalnum())
    # A direct subclass of CloudFormationModel: moto only lists direct subclasses.
    model = type(
        name,
        (base, CloudFormationModel),
        {"resource_type": resource_type, "cloudformation_type": staticmethod(lambda: resource_type)},
    )
    _registered[name] = model


def teach(template: dict[str, Any]) -> dict[str, Any]:
    """Registers a model for every type in the template that moto lacks; returns the template to submit."""
    native = moto_types()
    for stand_in in STAND_INS:
        if stand_in.resource_type not in native:
            _register(stand_in.resource_type, stand_in)
    submitted = {**template, "Resources": {}}
    for logical_id, resource in template["Resources"].items():
        resource_type = resource["Type"]
        if resource_type.startswith("Custom::") or resource_type == "AWS::CloudFormation::CustomResource":
            resource = {**resource, "Type": CUSTOM_PREFIX + resource_type}
            _register(resource["Type"], _Deferred)
        elif resource_type not in native and resource_type not in {s.resource_type for s in STAND_INS}:
            _register(resource_type, _Recorded)
        submitted["Resources"][logical_id] = resource
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    return submitted


def recorded(resource: Any) -> _Recorded | None:
    return resource if isinstance(resource, _Recorded) else None
