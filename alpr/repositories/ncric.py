"""Everything NCRIC forwarding touches outside the process: where reads go (an HTTPS endpoint or an S3 bucket in
NCRIC's account, behind one small interface), the forwarding queue and its dead letters, and the delivery log."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol
from urllib.parse import urljoin, urlsplit

import requests
from aws_lambda_powertools.utilities.parameters import SecretsProvider, SSMProvider
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from boto3.dynamodb.conditions import Key
from pydantic import BaseModel

from alpr.clock import iso
from alpr.domain.records import PlateRead, Record
from alpr.repositories.dynamo import from_item, query_all, scan_all

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class DeliveryFailed(Exception):
    """NCRIC did not acknowledge the read; the queue tries again later."""


@dataclass(frozen=True)
class Acknowledgement:
    read_id: str
    receipt: str


class NcricTransport(Protocol):
    """One read with its image goes to NCRIC; an acknowledgement naming the read comes back, or DeliveryFailed.
    Delivering the same read twice must be harmless (NCRIC acknowledges by read id)."""

    @property
    def description(self) -> str: ...

    def deliver(self, read: PlateRead, image: bytes, content_type: str) -> Acknowledgement: ...

    def deliver_error_report(self, report: Mapping[str, Any]) -> Acknowledgement:
        """A misread or wrong hit for NCRIC to correct (418.6), acknowledged by its report id."""
        ...


AGENCY = "San Leandro Police Department"
# What NCRIC gets of an error report: the read it concerns and the correction, not our internal log keys.
ERROR_REPORT_FIELDS = (
    "report_id",
    "error",
    "read_id",
    "alert_id",
    "camera_id",
    "source",
    "original_plate",
    "corrected_plate",
    "description",
    "at",
    "by",
)


def error_report_payload(report: Mapping[str, Any]) -> dict[str, Any]:
    return {"error_report": {k: report.get(k, "") for k in ERROR_REPORT_FIELDS}, "agency": AGENCY}


def _payload(read: PlateRead, image: bytes, content_type: str) -> dict[str, Any]:
    return {
        "read": read.model_dump(mode="json", exclude={"expires_at", "correlation_id"}),
        "image_content_type": content_type,
        "image_base64": base64.b64encode(image).decode("ascii"),
        "agency": AGENCY,
    }


def _checked_url(url: str) -> str:
    parts = urlsplit(url)
    # TLS always, except to a receiver on this machine (the local stack's stand-in).
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        raise ValueError(f"the NCRIC endpoint must use https: {url}")
    return url


@dataclass(frozen=True)
class Credential:
    """What NCRIC's endpoint authenticates us by: one request header. Never logged, never in an error message."""

    header: str
    value: str = field(repr=False)

    @classmethod
    def from_secret(cls, raw: str | None) -> Credential | None:
        """The secret holds ``{"header": "x-api-key", "value": "..."}``, or a bare token sent as
        ``Authorization: Bearer <token>``; an empty secret or ``{}`` (as deployed) means none was set yet."""
        text = (raw or "").strip()
        if not text:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return cls("Authorization", f"Bearer {text}")
        if isinstance(data, dict):
            value = str(data.get("value") or "")
            return cls(str(data.get("header") or "Authorization"), value) if value else None
        return cls("Authorization", f"Bearer {text}")


class HttpsTransport:
    def __init__(
        self,
        url: str,
        credential: Callable[[], Credential],
        timeout_s: float = 10.0,
        http: Any = None,
        error_reports_url: str = "",
    ) -> None:
        self._url = _checked_url(url)
        # By default a sibling of the reads endpoint: https://ncric.example/alpr/reads -> .../alpr/error-reports
        self._error_reports_url = _checked_url(error_reports_url or urljoin(url, "error-reports"))
        # Looked up per request (cached by Powertools): a credential NCRIC rotates is picked up without a deploy.
        self._credential = credential
        self._timeout_s = timeout_s
        self._http = http or requests.Session()

    def deliver_error_report(self, report: Mapping[str, Any]) -> Acknowledgement:
        report_id = str(report["report_id"])
        status, answer = self._post(self._error_reports_url, error_report_payload(report), report_id)
        if str(answer.get("report_id", "")) != report_id:
            raise DeliveryFailed("NCRIC's answer did not acknowledge this error report")
        return Acknowledgement(report_id, f"https {status} {answer.get('status', '')}".strip())

    def _post(self, url: str, payload: dict[str, Any], idempotency_key: str) -> tuple[int, dict[str, Any]]:
        # Plate data never leaves unauthenticated: no credential, no request.
        credential = self._credential()
        headers = {"Idempotency-Key": idempotency_key, credential.header: credential.value}
        try:
            response = self._http.post(url, json=payload, headers=headers, timeout=self._timeout_s)
        except requests.RequestException as exc:
            # The exception's text could echo the request; its type is enough to act on.
            raise DeliveryFailed(f"NCRIC endpoint unreachable: {type(exc).__name__}") from None
        if response.status_code in (401, 403):
            raise DeliveryFailed(
                f"NCRIC endpoint refused our credential ({response.status_code}): check the secret's value"
            )
        if response.status_code not in (200, 201):
            raise DeliveryFailed(f"NCRIC endpoint answered {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        return response.status_code, answer if isinstance(answer, dict) else {}

    @property
    def description(self) -> str:
        return self._url

    def deliver(self, read: PlateRead, image: bytes, content_type: str) -> Acknowledgement:
        status, answer = self._post(self._url, _payload(read, image, content_type), read.read_id)
        if str(answer.get("read_id", "")) != read.read_id:
            raise DeliveryFailed("NCRIC's answer did not acknowledge this read")
        return Acknowledgement(read.read_id, f"https {status} {answer.get('status', '')}".strip())


class S3Transport:
    """Objects keyed by read id in NCRIC's bucket: writing one again replaces it with the same bytes."""

    def __init__(self, s3: Callable[[], Any], bucket: str, prefix: str = "") -> None:
        # A factory: the client acts as NCRIC's role, whose credentials are fetched (and renewed) when needed.
        self._client = s3
        self._bucket = bucket
        self._prefix = prefix

    @property
    def _s3(self) -> Any:
        return self._client()

    @property
    def description(self) -> str:
        return f"s3://{self._bucket}/{self._prefix}"

    def deliver(self, read: PlateRead, image: bytes, content_type: str) -> Acknowledgement:
        base = f"{self._prefix}{read.captured_at[:10]}/{read.read_id}"
        try:
            self._s3.put_object(
                Bucket=self._bucket, Key=f"{base}.img", Body=image, ContentType=content_type, ChecksumAlgorithm="SHA256"
            )
            put = self._s3.put_object(
                Bucket=self._bucket,
                Key=f"{base}.json",
                Body=json.dumps(_payload(read, b"", content_type) | {"image_key": f"{base}.img"}).encode(),
                ContentType="application/json",
                ChecksumAlgorithm="SHA256",
            )
        except DeliveryFailed:
            raise
        except Exception as exc:
            raise DeliveryFailed(f"NCRIC bucket refused the read: {_error_code(exc)}") from exc
        return Acknowledgement(read.read_id, f"s3 etag {put.get('ETag', '')}")

    def deliver_error_report(self, report: Mapping[str, Any]) -> Acknowledgement:
        report_id = str(report["report_id"])
        try:
            put = self._s3.put_object(
                Bucket=self._bucket,
                Key=f"{self._prefix}error-reports/{report_id}.json",
                Body=json.dumps(error_report_payload(report)).encode(),
                ContentType="application/json",
                ChecksumAlgorithm="SHA256",
            )
        except DeliveryFailed:
            raise
        except Exception as exc:
            raise DeliveryFailed(f"NCRIC bucket refused the error report: {_error_code(exc)}") from exc
        return Acknowledgement(report_id, f"s3 etag {put.get('ETag', '')}")


class Destination(BaseModel):
    kind: Literal["https", "s3", "unconfigured"] = "unconfigured"
    url: str = ""
    # Where error reports go (418.6); empty: "error-reports" next to ``url``.
    error_reports_url: str = ""
    bucket: str = ""
    prefix: str = ""
    # The role NCRIC gives us in its account, which may write to ``bucket`` (and the external id its trust
    # policy asks for). Cross-account access needs a grant on both sides
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html):
    # with a role of theirs, NCRIC's side holds the bucket permission and ours only needs sts:AssumeRole, which
    # the deliver function has whatever the destination, so a bucket set later through SSM works too.
    role_arn: str = ""
    external_id: str = ""
    region: str = ""
    timeout_s: float = 10.0


class RefusedTransport:
    """A destination that cannot be used as configured: every delivery fails (and waits) with the reason."""

    def __init__(self, reason: str, description: str = "not configured") -> None:
        self._reason = reason
        self.description = description

    def deliver(self, read: PlateRead, image: bytes, content_type: str) -> Acknowledgement:
        raise DeliveryFailed(f"{self._reason}; reads wait in the queue")

    def deliver_error_report(self, report: Mapping[str, Any]) -> Acknowledgement:
        raise DeliveryFailed(f"{self._reason}; error reports wait in the queue")


# Assumed-role credentials are renewed this long before they expire.
ROLE_RENEWAL_MARGIN = timedelta(minutes=5)
ROLE_SESSION_NAME = "alpr-ncric-deliver"


class AssumedRoleClients:
    """S3 clients acting as the role NCRIC gives us, one per (role, external id, region), renewed before expiry.

    This is AWS's documented way to reach a resource in another account with temporary credentials
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/tutorial_cross-account-with-roles.html), with the external
    id for the trust policy's confused-deputy check
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html)."""

    def __init__(self, session: Any, now: Callable[[], datetime]) -> None:
        self._session = session
        self._now = now
        self._clients: dict[tuple[str, str, str], tuple[Any, datetime]] = {}

    def s3(self, role_arn: str, external_id: str = "", region: str = "") -> Any:
        key = (role_arn, external_id, region)
        cached = self._clients.get(key)
        if cached is not None and self._now() < cached[1] - ROLE_RENEWAL_MARGIN:
            return cached[0]
        request: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": ROLE_SESSION_NAME}
        if external_id:
            request["ExternalId"] = external_id
        try:
            credentials = self._session.client("sts").assume_role(**request)["Credentials"]
        except Exception as exc:
            raise DeliveryFailed(f"cannot assume NCRIC's role {role_arn}: {_error_code(exc)}") from None
        client = self._session.client(
            "s3",
            region_name=region or None,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        expires = credentials["Expiration"]
        self._clients[key] = (client, expires if isinstance(expires, datetime) else self._now())
        return client


def _error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return str(code or type(exc).__name__)


class DestinationSource:
    """Reads the destination from SSM and the HTTPS credential from Secrets Manager, both through Powertools'
    parameters utility (cached for ``max_age_s``), so either can change without a deploy."""

    def __init__(
        self,
        session: Any,
        parameter_name: str,
        credential_secret: str,
        max_age_s: int,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self._provider = SSMProvider(boto3_client=session.client("ssm"))
        self._secrets = SecretsProvider(boto3_client=session.client("secretsmanager"))
        self._roles = AssumedRoleClients(session, now or (lambda: datetime.now(UTC)))
        self._name = parameter_name
        self._secret_name = credential_secret
        self._max_age_s = max_age_s

    def credential(self) -> Credential:
        try:
            raw = self._secrets.get(self._secret_name, max_age=self._max_age_s)
        except GetParameterError as exc:
            raise DeliveryFailed(
                f"the NCRIC credential (secret {self._secret_name}) cannot be read: {_error_code(exc.__cause__ or exc)}"
            ) from None
        credential = Credential.from_secret(raw if isinstance(raw, str) else None)
        if credential is None:
            raise DeliveryFailed(f"no NCRIC credential is set in secret {self._secret_name}; nothing was sent")
        return credential

    def transport(self) -> NcricTransport:
        raw = self._provider.get(self._name, transform="json", max_age=self._max_age_s)
        destination = Destination.model_validate(raw or {})
        if destination.kind == "https":
            return HttpsTransport(
                destination.url,
                self.credential,
                destination.timeout_s,
                error_reports_url=destination.error_reports_url,
            )
        if destination.kind == "s3":
            where = f"s3://{destination.bucket}/{destination.prefix}"
            if not destination.bucket or not destination.role_arn:
                return RefusedTransport(
                    "an S3 destination needs the bucket and the role_arn NCRIC gives (a role in NCRIC's account "
                    "that may write there and trusts our deliver role)",
                    where,
                )
            return S3Transport(
                lambda: self._roles.s3(destination.role_arn, destination.external_id, destination.region),
                destination.bucket,
                destination.prefix,
            )
        return RefusedTransport("no NCRIC destination is configured (SSM parameter)")


class DeliveryStatus:
    DELIVERED = "delivered"
    FAILING = "failing"


class NcricDelivery(Record):
    read_id: str
    status: str
    updated_at: str
    attempts: int = 0
    destination: str = ""
    receipt: str = ""
    delivered_at: str = ""
    last_error: str = ""
    expires_at: int | None = None


class DeliveryRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, read_id: str) -> NcricDelivery | None:
        item = self._table.get_item(Key={"read_id": read_id}, ConsistentRead=True).get("Item")
        return from_item(NcricDelivery, item) if item else None

    def _update(self, read_id: str, now: datetime, expires_at: int | None, fields: dict[str, Any]) -> None:
        fields = {**fields, "updated_at": iso(now)}
        if expires_at is not None:
            fields["expires_at"] = expires_at
        names = {f"#{k}": k for k in fields}
        values = {f":{k}": v for k, v in fields.items()}
        self._table.update_item(
            Key={"read_id": read_id},
            UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in fields) + " ADD attempts :one",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={**values, ":one": 1},
        )

    def delivered(self, read: PlateRead, ack: Acknowledgement, destination: str, now: datetime) -> None:
        self.acknowledged(read.read_id, ack, destination, now, read.expires_at)

    def acknowledged(
        self, item_id: str, ack: Acknowledgement, destination: str, now: datetime, expires_at: int | None
    ) -> None:
        """A read, or an error report (keyed by its report id, kept with the administration record)."""
        fields = {"status": DeliveryStatus.DELIVERED, "receipt": ack.receipt, "destination": destination}
        self._update(item_id, now, expires_at, fields | {"delivered_at": iso(now), "last_error": ""})

    def failed(self, read_id: str, error: str, destination: str, now: datetime, expires_at: int | None) -> None:
        self._update(
            read_id,
            now,
            expires_at,
            {"status": DeliveryStatus.FAILING, "last_error": error, "destination": destination},
        )

    def with_status(self, status: str) -> list[NcricDelivery]:
        items = query_all(self._table, IndexName="by_status", KeyConditionExpression=Key("status").eq(status))
        return [from_item(NcricDelivery, i) for i in items]

    def delivered_ids(self) -> set[str]:
        return {str(i["read_id"]) for i in scan_all(self._table) if i.get("status") == DeliveryStatus.DELIVERED}


@dataclass(frozen=True)
class ParkedMessage:
    message_id: str
    read_id: str
    receive_count: int
    sent_at: str


class ForwardQueue:
    """The queue between the reads stream and delivery, and its dead-letter queue."""

    def __init__(self, sqs: Any, queue_name: str, dead_letter_name: str) -> None:
        self._sqs = sqs
        self._names = (queue_name, dead_letter_name)
        self._urls: dict[str, str] = {}

    def _url(self, name: str) -> str:
        if name not in self._urls:
            self._urls[name] = self._sqs.get_queue_url(QueueName=name)["QueueUrl"]
        return self._urls[name]

    @property
    def url(self) -> str:
        return self._url(self._names[0])

    @property
    def dead_letter_url(self) -> str:
        return self._url(self._names[1])

    def send(self, read_ids: list[str]) -> None:
        for start in range(0, len(read_ids), 10):
            chunk = read_ids[start : start + 10]
            result = self._sqs.send_message_batch(
                QueueUrl=self.url,
                Entries=[{"Id": str(i), "MessageBody": json.dumps({"read_id": r})} for i, r in enumerate(chunk)],
            )
            if result.get("Failed"):
                raise RuntimeError(f"{len(result['Failed'])} read id(s) could not be queued for NCRIC")

    def send_error_report(self, report_id: str, record_id: str) -> None:
        """An error report (418.6) travels the same queue as reads, named by its administration-log key."""
        body = json.dumps({"error_report_id": report_id, "record_id": record_id})
        self._sqs.send_message(QueueUrl=self.url, MessageBody=body)

    def retry_later(self, receipt_handle: str, delay_s: int) -> None:
        self._sqs.change_message_visibility(QueueUrl=self.url, ReceiptHandle=receipt_handle, VisibilityTimeout=delay_s)

    def _dead_letters(self) -> Iterator[dict[str, Any]]:
        """Every dead letter once: each is hidden while the listing runs, then made visible again."""
        seen: dict[str, dict[str, Any]] = {}
        while True:
            batch = self._sqs.receive_message(
                QueueUrl=self.dead_letter_url, MaxNumberOfMessages=10, VisibilityTimeout=30, AttributeNames=["All"]
            ).get("Messages", [])
            fresh = [m for m in batch if m["MessageId"] not in seen]
            if not fresh:
                break
            seen.update({m["MessageId"]: m for m in fresh})
        yield from seen.values()

    def failures(self) -> list[ParkedMessage]:
        parked = []
        for message in self._dead_letters():
            attributes = message.get("Attributes", {})
            parked.append(
                ParkedMessage(
                    message_id=message["MessageId"],
                    read_id=read_id_of(message["Body"]) or error_report_of(message["Body"]) or STREAM_BATCH,
                    receive_count=int(attributes.get("ApproximateReceiveCount", 0)),
                    sent_at=attributes.get("SentTimestamp", ""),
                )
            )
            self._sqs.change_message_visibility(
                QueueUrl=self.dead_letter_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        return parked

    def replay(self) -> list[str]:
        """Moves every dead letter naming a read or an error report back to the forwarding queue (sent first, then
        deleted: nothing lost). Stream-batch notices stay: ``reconcile`` finds the reads they stand for."""
        moved = []
        for message in self._dead_letters():
            if error_report_of(message["Body"]) is not None:
                self._sqs.send_message(QueueUrl=self.url, MessageBody=message["Body"])
                self._sqs.delete_message(QueueUrl=self.dead_letter_url, ReceiptHandle=message["ReceiptHandle"])
                moved.append(str(error_report_of(message["Body"])))
                continue
            read_id = read_id_of(message["Body"])
            if read_id is None:
                self._sqs.change_message_visibility(
                    QueueUrl=self.dead_letter_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
                continue
            self.send([read_id])
            self._sqs.delete_message(QueueUrl=self.dead_letter_url, ReceiptHandle=message["ReceiptHandle"])
            moved.append(read_id)
        return moved


# What `failures` shows for an AWS stream on-failure notice, which names shard positions rather than reads.
STREAM_BATCH = "(stream batch: run `alpr ncric reconcile`)"


def read_id_of(body: str) -> str | None:
    """A forwarding message ({"read_id": ...}) or a stream record parked by the local stack; None for anything
    else (AWS's on-failure notice for a stream batch carries only shard and sequence numbers)."""
    try:
        data = json.loads(body)
        if "read_id" in data:
            return str(data["read_id"])
        return str(data["dynamodb"]["Keys"]["read_id"]["S"])
    except (ValueError, KeyError, TypeError):
        return None


def error_report_of(body: str) -> str | None:
    """The report id of an error-report message ({"error_report_id", "record_id"}), else None."""
    try:
        data = json.loads(body)
        return str(data["error_report_id"]) if "error_report_id" in data else None
    except (ValueError, TypeError):
        return None
