"""``cdk synth`` / ``cdk deploy`` entry point (see cdk.json)."""

from __future__ import annotations

import os

import aws_cdk as cdk

from infra.guardrails.nag import enable_nag, nag_enabled
from infra.stack import AlprStack


def build_app(app: cdk.App | None = None) -> cdk.App:
    """``-c nag=true`` (``make check-infra``) runs cdk-nag's AWS Solutions pack: any finding fails the synth."""
    app = app or cdk.App()
    if nag_enabled(app):
        enable_nag(app)
    prefix = app.node.try_get_context("prefix") or "alpr"
    AlprStack(
        app,
        "AlprStack",
        prefix=prefix,
        env=cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")),
        description="ALPR data platform (San Leandro PD Policy 418)",
    )
    return app


if __name__ == "__main__":
    build_app().synth()
