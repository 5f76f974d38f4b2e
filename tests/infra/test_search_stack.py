"""The staff search in the CDK stack: MFA-required login, the Cognito authorizer, the page behind
CloudFront with origin access control, and an access log that no one may change or delete."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match

from alpr import schema
from infra.core.data import APPEND_ONLY_FORBIDDEN_ACTIONS

CHANGING = {
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
    "dynamodb:*",
    "*",
}


def _logical_id(template: Any, kind: str, name: str) -> str:
    [found] = [k for k, v in template.find_resources(kind).items() if v["Properties"].get("TableName") == name]
    return found


def _mentions(value: Any, logical_id: str) -> bool:
    if isinstance(value, dict):
        if value.get("Fn::GetAtt", [None])[0] == logical_id or value.get("Ref") == logical_id:
            return True
        return any(_mentions(v, logical_id) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, logical_id) for v in value)
    return False


def _statements(template: Any) -> list[dict[str, Any]]:
    statements = []
    for policy in template.find_resources("AWS::IAM::Policy").values():
        statements += policy["Properties"]["PolicyDocument"]["Statement"]
    for role in template.find_resources("AWS::IAM::Role").values():
        for inline in role["Properties"].get("Policies", []):
            statements += inline["PolicyDocument"]["Statement"]
    return statements


def test_no_policy_lets_anyone_change_or_delete_an_access_record(template: Any) -> None:
    log_table = _logical_id(template, "AWS::DynamoDB::Table", schema.ACCESS_LOG.physical_name("alpr"))
    granted: set[str] = set()
    for statement in _statements(template):
        if statement["Effect"] != "Allow":
            continue
        resources = statement.get("Resource")
        if resources == "*" or _mentions(resources, log_table):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if resources == "*":
                assert not CHANGING & set(actions), statement
            else:
                granted |= set(actions)
    assert "dynamodb:PutItem" in granted
    assert not granted & CHANGING, granted


def test_the_access_log_table_denies_changes_to_every_principal(template: Any) -> None:
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "TableName": schema.ACCESS_LOG.physical_name("alpr"),
            "ResourcePolicy": {
                "PolicyDocument": {
                    "Statement": [
                        Match.object_like(
                            {"Effect": "Deny", "Principal": "*", "Action": list(APPEND_ONLY_FORBIDDEN_ACTIONS)}
                        )
                    ]
                }
            },
        },
    )


def test_staff_login_requires_mfa_a_strong_password_and_has_a_group_per_role(template: Any) -> None:
    template.has_resource_properties(
        "AWS::Cognito::UserPool",
        {
            "MfaConfiguration": "ON",
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
            "Policies": {"PasswordPolicy": Match.object_like({"MinimumLength": 14, "RequireSymbols": True})},
        },
    )
    groups = {g["Properties"]["GroupName"] for g in template.find_resources("AWS::Cognito::UserPoolGroup").values()}
    assert groups == {r.value for r in schema.Role}


def test_every_user_pool_asks_only_the_challenges_the_staff_login_answers(template: Any) -> None:
    """alpr/services/login.py answers NEW_PASSWORD_REQUIRED, MFA_SETUP and SOFTWARE_TOKEN_MFA after
    USER_PASSWORD_AUTH: so every pool requiring MFA offers the authenticator app only (an SMS_MFA challenge
    would strand the member), and every client of it allows USER_PASSWORD_AUTH with a step session long
    enough to set up an app (AuthSessionValidity: 3 to 15 minutes, AWS::Cognito::UserPoolClient)."""
    from alpr.services.login import ANSWERED_CHALLENGES

    pools = template.find_resources("AWS::Cognito::UserPool")
    assert pools
    for name, pool in pools.items():
        properties = pool["Properties"]
        if properties.get("MfaConfiguration") in ("ON", "OPTIONAL"):
            assert properties["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"], name
            assert set(properties["EnabledMfas"]) <= set(ANSWERED_CHALLENGES), name
        policy = properties["Policies"]["PasswordPolicy"]
        assert policy["TemporaryPasswordValidityDays"] == schema.USER_POOL.temporary_password_days, name
    clients = template.find_resources("AWS::Cognito::UserPoolClient")
    assert clients
    for name, client in clients.items():
        properties = client["Properties"]
        assert "ALLOW_USER_PASSWORD_AUTH" in properties["ExplicitAuthFlows"], name
        assert properties["AuthSessionValidity"] == schema.USER_POOL.auth_session_minutes, name
        assert 3 <= properties["AuthSessionValidity"] <= 15, name


def test_search_api_uses_the_cognito_authorizer_except_for_login(template: Any) -> None:
    template.has_resource_properties("AWS::ApiGateway::Authorizer", {"Type": "COGNITO_USER_POOLS"})
    methods = template.find_resources("AWS::ApiGateway::Method")
    [search_api] = [k for k in template.find_resources("AWS::ApiGateway::RestApi") if k.startswith("StaffSearchApi")]
    any_methods = [
        m["Properties"]
        for m in methods.values()
        if m["Properties"]["HttpMethod"] == "ANY" and m["Properties"]["RestApiId"] == {"Ref": search_api}
    ]
    assert any_methods and all(m["AuthorizationType"] == "COGNITO_USER_POOLS" for m in any_methods)


def test_page_is_served_by_cloudfront_with_origin_access_control(template: Any) -> None:
    template.resource_count_is("AWS::CloudFront::OriginAccessControl", 1)
    template.has_resource_properties(
        "AWS::CloudFront::Distribution",
        {"DistributionConfig": Match.object_like({"DefaultRootObject": "index.html"})},
    )


def test_search_function_reads_but_never_writes_reads(template: Any) -> None:
    reads = _logical_id(template, "AWS::DynamoDB::Table", schema.READS.physical_name("alpr"))
    functions = template.find_resources("AWS::Lambda::Function", {"Properties": {"FunctionName": "alpr-search"}})
    [function] = functions.values()
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = [
        p for p in template.find_resources("AWS::IAM::Policy").values() if _mentions(p["Properties"]["Roles"], role)
    ]
    actions = set()
    for policy in policies:
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if _mentions(statement.get("Resource"), reads):
                actions |= set(statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
    # BatchGetItem: the search-only indexes project only the filter attributes; the kept reads are fetched by key.
    assert actions == {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"}


def test_every_staff_route_sits_behind_the_cognito_authorizer(template: Any) -> None:
    from infra.features.staff import STAFF_ROUTES

    [search_api] = [k for k in template.find_resources("AWS::ApiGateway::RestApi") if k.startswith("StaffSearchApi")]
    resources = template.find_resources("AWS::ApiGateway::Resource")
    paths = {
        r["Properties"]["PathPart"] for r in resources.values() if r["Properties"]["RestApiId"] == {"Ref": search_api}
    }
    assert {p for _, ps in STAFF_ROUTES for p in ps} <= paths
    methods = [
        m["Properties"]
        for m in template.find_resources("AWS::ApiGateway::Method").values()
        if m["Properties"]["RestApiId"] == {"Ref": search_api} and m["Properties"]["HttpMethod"] == "ANY"
    ]
    assert len(methods) == 1 + 2 * sum(len(p) for _, p in STAFF_ROUTES) + 1  # + the signed-in /share/
    assert all(m["AuthorizationType"] == "COGNITO_USER_POOLS" for m in methods)


def test_the_page_reaches_the_staff_routes_through_cloudfront(template: Any) -> None:
    [distribution] = template.find_resources("AWS::CloudFront::Distribution").values()
    behaviors = distribution["Properties"]["DistributionConfig"]["CacheBehaviors"]
    assert {b["PathPattern"] for b in behaviors} == {"/api/*", "/v1/*"}
    assert all(b["ViewerProtocolPolicy"] == "https-only" for b in behaviors)
