"""Who is calling, from Cognito ID-token claims: the one parser for the claims API Gateway's Cognito authorizer
passes to a function (``functions.rest.Requests.member``) and for the token the staff page's gate verifies
itself (``StaffGate.member``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from alpr.domain.errors import Unauthenticated
from alpr.schema import Role
from alpr.services.access import DEPARTMENT, Member


def roles_from_claims(claims: Mapping[str, Any]) -> frozenset[Role]:
    """``cognito:groups``; groups that name no role are ignored."""
    groups = claims.get("cognito:groups") or []
    if isinstance(groups, str):
        # API Gateway passes a list claim as text: "[a, b]" or "a,b".
        groups = [g for g in groups.replace("[", " ").replace("]", " ").replace(",", " ").split() if g]
    return frozenset(Role(g) for g in groups if g in Role._value2member_map_)


def member_from_claims(
    claims: Mapping[str, Any] | None, trained: Callable[[str], bool] = lambda _member_id: False
) -> Member:
    """``cognito:username`` (or ``sub``), ``name``, ``custom:organization`` (else the department) and the roles
    its groups name; ``trained`` says whether the member's training is on record (policy 418.4(d)). No
    username: not signed in."""
    member_id = str((claims or {}).get("cognito:username") or (claims or {}).get("sub") or "")
    if not claims or not member_id:
        raise Unauthenticated("sign in first")
    return Member(
        member_id=member_id,
        name=str(claims.get("name") or member_id),
        organization=str(claims.get("custom:organization") or DEPARTMENT),
        roles=roles_from_claims(claims),
        trained=trained(member_id),
    )
