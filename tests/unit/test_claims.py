import pytest

from alpr.claims import member_from_claims, roles_from_claims
from alpr.domain.errors import Unauthenticated
from alpr.schema import Role


@pytest.mark.parametrize(
    "groups",
    [["officer", "captain"], "officer,captain", "[officer, captain]", "officer captain"],
    ids=["list", "comma text", "API Gateway text", "space text"],
)
def test_every_shape_api_gateway_gives_cognito_groups_in(groups: object) -> None:
    assert roles_from_claims({"cognito:groups": groups}) == {Role.OFFICER, Role.CAPTAIN}


def test_groups_naming_no_role_give_no_role() -> None:
    assert roles_from_claims({"cognito:groups": "[admins, everyone]"}) == frozenset()


def test_a_caller_without_a_username_is_not_signed_in() -> None:
    with pytest.raises(Unauthenticated):
        member_from_claims({"cognito:groups": "officer"})
