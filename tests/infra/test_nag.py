"""cdk-nag (AWS Solutions) and cfn-lint on the synthesized app, as ``make check-infra`` runs them.

The template tests build the stack without cdk-nag (with it on, any finding stops the synth); these tests
build it with the plugin, the way ``cdk synth -c nag=true`` does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.core.bundling import REPO_ROOT


def nagged_synth(outdir: Path, change: Callable[[Any], None] | None = None) -> Path:
    """Synthesizes the app as ``cdk synth -c nag=true`` does (cdk.json context, bundling skipped)."""
    import aws_cdk as cdk

    from infra.app import build_app

    context = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    # As a deployer outside us-east-1 does: name the CLOUDFRONT-scope web ACL made there (infra.guardrails.waf).
    web_acl = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/alpr-page/00000000-0000-0000-0000-000000000000"
    context = {**context, "nag": "true", "aws:cdk:bundling-stacks": [], "cloudfront_web_acl_arn": web_acl}
    app = cdk.App(outdir=str(outdir), context=context)
    build_app(app)
    if change is not None:
        change(app.node.find_child("AlprStack"))
    app.synth()
    return outdir / "AlprStack.template.json"


@pytest.fixture(scope="module")
def nagged_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return nagged_synth(tmp_path_factory.mktemp("nag"))


def test_the_app_has_no_unacknowledged_cdk_nag_finding(nagged_template: Path) -> None:
    assert "AWS::CloudTrail::Trail" in nagged_template.read_text()


def test_a_new_finding_fails_the_synth(tmp_path: Path) -> None:
    from aws_cdk import aws_s3 as s3

    def add_careless_bucket(stack: Any) -> None:
        s3.Bucket(stack, "CarelessBucket", block_public_access=s3.BlockPublicAccess.BLOCK_ALL)  # no TLS-only policy

    with pytest.raises(Exception, match="ValidationFailed") as failure:
        nagged_synth(tmp_path, add_careless_bucket)
    report = json.loads(next(tmp_path.glob("**/*validation-report.json")).read_text())
    rules = {v["ruleName"] for p in report["pluginReports"] for v in p["violations"]}
    assert "AwsSolutions-S10" in rules, failure.value


def test_cfn_lint_finds_nothing(nagged_template: Path) -> None:
    # W3005 (a DependsOn that a Ref already implies) is how CDK writes templates.
    lint = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--ignore-checks", "W3005", "--", str(nagged_template)],
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
