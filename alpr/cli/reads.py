"""``alpr frames`` (the frame ledger), ``alpr dead-letters`` (what could not be processed, and replaying it) and
``alpr reads`` (plate reads, which writes an access record)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from alpr.cli.common import acting_member, justification_options, listing_options, print_rows, runtime


def register(commands: argparse._SubParsersAction) -> None:
    frames = listing_options(commands.add_parser("frames", help="the frame ledger: where each upload ended up"))
    frames.add_argument("--status", choices=["received", "read", "no_plate", "dead_letter"])
    frames.set_defaults(func=cmd_frames)
    dead_letters = listing_options(
        commands.add_parser("dead-letters", help="frames and events that could not be processed")
    )
    dead_letters.add_argument("--replay", metavar="QUEUE", help="send a dead-letter queue's messages back to its queue")
    dead_letters.set_defaults(func=cmd_dead_letters)

    reads = listing_options(commands.add_parser("reads", help="plate reads (writes an access record)"))
    reads.add_argument("--plate")
    reads.add_argument("--camera")
    justification_options(reads)
    reads.add_argument("--member", help="your member id (default: ALPR_MEMBER)")
    reads.add_argument("--member-name", help="your name as it should appear in the access record")
    reads.set_defaults(func=cmd_reads)


def cmd_frames(args: argparse.Namespace) -> int:
    from alpr.domain.records import FrameStatus

    repos = runtime(args).repos
    frames = repos.frames.with_status(FrameStatus(args.status)) if args.status else repos.frames.all()
    rows = [
        {
            "frame_id": f.frame_id,
            "camera": f.camera_id,
            "status": f.status.value,
            "plates": f.plates,
            "captured_at": f.captured_at,
            "reason": f.reason or "",
        }
        for f in sorted(frames, key=lambda f: f.received_at)
    ]
    print_rows(rows, args.json)
    return 0


def cmd_dead_letters(args: argparse.Namespace) -> int:
    """Frames the ledger marks dead-lettered, and every failure queue of ``schema.failure_queues`` that holds
    messages, locally or in AWS (``--aws``). ``--replay QUEUE`` sends a dead-letter queue's messages back to the
    queue they came from (SQS keeps them 14 days)."""
    from botocore.exceptions import ClientError

    from alpr import schema
    from alpr.domain.records import FrameStatus

    rt = runtime(args)
    sqs = rt.repos._session.client("sqs")
    queues = schema.failure_queues(rt.settings.prefix)
    stream_failures = schema.STREAM_FAILURES_QUEUE.physical_name(rt.settings.prefix)
    if args.replay == stream_failures:
        return _replay_stream_failures(rt, sqs, stream_failures)
    if args.replay:
        return _replay_dead_letters(sqs, args.replay, queues)
    rows = [
        {"where": "frame ledger", "id": f.frame_id, "camera": f.camera_id, "reason": f.reason or ""}
        for f in rt.repos.frames.with_status(FrameStatus.DEAD_LETTER)
    ]
    # Stream records a function gave up on: the batch itself, kept 14 days (the stream keeps it 24 hours).
    for key in rt.repos.stream_failures.kept():
        failure = rt.repos.stream_failures.get(key)
        rows.append(
            {
                "where": f"stream failures ({failure.function_name})",
                "id": key,
                "camera": "",
                "reason": f"{len(failure.records)} record(s), {failure.condition}: "
                f"alpr dead-letters --replay {stream_failures}",
            }
        )
    for name, source in queues.items():
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except ClientError:
            continue  # not created here (the local stack has no schedule or invocation queues)
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        count = int(attributes["Attributes"]["ApproximateNumberOfMessages"])
        if count:
            replayable = source or name == stream_failures
            how = f"alpr dead-letters --replay {name}" if replayable else "inspect with the AWS console or CLI"
            rows.append({"where": f"queue {name}", "id": f"{count} message(s)", "camera": "", "reason": how})
    print_rows(rows, args.json)
    return 0


def _replay_stream_failures(rt: Any, sqs: Any, queue_name: str) -> int:
    """Each kept batch runs through the handler of the function that gave up on it (its ``functionArn``), as the
    event source mapping would have delivered it; what passes is deleted with its queue notification."""
    from alpr import schema
    from alpr.local.lambda_runtime import failed_item_ids, invoke, load_handler
    from alpr.services.stream_failures import clear_announcements, replay

    functions = {f"{rt.settings.prefix}-{spec.name}": spec for spec in schema.FUNCTIONS}

    def rerun(failure: Any) -> set[str]:
        spec = functions.get(failure.function_name)
        if spec is None:
            print(f"{failure.key}: no function {failure.function_name!r} in this stack", file=sys.stderr)
            return {"unknown function"}
        try:
            return failed_item_ids(invoke(load_handler(spec.handler), failure.event, spec.name))
        except Exception as exc:  # the whole batch failed again; it stays kept
            print(f"{failure.key}: {type(exc).__name__}: {exc}", file=sys.stderr)
            return {r["dynamodb"]["SequenceNumber"] for r in failure.records} or {"batch"}

    outcome = replay(rt.repos.stream_failures, rerun)
    url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    clear_announcements(sqs, url, set(rt.repos.stream_failures.kept()))
    print(f"{len(outcome.replayed)} failed stream batch(es) replayed, {len(outcome.failed_again)} failed again")
    return 1 if outcome.failed_again else 0


def _replay_dead_letters(sqs: Any, name: str, queues: dict[str, str | None]) -> int:
    from alpr.repositories.queues import received_until_empty

    source = queues.get(name)
    if source is None:
        print(f"{name}: not a dead-letter queue with a source to replay to", file=sys.stderr)
        return 2
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    target = sqs.get_queue_url(QueueName=source)["QueueUrl"]
    moved = 0
    for message in received_until_empty(sqs, url):
        sqs.send_message(QueueUrl=target, MessageBody=message["Body"])
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        moved += 1
    print(f"{moved} message(s) sent back to {source}")
    return 0


def _recorder() -> Any:
    from alpr.services.access import AccessRecorder

    rt = runtime()
    return AccessRecorder(rt.repos.access_log, rt.clock)


def cmd_reads(args: argparse.Namespace) -> int:
    from alpr.domain.plates import normalize_plate

    rt = runtime(args)
    now = rt.clock.now()
    if args.plate:
        subject, fetch = (
            f"plate={normalize_plate(args.plate)}",
            lambda: rt.repos.reads.by_plate(normalize_plate(args.plate), now),
        )
    elif args.camera:
        subject, fetch = f"camera={args.camera}", lambda: rt.repos.reads.by_camera(args.camera, now)
    else:
        print("error: give --plate or --camera", file=sys.stderr)
        return 2
    # The CLI gate (alpr/cli/common.py) has checked training; the record carries purpose and case number.
    reads = _recorder().fetch(acting_member(args), "cli.reads", subject, args.purpose, args.case, "cli", fetch)
    rows = [
        {
            "plate": r.plate,
            "confidence": r.confidence,
            "captured_at": r.captured_at,
            "camera": r.camera_id,
            "source": r.source.value,
            "lat": r.latitude,
            "lon": r.longitude,
            "read_id": r.read_id,
        }
        for r in reads
    ]
    print_rows(rows, args.json)
    return 0
