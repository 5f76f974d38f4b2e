"""Local bundling for the light functions: no Docker engine needed, just pip for Lambda's platform."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii

REPO_ROOT = Path(__file__).resolve().parent.parent
# What every zip-packaged function needs beyond the Lambda Python runtime (boto3 ships with it).
LIGHT_REQUIREMENTS = (
    "aws-lambda-powertools>=3,<4",
    "pydantic>=2.6,<3",
    "pyjwt[crypto]>=2.8,<3",
    "pillow>=10,<13",
    "numpy>=1.26,<3",  # the hotlist matcher maps its snapshots with numpy
)
LAMBDA_PYTHON = "3.12"


@jsii.implements(cdk.ILocalBundling)
class PipLocalBundling:
    def try_bundle(self, output_dir: str, *, image: Any, **_: Any) -> bool:
        out = Path(output_dir)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--target",
                str(out),
                "--platform",
                "manylinux2014_x86_64",
                "--implementation",
                "cp",
                "--python-version",
                LAMBDA_PYTHON,
                "--only-binary=:all:",
                *LIGHT_REQUIREMENTS,
            ],
            check=True,
        )
        for package in ("alpr", "functions"):
            shutil.copytree(
                REPO_ROOT / package,
                out / package,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "ocr", "local", "web"),
            )
        return True


def light_function_code() -> Any:
    from aws_cdk import aws_lambda as lambda_

    return lambda_.Code.from_asset(
        str(REPO_ROOT),
        exclude=["*", "!alpr/**", "!functions/**"],
        bundling=cdk.BundlingOptions(
            image=lambda_.Runtime.PYTHON_3_12.bundling_image,
            local=PipLocalBundling(),
            command=["bash", "-c", "echo local bundling only && exit 1"],
        ),
    )
