"""Local bundling for the light functions: no Docker engine needed, just pip for Lambda's platform."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii

REPO_ROOT = Path(__file__).resolve().parents[2]


def requirements(path: Path) -> tuple[str, ...]:
    """The requirement lines of a requirements file (comments and blank lines dropped)."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return tuple(line for line in lines if line)


# What every function needs beyond the Lambda Python runtime (boto3 ships with it); the OCR image adds its own.
FUNCTION_REQUIREMENTS_FILE = REPO_ROOT / "functions" / "requirements.txt"
OCR_REQUIREMENTS_FILE = REPO_ROOT / "functions" / "ocr" / "requirements.txt"
OCR_MODEL_WHEELS_FILE = REPO_ROOT / "functions" / "ocr" / "model-wheels.txt"
LIGHT_REQUIREMENTS = requirements(FUNCTION_REQUIREMENTS_FILE)
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
        exclude=["*", "!alpr/**", "!functions/**", "alpr/ocr/models/.unpacked"],
        bundling=cdk.BundlingOptions(
            image=lambda_.Runtime.PYTHON_3_12.bundling_image,
            local=PipLocalBundling(),
            command=["bash", "-c", "echo local bundling only && exit 1"],
        ),
    )
