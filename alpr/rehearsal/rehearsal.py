"""The rehearsal: deploy the template, then walk the user paths through the template's own wiring.

1. Deploy: moto's CloudFormation creates the stack (``deploy``); custom resources are done in-process.
2. Wire: every function's handler, environment, role and event source mappings are read back from what the
   stack created; each function gets a session of its own role; from then on every request is authorized.
3. Walk: a camera's frame goes through ingest → OCR → read → match → alert; an officer logs in and searches;
   the scheduled purge runs past the fixed cameras' retention.
Any unresolved variable, refused call, failed invocation, failed record or message left in a queue fails it.
"""

from __future__ import annotations

import json
import logging
import os
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import boto3

from alpr import schema
from alpr.clock import FixedClock, SystemClock
from alpr.config import Settings
from alpr.rehearsal import authorization
from alpr.rehearsal.apis import ApiClient
from alpr.rehearsal.deploy import ACCOUNT_ID, Deployment, Skipped, deploy
from alpr.rehearsal.host import LOCAL_ONLY, FunctionHost
from alpr.rehearsal.wiring import FunctionWiring, detach_moto_pollers, read_functions
from alpr.runtime import Runtime, install

log = logging.getLogger("alpr.rehearsal")

REGION = "us-west-2"
INGEST_HANDLER = "functions.ingest.handler.handler"
SEARCH_HANDLER = "functions.search.handler.handler"
PURGE_HANDLER = "functions.purge.handler.handler"
WHY = {"purpose": "a", "offense": "vehicle_theft", "case_number": "26-004512"}

NOT_ENFORCED = (
    "resource policies (bucket, queue, topic, KMS key policies) are not evaluated by moto",
    "KMS use implied by SSE-KMS (S3, DynamoDB, SQS) is not checked: moto never calls KMS as the caller",
    "Cognito's token-authorized operations (InitiateAuth, RespondToAuthChallenge, ...) need no IAM grant, as in AWS",
    "every member's TOTP secret is moto's fixed one (codes are checked: MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP)",
)


class RehearsalFailed(AssertionError):
    pass


def _denial(denial: tuple[str, str, str]) -> str:
    caller, action, resource = denial
    return f"{caller.rsplit('/', 2)[-2] if '/' in caller else caller} may not {action} on {resource}"


@dataclass
class Step:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Report:
    steps: list[Step] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    custom_resources: dict[str, str] = field(default_factory=dict)
    functions: dict[str, dict[str, Any]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        skipped: dict[str, list[str]] = {}
        for s in self.skipped:
            skipped.setdefault(s.resource_type, []).append(s.logical_id)
        return {
            "ok": self.ok,
            "steps": [s.__dict__ for s in self.steps],
            "skipped_resource_types": {k: len(v) for k, v in sorted(skipped.items())},
            "custom_resources": self.custom_resources,
            "iam": {"enforced_per_function_role": True, "not_enforced": list(NOT_ENFORCED)},
            "functions": self.functions,
            "seconds": self.seconds,
        }

    def text(self) -> str:
        lines = ["Deploy rehearsal of the synthesized template (moto's CloudFormation)", ""]
        for step in self.steps:
            lines.append(
                f"  [{'ok' if step.ok else 'FAILED'}] {step.name}" + (f": {step.detail}" if step.detail else "")
            )
        lines += ["", "Resource types moto's CloudFormation cannot create (placeholders; not exercised):"]
        for resource_type, count in self.to_dict()["skipped_resource_types"].items():
            lines.append(f"  {resource_type} ×{count}")
        lines += ["", "Custom resources (moto would run their providers in Docker):"]
        lines += [f"  {k}: {v}" for k, v in self.custom_resources.items()]
        lines += ["", "IAM: each function runs with a session of its own role; not enforced locally:"]
        lines += [f"  - {n}" for n in NOT_ENFORCED]
        lines += ["", "Seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in self.seconds.items())]
        lines += ["", "REHEARSAL PASSED" if self.ok else "REHEARSAL FAILED"]
        return "\n".join(lines)


class Rehearsal:
    def __init__(self, template: dict[str, Any], report: Report | None = None) -> None:
        self.template = template
        self.report = report or Report()
        self._server: Any = None
        self.endpoint = ""
        self.deployment: Deployment | None = None
        self.functions: dict[str, FunctionWiring] = {}
        self.host: FunctionHost | None = None
        self.operator: dict[str, str] = {}
        # The frame is captured this many days ago and the purge runs now: moto judges Object Lock retention by
        # the real time, so the rehearsal's clock starts in the past instead of running into the future.
        self.retention_days = schema.RETENTION[schema.SourceClass.FIXED].purge_after_days + 2
        self.clock = FixedClock(SystemClock().now() - timedelta(days=self.retention_days))
        self.pumps: list[Any] = []
        # Invocations (by position) that fail on purpose: the injected failure of the stream-failure step.
        self.expected_failures: set[int] = set()
        self.tokens: dict[str, str] = {}

    # --- plumbing ------------------------------------------------------------------------------------------

    def step(self, name: str, check: Callable[[], str | None]) -> None:
        """Runs one check; a failure is recorded (with its cause) and ends the rehearsal."""
        started = time.monotonic()
        denied_before = len(authorization.DENIALS)
        invoked_before = len(self.host.invocations) if self.host else 0
        try:
            detail = check() or ""
            refused = authorization.DENIALS[denied_before:]
            if refused:
                raise RehearsalFailed("refused: " + "; ".join(_denial(d) for d in refused))
        except Exception as exc:
            log.debug("step %s failed", name, exc_info=True)
            cause = [_denial(d) for d in authorization.DENIALS[denied_before:]]
            cause += [
                f"{i.function} ({i.trigger}): {i.error or f'{i.failed_items} failed record(s)'}"
                for i in (self.host.invocations[invoked_before:] if self.host else [])
                if i.error or i.failed_items
            ]
            because = f" [because: {'; '.join(dict.fromkeys(cause))}]" if cause else ""
            self.report.steps.append(Step(name, False, f"{type(exc).__name__}: {exc}{because}"))
            self.report.seconds[name] = time.monotonic() - started
            raise RehearsalFailed(f"{name}: {exc}\n{traceback.format_exc(limit=6)}") from exc
        self.report.steps.append(Step(name, True, detail))
        self.report.seconds[name] = time.monotonic() - started

    def _start_server(self) -> None:
        from moto.server import ThreadedMotoServer

        from alpr.local.moto_dispatch import cache_backend_list

        cache_backend_list()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": self.endpoint,
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "AWS_ACCESS_KEY_ID": "deployer",
                "AWS_SECRET_ACCESS_KEY": "deployer",
                "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
                # moto checks authenticator codes only when told to (alpr/local/staff_accounts.py): a wrong code
                # must fail the login here as in AWS.
                "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true",
            }
        )
        os.environ.pop("AWS_SESSION_TOKEN", None)

    def session(self) -> Any:
        return boto3.session.Session(
            aws_access_key_id=self.operator.get("AWS_ACCESS_KEY_ID", "deployer"),
            aws_secret_access_key=self.operator.get("AWS_SECRET_ACCESS_KEY", "deployer"),
            region_name=REGION,
        )

    def by_handler(self, handler: str) -> FunctionWiring:
        found = [f for f in self.functions.values() if f.handler == handler]
        if len(found) != 1:
            raise LookupError(f"{len(found)} functions in the template run {handler}")
        return found[0]

    @contextmanager
    def as_operator(self) -> Iterator[Runtime]:
        """The administrator's CLI view: the settings every function's environment agrees on, operator keys."""
        assert self.host is not None
        merged: dict[str, str] = {}
        for wiring in self.functions.values():
            merged.update({k: v for k, v in wiring.environment.items() if k.startswith("ALPR_")})
        saved = dict(os.environ)
        os.environ.update({**merged, **self.operator, **self.host.local_environment})
        os.environ.pop("AWS_SESSION_TOKEN", None)
        try:
            runtime = Runtime(Settings.from_env(), self.clock)
            install(runtime)
            yield runtime
        finally:
            install(None)
            os.environ.clear()
            os.environ.update(saved)

    # --- the steps -----------------------------------------------------------------------------------------

    def run(self) -> Report:
        self._start_server()
        try:
            self.step("deploy the template into moto's CloudFormation", self.deploy)
            self.step("custom resources done in-process", self.custom_resources)
            self.step("every function's environment resolves against the created stack", self.wiring)
            self.step("each function gets a session of its own role (trusting lambda.amazonaws.com)", self.roles)
            with authorization.enforced():
                self.step("operator seeds cameras, a hotlist entry and staff", self.seed)
                self.step("camera frame: ingest → OCR → read → match → alert", self.frame_to_alert)
                self.step("officer logs in and searches the plate", self.staff_search)
                self.step(
                    "administrator uploads a hotlist: presigned POST → S3 event → importer → in force",
                    self.hotlist_upload,
                )
                self.step("scheduled purge deletes the read past its retention", self.purge)
                self.step("a patrol car's read is forwarded to NCRIC over authenticated HTTPS", self.ncric_forwarding)
                self.step(
                    "a read whose matching fails is kept with its data (S3, 14 days) and replayed into its alert",
                    self.failed_match_kept_and_replayed,
                )
                self.step(
                    "an agency's request is approved and fetched with its token (reads and a frame)", self.sharing
                )
                self.step("no failed invocation, no record left in any queue", self.nothing_lost)
        except RehearsalFailed:
            pass
        finally:
            self._describe_functions()
            if self._server is not None:
                self._server.stop()
        return self.report

    def deploy(self) -> str:
        self.deployment = deploy(self.template, self.endpoint, REGION)
        detach_moto_pollers(REGION, ACCOUNT_ID)
        self.report.skipped = self.deployment.skipped
        resources = len(self.template["Resources"])
        return f"{resources - len(self.deployment.skipped)} of {resources} resources created"

    def custom_resources(self) -> str:
        from alpr.rehearsal.moto_models import recorded

        assert self.deployment is not None
        s3 = self.session().client("s3")
        for logical_id, resource in self.template["Resources"].items():
            model = recorded(self.deployment.resource(logical_id))
            if model is None or model.kind != "custom":
                continue
            if resource["Type"] == "Custom::S3BucketNotifications":
                # What CDK's BucketNotificationsHandler does: put the configuration on the bucket.
                properties = model.properties
                s3.put_bucket_notification_configuration(
                    Bucket=properties["BucketName"],
                    NotificationConfiguration=properties["NotificationConfiguration"],
                )
                self.report.custom_resources[logical_id] = "S3 notifications applied (as CDK's provider does)"
            else:
                self.report.custom_resources[logical_id] = f"{resource['Type']}: not run"
                self.report.skipped.append(Skipped(logical_id, resource["Type"], "custom resource provider not run"))
        return f"{len(self.report.custom_resources)} custom resources"

    def wiring(self) -> str:
        assert self.deployment is not None
        self.functions = read_functions(self.deployment, self.session().client("lambda"))
        problems = [f"{f.name}: {k} {why}" for f in self.functions.values() for k, why in f.unresolved.items()]
        if problems:
            raise RehearsalFailed("; ".join(problems))
        mappings = sum(len(f.event_sources) for f in self.functions.values())
        return f"{len(self.functions)} functions, {mappings} event source mappings"

    def roles(self) -> str:
        session = self.session()
        iam, sts = session.client("iam"), session.client("sts")
        self.operator = authorization.operator_credentials(iam)
        credentials = {}
        for wiring in self.functions.values():
            role = iam.get_role(RoleName=wiring.role_arn.rsplit("/", 1)[-1])["Role"]
            if not authorization.trusts_lambda(role):
                raise RehearsalFailed(f"{wiring.name}: role {role['RoleName']} does not trust lambda.amazonaws.com")
            credentials[wiring.name] = authorization.role_credentials(sts, wiring.role_arn, wiring.name)
        pool = self._user_pool_id()
        local = {
            "AWS_ENDPOINT_URL": self.endpoint,
            schema.Env.JWKS_URL.value: f"{self.endpoint}/{pool}/.well-known/jwks.json",
            "POWERTOOLS_TRACE_DISABLED": "1",
            "POWERTOOLS_METRICS_DISABLED": "1",
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
        }
        assert set(local) - {"POWERTOOLS_LOG_LEVEL"} == set(LOCAL_ONLY)
        self.host = FunctionHost(self.functions, credentials, local, REGION, self.clock)
        self.pumps = self.host.pumps(self.endpoint, self.session().client("sqs"))
        return f"{len(credentials)} roles assumed; local-only variables: {', '.join(LOCAL_ONLY)}"

    def _user_pool_id(self) -> str:
        pools = self.session().client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"]
        if len(pools) != 1:
            raise RehearsalFailed(f"the template made {len(pools)} user pools; the rehearsal expects one")
        return str(pools[0]["Id"])

    def seed(self) -> str:
        from alpr.local.demo import seed, seed_staff

        with self.as_operator() as runtime:
            self.camera_keys = seed(runtime)
            pool = runtime.repos.identity_config.user_pool_id
            staff = seed_staff(runtime, self.session().client("cognito-idp"), pool)
        self.passwords, self.authenticators = staff.passwords, staff.authenticators
        # Each member but the recruit did the first login (new password, MFA_SETUP, VerifySoftwareToken).
        return f"{len(self.camera_keys)} cameras, {len(self.passwords)} staff, {len(self.authenticators)} enrolled"

    def api(self) -> ApiClient:
        assert self.deployment is not None and self.host is not None

        def verify(token: str) -> dict[str, Any]:
            with self.as_operator() as runtime:
                return runtime.repos.token_verifier.verified_claims(token)

        return ApiClient(self.deployment, self.host, verify)

    def drain(self, timeout_s: float = 300.0) -> int:
        deadline = time.monotonic() + timeout_s
        delivered, quiet = 0, 0
        while quiet < 2:
            if time.monotonic() > deadline:
                raise TimeoutError("events still pending")
            busy = sum(pump.poll_once() for pump in self.pumps)
            delivered += busy
            quiet = 0 if busy else quiet + 1
        return delivered

    def push_frame(self, plate: str, camera: str = "demo-fixed-1") -> None:
        """A fixed camera sends a photo of ``plate`` to the ingest API, captured at the rehearsal's clock."""
        import cv2

        from alpr.local.demo import render_plate_photo

        ok, jpeg = cv2.imencode(".jpg", render_plate_photo(plate))
        assert ok
        response = self.api().call(
            "POST",
            "/v1/frames",
            {
                "Content-Type": "image/jpeg",
                "X-Camera-Id": camera,
                "X-Camera-Key": self.camera_keys[camera],
                "X-Capture-Time": self.clock.now().isoformat(),
                # A mobile camera sends where it was (a fixed one is registered with its place).
                **({} if camera.startswith("demo-fixed") else {"X-Latitude": "37.7249", "X-Longitude": "-122.1561"}),
            },
            jpeg.tobytes(),
        )
        if response["statusCode"] != 202:
            raise RehearsalFailed(f"ingest answered {response['statusCode']}: {response.get('body')}")

    def frame_to_alert(self) -> str:
        from alpr.local.demo import DEMO_PLATE

        self.push_frame(DEMO_PLATE)
        delivered = self.drain()
        with self.as_operator() as runtime:
            reads = runtime.repos.reads.by_plate(DEMO_PLATE, self.clock.now())
            if len(reads) != 1:
                raise RehearsalFailed(f"{len(reads)} reads of {DEMO_PLATE} after the pipeline ran")
            self.read = reads[0]
            alerts = runtime.repos.alerts.ids_for_read(DEMO_PLATE, self.read.read_id)
            if not alerts:
                raise RehearsalFailed(f"no alert for the hotlisted plate {DEMO_PLATE}")
        return f"read {self.read.read_id}, {len(alerts)} alert(s), {delivered} events delivered"

    def login(self, username: str) -> str:
        """A returning member's login through the staff API: password, then the authenticator's code."""
        from alpr.local.staff_accounts import authenticator_code

        api = self.api()
        json_type = {"Content-Type": "application/json"}
        login = api.call(
            "POST",
            "/api/login",
            json_type,
            json.dumps({"username": username, "password": self.passwords[username]}).encode(),
        )
        answer = json.loads(login.get("body") or "{}")
        if answer.get("challenge") != "SOFTWARE_TOKEN_MFA":
            raise RehearsalFailed(f"a returning member's login should ask for the authenticator's code: {answer}")
        # The page sends the code the member's authenticator app shows (moto checks it: see _start_server).
        reply = {"username": username, "session": answer["session"], "challenge": answer["challenge"]}
        code = authenticator_code(self.authenticators[username])
        login = api.call("POST", "/api/login", json_type, json.dumps({**reply, "code": code}).encode())
        answer = json.loads(login.get("body") or "{}")
        if login["statusCode"] != 200 or "id_token" not in answer:
            raise RehearsalFailed(f"login answered {login['statusCode']}: {answer}")
        return str(answer["id_token"])

    def staff_search(self) -> str:
        from alpr.local.demo import DEMO_PLATE

        api = self.api()
        answer = {"id_token": self.login("officer")}
        search = api.call(
            "POST",
            "/api/search",
            {"Content-Type": "application/json", "Authorization": answer["id_token"]},
            json.dumps({"plate": DEMO_PLATE, **WHY}).encode(),
        )
        found = json.loads(search.get("body") or "{}")
        if search["statusCode"] != 200:
            raise RehearsalFailed(f"search answered {search['statusCode']}: {found}")
        ids = [row.get("read_id") for row in found.get("results", [])]
        if self.read.read_id not in ids:
            raise RehearsalFailed(f"the search did not return read {self.read.read_id}: {ids}")
        return f"{len(ids)} result(s)"

    def hotlist_upload(self) -> str:
        """An administrator asks the hotlist API for a presigned POST, sends a list to S3 with it, S3's event
        starts the importer (its own role), and the upload's status says the list is in force."""
        import requests

        token = self.login("admin")
        api = self.api()
        rows = "\n".join(f"{n % 9 + 1}RHR{n:03d},CA,PC,TOYOTA,BLUE,SV,R{n:05d}" for n in range(300))
        data = f"plate,state,plate_type,make,colour,reason_code,record_id\n{rows}\n".encode()
        headers = {"Content-Type": "application/json", "Authorization": token}
        body = json.dumps({"filename": "rehearsal.csv", "size": len(data)}).encode()
        asked = api.call("POST", "/v1/hotlists/rehearsal/uploads", headers, body)
        ticket = json.loads(asked.get("body") or "{}")
        if asked["statusCode"] != 201:
            raise RehearsalFailed(f"the upload request answered {asked['statusCode']}: {ticket}")
        upload = ticket["upload"]
        sent = requests.post(
            upload["url"], data=upload["fields"], files={upload["file_field"]: ("list.csv", data)}, timeout=60
        )
        if sent.status_code not in (200, 201, 204):
            raise RehearsalFailed(f"S3 refused the presigned POST: {sent.status_code} {sent.text[:300]}")
        self.drain()
        status = api.call("GET", ticket["see"], {"Authorization": token})
        done = json.loads(status.get("body") or "{}")
        if status["statusCode"] != 200 or done.get("status") != "in_force":
            raise RehearsalFailed(f"the upload's status is {status['statusCode']}: {done}")
        return f"{done['report']['imported']} entries in force (version {done['version']})"

    def purge(self) -> str:
        from alpr.local.demo import DEMO_PLATE

        assert self.deployment is not None and self.host is not None
        purge = self.by_handler(PURGE_HANDLER)
        scheduled = [
            rule
            for rule in self.deployment.of_type("AWS::Events::Rule").values()
            if rule["Properties"].get("ScheduleExpression")
            and any(t["Arn"].get("Fn::GetAtt", [""])[0] == purge.logical_id for t in rule["Properties"]["Targets"])
        ]
        if not scheduled:
            raise RehearsalFailed(f"no schedule in the template targets {purge.name}")
        rule = scheduled[0]["Properties"]
        days = self.retention_days
        self.clock.set(SystemClock().now())
        event = {
            "version": "0",
            "id": "rehearsal",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT_ID,
            "time": self.clock.now().isoformat(),
            "region": REGION,
            "resources": [],
            "detail": {},
        }
        summary = self.host.invoke(purge.name, event, trigger=rule["ScheduleExpression"])
        self.drain()
        with self.as_operator() as runtime:
            left = [r for r in runtime.repos.reads.all() if r.plate == DEMO_PLATE]
            if left:
                raise RehearsalFailed(
                    f"{len(left)} read(s) of {DEMO_PLATE} still stored {days} days after capture; the run: {summary}"
                )
            versions = runtime.repos.s3.list_object_versions(
                Bucket=runtime.settings.images_bucket, Prefix=schema.BUCKET.frames
            )
            kept = versions.get("Versions", [])
            if kept:
                raise RehearsalFailed(f"{len(kept)} frame version(s) still stored after the purge")
        return f"purged after {days} days ({rule['ScheduleExpression']})"

    def ncric_forwarding(self) -> str:
        """A patrol car's read goes to NCRIC (418.5): match queues it, ncric-deliver (its own role) reads the
        destination parameter and the credential secret the department sets after the deploy, and posts it to a
        stand-in of NCRIC's HTTPS endpoint, which refuses a request without that credential."""
        from alpr.local.demo import DEMO_PLATE
        from alpr.local.ncric import NcricReceiver, point_credential, point_destination

        receiver = NcricReceiver().start()
        try:
            with self.as_operator() as runtime:
                point_destination(self.session(), runtime.settings, {"kind": "https", "url": receiver.url})
                point_credential(self.session(), runtime.settings, receiver.credential)
            self.push_frame(DEMO_PLATE, camera="demo-car-1")
            self.drain()
            with self.as_operator() as runtime:
                vehicle = [
                    r for r in runtime.repos.reads.by_plate(DEMO_PLATE, self.clock.now()) if r.camera_id == "demo-car-1"
                ]
            if len(vehicle) != 1 or vehicle[0].read_id not in receiver.received:
                raise RehearsalFailed(
                    f"NCRIC holds {sorted(receiver.received)}; the patrol car's reads: {[r.read_id for r in vehicle]}"
                    f" ({receiver.unauthenticated} refused for want of the credential)"
                )
            return f"read {vehicle[0].read_id} delivered, {receiver.unauthenticated} refused"
        finally:
            receiver.stop()

    def sharing(self) -> str:
        """Policy 418.7: an administrator registers an in-state agency, the agency files a request on the sharing
        API (no account), a captain approves it (the token is shown once), and the agency fetches the reads and
        downloads a frame with the token."""
        from urllib.parse import urlsplit

        from alpr.clock import iso
        from alpr.local.demo import DEMO_PLATE

        api = self.api()

        def send(method: str, path: str, member: str | None, body: Any = None, bearer: str = "") -> dict[str, Any]:
            headers = {"Content-Type": "application/json"}
            if member:
                headers["Authorization"] = self.tokens.get(member) or self.tokens.setdefault(member, self.login(member))
            if bearer:
                headers["Authorization"] = f"Bearer {bearer}"
            answer = api.call(method, path, headers, json.dumps(body).encode() if body else b"", public=not member)
            if answer["statusCode"] >= 300:
                raise RehearsalFailed(f"{method} {path} answered {answer['statusCode']}: {answer.get('body')}")
            return answer

        ori = "CA0010100"
        agency = {"ori": ori, "name": "Oakland Police Department", "state": "CA", "agency_type": "law_enforcement"}
        send("POST", "/share/agencies", "admin", agency)
        now = self.clock.now()
        filing = {
            "ori": ori,
            "agency_name": agency["name"],
            "requester_name": "Det. R. Rivera",
            "intended_purpose": "armed robbery investigation",
            "case_number": "OPD-26-4411",
            "data_class": "fixed",
            "plates": [DEMO_PLATE],
            "window_start": iso(now - timedelta(days=1)),
            "window_end": iso(now),
        }
        request_id = json.loads(send("POST", "/share/requests", None, filing)["body"])["request_id"]
        approved = json.loads(send("POST", f"/share/requests/{request_id}/approve", "captain", {"days": 7})["body"])
        token = approved["grant_token"]
        reads = json.loads(send("GET", f"/share/grants/{request_id}/reads", None, bearer=token)["body"])["reads"]
        if not reads:
            raise RehearsalFailed("the approved grant returned no reads")
        link = urlsplit(reads[0]["frame_link"])
        frame = send("GET", f"{link.path}?{link.query}", None)
        headers = {k.lower(): v for k, v in (frame.get("headers") or frame.get("multiValueHeaders") or {}).items()}
        kind = headers.get("content-type")
        kind = kind[0] if isinstance(kind, list) else kind
        if kind != "image/jpeg" or not frame.get("isBase64Encoded"):
            raise RehearsalFailed(f"the frame came back as {kind} (base64: {frame.get('isBase64Encoded')})")
        return f"{len(reads)} read(s) shared, the frame downloaded ({kind})"

    def failed_match_kept_and_replayed(self) -> str:
        """The match function fails on a new read until its retries run out: the event source mapping's on-failure
        destination keeps the record with its data (written with the function's role), and a replay through the
        same function raises the alert the failure had held back (finding 10)."""
        from alpr.local.demo import DEMO_PLATE
        from alpr.services.match import MatcherCache
        from alpr.services.stream_failures import clear_announcements, replay

        assert self.host is not None
        host = self.host
        original = MatcherCache.matcher

        def unavailable(_cache: MatcherCache) -> Any:
            raise RuntimeError("hotlist unavailable (the rehearsal's injected failure)")

        first = len(host.invocations)
        MatcherCache.matcher = unavailable  # type: ignore[method-assign,assignment]
        try:
            self.push_frame(DEMO_PLATE)
            self.drain()
        finally:
            MatcherCache.matcher = original  # type: ignore[method-assign]
        self.expected_failures.update(range(first, len(host.invocations)))
        with self.as_operator() as runtime:
            store = runtime.repos.stream_failures
            kept = list(store.kept())
            if len(kept) != 1:
                raise RehearsalFailed(f"{len(kept)} failed stream batches kept; expected the one read")
            [record] = store.get(kept[0]).records
            plate = record["dynamodb"]["NewImage"]["plate"]["S"]
            read_id = record["dynamodb"]["NewImage"]["read_id"]["S"]
            if runtime.repos.alerts.ids_for_read(plate, read_id):
                raise RehearsalFailed("an alert was raised although matching failed")

            def rerun(failure: Any) -> set[str]:
                if failure.function_name not in host.functions:
                    return {f"no function {failure.function_name}"}
                result = host.invoke(failure.function_name, failure.event, trigger="replay")
                return {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}

            outcome = replay(store, rerun)
            alerts = runtime.repos.alerts.ids_for_read(plate, read_id)
            queue = schema.STREAM_FAILURES_QUEUE.physical_name(runtime.settings.prefix)
            sqs = self.session().client("sqs")
            clear_announcements(sqs, sqs.get_queue_url(QueueName=queue)["QueueUrl"], set(store.kept()))
        self.drain()
        if outcome.failed_again or not alerts:
            raise RehearsalFailed(f"the replay did not raise the alert: {outcome}")
        return f"kept at {kept[0].split('/', 3)[2][:8]}…, replayed: {len(alerts)} alert(s) for read {read_id}"

    def nothing_lost(self) -> str:
        assert self.host is not None and self.deployment is not None
        failed = [
            i
            for n, i in enumerate(self.host.invocations)
            if (i.error or i.failed_items) and n not in self.expected_failures
        ]
        if failed:
            raise RehearsalFailed("; ".join(f"{i.function} ({i.trigger}): {i.error or i.failed_items}" for i in failed))
        sqs = self.session().client("sqs")
        waiting = []
        for logical_id in self.deployment.of_type("AWS::SQS::Queue"):
            url = self.deployment.physical_id(logical_id)
            attributes = sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            )["Attributes"]
            count = int(attributes["ApproximateNumberOfMessages"]) + int(
                attributes["ApproximateNumberOfMessagesNotVisible"]
            )
            if count:
                count -= self._s3_test_events(sqs, url)
            if count:
                waiting.append(f"{url.rsplit('/', 1)[-1]}: {count}")
        if waiting:
            raise RehearsalFailed("messages left: " + ", ".join(waiting))
        return f"{len(self.host.invocations)} invocations, filtered out: {self.host.filtered_out or 'none'}"

    @staticmethod
    def _s3_test_events(sqs: Any, url: str) -> int:
        """S3 sends a queue one s3:TestEvent when a bucket notification to it is set up (Amazon S3 User Guide,
        "Event message structure"); a queue nobody consumes (stream-failures) keeps it. Not a lost record."""
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
        return sum(1 for m in messages if json.loads(m["Body"]).get("Event") == "s3:TestEvent")

    def _describe_functions(self) -> None:
        for wiring in self.functions.values():
            calls = [i for i in (self.host.invocations if self.host else []) if i.function == wiring.name]
            self.report.functions[wiring.name] = {
                "handler": wiring.handler,
                "role": wiring.role_arn.rsplit("/", 1)[-1],
                "event_sources": [
                    {"source": s.source_arn.rsplit(":", 1)[-1], "batch_size": s.batch_size, "filters": len(s.filters)}
                    for s in wiring.event_sources
                ],
                "invocations": len(calls),
            }
