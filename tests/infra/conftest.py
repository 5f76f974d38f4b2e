from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def template():  # type: ignore[no-untyped-def]
    """The stack synthesized once per session, without bundling and without cdk-nag (see test_nag)."""
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from infra.stack import AlprStack

    app = cdk.App(context={"aws:cdk:bundling-stacks": []})
    stack = AlprStack(app, "TestStack", prefix="alpr")
    return Template.from_stack(stack)
