"""Hotlist files of any size (issue 13, finding 6): the regional web ACL's core rule set blocks request bodies over
8 KB (SizeRestrictions_BODY, https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html),
so a real list goes to S3 through a presigned POST, and the S3 event starts the importer."""

from __future__ import annotations

import base64
import calendar
import json
import time
from typing import Any

import pytest
import requests

from alpr import schema
from alpr.clock import FixedClock
from alpr.domain.errors import Forbidden
from alpr.domain.hotlist.imports import ImportTooLarge
from alpr.domain.training import TrainingRecord
from alpr.local.lambda_runtime import invoke
from alpr.local.stack import LocalStack
from alpr.services.match import MatcherCache
from tests.integration.test_hotlist import ADMIN, HEADER, OFFICER, api_event, list_file

ADMIN_CLAIMS = {"sub": "u-9", "cognito:username": "admin-1", "cognito:groups": "administrator"}


def trained(stack: LocalStack, member_id: str) -> None:
    stack.runtime.repos.training.put(
        TrainingRecord(
            member_id=member_id,
            course="ALPR user training",
            completed_on="2026-10-01",
            recorded_by="admin",
            recorded_at="2026-10-01T17:00:00Z",
        )
    )


def call(method: str, path: str, body: Any = None, raw: bytes | None = None) -> tuple[int, dict[str, Any]]:
    from functions.hotlist.api import handler

    event = api_event(method, path, body, ADMIN_CLAIMS)
    if raw is not None:
        event.update(body=base64.b64encode(raw).decode(), isBase64Encoded=True)
        event["headers"] = {"content-type": "text/csv"}
    answer = invoke(handler, event, "hotlist-api")
    return answer["statusCode"], json.loads(answer["body"])


def post_file(upload: dict[str, Any], data: bytes) -> requests.Response:
    """What the page does with the answer: a multipart/form-data POST, the policy's fields first, the file last."""
    return requests.post(
        upload["url"], data=upload["fields"], files={upload["file_field"]: ("list.csv", data)}, timeout=120
    )


def big_list(target_bytes: int) -> tuple[bytes, int, str]:
    """A plausible statewide extract of about ``target_bytes``: (file, rows, the last row's plate)."""
    rows: list[str] = [HEADER.rstrip("\n")]
    size, n = len(HEADER), 0
    plate = ""
    while size < target_bytes:
        plate = f"{n % 9 + 1}{chr(65 + n % 26)}{chr(65 + n // 26 % 26)}{chr(65 + n // 676 % 26)}{n % 1000:03d}"
        row = f"{plate},CA,PC,CHEVROLET,SILVER,SV,DOJ-SVS-{n:09d}"
        rows.append(row)
        size += len(row) + 1
        n += 1
    return ("\n".join(rows) + "\n").encode(), n, plate


def test_a_list_over_the_waf_body_limit_is_refused_in_the_body_and_imported_through_a_presigned_upload(
    stack: LocalStack,
) -> None:
    trained(stack, "admin-1")
    data = list_file(*(f"{n % 10}ZZZ{n:03d},CA,PC,TOYOTA,BLUE,SV,Z{n:05d}" for n in range(300)))
    assert len(data) > schema.WAF_COMMON_RULES_MAX_BODY_BYTES

    status, refused = call("POST", "/v1/hotlists/ca-svs/imports", raw=data)
    assert status == 413 and "/v1/hotlists/ca-svs/uploads" in refused["message"], refused
    assert stack.runtime.hotlist.versions(ADMIN, "ca-svs") == [], "nothing was imported"
    small = list_file()
    assert len(small) <= schema.MAX_DIRECT_HOTLIST_IMPORT_BYTES
    status, report = call("POST", "/v1/hotlists/ncic/imports", raw=small)
    assert status == 201 and report["imported"] == 60, "a list small enough for the web ACL still goes in the body"

    status, ticket = call("POST", "/v1/hotlists/ca-svs/uploads", {"filename": "svs.csv", "size": len(data)})
    assert status == 201, ticket
    assert ticket["status"] == "awaiting_upload" and ticket["requested_by"] == "admin-1"
    assert ticket["upload"]["method"] == "POST" and "key" not in ticket
    assert ticket["upload"]["fields"]["key"] == schema.BUCKET.hotlist_upload_key("ca-svs", ticket["upload_id"])
    sent = post_file(ticket["upload"], data)
    assert sent.status_code == 204, sent.text
    stack.drain()

    status, done = call("GET", ticket["see"])
    assert status == 200 and done["status"] == "in_force", done
    assert done["report"]["imported"] == 360 and done["report"]["imported_by"] == "admin-1"
    assert done["received_bytes"] == len(data) and done["version"] == done["report"]["version"]
    [version] = stack.runtime.hotlist.versions(ADMIN, "ca-svs")
    assert version["in_force"] and version["origin"].startswith(f"upload {ticket['upload_id']}")


def test_the_presigned_post_policy_bounds_the_size_and_names_one_key(stack: LocalStack) -> None:
    """S3 enforces a POST policy's content-length-range and expiration
    (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html); moto checks neither (its
    _bucket_response_post stores whatever arrives), so the policy itself is what this test reads."""
    before = time.time()
    upload = stack.runtime.hotlist.request_upload(ADMIN, "ca-svs", 1000, "svs.csv")
    after = time.time()
    policy = json.loads(base64.b64decode(upload.post.fields["policy"]))
    assert ["content-length-range", 1, schema.MAX_HOTLIST_UPLOAD_BYTES] in policy["conditions"]
    assert {"key": upload.ticket.key} in policy["conditions"]
    assert {"bucket": stack.settings.images_bucket} in policy["conditions"]
    assert upload.ticket.key.startswith(schema.BUCKET.hotlist_uploads)
    # boto3 stamps the policy's expiration from the real clock, in whole seconds (botocore.signers: now +
    # ExpiresIn, written without its fraction): the link lives PRESIGNED_URL_TTL_S seconds from the request,
    # bounded by the clock read just before and after it. (time.gmtime() reads time(2), which Linux may serve
    # from a coarse clock a few milliseconds behind the one botocore reads: across a second's edge the old
    # check measured 301 s on a fresh clone.)
    expires_at = calendar.timegm(time.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ"))
    assert before + schema.PRESIGNED_URL_TTL_S - 1 <= expires_at <= after + schema.PRESIGNED_URL_TTL_S
    assert schema.MAX_HOTLIST_UPLOAD_BYTES >= 50 * 1024 * 1024, "a statewide list is about 50 MB"


def test_an_upload_over_the_limit_is_refused_by_the_importer_and_the_list_in_force_stays(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where S3 does not check the policy (moto), the importer refuses an oversized file itself."""
    hotlist = stack.runtime.hotlist
    first = hotlist.import_list(ADMIN, "ncic", list_file("1OLD111,CA,PC,,,SV,OLD1"))
    monkeypatch.setattr(schema, "MAX_HOTLIST_UPLOAD_BYTES", 2000)
    with pytest.raises(ImportTooLarge, match="over the 2,000-byte limit"):
        hotlist.request_upload(ADMIN, "ncic", 5000)
    upload = hotlist.request_upload(ADMIN, "ncic")
    big = list_file("2NEW222,CA,PC,,,SV,NEW1")
    assert len(big) > 2000
    assert post_file({"url": upload.post.url, "fields": upload.post.fields, "file_field": "file"}, big).ok
    stack.drain()

    ticket, report = hotlist.upload(ADMIN, "ncic", upload.ticket.upload_id)
    assert ticket.status == "refused" and report is not None
    assert f"{len(big):,} bytes, over the 2,000-byte limit" in report["refused_because"]
    assert hotlist.lists_in_force()["ncic"]["version"] == first.version
    assert stack.runtime.repos.images.exists(upload.ticket.key), "the refused file is kept, nothing is lost"


def test_a_bad_uploaded_list_is_refused_with_its_reasons_and_loses_nothing(stack: LocalStack) -> None:
    hotlist = stack.runtime.hotlist
    first = hotlist.import_list(ADMIN, "ncic", list_file("1OLD111,CA,PC,,,SV,OLD1"))
    for data, why in (
        (b"plate,state\n7ABC123,CA\n", "lacks column(s) reason_code, record_id"),
        ("plate,reason_code,record_id\n7ABC123,SV,\u00e9".encode("latin-1"), "not UTF-8 text (bad byte at line 2)"),
        (list_file(*(f"{n}BAD{n:03d},CA,PC,,,XX,B{n}" for n in range(40))), "40 of 100 rows are bad"),
    ):
        upload = hotlist.request_upload(ADMIN, "ncic")
        assert post_file({"url": upload.post.url, "fields": upload.post.fields, "file_field": "file"}, data).ok
        stack.drain()
        ticket, report = hotlist.upload(ADMIN, "ncic", upload.ticket.upload_id)
        assert ticket.status == "refused" and why in ticket.refused_because, ticket
        assert report is not None and report["status"] == "refused" and report["imported"] == 0
        assert hotlist.lists_in_force()["ncic"]["version"] == first.version


def test_only_the_file_of_a_requested_upload_is_imported_and_only_once(stack: LocalStack) -> None:
    s3 = stack.session.client("s3")
    bucket = stack.settings.images_bucket
    s3.put_object(Bucket=bucket, Key=schema.BUCKET.hotlist_upload_key("ncic", "f" * 32), Body=list_file())
    stack.drain()
    assert stack.runtime.hotlist.versions(ADMIN, "ncic") == [], "no ticket, no import"

    upload = stack.runtime.hotlist.request_upload(ADMIN, "ncic")
    assert post_file({"url": upload.post.url, "fields": upload.post.fields, "file_field": "file"}, list_file()).ok
    stack.drain()
    # S3 may announce an object more than once: the same event again imports nothing new.
    message = {
        "Records": [
            {
                "eventName": "ObjectCreated:Post",
                "s3": {"bucket": {"name": bucket}, "object": {"key": upload.ticket.key}},
            }
        ]
    }
    stack.session.client("sqs").send_message(
        QueueUrl=stack.provisioned.queue_urls[schema.HOTLIST_EVENTS_QUEUE.logical_name], MessageBody=json.dumps(message)
    )
    stack.drain()
    assert [v["status"] for v in stack.runtime.hotlist.versions(ADMIN, "ncic")] == ["in_force"]


def test_uploads_are_for_administrators_and_an_unused_link_expires(stack: LocalStack, clock: FixedClock) -> None:
    with pytest.raises(Forbidden):
        stack.runtime.hotlist.request_upload(OFFICER, "ncic")
    upload = stack.runtime.hotlist.request_upload(ADMIN, "ncic")
    assert stack.runtime.hotlist.upload(OFFICER, "ncic", upload.ticket.upload_id)[0].status == "awaiting_upload"
    clock.advance(seconds=schema.PRESIGNED_URL_TTL_S + 1)
    assert stack.runtime.hotlist.upload(ADMIN, "ncic", upload.ticket.upload_id)[0].status == "expired"


@pytest.mark.slow
def test_a_50_mb_list_is_imported_end_to_end_through_the_upload(stack: LocalStack) -> None:
    trained(stack, "admin-1")
    data, rows, last_plate = big_list(50 * 1024 * 1024)
    started = time.monotonic()
    status, ticket = call("POST", "/v1/hotlists/ca-svs/uploads", {"filename": "svs.csv", "size": len(data)})
    assert status == 201, ticket
    assert post_file(ticket["upload"], data).status_code == 204
    stack.drain(timeout_s=600)
    status, done = call("GET", ticket["see"])
    elapsed = time.monotonic() - started
    assert done["status"] == "in_force", done
    assert (done["report"]["rows"], done["report"]["imported"], done["report"]["bad_count"]) == (rows, rows, 0)
    hits = MatcherCache(stack.runtime.repos, refresh_s=0).matcher().match(last_plate)
    assert f"ca-svs:DOJ-SVS-{rows - 1:09d}" in [h.target.entry_id for h in hits], "the file's last row is in force"
    print(f"50 MB list ({rows} rows) imported through the upload in {elapsed:.1f} s")


def test_the_cli_uploads_as_the_page_does_and_prints_the_report(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from alpr.cli import main

    trained(stack, "admin-1")
    path = tmp_path / "svs.csv"
    path.write_bytes(list_file("1ABC", *(f"{n % 10}YYY{n:03d},CA,PC,,,SV,Y{n:05d}" for n in range(300))))
    # The deployed importer (or `alpr local`'s pumps) runs while the CLI waits; here each wait delivers the events.
    monkeypatch.setattr(time, "sleep", lambda _s: stack.drain())
    args = [
        "hotlist",
        "upload",
        str(path),
        "--list",
        "ca-svs",
        "--aws",
        "--member",
        "admin-1",
        "--role",
        "administrator",
    ]
    code = main(args)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "in_force; 360 imported of 361 rows, 1 bad" in out and "line 62: 1 field(s)" in out
    [version] = stack.runtime.hotlist.versions(ADMIN, "ca-svs")
    assert version["imported_by"] == "admin-1" and version["origin"].startswith("upload ")


def test_the_local_page_may_post_uploads_cross_origin(stack: LocalStack) -> None:
    """The bucket's CORS rule (as deployed: POST from the page's origin only) is in the local stack too, so the page
    served by `alpr local` can send the file with fetch()."""
    page = f"http://{stack.config.host}:{stack.config.api_port}"
    upload = stack.runtime.hotlist.request_upload(ADMIN, "ncic")
    preflight = requests.options(
        upload.post.url, headers={"Origin": page, "Access-Control-Request-Method": "POST"}, timeout=10
    )
    assert preflight.headers.get("Access-Control-Allow-Origin") == page
    assert "POST" in preflight.headers.get("Access-Control-Allow-Methods", "")
    sent = requests.post(
        upload.post.url, data=upload.post.fields, files={"file": ("l.csv", list_file())}, headers={"Origin": page}
    )
    assert sent.status_code == 204 and sent.headers.get("Access-Control-Allow-Origin") == page
    # Refusing other origins cannot be shown here: moto's server adds CORS headers for any origin to every answer.
    # That the deployed rule names the page's origin only is tests/infra/test_hotlist_template.py's to hold.
