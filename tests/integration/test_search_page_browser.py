"""The search page in a real browser (Debian's chromium, headless, driven by Playwright): an officer
searches a partial plate and opens the frame; the auditor then sees those accesses by name, date and time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from alpr.local.stack import LocalStack
from tests.integration.helpers import push
from tests.integration.page_browser import browser, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser"]  # the module-scoped fixture, shared


def test_officer_search_and_frame_then_auditor_sees_the_accesses(
    stack: LocalStack, demo_photo: Path, browser: Any
) -> None:
    assert push(stack, demo_photo).status_code == 202
    stack.drain()
    assert stack.api is not None
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.set_default_timeout(20_000)
    page.goto(f"{stack.api.url}/")

    log_in(page, stack, "officer")
    page.wait_for_selector("#search-view:not([hidden])")
    page.fill("#plate", "7AB*")
    page.click("#search-button")  # no purpose yet: the form refuses to send
    assert "choose a purpose" in page.inner_text("#search-error")
    page.select_option("#purpose", "a")
    page.select_option("#offense", "vehicle_theft")
    page.fill("#case_number", "26-BROWSER-1")
    page.click("#search-button")
    row = page.wait_for_selector("#results tbody tr")
    assert "7ABC123" in row.inner_text()
    assert page.eval_on_selector("#results tbody tr img", "img => img.naturalWidth") > 0  # the thumbnail

    row.click()
    page.wait_for_selector("#frame-dialog[open]")
    page.wait_for_function("document.getElementById('frame-image').naturalWidth > 0")
    assert page.eval_on_selector("#frame-image", "img => img.naturalWidth") == 1280
    page.click("#frame-dialog form button:not(#download-button)")
    page.click("#logout")

    # The unfiltered list asked for at sign-in is held back until the filtered one is drawn: arriving last,
    # it must not replace the list the auditor asked for.
    held: list[Any] = []

    def hold_the_sign_in_list(route: Any) -> None:
        if "member=" in route.request.url or held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/api/access-records*", hold_the_sign_in_list)
    log_in(page, stack, "auditor")
    page.click("#tab-audit")
    page.wait_for_selector("#audit-view:not([hidden])")
    page.fill("#audit-member", "officer")
    page.click("#audit-form button[type=submit]")
    all_by_officer = (
        "() => { const rows = Array.from(document.querySelectorAll('#audit-table tbody tr'), r => r.innerText);"
        " return rows.length > 0 && rows.every(r => r.includes('Dana Reyes')); }"
    )
    page.wait_for_function(all_by_officer)
    assert len(held) == 1
    with page.expect_response(lambda response: "/api/access-records" in response.url and "member=" not in response.url):
        held[0].continue_()
    page.wait_for_timeout(500)  # the stale answer's body is a few kB: drawn well within this if it were drawn
    assert page.evaluate(all_by_officer)
    rows = [r.inner_text() for r in page.query_selector_all("#audit-table tbody tr")]
    searched = [r for r in rows if "\tsearch\t" in r and "plate=7AB*" in r]
    opened = [r for r in rows if "\timage.view\t" in r]
    assert searched and opened, rows
    for text in (searched[0], opened[0]):
        assert "Officer Dana Reyes" in text and "2026" in text and "26-BROWSER-1" in text
    page.close()


def test_auditor_sees_finalized_audits_and_administrator_the_administration(stack: LocalStack, browser: Any) -> None:
    from alpr.schema import Role
    from alpr.services.access import AccessRecorder, Member
    from alpr.services.holds import StaffMember

    clock = stack.clock
    recorder = AccessRecorder(stack.runtime.repos.access_log, clock)
    now = clock.now()
    for day in range(5):
        clock.set(now.replace(month=8, day=3 + day))  # type: ignore[attr-defined]
        recorder.fetch(Member("off-1", "Olga"), "image.view", "image=frames/x.jpg", "a", "26-9", "test", lambda: [1])
    clock.set(now)  # type: ignore[attr-defined]
    auditor = StaffMember("auditor", "Sam Ortiz", frozenset({Role.AUDITOR}))
    audits = stack.runtime.audits
    audit = audits.run_quarterly(auditor, seed=3)
    for item in audit.sample:
        audits.review(auditor, audit.audit_id, item.item, True, "")
    audits.notes(auditor, audit.audit_id, {"community_safety": "none known", "prosecutions": "none known"})
    final = audits.finalize(auditor, audit.audit_id)
    assert final.locked is not None
    stack.runtime.administration.designate(
        StaffMember("captain", "Capt. Morgan Hale", frozenset({Role.CAPTAIN})),
        "Bureau of Services Captain",
        "Morgan Hale",
    )
    assert stack.api is not None

    page = browser.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{stack.api.url}/")
    log_in(page, stack, "auditor")
    page.wait_for_selector("#finalized-table tbody tr")
    [row] = [r.inner_text() for r in page.query_selector_all("#finalized-table tbody tr")]
    assert "2026-Q3" in row and "auditor" in row and final.locked.sha256 in row and final.locked.version_id in row
    assert page.is_hidden("#tab-admin")
    page.click("#logout")

    log_in(page, stack, "admin")
    page.click("#tab-admin")
    page.wait_for_function("() => document.querySelector('#designee').innerText.includes('Morgan Hale')")
    page.wait_for_selector("#member-table tbody tr")
    members = page.inner_text("#member-table")
    assert "untrained" in members and "none on record" in members
    # The four admin panels load concurrently, so the camera table fills in its own time.
    page.wait_for_selector("#camera-table tbody tr")
    assert "demo-fixed-1" in page.inner_text("#camera-table")
    page.close()
