"""Hotlists against the local stack (moto): imports, manual entries, historical hits, alerts end to end."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from alpr import schema
from alpr.clock import FixedClock
from alpr.domain.alerts import MuteRefused, TrainingRequired
from alpr.domain.errors import Conflict, Forbidden
from alpr.domain.hotlist.imports import MAX_BAD_FRACTION
from alpr.domain.hotlist.searches import SearchStatus
from alpr.domain.records import AlertStatus
from alpr.local.demo import DEMO_PLATE
from alpr.local.stack import LocalStack
from alpr.schema import Role
from alpr.services.access import Member
from alpr.services.match import MatcherCache
from tests.integration.helpers import notifications, push, table_items

ADMIN = Member("admin-1", "A. Administrator", roles=frozenset({Role.ADMINISTRATOR}), trained=True)
OFFICER = Member("officer-1", "O. Officer", roles=frozenset({Role.OFFICER}), trained=True)
OTHER_OFFICER = Member("officer-2", "P. Officer", roles=frozenset({Role.OFFICER}), trained=True)
UNTRAINED = Member("officer-9", "U. Officer", roles=frozenset({Role.OFFICER}), trained=False)
HEADER = "plate,state,plate_type,make,colour,reason_code,record_id\n"
FILLER = [f"{n % 10}QRS{n:03d},CA,PC,FORD,RED,SV,F{n:05d}" for n in range(60)]


def list_file(*rows: str) -> bytes:
    return (HEADER + "\n".join([*FILLER, *rows]) + "\n").encode()


def access_actions(stack: LocalStack) -> list[tuple[str, str, str]]:
    records = stack.runtime.repos.access_log.for_day(stack.clock.now().isoformat()[:10])
    return [(r.member_id, r.action, r.outcome) for r in records]


def test_an_imported_list_raises_a_verified_and_closed_alert_with_a_notification(
    stack: LocalStack, demo_photo: Path
) -> None:
    report = stack.runtime.hotlist.import_list(
        ADMIN,
        "ca-svs",
        list_file(f"{DEMO_PLATE},CA,PC,HOND,SIL,AA,AMBER-26-7", "NOTAPLATE!!!,CA,PC,,,SV,BAD1"),
    )
    assert report.status == "in_force"
    assert (report.imported, report.bad_count) == (61, 1)
    assert report.bad_rows == [{"line": 63, "reason": "plate 'NOTAPLATE!!!' is not 2-8 letters and digits"}]

    assert push(stack, demo_photo).status_code == 202
    stack.drain()

    alerts = stack.runtime.alerts.list(OFFICER, "d", "AMBER-26-7", "test")
    listed = next(a for a in alerts if a.hotlist_source == "ca-svs")
    assert (listed.match_kind, listed.priority, listed.entry_id) == ("match", "high", "ca-svs:AMBER-26-7")
    assert alerts[0].alert_id == listed.alert_id, "high-priority alerts come first"
    messages = {m["list"]: m for m in notifications(stack)}
    message = messages["ca-svs"]
    assert message["plate"] == DEMO_PLATE and message["priority"] == "high"
    assert message["camera_id"] == "demo-fixed-1" and "37.72490" in message["place"]
    assert message["captured_at"] == listed.captured_at and message["image_link"].startswith("http")

    stack.runtime.alerts.review(OFFICER, listed.alert_id, "correct_read")
    stack.runtime.alerts.move(OFFICER, listed.alert_id, "verified", clets_reference="CLETS-2611-0042")
    closed = stack.runtime.alerts.move(OTHER_OFFICER, listed.alert_id, "closed", note="child found safe")
    stored = stack.runtime.repos.alerts.get(listed.alert_id)
    assert stored is not None and stored.status is AlertStatus.CLOSED == closed.status
    assert [(c.status.value, c.by) for c in stored.history] == [("verified", "officer-1"), ("closed", "officer-2")]
    assert stored.review is not None and stored.review.outcome.value == "correct_read"
    assert ("officer-1", "alerts.verified", "allowed") in access_actions(stack)
    assert ("officer-2", "alerts.closed", "allowed") in access_actions(stack)


def test_a_failed_or_refused_import_leaves_the_previous_version_in_force(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    hotlist = stack.runtime.hotlist
    first = hotlist.import_list(ADMIN, "ncic", list_file("1OLD111,CA,PC,,,SV,OLD1"))
    assert first.status == "in_force"

    def storage_fails(key: str, data: bytes) -> None:
        raise ConnectionError("S3 went away halfway through the import")

    monkeypatch.setattr(stack.runtime.repos.snapshots, "put", storage_fails)
    with pytest.raises(ConnectionError):
        hotlist.import_list(ADMIN, "ncic", list_file("2NEW222,CA,PC,,,SV,NEW1"))
    monkeypatch.undo()
    mostly_bad = [f"BAD PLATE {n},CA,PC,,,SV,B{n}" for n in range(int(len(FILLER) * MAX_BAD_FRACTION) + 5)]
    refused = hotlist.import_list(ADMIN, "ncic", list_file("3NEW333,CA,PC,,,SV,NEW2", *mostly_bad))
    assert refused.status == "refused" and "is this the right file" in (refused.refused_because or "")

    assert hotlist.lists_in_force()["ncic"]["version"] == first.version
    matcher = MatcherCache(stack.runtime.repos, refresh_s=0).matcher()
    assert [h.target.entry_id for h in matcher.match("10LD111")] == ["ncic:OLD1"]
    assert matcher.match("2NEW222") == [] and matcher.match("3NEW333") == []
    versions = hotlist.versions(ADMIN, "ncic")
    assert [(v["status"], v["in_force"]) for v in versions] == [("refused", False), ("in_force", True)]


def test_only_trained_administrators_import_lists(stack: LocalStack) -> None:
    with pytest.raises(Forbidden):
        stack.runtime.hotlist.import_list(OFFICER, "ncic", list_file())
    with pytest.raises(TrainingRequired):
        stack.runtime.hotlist.import_list(
            Member("admin-2", "B", roles=frozenset({Role.ADMINISTRATOR})), "ncic", list_file()
        )


def test_a_file_dropped_in_the_bucket_is_imported_through_the_queue(stack: LocalStack) -> None:
    s3 = stack.session.client("s3")
    bucket = stack.settings.images_bucket
    s3.put_object(
        Bucket=bucket,
        Key=f"{schema.BUCKET.hotlist_incoming}ca-svs/2026-11-02.csv",
        Body=list_file("1ABC", "7XYZ777,CA,PC,,,SV,X1"),
    )
    s3.put_object(Bucket=bucket, Key=f"{schema.BUCKET.hotlist_incoming}no-folder.csv", Body=list_file())
    stack.drain()
    [version] = stack.runtime.hotlist.versions(ADMIN, "ca-svs")
    assert version["status"] == "in_force" and version["in_force"] and version["imported"] == 61
    assert version["bad_rows"] == [{"line": 62, "reason": "1 field(s), expected at least 7"}]
    assert version["origin"].endswith("hotlists/incoming/ca-svs/2026-11-02.csv")
    sqs = stack.session.client("sqs")
    for queue in (schema.HOTLIST_EVENTS_QUEUE.logical_name,):
        attributes = sqs.get_queue_attributes(
            QueueUrl=stack.provisioned.dead_letter_urls[queue], AttributeNames=["ApproximateNumberOfMessages"]
        )
        assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0", "a misplaced file is not retried"


def test_a_partial_plate_finds_earlier_sightings_through_a_queued_search(stack: LocalStack, demo_photo: Path) -> None:
    push(stack, demo_photo)
    stack.drain()
    notifications(stack)  # the demo entry's live alert
    stack.clock.set(stack.clock.now() + timedelta(minutes=1))  # type: ignore[attr-defined]  # the crime, later
    entry, search = stack.runtime.hotlist.add(
        OFFICER, value="7AB?123", reason="investigation", case_number="26-1102-HOM", vehicle="dark sedan"
    )
    assert (search.status, search.entry_id) == (SearchStatus.QUEUED, entry.entry_id)
    assert stack.runtime.alerts.list(OFFICER, "a", "26-1102-HOM", "test", entry_id=entry.entry_id) == []
    stack.drain()

    [done] = stack.runtime.historical_searches.searches(OFFICER, entry.entry_id)
    assert (done.job_id, done.status, done.hits) == (search.job_id, SearchStatus.DONE, 1)
    assert done.reads_scanned == len(table_items(stack, schema.READS.logical_name)) and done.finished_at
    [hit] = stack.runtime.alerts.list(OFFICER, "a", "26-1102-HOM", "test", entry_id=entry.entry_id)
    assert (hit.historical, hit.match_kind, hit.plate, hit.entry_id) == (True, "partial", DEMO_PLATE, entry.entry_id)
    assert notifications(stack) == [], "historical hits are recorded, not broadcast"
    assert ("officer-1", "alerts.list", "allowed") in access_actions(stack)

    stack.runtime.repos.search_queue.send(search.job_id)  # the same message delivered again
    stack.drain()
    assert len(stack.runtime.repos.alerts.for_entry(entry.entry_id, stack.clock.now())) == 1
    assert stack.runtime.repos.historical_searches.get(search.job_id) == done


def test_a_search_redelivered_midway_resumes_without_duplicates(
    stack: LocalStack, demo_photo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The function dies after a page's hits are written but before the page is recorded: the redelivered
    message reads that page again, writes no second alert and counts it once."""
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    from alpr.local.lambda_runtime import failed_item_ids, invoke, sqs_event
    from functions.hotlist.search import handler

    for minutes in (0, 5, 10):  # trailing bytes after the JPEG's end: the same picture, three frames
        photo = demo_photo.read_bytes() + b"\0" * minutes
        push(stack, photo, captured_at=stack.clock.now() - timedelta(minutes=minutes))
    stack.drain()
    stack.clock.set(stack.clock.now() + timedelta(minutes=1))  # type: ignore[attr-defined]  # the entry comes later
    monkeypatch.setattr(stack.runtime.historical_searches, "_page_size", 1)  # one read a page: many pages
    entry, search = stack.runtime.hotlist.add(OFFICER, value="*ABC1*", reason="investigation", case_number="26-7")
    jobs = stack.runtime.repos.historical_searches
    real_advance, calls = jobs.advance, []

    def dies_on_the_second_page(*args: Any) -> bool:
        calls.append(args)
        if len(calls) == 2:
            raise ConnectionError("the function timed out")
        return real_advance(*args)

    monkeypatch.setattr(jobs, "advance", dies_on_the_second_page)
    message = {"MessageId": "m-1", "ReceiptHandle": "r-1", "Body": json.dumps({"job_id": search.job_id})}
    event = sqs_event([message], "arn:aws:sqs:us-west-2:123456789012:q", "us-west-2")
    with pytest.raises(BatchProcessingError):  # a batch whose every message failed: all of it comes back
        invoke(handler, event, "hotlist-search")
    stuck = jobs.get(search.job_id)
    assert stuck is not None and (stuck.status, stuck.pages) == (SearchStatus.RUNNING, 1)
    assert stuck.last_error == "ConnectionError: the function timed out"

    assert failed_item_ids(invoke(handler, event, "hotlist-search")) == set()  # the redelivery
    done = jobs.get(search.job_id)
    reads = len(table_items(stack, schema.READS.logical_name))
    alerts = stack.runtime.repos.alerts.for_entry(entry.entry_id, stack.clock.now())
    assert done is not None and done.status is SearchStatus.DONE
    assert (done.reads_scanned, done.hits, len(alerts)) == (reads, 3, 3)
    assert len({a.read_id for a in alerts}) == 3


def test_an_entry_deactivated_before_its_search_ran_is_not_searched(stack: LocalStack, demo_photo: Path) -> None:
    push(stack, demo_photo)
    stack.drain()
    hotlist = stack.runtime.hotlist
    entry, search = hotlist.add(OFFICER, value="7ABC12?", reason="investigation", case_number="26-8")
    hotlist.deactivate(OFFICER, entry.entry_id, "wrong plate reported")
    stack.drain()
    cancelled = stack.runtime.repos.historical_searches.get(search.job_id)
    assert cancelled is not None and cancelled.status is SearchStatus.CANCELLED and cancelled.reads_scanned == 0
    assert stack.runtime.repos.alerts.for_entry(entry.entry_id, stack.clock.now()) == []
    with pytest.raises(Conflict):
        hotlist.search_again(OFFICER, entry.entry_id)


def test_untrained_members_see_no_alerts(stack: LocalStack, demo_photo: Path) -> None:
    push(stack, demo_photo)
    stack.drain()
    with pytest.raises(TrainingRequired):
        stack.runtime.alerts.list(UNTRAINED, "a", "26-0001", "test")
    with pytest.raises(TrainingRequired):
        stack.runtime.alerts.review(UNTRAINED, "anything", "correct_read")
    auditor = Member("aud-1", "Auditor", roles=frozenset({Role.AUDITOR}), trained=True)
    [alert] = stack.runtime.alerts.list(auditor, "a", "26-0001", "test")
    with pytest.raises(Forbidden):
        stack.runtime.alerts.move(auditor, alert.alert_id, "verified", clets_reference="CLETS-1")


def test_entries_change_only_by_their_author_or_an_administrator_and_keep_their_history(
    stack: LocalStack, demo_photo: Path
) -> None:
    hotlist = stack.runtime.hotlist
    [demo] = hotlist.entries(OFFICER)
    with pytest.raises(Forbidden):
        hotlist.deactivate(OFFICER, demo.entry_id, "recovered")
    hotlist.deactivate(ADMIN, demo.entry_id, "vehicle recovered")
    entry, _ = hotlist.add(OFFICER, value="8BAD888", reason="stolen_plate", case_number="26-0099", expires_in_days=5)
    hotlist.extend(OFFICER, entry.entry_id, 20)
    assert [c.action for c in hotlist.history(ADMIN, demo.entry_id)] == ["added", "deactivated"]
    changes = hotlist.history(OFFICER, entry.entry_id)
    assert [(c.action, c.by) for c in changes] == [("added", "officer-1"), ("extended", "officer-1")]
    assert changes[1].before is not None and changes[1].before["expires_on"] < changes[1].after["expires_on"]
    assert {e.entry_id for e in hotlist.entries(OFFICER, include_inactive=True)} == {demo.entry_id, entry.entry_id}

    push(stack, demo_photo)
    stack.drain()
    assert stack.runtime.repos.alerts.recent(stack.clock.now()) == [], "a deactivated entry raises nothing"


def test_an_expired_entry_raises_nothing(stack: LocalStack, clock: FixedClock, demo_photo: Path) -> None:
    stack.runtime.hotlist.add(OFFICER, value="*ABC12*", reason="investigation", case_number="26-5", expires_in_days=1)
    [demo] = [e for e in stack.runtime.hotlist.entries(ADMIN) if e.value == DEMO_PLATE]
    stack.runtime.hotlist.deactivate(ADMIN, demo.entry_id, "not needed for this test")
    clock.advance(days=2)
    push(stack, demo_photo)
    stack.drain()
    assert stack.runtime.repos.alerts.recent(clock.now()) == []


def test_muting_silences_normal_entries_but_never_high_priority_ones(stack: LocalStack, demo_photo: Path) -> None:
    push(stack, demo_photo)
    stack.drain()
    notifications(stack)
    [alert] = stack.runtime.alerts.list(OFFICER, "a", "26-0001", "test")
    with pytest.raises(Forbidden):
        stack.runtime.alerts.mute(OFFICER, alert.alert_id, everyone=True)
    stack.runtime.alerts.mute(OFFICER, alert.alert_id)
    assert stack.runtime.alerts.list(OFFICER, "a", "26-0001", "test") == []
    assert len(stack.runtime.alerts.list(OTHER_OFFICER, "a", "26-0001", "test")) == 1
    stack.runtime.alerts.mute(ADMIN, alert.alert_id, everyone=True, reason="plate reissued")

    stack.runtime.hotlist.add(OFFICER, value="*BC12*", reason="wanted_person", case_number="26-0777")
    stack.clock.advance(seconds=5)  # a new frame of the same car
    push(stack, demo_photo, X_Client_Frame_Id="second-pass")
    stack.drain()
    messages = notifications(stack)
    assert [m["priority"] for m in messages] == ["high"], "the muted entry raised no notification"
    everything = stack.runtime.repos.alerts.recent(stack.clock.now())
    new_alerts = [a for a in everything if a.alert_id != alert.alert_id and not a.historical]
    assert sorted((a.priority, a.muted) for a in new_alerts) == [("high", False), ("normal", True)]
    high = next(a for a in new_alerts if a.priority == "high")
    with pytest.raises(MuteRefused):
        stack.runtime.alerts.mute(OFFICER, high.alert_id)


def test_match_containers_notice_a_new_list_version_without_a_redeploy(stack: LocalStack) -> None:
    ticks = [0.0]
    cache = MatcherCache(stack.runtime.repos, refresh_s=30, monotonic=lambda: ticks[0])
    assert cache.matcher().match("5NEW555") == []
    stack.runtime.hotlist.import_list(ADMIN, "ca-svs", list_file("5NEW555,CA,PC,,,SV,N1"))
    ticks[0] = 10.0
    assert cache.matcher().match("5NEW555") == [], "the pointer is re-read every refresh_s, not on every read"
    ticks[0] = 31.0
    assert [h.target.entry_id for h in cache.matcher().match("5NEW555")] == ["ca-svs:N1"]


def api_event(method: str, path: str, body: Any = None, claims: dict | None = None, **query: str) -> dict:
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"content-type": "application/json"},
        "multiValueHeaders": {},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "requestId": "r",
            "stage": "v1",
            "httpMethod": method,
            "path": path,
            "resourcePath": path,
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {"claims": claims} if claims else None,
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


def test_the_api_takes_identity_from_cognito_claims(stack: LocalStack) -> None:
    from alpr.domain.training import TrainingRecord
    from alpr.local.lambda_runtime import invoke
    from functions.hotlist.api import handler

    stack.runtime.repos.training.put(
        TrainingRecord(
            member_id="officer-1",
            course="ALPR user training",
            completed_on="2026-10-01",
            recorded_by="admin",
            recorded_at="2026-10-01T17:00:00Z",
        )
    )
    officer = {"sub": "u-1", "cognito:username": "officer-1", "cognito:groups": "officer"}
    new = {"value": "7AB?12", "reason": "investigation", "case_number": "26-0101"}
    created = invoke(handler, api_event("POST", "/v1/hotlist/entries", new, officer), "hotlist-api")
    assert created["statusCode"] == 202, created["body"]
    answer = json.loads(created["body"])
    assert answer["entry"]["kind"] == "pattern" and answer["historical_search"]["status"] == "queued"
    stack.drain()
    entry_id = answer["entry"]["entry_id"]
    path = f"/v1/hotlist/entries/{entry_id}/searches"
    status = invoke(handler, api_event("GET", path, None, officer), "hotlist-api")
    [search] = json.loads(status["body"])["searches"]
    assert (search["job_id"], search["status"]) == (answer["historical_search"]["job_id"], "done")
    assert search["reads_scanned"] >= 0 and "resume_key" not in search
    anonymous = invoke(handler, api_event("POST", "/v1/hotlist/entries", new), "hotlist-api")
    assert anonymous["statusCode"] == 401
    untrained = {**officer, "sub": "u-2", "cognito:username": "officer-2"}  # no training record
    refused = invoke(handler, api_event("GET", "/v1/alerts", None, untrained, purpose="a", case="26-1"), "hotlist-api")
    assert refused["statusCode"] == 403 and json.loads(refused["body"])["error"] == "training_required"
    no_purpose = invoke(handler, api_event("GET", "/v1/alerts", None, officer), "hotlist-api")
    assert no_purpose["statusCode"] == 400
    listed = invoke(handler, api_event("GET", "/v1/alerts", None, officer, purpose="a", case="26-1"), "hotlist-api")
    assert listed["statusCode"] == 200 and json.loads(listed["body"]) == {"alerts": []}


def test_old_snapshots_are_deleted_after_a_swap_keeping_the_one_in_force_and_three_before_it(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    hotlist, snapshots = stack.runtime.hotlist, stack.runtime.repos.snapshots
    reports = [hotlist.import_list(ADMIN, "ncic", list_file(f"{n}OLD111,CA,PC,,,SV,OLD{n}")) for n in range(6)]
    folder = f"{schema.BUCKET.hotlist_snapshots}ncic/"
    assert snapshots.keys(folder) == [r.snapshot_key for r in reports[-4:]]

    monkeypatch.setattr(stack.runtime.repos.hotlist_versions, "swap_list", lambda *a: (_ for _ in ()).throw(OSError))
    with pytest.raises(OSError):  # the snapshot is written, the swap fails: nothing is pruned
        hotlist.import_list(ADMIN, "ncic", list_file("7NEW777,CA,PC,,,SV,NEW7"))
    monkeypatch.undo()
    kept = snapshots.keys(folder)
    assert len(kept) == 5 and reports[-1].snapshot_key in kept and reports[-4].snapshot_key in kept
    assert hotlist.lists_in_force()["ncic"]["snapshot_key"] == reports[-1].snapshot_key
    assert MatcherCache(stack.runtime.repos, refresh_s=0).matcher().match("5OLD111")

    for n in range(5):
        hotlist.add(OFFICER, value=f"8MAN{n}00", reason="stolen_plate", case_number=f"26-{n}")
    manual = snapshots.keys(f"{schema.BUCKET.hotlist_snapshots}manual/")
    assert len(manual) == 4 and manual[-1] == hotlist_pointer(stack)["manual"]["snapshot_key"]


def hotlist_pointer(stack: LocalStack) -> dict[str, Any]:
    return stack.runtime.repos.hotlist_versions.pointer()
