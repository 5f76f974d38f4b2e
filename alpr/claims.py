"""Who is calling, from the claims an API Gateway Cognito authorizer passes to a function."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alpr.domain.errors import Unauthenticated
from alpr.schema import Role
from alpr.services.holds import StaffMember


def roles_from_claims(claims: Mapping[str, Any]) -> frozenset[Role]:
    """``cognito:groups``; groups that name no role are ignored."""
    groups = claims.get("cognito:groups") or []
    if isinstance(groups, str):
        # API Gateway passes a list claim as text: "[a, b]" or "a,b".
        groups = [g for g in groups.replace("[", " ").replace("]", " ").replace(",", " ").split() if g]
    return frozenset(Role(g) for g in groups if g in Role._value2member_map_)


def staff_member(authorizer: Mapping[str, Any] | None) -> StaffMember:
    """``cognito:username`` (or ``sub``) and the roles its groups name."""
    claims = (authorizer or {}).get("claims") or {}
    member_id = claims.get("cognito:username") or claims.get("sub")
    if not member_id:
        raise Unauthenticated("sign in first")
    return StaffMember(
        member_id=str(member_id), name=str(claims.get("name") or member_id), roles=roles_from_claims(claims)
    )
