"""IAM enforcement in the embedded AWS, so that a grant the template lacks fails the rehearsal as it fails in AWS.

What moto enforces by itself (``moto/core/authorization.py``, ``moto/iam/access_control.py``, moto 5.2):

* Once ``settings.INITIAL_NO_AUTH_ACTION_COUNT`` requests have passed (``set_initial_no_auth_action_count``), every
  request is authenticated (SigV4 signature of an IAM user's key or of an ``sts:AssumeRole`` session) and its
  action is checked against the caller's identity policies: inline and attached, of the user or of the assumed role.
  This covers every service whose responses go through ``BaseResponse.call_action`` (DynamoDB, Streams, SQS, SNS,
  SSM, KMS, Cognito, Lambda ...) plus S3's own check.
* The ``Resource`` element is compared only where the service names the request's resource: S3 (bucket and key
  ARNs), SQS (``_determine_resource``: the queue ARN), IAM and STS. Everywhere else moto checks against ``*``, which
  a statement scoped to a table ARN never matches, so every scoped grant would be refused.
* Resource-based policies (bucket, queue, topic and KMS key policies) are not evaluated; neither is the KMS key use
  that SSE-KMS implies (S3, DynamoDB and SQS never call KMS as the caller). Conditions are only evaluated against the
  values a request passes in, and a statement whose condition does not hold is answered "denied" instead of "does
  not apply". Cognito's ``InitiateAuth`` and a few other public operations skip the check, as in AWS; the rehearsal
  adds the login's other session-authorized operations (``RespondToAuthChallenge``, ``AssociateSoftwareToken``,
  ``VerifySoftwareToken``), which moto would refuse with a 500.

What the rehearsal adds, in-process (the server runs in this process):

* SQS batch actions checked as the single action they batch;
* the request's resource ARN for DynamoDB and Streams (table, index, stream), SNS (topic), SSM (parameter),
  KMS (key), Cognito (user pool), Lambda (function) and Secrets Manager (secret), after the AWS Service
  Authorization Reference; SQS's GetQueueUrl on the queue it names;
* DynamoDB's transactions checked as the actions they are made of (``TransactWriteItems`` needs ``PutItem``,
  ``UpdateItem``, ``DeleteItem`` or ``ConditionCheckItem`` on each table: DynamoDB developer guide, "Using IAM with
  DynamoDB transactions");
* S3's DeleteObjects checked per object (moto checks the bucket); HeadObject as s3:GetObject and a versioned
  read as s3:GetObjectVersion (moto checks "s3:HeadObject", which IAM does not have); ListObjectsV2 as s3:ListBucket
  and ListObjectVersions as s3:ListBucketVersions; a presigned POST as s3:PutObject of its signer;
* an ``Allow`` whose condition does not hold does not apply (instead of denying), and ``s3:prefix`` is passed in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.access_control import IAMPolicyStatement, IAMRequest, IAMRequestBase, PermissionResult

Check = tuple[str | None, str]  # (IAM action without the service prefix, or None for the request's own; resource)

_TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def _arn(response: Any, service: str, resource: str) -> str:
    return f"arn:aws:{service}:{response.region}:{response.current_account}:{resource}"


def _json_body(response: Any) -> dict[str, Any]:
    """The request's parameters: moto has parsed them already for some services (DynamoDB sets ``body`` to them)."""
    for parsed in (getattr(response, "params", None), response.body):
        if isinstance(parsed, dict) and parsed:
            return parsed
    try:
        body = json.loads(response.body or "{}")
    except (TypeError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def _table(response: Any, name: str, index: str | None = None) -> str:
    table = name if name.startswith("arn:") else _arn(response, "dynamodb", f"table/{name}")
    return f"{table}/index/{index}" if index else table


def dynamodb_checks(response: Any) -> list[Check]:
    body = _json_body(response)
    action = response._get_action()
    if action in ("TransactWriteItems", "TransactGetItems"):
        checks: list[Check] = []
        for item in body.get("TransactItems", []):
            for kind, operation in item.items():
                checks.append((_TRANSACT_ACTIONS.get(kind, "GetItem"), _table(response, operation["TableName"])))
        return checks
    if "RequestItems" in body:
        return [(None, _table(response, name)) for name in body["RequestItems"]]
    if "TableName" in body:
        return [(None, _table(response, body["TableName"], body.get("IndexName")))]
    return [(None, "*")]


def streams_checks(response: Any) -> list[Check]:
    body = _json_body(response)
    if "StreamArn" in body:
        return [(None, body["StreamArn"])]
    iterator = str(body.get("ShardIterator", ""))
    if iterator.startswith("arn:"):
        return [(None, iterator.split("|", 1)[0])]
    return [(None, "*")]


def _param(response: Any, name: str) -> str:
    value = response._get_param(name)
    if value is None:
        value = _json_body(response).get(name)
    return str(value) if value is not None else ""


# "The permissions for a batch action are the same as for the single action" (Amazon SQS developer guide,
# "Amazon SQS API permissions: Actions and resource reference"); moto checks the batch action's own name.
_SQS_BATCH_ACTIONS = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}


def sqs_checks(response: Any) -> list[Check]:
    action = response._get_action()
    if action == "GetQueueUrl":
        # Authorized on the queue it names (Service Authorization Reference, Amazon SQS: GetQueueUrl, resource
        # "queue"); moto checks it against "*", which a grant scoped to the queue never matches.
        return [(None, _arn(response, "sqs", _param(response, "QueueName")))]
    return [(_SQS_BATCH_ACTIONS.get(action), response._determine_resource())]


def sns_checks(response: Any) -> list[Check]:
    return [(None, _param(response, "TopicArn") or _param(response, "TargetArn") or "*")]


def ssm_checks(response: Any) -> list[Check]:
    body = _json_body(response)
    names = body.get("Names") or ([body["Name"]] if "Name" in body else [])
    if not names:
        return [(None, "*")]
    return [(None, _arn(response, "ssm", "parameter/" + str(n).lstrip("/"))) for n in names]


def kms_checks(response: Any) -> list[Check]:
    key = str(_json_body(response).get("KeyId", ""))
    if not key:
        return [(None, "*")]
    return [(None, key if key.startswith("arn:") else _arn(response, "kms", f"key/{key}"))]


def cognito_checks(response: Any) -> list[Check]:
    pool = str(_json_body(response).get("UserPoolId", ""))
    return [(None, _arn(response, "cognito-idp", f"userpool/{pool}") if pool else "*")]


def lambda_checks(response: Any) -> list[Check]:
    parts = [unquote(p) for p in response.path.split("/")]
    if "functions" in parts and len(parts) > parts.index("functions") + 1:
        name = parts[parts.index("functions") + 1]
        return [(None, name if name.startswith("arn:") else _arn(response, "lambda", f"function:{name}"))]
    return [(None, "*")]


def secretsmanager_checks(response: Any) -> list[Check]:
    """On the secret's ARN (names end in a random six-character suffix there, which grants name)."""
    from moto.secretsmanager.models import secretsmanager_backends

    secret_id = _param(response, "SecretId")
    if not secret_id:
        return [(None, "*")]
    if secret_id.startswith("arn:"):
        return [(None, secret_id)]
    backend = secretsmanager_backends[response.current_account][response.region]
    secret = backend.secrets.get(secret_id) if secret_id in backend.secrets else None
    return [(None, str(secret.arn) if secret is not None else _arn(response, "secretsmanager", f"secret:{secret_id}"))]


def _response_classes() -> dict[type, Callable[[Any], list[Check]]]:
    from moto.awslambda.responses import LambdaResponse
    from moto.cognitoidp.responses import CognitoIdpResponse
    from moto.dynamodb.responses import DynamoHandler
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
    from moto.kms.responses import KmsResponse
    from moto.secretsmanager.responses import SecretsManagerResponse
    from moto.sns.responses import SNSResponse
    from moto.sqs.responses import SQSResponse
    from moto.ssm.responses import SimpleSystemManagerResponse

    return {
        DynamoHandler: dynamodb_checks,
        DynamoDBStreamsHandler: streams_checks,
        SQSResponse: sqs_checks,
        SNSResponse: sns_checks,
        SimpleSystemManagerResponse: ssm_checks,
        KmsResponse: kms_checks,
        CognitoIdpResponse: cognito_checks,
        LambdaResponse: lambda_checks,
        SecretsManagerResponse: secretsmanager_checks,
    }


def _request_for(action: str | None, request: type[IAMRequestBase] = IAMRequest) -> Callable[..., IAMRequestBase]:
    """moto builds the request with ``action=`` the operation's name; this one checks ``action`` instead."""

    def build(**kwargs: Any) -> IAMRequestBase:
        if action is not None:
            kwargs["action"] = action
        return request(**kwargs)

    return build


def _with_resources(checks: Callable[[Any], list[Check]]) -> Callable[..., None]:
    def authorize(self: Any, resource: str = "*") -> None:
        for action, resource_arn in checks(self):
            self._authenticate_and_authorize_action(_request_for(action), resource_arn)

    return authorize


def _condition_values(request: IAMRequestBase) -> dict[str, str]:
    values: dict[str, str] = {}
    prefix = request._data.get("prefix") if isinstance(request._data, dict) else None
    if prefix:
        values["s3:prefix"] = prefix[0] if isinstance(prefix, list) else str(prefix)
    return values


# Every refusal since the server started: (caller ARN, action, resource). A refusal in the rehearsal is a grant
# the template lacks, whether or not the handler that met it carried on.
DENIALS: list[tuple[str, str, str]] = []


def _deny(request: IAMRequestBase, resource: str) -> None:
    DENIALS.append((str(request._access_key.arn), request._action, resource))
    request._raise_access_denied()


def _check_action_permitted(self: IAMRequestBase, resource: str) -> None:
    """moto's ``check_action_permitted``, except that an Allow whose condition does not hold does not apply."""
    if self._action == "sts:GetCallerIdentity":
        return
    from moto.iam.access_control import IAMPolicy

    conditions = _condition_values(self)
    permitted = False
    for policy in self._access_key.collect_policies():
        document = IAMPolicy(policy)._policy_json
        statements = document["Statement"]
        for statement in statements if isinstance(statements, list) else [statements]:
            result = IAMPolicyStatement(statement).is_action_permitted(self._action, resource, None, conditions)
            if result == PermissionResult.DENIED and statement.get("Effect") == "Allow":
                continue  # the Allow's condition did not hold
            if result == PermissionResult.DENIED:
                _deny(self, resource)
            permitted = permitted or result == PermissionResult.PERMITTED
    if not permitted:
        _deny(self, resource)


def _s3_delete_objects_checks(response: Any, bucket: str) -> list[tuple[str, str]]:
    """DeleteObjects is authorized per object: s3:DeleteObject, or s3:DeleteObjectVersion with a version id, on
    each key (Amazon S3 API reference, DeleteObjects). moto checks s3:DeleteObject on the bucket's ARN instead."""
    import xml.etree.ElementTree as ElementTree

    checks = []
    root = ElementTree.fromstring(response.body)
    for node in root.iter():
        if node.tag.rsplit("}", 1)[-1] != "Object":
            continue
        fields = {child.tag.rsplit("}", 1)[-1]: (child.text or "") for child in node}
        action = "DeleteObjectVersion" if fields.get("VersionId") else "DeleteObject"
        checks.append((action, f"arn:aws:s3:::{bucket}/{fields.get('Key', '')}"))
    return checks


def _s3_object_read_action(response: Any) -> str | None:
    """The IAM action of a HEAD or GET on an object: "To use HEAD, you must have the s3:GetObject permission";
    with a versionId, s3:GetObjectVersion instead (Amazon S3 API reference, HeadObject and GetObject). moto 5.2
    checks the operation's own name (s3:HeadObject, an action IAM does not have) and ignores the version."""
    query = parse_qs(urlparse(response.uri).query, keep_blank_values=True)
    if response.method not in ("HEAD", "GET") or set(query) - {"versionId", "x-id"}:
        return None  # a subresource (?tagging, ?legal-hold, ?retention ...) has an action of its own
    return "GetObjectVersion" if "versionId" in query else "GetObject"


def _presigned_post(response: Any, bucket: str) -> None:
    """A browser's POST with a presigned policy carries no Authorization header (moto fails it with a 500): S3
    authorizes it as s3:PutObject of the key by whoever signed the policy (Amazon S3 API reference, "Browser-based
    uploads using POST"). Checked here against the signer's policies; the policy document's own conditions
    (size, key) are not checked by moto, nor here."""
    from types import SimpleNamespace

    from moto.iam.access_control import create_access_key

    form = response.form_data  # the form's fields (werkzeug's MultiDict: one value each)
    # SigV4 names the signer's key in x-amz-credential (<key>/<date>/<region>/s3/aws4_request), SigV2 in AWSAccessKeyId.
    access_key_id = str(form.get("x-amz-credential") or form.get("AWSAccessKeyId")).split("/", 1)[0]
    token = form.get("x-amz-security-token")
    key = create_access_key(
        account_id=response.current_account,
        partition="aws",
        access_key_id=access_key_id,
        headers={"X-Amz-Security-Token": token} if token else {},
    )

    def refuse() -> None:
        raise PermissionError(f"{key.arn} may not s3:PutObject with a presigned POST")

    request = SimpleNamespace(_access_key=key, _action="s3:PutObject", _data={}, _raise_access_denied=refuse)
    _check_action_permitted(request, f"arn:aws:s3:::{bucket}/{form.get('key')}")  # type: ignore[arg-type]


# Bucket operations whose IAM action is not the operation's name (Service Authorization Reference, Amazon S3;
# moto 5.2 checks the name): listing a bucket's objects is s3:ListBucket, its versions s3:ListBucketVersions.
_S3_BUCKET_ACTIONS = {
    "ListObjectsV2": "ListBucket",
    "ListObjects": "ListBucket",
    "HeadBucket": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
}


def _s3_authorize(original: Callable[..., None]) -> Callable[..., None]:
    def authorize(self: Any, bucket_name: str | None = None, key_name: str | None = None) -> None:
        renamed = _S3_BUCKET_ACTIONS.get(self._get_action()) if bucket_name and key_name is None else None
        if renamed is not None:
            from moto.iam.access_control import S3IAMRequest

            self._authenticate_and_authorize_action(_request_for(renamed, S3IAMRequest), f"arn:aws:s3:::{bucket_name}")
            return
        form = getattr(self, "form_data", None) or {}
        if bucket_name and key_name is None and self.method == "POST" and "policy" in form:
            _presigned_post(self, bucket_name)
            return
        read = _s3_object_read_action(self) if bucket_name and key_name else None
        if read is not None:
            from moto.iam.access_control import S3IAMRequest

            resource = f"arn:aws:s3:::{bucket_name}/{key_name}"
            self._authenticate_and_authorize_action(_request_for(read, S3IAMRequest), resource)
            return
        if bucket_name and key_name is None and self.data.get("Action") == "DeleteObject" and self.is_delete_keys():
            from moto.iam.access_control import S3IAMRequest

            for action, resource in _s3_delete_objects_checks(self, bucket_name):
                self._authenticate_and_authorize_action(_request_for(action, S3IAMRequest), resource)
            return
        original(self, bucket_name=bucket_name, key_name=key_name)

    return authorize


_installed = False


# "Amazon Cognito doesn't evaluate IAM policies in requests for this API operation" (Amazon Cognito user pools API
# reference, RespondToAuthChallenge, AssociateSoftwareToken and VerifySoftwareToken; "Using the Amazon Cognito user
# pools API and user pool endpoints"): the login answers its challenges with the session, not with credentials.
# moto's PUBLIC_OPERATIONS lists InitiateAuth but not these three, and fails them (500) for want of a signature.
_COGNITO_UNAUTHENTICATED = tuple(
    f"AWSCognitoIdentityProviderService.{operation}"
    for operation in ("RespondToAuthChallenge", "AssociateSoftwareToken", "VerifySoftwareToken")
)


def install_resource_checks() -> None:
    global _installed
    if _installed:
        return
    ActionAuthenticatorMixin.PUBLIC_OPERATIONS = [
        *ActionAuthenticatorMixin.PUBLIC_OPERATIONS,
        *(o for o in _COGNITO_UNAUTHENTICATED if o not in ActionAuthenticatorMixin.PUBLIC_OPERATIONS),
    ]
    for response_class, checks in _response_classes().items():
        response_class._authenticate_and_authorize_normal_action = _with_resources(checks)  # type: ignore[attr-defined]
    IAMRequestBase.check_action_permitted = _check_action_permitted  # type: ignore[method-assign]
    from moto.s3.responses import S3Response

    S3Response._authenticate_and_authorize_s3_action = _s3_authorize(  # type: ignore[method-assign]
        S3Response._authenticate_and_authorize_s3_action
    )
    _installed = True


@contextmanager
def enforced() -> Iterator[None]:
    """Every request from here on is authenticated and authorized (moto's INITIAL_NO_AUTH_ACTION_COUNT = 0)."""
    install_resource_checks()
    previous = settings.INITIAL_NO_AUTH_ACTION_COUNT
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    ActionAuthenticatorMixin.request_count = 0
    try:
        yield
    finally:
        settings.INITIAL_NO_AUTH_ACTION_COUNT = previous


OPERATOR = "rehearsal-operator"
_ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def operator_credentials(iam: Any) -> dict[str, str]:
    """The administrator who deploys: an IAM user allowed everything (seeding, checking what the handlers wrote)."""
    iam.create_user(UserName=OPERATOR)
    iam.put_user_policy(UserName=OPERATOR, PolicyName="administrator", PolicyDocument=json.dumps(_ADMIN))
    key = iam.create_access_key(UserName=OPERATOR)["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def trusts_lambda(role: dict[str, Any]) -> bool:
    """Whether the role's trust policy lets the Lambda service assume it (what the function's execution needs)."""
    document = role["AssumeRolePolicyDocument"]
    if isinstance(document, str):
        document = json.loads(unquote(document))
    for statement in document.get("Statement", []):
        services = statement.get("Principal", {}).get("Service", [])
        services = [services] if isinstance(services, str) else services
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if statement.get("Effect") == "Allow" and "lambda.amazonaws.com" in services and "sts:AssumeRole" in actions:
            return True
    return False


def role_credentials(sts: Any, role_arn: str, session_name: str) -> dict[str, str]:
    """What Lambda gives a function: a session of its execution role (moto's assumed-role keys start ASIA)."""
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name[:64])["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["SessionToken"],
    }
