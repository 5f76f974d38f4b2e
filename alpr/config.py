"""Runtime settings: the one model of what a function reads from its environment, set by the CDK stack
(infra/core/functions.py) and the local stack (alpr/local/stack.py) from this same model.

Each field's variable is its ``alpr.schema.Env`` member (the field's ``validation_alias``): the names are declared
once, in the schema, and which functions are deployed with which variable is declared there too
(``schema.function_environment``). A value that does not parse is refused at start-up with the variable's name
(a pydantic ``ValidationError``, a ``ValueError``)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from pydantic import Field
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from alpr import schema
from alpr.schema import Env


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        frozen=True,
        # Built with keyword arguments (tests, the local stack, infra) by field name; read from the environment
        # by variable name.
        populate_by_name=True,
        case_sensitive=True,
        # An empty variable counts as unset: its default applies.
        env_ignore_empty=True,
        extra="ignore",
    )

    prefix: str = Field(default="alpr", validation_alias=Env.PREFIX.value)
    images_bucket: str = Field(
        default_factory=lambda given: f"{given['prefix']}-{schema.IMAGES_BUCKET_LOGICAL}",
        validation_alias=Env.IMAGES_BUCKET.value,
    )
    alerts_topic_arn: str = Field(default="", validation_alias=Env.ALERTS_TOPIC_ARN.value)
    time_zone: str = Field(default=schema.DEPARTMENT_TIME_ZONE, validation_alias=Env.TIME_ZONE.value)
    # The staff user pool: its app client (the tokens' audience) and where its signing keys are published (empty:
    # Cognito's own address for the pool; the local stack serves them from moto). Read by alpr.repositories.identity.
    user_pool_id: str = Field(default="", validation_alias=Env.USER_POOL_ID.value)
    user_pool_client_id: str = Field(default="", validation_alias=Env.USER_POOL_CLIENT_ID.value)
    jwks_url: str = Field(default="", validation_alias=Env.JWKS_URL.value)
    # How often a match container re-reads the hotlist pointer to notice a new list version.
    hotlist_refresh_s: float = Field(default=30.0, validation_alias=Env.HOTLIST_REFRESH_S.value)
    # NCRIC forwarding: the first retry waits this long, each later one twice as long (capped).
    ncric_retry_base_s: float = Field(default=30.0, validation_alias=Env.NCRIC_RETRY_BASE_S.value)
    # How long a function keeps the NCRIC destination it read from SSM before reading it again.
    ncric_destination_max_age_s: int = Field(default=300, validation_alias=Env.NCRIC_DESTINATION_MAX_AGE_S.value)
    # Hotlist snapshots kept besides the one in force, for a rollback; older ones are deleted after a swap.
    hotlist_snapshots_kept: int = Field(default=3, validation_alias=Env.HOTLIST_SNAPSHOTS_KEPT.value)
    # Reads per page of a historical hotlist search (one progress write per page).
    historical_search_page_size: int = Field(default=1000, validation_alias=Env.HISTORICAL_SEARCH_PAGE_SIZE.value)
    # Purge fan-out: reads planned per parallel-scan segment (one invocation chain each), the scan's page
    # size (0: DynamoDB's 1 MB pages) and pages per invocation before it hands the rest on (0: until the
    # time budget runs out). Small values make the fan-out testable locally.
    purge_reads_per_segment: int = Field(default=200_000, validation_alias=Env.PURGE_READS_PER_SEGMENT.value)
    purge_page_size: int = Field(default=0, validation_alias=Env.PURGE_PAGE_SIZE.value)
    purge_pages_per_invocation: int = Field(default=0, validation_alias=Env.PURGE_PAGES_PER_INVOCATION.value)
    # The purge function's name, where holds hand released reads to it (AWS); empty: purge in-process (local).
    purge_function: str = Field(default="", validation_alias=Env.PURGE_FUNCTION.value)
    # Audits: Object Lock retention of a finalized audit (None: the service's default) and the sample size.
    audit_retention_days: int | None = Field(default=None, validation_alias=Env.AUDIT_RETENTION_DAYS.value)
    audit_sample_size: int = Field(default=5, validation_alias=Env.AUDIT_SAMPLE_SIZE.value)
    # How long a warm transparency container answers from its copy.
    transparency_cache_s: float = Field(default=0.0, validation_alias=Env.TRANSPARENCY_CACHE_S.value)

    def table_name(self, table: schema.Table) -> str:
        return table.physical_name(self.prefix)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Built with values, a model holds those values and the defaults, never the process's environment (the
        # local stack's settings stay its own whatever an earlier stack left in os.environ): the environment is
        # read by from_env() alone.
        return (init_settings,)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings a function is deployed with: its environment (``os.environ`` unless given)."""
        return cls(**_Environment(cls, os.environ if environ is None else environ)())

    @staticmethod
    def variable(field: str) -> Env:
        """The variable that carries a field."""
        alias = Settings.model_fields[field].validation_alias
        assert isinstance(alias, str), field
        return Env(alias)

    def environment(self, fields: Iterable[str] | None = None) -> dict[str, str]:
        """``{variable: value}`` for the given fields (by default those given when the model was built): what
        a function is deployed with to read this model back with from_env()."""
        chosen = sorted(self.model_fields_set) if fields is None else list(fields)
        values = ((self.variable(name).value, getattr(self, name)) for name in chosen)
        return {variable: str(value) for variable, value in values if value is not None}


class _Environment(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping (it reads ``os.environ`` itself): the model's
    config applies as it would to os.environ (names as they are, an empty variable unset)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.env_vars = {name: value for name, value in environ.items() if value}
