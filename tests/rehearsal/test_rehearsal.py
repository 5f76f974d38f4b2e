"""The deploy rehearsal passes on the synthesized template, and fails when the template drifts from the handlers:
a missing grant, a renamed environment variable, an event source filter that lets nothing through."""

from __future__ import annotations

from typing import Any

import pytest

from alpr import schema
from tests.rehearsal.conftest import Rehearse
from tests.rehearsal.mutations import drop_grant, function_of, narrow_filter, rename_variable, table_of

pytestmark = pytest.mark.slow

OCR = "functions.ocr.handler.handler"
INGEST = "functions.ingest.handler.handler"
MATCH = "functions.match.handler.handler"
FRAME_STEP = "camera frame: ingest → OCR → read → match → alert"


def failed_step(report: dict[str, Any]) -> dict[str, Any]:
    [failed] = [s for s in report["steps"] if not s["ok"]]
    return failed


def test_the_synthesized_template_deploys_and_every_user_path_runs_on_its_wiring(
    synthesized: dict[str, Any], rehearse: Rehearse
) -> None:
    code, report, output = rehearse(synthesized)
    assert code == 0, output
    assert report["ok"] and all(s["ok"] for s in report["steps"]), output
    # Each path ran through the functions the template wires to it.
    invoked = {f["handler"] for f in report["functions"].values() if f["invocations"]}
    assert {
        INGEST,
        OCR,
        MATCH,
        "functions.search.handler.handler",
        "functions.purge.handler.handler",
        "functions.hotlist.api.handler",  # the presigned upload ...
        "functions.hotlist.importer.handler",  # ... imported from S3's event
        "functions.share.forwarder.deliver",  # NCRIC forwarding
        "functions.share.handler.handler",  # an agency's request, approved and fetched with its token
    } <= invoked
    # A failed stream record is kept with its data and replayed (finding 10).
    assert any("kept with its data" in s["name"] and s["ok"] for s in report["steps"]), output
    # What moto's CloudFormation cannot create is listed, not silently dropped.
    assert "AWS::CloudWatch::Alarm" in report["skipped_resource_types"]
    assert "REHEARSAL PASSED" in output and "Resource types moto's CloudFormation cannot create" in output


def test_a_grant_the_template_drops_fails_the_rehearsal_as_access_denied(
    synthesized: dict[str, Any], rehearse: Rehearse
) -> None:
    """IAM (moto's enforcement, per function role): OCR without dynamodb:PutItem on the reads table."""
    reads = table_of(synthesized, schema.READS)
    code, report, output = rehearse(drop_grant(synthesized, OCR, "dynamodb:PutItem", reads))
    assert code == 1, output
    step = failed_step(report)
    assert step["name"] == FRAME_STEP
    _, ocr = function_of(synthesized, OCR)
    role = ocr["Properties"]["Role"]["Fn::GetAtt"][0]  # moto names the role <stack>-<logical id>-<suffix>
    assert f"{role}" in step["detail"] and "may not dynamodb:PutItem" in step["detail"], step


def test_an_environment_variable_the_handlers_do_not_read_fails_the_rehearsal(
    synthesized: dict[str, Any], rehearse: Rehearse
) -> None:
    """A renamed variable: ingest falls back to a bucket name the stack never created."""
    code, report, output = rehearse(rename_variable(synthesized, INGEST, "ALPR_IMAGES_BUCKET", "ALPR_IMAGE_BUCKET"))
    assert code == 1, output
    assert failed_step(report)["name"] == FRAME_STEP


def test_an_event_source_filter_that_drops_new_reads_fails_the_rehearsal(
    synthesized: dict[str, Any], rehearse: Rehearse
) -> None:
    code, report, output = rehearse(narrow_filter(synthesized, MATCH, "MODIFY"))
    assert code == 1, output
    step = failed_step(report)
    assert step["name"] == FRAME_STEP and "no alert" in step["detail"], step
