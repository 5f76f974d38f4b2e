"""The template's REST APIs as API Gateway routes them: resource paths, methods, their Lambda proxy integration and
their authorizer, so a request reaches the function the template wires it to, as the event API Gateway sends."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from alpr.local.apigateway import proxy_event
from alpr.rehearsal.deploy import Deployment


@dataclass(frozen=True)
class ApiRoute:
    api: str  # the RestApi's logical id
    method: str
    path: str  # "/v1/frames", "/api/{proxy+}"
    function_logical_id: str
    authorization: str  # NONE, COGNITO_USER_POOLS, ...

    def matches(self, method: str, path: str) -> bool:
        if self.method not in ("ANY", method):
            return False
        own = [p for p in self.path.split("/") if p]
        asked = [p for p in path.split("?")[0].split("/") if p]
        for position, part in enumerate(own):
            if part.endswith("+}"):
                return len(asked) > position
            if position >= len(asked):
                return False
            if not (part.startswith("{") or part == asked[position]):
                return False
        return len(own) == len(asked)


def _function_of(integration: dict[str, Any]) -> str | None:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            attribute = node.get("Fn::GetAtt")
            if isinstance(attribute, list) and attribute[1] == "Arn":
                found.append(attribute[0])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    if integration.get("Type") != "AWS_PROXY":
        return None
    walk(integration.get("Uri"))
    return found[0] if found else None


def routes(deployment: Deployment) -> list[ApiRoute]:
    resources = deployment.of_type("AWS::ApiGateway::Resource")

    def path_of(reference: Any) -> str:
        if isinstance(reference, dict) and "Fn::GetAtt" in reference:  # the API's root resource
            return ""
        logical_id = reference["Ref"]
        properties = resources[logical_id]["Properties"]
        return f"{path_of(properties['ParentId'])}/{properties['PathPart']}"

    found = []
    for method in deployment.of_type("AWS::ApiGateway::Method").values():
        properties = method["Properties"]
        function = _function_of(properties.get("Integration", {}))
        if function is None:
            continue
        found.append(
            ApiRoute(
                api=properties["RestApiId"]["Ref"],
                method=properties["HttpMethod"],
                path=path_of(properties["ResourceId"]) or "/",
                function_logical_id=function,
                authorization=properties.get("AuthorizationType", "NONE"),
            )
        )
    # API Gateway prefers the most specific path: literal parts before {param} and {proxy+}.
    return sorted(found, key=lambda r: (r.path.count("{"), -len(r.path)))


@dataclass
class ApiClient:
    """Sends requests as API Gateway would deliver them to the integrated function."""

    deployment: Deployment
    host: Any  # FunctionHost
    verify_token: Any  # token -> claims, for COGNITO_USER_POOLS methods

    def __post_init__(self) -> None:
        self.routes = routes(self.deployment)

    def route(self, method: str, path: str, public: bool | None = None) -> ApiRoute:
        """The same path can be on two APIs (``/share/...``: the staff API behind the staff pool, the sharing API
        for outside agencies): ``public`` True takes only a method without a Cognito authorizer, False only one
        with it, None the first that matches."""
        for route in self.routes:
            staff = route.authorization == "COGNITO_USER_POOLS"
            if route.matches(method, path) and (public is None or public != staff):
                return route
        raise LookupError(f"no API in the template routes {method} {path}")

    def call(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b"", public: bool | None = None
    ) -> dict[str, Any]:
        from alpr.local.apigateway import cognito_authorizer

        route = self.route(method, path, public)
        lowered = {k.lower(): v for k, v in headers.items()}
        event = proxy_event(method, path, lowered, body, "198.51.100.7")
        event["resource"] = route.path
        event["requestContext"]["resourcePath"] = route.path
        if route.authorization == "COGNITO_USER_POOLS":
            claims = cognito_authorizer(self.verify_token)(lowered.get("authorization"))
            if claims is None:
                return {"statusCode": 401, "body": json.dumps({"message": "Unauthorized"})}
            event["requestContext"]["authorizer"] = {"claims": claims}
        function = self.deployment.physical_id(route.function_logical_id)
        result: dict[str, Any] = self.host.invoke(function, event, trigger=f"{method} {route.path}")
        return result
