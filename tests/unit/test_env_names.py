"""Every environment variable the platform reads is named once, in ``alpr/schema.py`` (``Env`` for what a
deployed function reads, ``OperatorEnv`` for an operator's machine): a name written as a literal anywhere else
would drift from what the CDK stack and the local stack set. A function reads its variables through one model,
``alpr.config.Settings``, which the CDK stack and the local stack also write them from."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from alpr import schema
from alpr.config import Settings

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"^ALPR_[A-Z][A-Z0-9_]*$")


def literal_names(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and NAME.match(node.value):
            found.append((node.lineno, node.value))
        if isinstance(node, ast.JoinedStr) and node.values:
            head = node.values[0]
            if isinstance(head, ast.Constant) and str(head.value).startswith("ALPR_") and len(str(head.value)) > 5:
                found.append((node.lineno, f"{head.value}..."))
    return found


def test_no_variable_name_is_written_outside_the_schema() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for folder in ("alpr", "functions", "infra")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != ROOT / "alpr" / "schema.py"
        for line, name in literal_names(path)
    ]
    assert not offenders, "name these through alpr.schema.Env / OperatorEnv:\n" + "\n".join(offenders)


def test_the_check_finds_a_literal_name_and_an_f_string(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text('import os\nos.environ.get("ALPR_SOMETHING")\nx = f"ALPR_DAYS_{1}"\n')
    assert {"ALPR_SOMETHING", "ALPR_DAYS_..."} <= {name for _, name in literal_names(probe)}


def test_no_name_is_declared_twice() -> None:
    names = [e.value for e in schema.Env] + [e.value for e in schema.OperatorEnv]
    assert len(names) == len(set(names))
    assert not {e.value for e in schema.OperatorEnv} & {e.value for e in schema.Env}


def test_every_setting_is_read_from_one_declared_variable() -> None:
    """Each field of the settings model is one ``Env`` member, and every ``Env`` member is one field (or one of
    Powertools' own): a variable no model reads, or a field no variable sets, fails here."""
    variables = {name: Settings.variable(name) for name in Settings.model_fields}
    assert len(set(variables.values())) == len(variables), "two settings read the same variable"
    read_by_powertools = {e for e in schema.Env if e.name.startswith("POWERTOOLS_")}
    assert set(variables.values()) | read_by_powertools == set(schema.Env)


def test_every_function_is_deployed_with_declared_variables_that_parse() -> None:
    """What a function is deployed with (schema.function_environment) is declared in Env; its fixed values read
    back through the model; a variable it needs from the stack is set by Functions.provide
    (tests/infra/test_template.py holds the template to exactly these)."""
    for spec in schema.FUNCTIONS:
        environment = schema.function_environment(spec)
        assert schema.EVERY_FUNCTION_ENV <= environment <= set(schema.Env), spec.name
        fixed = Settings.from_env({variable.value: value for variable, value in spec.environment.items()})
        assert fixed.environment().keys() == {variable.value for variable in spec.environment}, spec.name
    needs = {variable for spec in schema.FUNCTIONS for variable in spec.needs}
    assert needs == {schema.Env.USER_POOL_ID, schema.Env.USER_POOL_CLIENT_ID, schema.Env.PURGE_FUNCTION}
    assert not needs & schema.EVERY_FUNCTION_ENV


def test_the_environment_a_model_gives_reads_back_to_the_same_model() -> None:
    given = Settings(
        prefix="p", images_bucket="b", alerts_topic_arn="arn", hotlist_refresh_s=0, audit_retention_days=800
    )
    environment = given.environment()
    assert environment == {
        "ALPR_PREFIX": "p",
        "ALPR_IMAGES_BUCKET": "b",
        "ALPR_ALERTS_TOPIC_ARN": "arn",
        "ALPR_HOTLIST_REFRESH_S": "0.0",
        "ALPR_AUDIT_RETENTION_DAYS": "800",
    }
    assert Settings.from_env(environment) == given
    assert given.environment(["prefix", "time_zone"]) == {
        "ALPR_PREFIX": "p",
        "ALPR_TIME_ZONE": schema.DEPARTMENT_TIME_ZONE,
    }


def test_unset_and_empty_variables_keep_the_defaults() -> None:
    settings = Settings.from_env({"ALPR_PREFIX": "dept", "ALPR_HOTLIST_REFRESH_S": "", "ALPR_AUDIT_RETENTION_DAYS": ""})
    assert settings.prefix == "dept"
    assert settings.images_bucket == f"dept-{schema.IMAGES_BUCKET_LOGICAL}"
    assert settings.hotlist_refresh_s == 30.0
    assert settings.audit_retention_days is None
    assert settings.time_zone == schema.DEPARTMENT_TIME_ZONE
    assert Settings.from_env({}).prefix == "alpr"


def test_a_bad_value_is_refused_naming_its_variable() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings.from_env({"ALPR_PREFIX": "p", "ALPR_HOTLIST_REFRESH_S": "soon", "ALPR_AUDIT_SAMPLE_SIZE": "5.5"})
    assert {error["loc"] for error in refused.value.errors()} == {
        ("ALPR_HOTLIST_REFRESH_S",),
        ("ALPR_AUDIT_SAMPLE_SIZE",),
    }
    assert "ALPR_HOTLIST_REFRESH_S" in str(refused.value) and "'soon'" in str(refused.value)
    assert isinstance(refused.value, ValueError)  # what int() and float() raised before


def test_settings_built_with_values_do_not_read_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The local stack and the tests build their settings from values: whatever a function's environment left
    in os.environ stays out of them. from_env() reads it."""
    monkeypatch.setenv("ALPR_TRANSPARENCY_CACHE_S", "900")
    monkeypatch.setenv("ALPR_PREFIX", "elsewhere")
    built = Settings(prefix="t", images_bucket="b", alerts_topic_arn="arn", time_zone="America/Los_Angeles")
    assert (built.prefix, built.transparency_cache_s) == ("t", 0.0)
    assert (Settings.from_env().prefix, Settings.from_env().transparency_cache_s) == ("elsewhere", 900.0)
    with pytest.raises(ValidationError):
        Settings(prefix="t", hotlist_refresh_s="soon")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        built.prefix = "changed"  # type: ignore[misc]


def test_the_runtime_keeps_retention_days_in_the_time_zone_of_its_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """One reader of ALPR_TIME_ZONE: the settings (the per-class retention overrides stay the policy's to read)."""
    from alpr.runtime import Runtime

    monkeypatch.setenv("ALPR_TIME_ZONE", "America/Los_Angeles")
    monkeypatch.setenv(schema.retention_days_env(schema.SourceClass.VEHICLE), "180")
    captured = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)
    retention = Runtime(Settings(time_zone="UTC")).retention
    assert retention.age_days(captured, captured + timedelta(hours=1)) == 2  # a new day in UTC, not in California
    assert retention.age_days(captured, captured + timedelta(hours=1)) != (
        Runtime(Settings.from_env()).retention.age_days(captured, captured + timedelta(hours=1))
    )
    assert retention.days(schema.SourceClass.VEHICLE) == 180
