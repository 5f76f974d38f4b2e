"""An administrator uploads a state list from the staff page (issue 15, item 3), in Debian's chromium through the
real local gateway and Cognito login: the page asks `POST /v1/hotlists/<list>/uploads` for a presigned POST,
sends the file straight to S3 (the web ACL refuses request bodies over 8 KB, so a real list never goes through
the API), polls the ticket and shows the import report; a bad file is refused with its reasons and the list in
force stays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from alpr import schema
from alpr.local.stack import LocalStack
from tests.integration.page_browser import browser, check_view, log_in, open_page
from tests.integration.test_hotlist import list_file

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser"]  # the module-scoped fixture, shared

FAST_POLL = "sessionStorage.setItem('alpr-upload-poll-ms', '300')"


def _upload(page: Any, stack: LocalStack, list_name: str, path: Path) -> str:
    page.fill("#upload-list", list_name)
    page.set_input_files("#upload-file", str(path))
    page.click("#upload-form button[type=submit]")
    # The file is in S3 once the page says so; the S3 event then reaches the importer (tests deliver events).
    page.wait_for_selector("#upload-summary:has-text('checking and importing')")
    stack.drain()
    page.wait_for_selector("#upload-report:not([hidden])")
    return str(page.inner_text("#upload-summary"))


def test_administrator_uploads_a_list_over_the_waf_body_limit_and_sees_its_import_report(
    stack: LocalStack, browser: Any, tmp_path: Path
) -> None:
    rows = [f"{n % 10}ZZZ{n:03d},CA,PC,TOYOTA,BLUE,SV,Z{n:05d}" for n in range(300)] + ["7BAD,CA,PC,,,XX,BAD1"]
    good = tmp_path / "ca-svs.csv"
    good.write_bytes(list_file(*rows))
    assert good.stat().st_size > schema.WAF_COMMON_RULES_MAX_BODY_BYTES
    bad = tmp_path / "wrong.csv"
    bad.write_bytes(b"plate,state\n7ABC123,CA\n")

    page = open_page(browser, stack)
    page.add_init_script(FAST_POLL)
    log_in(page, stack, "admin")
    page.click("#tab-hotlist")
    page.wait_for_selector("#imports-panel:not([hidden])")

    summary = _upload(page, stack, "CA-SVS", good)
    assert summary == "List ca-svs, ca-svs.csv: imported and in force."
    facts = page.inner_text("#upload-facts")
    assert "360 imported of 361 rows; 1 bad" in facts and "by admin" in facts, facts
    assert f"{good.stat().st_size:,} bytes" in facts
    [line] = page.query_selector_all("#upload-bad-rows tbody tr")
    assert line.inner_text().split("\t")[0] == "362", "the header, 60 filler rows, 300 rows, then the bad one"
    page.wait_for_selector("#imports-table tbody tr:has-text('ca-svs')")
    assert "(in force)" in page.inner_text("#imports-table tbody tr:has-text('ca-svs')")
    check_view(page, "hotlist-upload", tmp_path / "screenshots")

    summary = _upload(page, stack, "ca-svs", bad)
    assert summary == "List ca-svs, wrong.csv: refused: the list in force was kept."
    assert "lacks column(s) reason_code, record_id" in page.inner_text("#upload-facts")
    in_force = [v for v in page.inner_text("#imports-table").splitlines() if "(in force)" in v]
    assert len(in_force) == 1 and "360 of 361" in in_force[0], in_force
    check_view(page, "hotlist-upload-refused", tmp_path / "screenshots")
