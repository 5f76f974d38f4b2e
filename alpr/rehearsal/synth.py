"""The template ``cdk synth`` gives, built in-process from the CDK app (``cdk.json`` runs ``infra.app``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def synthesize(prefix: str | None = None) -> dict[str, Any]:
    """The app's one stack, without asset bundling (the rehearsal runs handlers from this checkout) and with asset
    metadata on, so a container function's template names the Dockerfile its image is built from."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    import aws_cdk as cdk

    from infra.app import build_app

    context: dict[str, Any] = {"aws:cdk:bundling-stacks": [], "aws:cdk:enable-asset-metadata": True}
    if prefix:
        context["prefix"] = prefix
    app = build_app(cdk.App(context=context))
    stacks = app.synth().stacks
    if len(stacks) != 1:
        raise RuntimeError(f"the app has {len(stacks)} stacks; the rehearsal deploys one")
    return dict(stacks[0].template)


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data
