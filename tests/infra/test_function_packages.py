"""Every deployed handler imports with only its own package's modules visible.

A zip function gets the Lambda Python runtime (boto3 and its dependencies) plus functions/requirements.txt;
the OCR image adds functions/ocr/requirements.txt and the model wheels (installed without their
dependencies). A module missing from those lists fails here, not on a deployed function's first call.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions

import pytest
from packaging.requirements import Requirement

from alpr import schema
from infra.core.bundling import FUNCTION_REQUIREMENTS_FILE, OCR_MODEL_WHEELS_FILE, OCR_REQUIREMENTS_FILE, requirements

# What the Lambda Python runtime itself provides.
LAMBDA_RUNTIME = ("boto3",)
FIRST_PARTY = ("alpr", "functions")

# Runs in a fresh interpreter: refuses any module outside the standard library, first-party code and the
# allowed set, then imports the handler.
PROBE = """
import importlib, importlib.machinery, sys, sysconfig
allowed = set(sys.argv[2].split(","))
standard = tuple({sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]})
def in_standard_library(top):
    spec = importlib.machinery.PathFinder.find_spec(top)
    origin = (spec.origin or "") if spec else ""
    return origin.startswith(standard) and "-packages" not in origin
class OnlyThePackage:
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in sys.stdlib_module_names or top in allowed or in_standard_library(top):
            return None
        raise ModuleNotFoundError(f"{top!r} is not in the function's package (imported as {name!r})")
sys.meta_path.insert(0, OnlyThePackage())
module, _, attribute = sys.argv[1].rpartition(".")
getattr(importlib.import_module(module), attribute)
"""


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def _modules_of_distribution() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for module, distributions in packages_distributions().items():
        for name in distributions:
            found[_normal(name)].add(module)
    return {name: frozenset(modules) for name, modules in found.items()}


def modules_of(requirement_lines: Iterable[str], with_dependencies: bool = True) -> set[str]:
    """Top-level modules of the distributions the lines name, and (by default) of everything they require."""
    modules: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [Requirement(line) for line in requirement_lines]
    while todo:
        requirement = todo.pop()
        key = (_normal(requirement.name), frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            installed = distribution(requirement.name)
        except PackageNotFoundError:
            pytest.fail(f"{requirement.name} (a function dependency) is not installed in this environment")
        modules |= _modules_of_distribution().get(key[0], frozenset())
        if not with_dependencies:
            continue
        for line in installed.requires or []:
            needed = Requirement(line)
            extras = requirement.extras or {""}
            if needed.marker is None or any(needed.marker.evaluate({"extra": extra}) for extra in extras):
                todo.append(needed)
    return modules


def visible_to(function: schema.FunctionSpec) -> set[str]:
    lines = [*LAMBDA_RUNTIME, *requirements(FUNCTION_REQUIREMENTS_FILE)]
    if function.name != "ocr":
        return modules_of(lines) | set(FIRST_PARTY)
    lines += requirements(OCR_REQUIREMENTS_FILE)
    wheels = modules_of(requirements(OCR_MODEL_WHEELS_FILE), with_dependencies=False)
    return modules_of(lines) | wheels | set(FIRST_PARTY)


@pytest.mark.parametrize("function", schema.FUNCTIONS, ids=lambda f: f.name)
def test_the_handler_imports_with_only_its_package(function: schema.FunctionSpec) -> None:
    environment = {**os.environ, "AWS_DEFAULT_REGION": "us-west-2", "POWERTOOLS_SERVICE_NAME": function.name}
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, function.handler, ",".join(sorted(visible_to(function)))],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]


def test_the_probe_refuses_a_module_outside_the_package() -> None:
    # requests is installed here but kept out of the visible set: the import must fail, or the test above
    # would prove nothing.
    visible = visible_to(schema.FUNCTIONS[0]) - {"requests"}
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, "alpr.repositories.ncric.NcricTransport", ",".join(sorted(visible))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode != 0 and "'requests' is not in the function's package" in probe.stderr
