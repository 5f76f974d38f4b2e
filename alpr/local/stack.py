"""``alpr local``: moto's server on 127.0.0.1, every resource from the schema, the ingest API on
localhost and event delivery to the same handler functions the CDK stack deploys."""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from alpr import schema
from alpr.aws_session import new_session
from alpr.clock import Clock, SystemClock
from alpr.config import Settings
from alpr.local.apigateway import LocalApiGateway, Route, cognito_authorizer, geo_match
from alpr.local.lambda_runtime import load_handler
from alpr.local.ncric import NcricReceiver, point_credential, point_destination
from alpr.local.provision import Provisioned, provision
from alpr.local.pumps import Pump, PumpThread, SchedulePump, SqsPump, StreamPump
from alpr.local.state_file import STATE_FILE
from alpr.local.ttl import TtlSweeper
from alpr.repositories.stream_failures import StreamFailureStore
from alpr.runtime import Runtime, install
from alpr.schema import Env

log = logging.getLogger("alpr.local")

ACCOUNT_ID = "123456789012"


class PortInUse(RuntimeError):
    pass


@dataclass
class LocalConfig:
    host: str = "127.0.0.1"
    moto_port: int = 4566
    api_port: int = 8080
    prefix: str = "alpr-local"
    region: str = "us-west-2"
    state_dir: Path = field(default_factory=lambda: Path(".alpr-local"))
    # Short, so a failed frame is retried within seconds rather than minutes.
    visibility_timeout_s: int = 3
    seed_demo: bool = True
    # The stand-in NCRIC receiver (0: any free port).
    ncric_port: int = 0
    # The sharing API's geo rule: AWS WAF judges the source IP; locally this header names the client's country,
    # and a request without it counts as from default_country.
    country_header: str = "x-client-country"
    default_country: str = "US"
    # Seconds between TTL sweeps (0: on every poll, so drain() deletes what has expired at once).
    ttl_sweep_every_s: float = 0.0
    # Seconds between runs of the access sealer (0: every poll; a run that finds yesterday sealed costs nothing).
    seal_every_s: float = 0.0

    def settings(self) -> Settings:
        return Settings(
            prefix=self.prefix,
            images_bucket=f"{self.prefix}-{schema.IMAGES_BUCKET_LOGICAL}-{ACCOUNT_ID}",
            alerts_topic_arn=f"arn:aws:sns:{self.region}:{ACCOUNT_ID}:{self.prefix}-{schema.ALERTS_TOPIC_LOGICAL}",
            time_zone=schema.DEPARTMENT_TIME_ZONE,
            # Local matchers re-read the hotlist pointer on every read: a new list is in force at once.
            hotlist_refresh_s=0,
            # Retries come back as soon as the queue's own visibility timeout, and the destination is re-read.
            ncric_retry_base_s=self.visibility_timeout_s,
            ncric_destination_max_age_s=0,
        )


class NotLoopback(ValueError):
    pass


def check_bind_host(host: str, allow_non_loopback: bool = False) -> str:
    """The local stack signs staff tokens with moto's bundled key, which anyone can read: it serves this
    machine only, unless its operator says otherwise (``alpr local --host ADDR --allow-non-loopback``)."""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and not allow_non_loopback:
        raise NotLoopback(
            f"refusing to serve the local stack on {host}: it is for trying and testing on this machine, and anyone "
            "who can reach it can forge an administrator's token (moto's signing key is public). Use 127.0.0.1, "
            "or pass --allow-non-loopback if you really mean it (never with real data)"
        )
    return host


def ensure_port_free(host: str, port: int, what: str) -> None:
    """Refused only if something listens there: SO_REUSEADDR lets the probe bind over the TIME_WAIT
    connections a stopped `alpr local` leaves for a minute (the servers themselves bind the same way)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortInUse(
                f"{what} port {host}:{port} is already in use ({exc.strerror}): is another `alpr local` running? "
                "Stop it, or choose other ports with --moto-port/--api-port."
            ) from exc


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def aws_environment(endpoint: str, config: LocalConfig, settings: Settings) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": config.region,
        "AWS_REGION": config.region,
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        # Where the data is, as a command run against this stack reads it back (the state file; Settings.from_env).
        **settings.environment(["prefix", "images_bucket", "alerts_topic_arn"]),
        Env.POWERTOOLS_METRICS_NAMESPACE.value: "ALPR",
        Env.POWERTOOLS_SERVICE_NAME.value: "alpr-local",
        "POWERTOOLS_TRACE_DISABLED": "1",
        Env.POWERTOOLS_LOG_LEVEL.value: os.environ.get(Env.POWERTOOLS_LOG_LEVEL.value, "WARNING"),
        "POWERTOOLS_METRICS_DISABLED": "1",
    }


class LocalStack:
    def __init__(self, config: LocalConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.settings = config.settings()
        self.clock = clock or SystemClock()
        self.runtime = Runtime(self.settings, self.clock)
        self._moto: Any = None
        self.api: LocalApiGateway | None = None
        self.pumps: list[Pump] = []
        self._pump_thread: PumpThread | None = None
        self.provisioned = Provisioned()
        self.demo_keys: dict[str, str] = {}
        self.ncric = NcricReceiver(config.host, config.ncric_port, config.state_dir / "ncric-received")
        # Each demo member's password (a temporary one for the member whose first login is not done) and
        # authenticator secret (for those who have one).
        self.demo_staff: dict[str, str] = {}
        self.demo_authenticators: dict[str, str] = {}

    @property
    def endpoint(self) -> str:
        return f"http://{self.config.host}:{self.config.moto_port}"

    @property
    def session(self) -> Any:
        return new_session(self.config.region)

    def start(self, run_pumps: bool = True, serve_api: bool = True) -> LocalStack:
        from moto.server import ThreadedMotoServer

        from alpr.local.moto_dispatch import cache_backend_list

        cache_backend_list()
        ensure_port_free(self.config.host, self.config.moto_port, "moto")
        if serve_api:
            ensure_port_free(self.config.host, self.config.api_port, "API")
        # moto's werkzeug server logs every request; keep the console for what matters.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        # moto checks authenticator codes only when told to; staff logins need a right code, as in AWS.
        os.environ["MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP"] = "true"
        self._moto = ThreadedMotoServer(ip_address=self.config.host, port=self.config.moto_port, verbose=False)
        self._moto.start()
        os.environ.update(aws_environment(self.endpoint, self.config, self.settings))
        install(self.runtime)
        self.provisioned = provision(self.session, self.settings, self.config.visibility_timeout_s)
        self.ncric.start()
        point_destination(self.session, self.settings, {"kind": "https", "url": self.ncric.url})
        point_credential(self.session, self.settings, self.ncric.credential)
        self._allow_page_uploads()
        self._use_user_pool()
        self.pumps = self._make_pumps()
        if self.config.seed_demo:
            self._seed_demo()
        if serve_api:
            self.api = LocalApiGateway(self.config.host, self.config.api_port, self._routes(), self._static_dir())
            self.api.start()
        if run_pumps:
            self._begin_access_seals()
            self._pump_thread = PumpThread(self.pumps)
            self._pump_thread.start()
        self._write_state()
        return self

    def reset(self) -> None:
        """Empties the embedded AWS and builds everything again: each test starts from a known state."""
        import requests

        requests.post(f"{self.endpoint}/moto-api/reset", timeout=10).raise_for_status()
        install(self.runtime)
        # Services cache the repositories they were built with: drop them all, so a test's runtime is new.
        for name, attribute in vars(Runtime).items():
            if isinstance(attribute, cached_property):
                self.runtime.__dict__.pop(name, None)
        self.provisioned = provision(self.session, self.settings, self.config.visibility_timeout_s)
        self.ncric.clear()
        point_destination(self.session, self.settings, {"kind": "https", "url": self.ncric.url})
        point_credential(self.session, self.settings, self.ncric.credential)
        self._allow_page_uploads()
        self._use_user_pool()
        self.pumps = self._make_pumps()
        if self._pump_thread is not None:
            self._begin_access_seals()
        if self.config.seed_demo:
            self._seed_demo()

    def _allow_page_uploads(self) -> None:
        """The bucket's CORS rule, as infra/hotlist.py deploys it, for the page served here."""
        origins = [f"http://{host}:{self.config.api_port}" for host in (self.config.host, "localhost")]
        rule = {"AllowedMethods": ["POST"], "AllowedOrigins": origins, "MaxAgeSeconds": 600}
        self.session.client("s3").put_bucket_cors(
            Bucket=self.settings.images_bucket, CORSConfiguration={"CORSRules": [rule]}
        )

    def _begin_access_seals(self) -> None:
        """A running stack locks the access chain's first day when it starts, before anyone can write a record,
        so a record back-dated later falls before it (alpr/services/access_seals.py). Tests deliver events
        themselves: the sealer begins the chain at their first ``drain()`` (or ``seal_due()``)."""
        self.runtime.access_sealer.begin()

    def _seed_demo(self) -> None:
        from alpr.local.demo import seed, seed_staff

        self.demo_keys = seed(self.runtime)
        staff = seed_staff(self.runtime, self.session.client("cognito-idp"), self.provisioned.user_pool_id)
        self.demo_staff, self.demo_authenticators = staff.passwords, staff.authenticators

    def user_pool_environment(self) -> dict[str, str]:
        """Tokens carry the AWS issuer URL; their keys are fetched from moto's copy of the pool."""
        pool = self.provisioned.user_pool_id
        return Settings(
            user_pool_id=pool,
            user_pool_client_id=self.provisioned.user_pool_client_id,
            jwks_url=f"{self.endpoint}/{pool}/.well-known/jwks.json",
        ).environment()

    def _use_user_pool(self) -> None:
        os.environ.update(self.user_pool_environment())
        for cached in ("identity_config", "staff_directory", "token_verifier"):
            self.runtime.repos.__dict__.pop(cached, None)

    def _verify_token(self, token: str) -> dict[str, Any]:
        # Looked up per call: a reset points the runtime at a new user pool.
        return self.runtime.repos.token_verifier.verified_claims(token)

    def _routes(self) -> list[Route]:
        hotlist_api = load_handler("functions.hotlist.api.handler")
        retention_api = load_handler("functions.retention.handler.handler")
        ingest = load_handler("functions.ingest.handler.handler")
        # The staff API's /v1/ routes sit behind the Cognito authorizer (infra/features/staff.py STAFF_ROUTES).
        signed_in = cognito_authorizer(self._verify_token)
        return [
            Route("/v1/frames", ingest, "ingest"),
            # Camera heartbeats (issue 17) go to the ingest function, as on the deployed ingest API.
            Route("/v1/cameras/heartbeat", ingest, "ingest"),
            Route("/api/", load_handler("functions.search.handler.handler"), "search"),
            Route("/v1/hotlist", hotlist_api, "hotlist-api", authorizer=signed_in),
            Route("/v1/alerts", hotlist_api, "hotlist-api", authorizer=signed_in),
            Route(
                "/share/",
                load_handler("functions.share.handler.handler"),
                "share",
                edge=geo_match(self.config.country_header, self.config.default_country),
            ),
            Route("/v1/audits", load_handler("functions.audit.handler.handler"), "audit-api", authorizer=signed_in),
            Route("/v1/admin", load_handler("functions.admin.handler.handler"), "admin-api", authorizer=signed_in),
            Route("/v1/holds", retention_api, "retention-api", authorizer=signed_in),
            Route("/v1/compliance", retention_api, "retention-api", authorizer=signed_in),
            Route("/public/", load_handler("functions.audit.public.handler"), "transparency"),
        ]

    def _static_dir(self) -> Path | None:
        """The staff search page; in AWS the same files are served from S3 through CloudFront."""
        return Path(__file__).resolve().parent.parent.parent / "web"

    def _function_arn(self, spec: schema.FunctionSpec) -> str:
        return f"arn:aws:lambda:{self.config.region}:{ACCOUNT_ID}:function:{self.settings.prefix}-{spec.name}"

    def _make_pumps(self) -> list[Pump]:
        session = self.session
        sqs = session.client("sqs")
        queues = self.provisioned.queue_urls
        sweeper = TtlSweeper(
            "ttl-sweeper",
            session.resource("dynamodb"),
            self.settings,
            self.clock,
            every_s=self.config.ttl_sweep_every_s,
        )
        # The reads stream's on-failure destination is the images bucket, as in AWS (schema.BUCKET.stream_failures).
        failures = StreamFailureStore(session.client("s3"), self.settings.images_bucket)
        return [
            SqsPump(
                "ingest-uploads",
                sqs,
                queues[schema.UPLOAD_EVENTS_QUEUE.logical_name],
                load_handler("functions.ingest.uploads.handler"),
                self.config.region,
            ),
            SqsPump(
                "ocr",
                sqs,
                queues[schema.FRAME_EVENTS_QUEUE.logical_name],
                load_handler("functions.ocr.handler.handler"),
                self.config.region,
            ),
            SqsPump(
                "hotlist-import",
                sqs,
                queues[schema.HOTLIST_EVENTS_QUEUE.logical_name],
                load_handler("functions.hotlist.importer.handler"),
                self.config.region,
            ),
            SqsPump(
                "hotlist-search",
                sqs,
                queues[schema.HISTORICAL_SEARCH_QUEUE.logical_name],
                load_handler("functions.hotlist.search.handler"),
                self.config.region,
            ),
            StreamPump(
                "match",
                session.client("dynamodbstreams"),
                self.provisioned.stream_arns[schema.READS.logical_name],
                load_handler("functions.match.handler.handler"),
                failures,
                self._function_arn(schema.MATCH_FUNCTION),
            ),
            sweeper,
            StreamPump(
                "purge",
                session.client("dynamodbstreams"),
                self.provisioned.stream_arns[schema.READS.logical_name],
                sweeper.ttl_removals_only(schema.READS, load_handler("functions.purge.handler.handler")),
                failures,
                self._function_arn(schema.PURGE_FUNCTION),
            ),
            SqsPump(
                "purge",
                sqs,
                queues[schema.PURGE_WORK_QUEUE.logical_name],
                load_handler("functions.purge.handler.handler"),
                self.config.region,
                batch_size=1,  # one segment per invocation, as the event source mapping in AWS
            ),
            # The access-sealer function's daily schedule in AWS; here each poll seals any day that has ended.
            SchedulePump("access-sealer", lambda: len(self.runtime.access_sealer.seal_due()), self.config.seal_every_s),
            SqsPump(
                "ncric-deliver",
                sqs,
                queues[schema.NCRIC_FORWARD_QUEUE.logical_name],
                load_handler("functions.share.forwarder.deliver"),
                self.config.region,
            ),
        ]

    def drain(self, timeout_s: float = 120.0, settle_s: float = 0.0) -> None:
        """Delivers every pending event synchronously until nothing is left (tests use this, not sleeps)."""
        deadline = time.monotonic() + timeout_s
        quiet_rounds = 0
        while quiet_rounds < 2:
            if time.monotonic() > deadline:
                raise TimeoutError("events still pending after drain timeout")
            busy = sum(pump.poll_once() for pump in self.pumps)
            quiet_rounds = 0 if busy else quiet_rounds + 1
            if settle_s and not busy:
                time.sleep(settle_s)

    def stop(self) -> None:
        if self._pump_thread is not None:
            self._pump_thread.stop()
            self._pump_thread.join(timeout=10)
        if self.api is not None:
            self.api.stop()
        self.ncric.stop()
        if self._moto is not None:
            self._moto.stop()
        install(None)
        (self.config.state_dir / STATE_FILE).unlink(missing_ok=True)

    def _write_state(self) -> None:
        self.config.state_dir.mkdir(parents=True, exist_ok=True)
        path = self.config.state_dir / STATE_FILE
        state = {
            "endpoint": self.endpoint,
            "api_url": self.api.url if self.api else None,
            "region": self.config.region,
            "environment": {
                **aws_environment(self.endpoint, self.config, self.settings),
                **self.user_pool_environment(),
            },
            "camera_keys": self.demo_keys,
            "page_url": f"{self.api.url}/" if self.api else None,
            "staff_passwords": self.demo_staff,
            "staff_authenticator_secrets": self.demo_authenticators,
            "alerts_subscriber_url": self.provisioned.alerts_subscriber_url,
            "dead_letter_urls": self.provisioned.dead_letter_urls,
            "ncric_receiver_url": self.ncric.url,
        }
        path.write_text(json.dumps(state, indent=2))
        path.chmod(0o600)
