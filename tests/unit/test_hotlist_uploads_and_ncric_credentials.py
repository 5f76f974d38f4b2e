"""Rules without AWS: what a list in a request body may weigh, upload tickets' statuses, and the NCRIC credential."""

from __future__ import annotations

import pytest

from alpr import schema
from alpr.domain.hotlist.imports import (
    ImportRefused,
    ImportTooLarge,
    UploadStatus,
    UploadTicket,
    check_direct_body,
    check_upload_size,
)
from alpr.repositories.ncric import Credential
from alpr.services.hotlist import upload_of


def test_a_body_the_web_acl_would_block_is_refused_with_the_way_to_upload() -> None:
    check_direct_body(schema.WAF_COMMON_RULES_MAX_BODY_BYTES, schema.MAX_DIRECT_HOTLIST_IMPORT_BYTES, "/up")
    with pytest.raises(ImportTooLarge, match="POST /up gives a presigned upload") as refused:
        check_direct_body(schema.WAF_COMMON_RULES_MAX_BODY_BYTES + 1, schema.MAX_DIRECT_HOTLIST_IMPORT_BYTES, "/up")
    assert refused.value.status == 413


def test_upload_sizes() -> None:
    check_upload_size(1, 10)
    check_upload_size(10, 10)
    with pytest.raises(ImportRefused, match="empty"):
        check_upload_size(0, 10)
    with pytest.raises(ImportTooLarge, match="11 bytes, over the 10-byte limit"):
        check_upload_size(11, 10)


def test_an_unused_ticket_expires_but_a_finished_one_keeps_its_outcome() -> None:
    ticket = UploadTicket(
        upload_id="u1",
        list_name="ncic",
        requested_by="admin",
        requested_at="2026-11-02T18:30:00.000Z",
        upload_expires_at="2026-11-02T18:35:00.000Z",
        max_bytes=10,
        key="hotlists/uploads/ncic/u1",
    )
    assert ticket.seen_at("2026-11-02T18:34:59.000Z").status == UploadStatus.AWAITING_UPLOAD
    assert ticket.seen_at("2026-11-02T18:35:01.000Z").status == UploadStatus.EXPIRED
    done = ticket.model_copy(update={"status": UploadStatus.IN_FORCE})
    assert done.seen_at("2026-11-03T00:00:00.000Z").status == UploadStatus.IN_FORCE


def test_upload_keys_name_the_list_and_the_ticket() -> None:
    assert upload_of(schema.BUCKET.hotlist_upload_key("ca-svs", "abc")) == ("ca-svs", "abc")
    for bad in ("hotlists/uploads/ca-svs", "hotlists/uploads/ca-svs/a/b", "hotlists/incoming/ca-svs/abc"):
        with pytest.raises(ImportRefused):
            upload_of(bad)


def test_the_credential_secret_holds_a_header_or_a_bearer_token_and_never_prints_its_value() -> None:
    assert Credential.from_secret('{"header": "x-api-key", "value": "k1"}') == Credential("x-api-key", "k1")
    assert Credential.from_secret("tok-9") == Credential("Authorization", "Bearer tok-9")
    for unset in (None, "", "  ", "{}", '{"header": "x-api-key"}'):
        assert Credential.from_secret(unset) is None
    assert "k1" not in repr(Credential("x-api-key", "k1"))
