"""The ``alpr`` command: the local stack, camera pushes, and what staff and administrators look at."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import os
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Each area adds its commands through a module with ``register(commands, bench_commands)``.
COMMAND_MODULES = (
    "alpr.ocr.commands",
    "alpr.hotlist_cli",
    "alpr.retention_commands",
    "alpr.share_cli",
    "alpr.search_commands",
    "alpr.audit_cli",
    "alpr.ops.commands",
    "alpr.agent.commands",
)
# The local stack's state folder; None finds it (alpr.local.state_file: ALPR_LOCAL_STATE, ./.alpr-local, or the
# per-user pointer of a running `alpr local`), so commands work from any folder. Tests point it at their stack.
STATE_DIR: Path | None = None


def _use_local_stack() -> dict[str, Any]:
    from alpr.local.state_file import load_state

    state = load_state(STATE_DIR)
    os.environ.update(state["environment"])
    return state


def _runtime() -> Any:
    from alpr.runtime import runtime

    return runtime()


def _print_rows(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        for row in rows:
            print(json.dumps(row, default=str))
        return
    if not rows:
        print("(none)")
        return
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))


# --- the local stack -------------------------------------------------------------------------------------


def cmd_local(args: argparse.Namespace) -> int:
    from alpr.local.stack import LocalConfig, LocalStack, NotLoopback, PortInUse, check_bind_host

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        host = check_bind_host(args.host, args.allow_non_loopback)
    except NotLoopback as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from alpr.local import state_file

    state_dir = STATE_DIR or state_file.state_dir_for_new_stack()
    config = LocalConfig(host=host, moto_port=args.moto_port, api_port=args.api_port, state_dir=state_dir)
    stack = LocalStack(config)
    try:
        stack.start()
    except PortInUse as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    state_file.remember(state_dir)
    assert stack.api is not None
    print(_local_banner(stack))
    sys.stdout.flush()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with contextlib.suppress(KeyboardInterrupt):
        stopped.wait()
    print("stopping: delivering events still in flight ...")
    stack.drain(timeout_s=60)
    stack.stop()
    state_file.forget(state_dir)
    print("stopped")
    return 0


def _local_banner(stack: Any) -> str:
    cameras = "\n".join(f"    {camera_id}" for camera_id in stack.demo_keys)
    staff = "\n".join(
        f"    {user:10} {password}" + ("" if user in stack.demo_authenticators else "  (temporary: first login)")
        for user, password in stack.demo_staff.items()
    )
    secrets = sorted(set(stack.demo_authenticators.values()))
    return f"""
ALPR local stack is up: FOR TRYING AND TESTING ONLY, NEVER FOR REAL DATA.
  Staff tokens are signed with moto's bundled key, which is public: anyone who can reach these ports can
  forge an administrator's login. It serves {stack.config.host} only; deploy to AWS (cdk deploy) for real use.
  embedded AWS (moto):  {stack.endpoint}
  ingest API:           {stack.api.url}/v1/frames
  staff search page:    {stack.api.url}/
  staff logins (new passwords each start; 'untrained' has no training record):
{staff}
  authenticator key of the members above who have one: {", ".join(secrets)} (moto gives all the same);
    add it to an authenticator app, or print the current code: .venv/bin/alpr login-code
  demo cameras (keys in {(stack.config.state_dir / "state.json").resolve()}):
{cameras}
  demo hotlist entry:   7ABC123 (stolen vehicle, case SLPD-DEMO-0001)

In another terminal:
  .venv/bin/alpr demo-photo car.jpg                                   # a photo of a car with plate 7ABC123
  .venv/bin/alpr camera push --camera demo-fixed-1 car.jpg            # upload it as a camera would
  .venv/bin/alpr frames                                               # where each frame ended up
  .venv/bin/alpr reads --camera demo-fixed-1 --member officer --purpose a --case DEMO-1
  .venv/bin/alpr alerts list --member officer --purpose a --case DEMO-1
Press Ctrl-C to stop.
"""


# --- cameras ---------------------------------------------------------------------------------------------


def cmd_camera_push(args: argparse.Namespace) -> int:
    import requests

    state = _use_local_stack()
    key = args.key or state["camera_keys"].get(args.camera)
    if not key:
        print(f"error: no key for camera {args.camera!r}; pass --key", file=sys.stderr)
        return 2
    captured_at = args.captured_at or datetime.now(UTC).isoformat()
    failures = 0
    for path in args.images:
        headers = {
            "Content-Type": "application/octet-stream",
            "X-Camera-Id": args.camera,
            "X-Camera-Key": key,
            "X-Capture-Time": captured_at,
        }
        if args.lat is not None and args.lon is not None:
            headers.update({"X-Latitude": str(args.lat), "X-Longitude": str(args.lon)})
        if args.frame_id:
            headers["X-Client-Frame-Id"] = args.frame_id
        response = requests.post(
            f"{state['api_url']}/v1/frames", data=Path(path).read_bytes(), headers=headers, timeout=30
        )
        print(f"{path}: {response.status_code} {response.text}")
        failures += response.status_code >= 300
    return 1 if failures else 0


def cmd_camera_add(args: argparse.Namespace) -> int:
    from alpr.schema import SourceClass
    from alpr.services.cameras import register_camera

    _use_local_stack() if args.local else None
    rt = _runtime()
    installer = _member(args)
    key = register_camera(
        rt.repos.cameras,
        args.camera_id,
        SourceClass(args.source),
        args.name,
        args.lat,
        args.lon,
        args.expected_interval,
    )
    rt.administration.camera_added(installer, args.camera_id, args.source, args.name)
    print(f"camera {args.camera_id} registered. Its key, shown this once (only a hash is kept):\n{key}")
    return 0


def cmd_login_code(args: argparse.Namespace) -> int:
    """The code a demo member's authenticator app shows now (the local stack only: moto's TOTP secret)."""
    from alpr.local.staff_accounts import authenticator_code

    secrets = _use_local_stack().get("staff_authenticator_secrets", {})
    if args.member not in secrets:
        print(f"{args.member} has no authenticator on the local stack (members with one: {', '.join(secrets)})")
        return 2
    print(authenticator_code(secrets[args.member]))
    return 0


def cmd_camera_health(args: argparse.Namespace) -> int:
    """Every camera's health (policy 418.3.1(c)); exits 1 when any watched camera is silent, for cron/monitoring."""
    from alpr.domain.camera_health import ALARMING

    _use_local_stack() if args.local else None
    report = _runtime().camera_health.report()
    _print_rows(
        [
            {
                "camera_id": h.camera_id,
                "state": h.state.value,
                "last_seen": h.last_seen or "never",
                "expected_s": h.expected_interval_s or "-",
                "silent_for_s": "" if h.silent_for_s is None else h.silent_for_s,
                "agent": h.agent_version,
                "spool": "" if h.spool_depth is None else h.spool_depth,
                "last_error": h.last_error or "",
            }
            for h in report
        ],
        args.json,
    )
    silent = [h.camera_id for h in report if h.state in ALARMING]
    if silent:
        print(
            f"ALARM: {len(silent)} camera(s) silent past their expected interval: {', '.join(silent)}", file=sys.stderr
        )
        return 1
    return 0


def cmd_camera_list(args: argparse.Namespace) -> int:
    _use_local_stack() if args.local else None
    rows = [
        {"camera_id": c.camera_id, "source": c.source.value, "active": c.active, "mobile": c.mobile, "name": c.name}
        for c in _runtime().repos.cameras.list()
    ]
    _print_rows(rows, args.json)
    return 0


def cmd_demo_photo(args: argparse.Namespace) -> int:
    from alpr.local.demo import write_demo_photo

    print(write_demo_photo(Path(args.output), args.plate))
    return 0


# --- frames, reads and alerts ----------------------------------------------------------------------------


def cmd_frames(args: argparse.Namespace) -> int:
    from alpr.domain.records import FrameStatus

    _use_local_stack() if args.local else None
    repos = _runtime().repos
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
    _print_rows(rows, args.json)
    return 0


def cmd_dead_letters(args: argparse.Namespace) -> int:
    """Frames the ledger marks dead-lettered, and every failure queue of ``schema.failure_queues`` that holds
    messages, locally or in AWS (``--aws``). ``--replay QUEUE`` sends a dead-letter queue's messages back to the
    queue they came from (SQS keeps them 14 days)."""
    from botocore.exceptions import ClientError

    from alpr import schema
    from alpr.domain.records import FrameStatus

    if args.local:
        _use_local_stack()
    rt = _runtime()
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
    _print_rows(rows, args.json)
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


def _member(args: argparse.Namespace) -> Any:
    from alpr.cli_gate import cli_member

    return cli_member(args)


def _recorder() -> Any:
    from alpr.services.access import AccessRecorder

    rt = _runtime()
    return AccessRecorder(rt.repos.access_log, rt.clock)


def cmd_reads(args: argparse.Namespace) -> int:
    from alpr.domain.plates import normalize_plate

    _use_local_stack() if args.local else None
    rt = _runtime()
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
    # The CLI gate (alpr/cli_gate.py) has checked training; the record carries purpose and case number.
    reads = _recorder().fetch(_member(args), "cli.reads", subject, args.purpose, args.case, "cli", fetch)
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
    _print_rows(rows, args.json)
    return 0


# --- the parser ------------------------------------------------------------------------------------------


def _access_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--purpose", help="policy 418.4.1 purpose letter a-g (required)")
    parser.add_argument("--case", help="case or incident number (required)")
    parser.add_argument("--member", help="your member id (default: ALPR_MEMBER)")
    parser.add_argument("--member-name", help="your name as it should appear in the access record")


def build_parser() -> argparse.ArgumentParser:
    from alpr.schema import SourceClass

    parser = argparse.ArgumentParser(prog="alpr", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    local = commands.add_parser("local", help="run the whole platform on an embedded AWS (moto) on 127.0.0.1")
    local.add_argument("--moto-port", type=int, default=4566)
    local.add_argument("--api-port", type=int, default=8080)
    local.add_argument("--host", default="127.0.0.1", help="address to serve on (loopback only, unless ...)")
    local.add_argument(
        "--allow-non-loopback",
        action="store_true",
        help="serve on a non-loopback --host anyway (anyone reaching it can forge logins: never with real data)",
    )
    local.set_defaults(func=cmd_local)

    code = commands.add_parser("login-code", help="a demo member's current authenticator code (local stack)")
    code.add_argument("member", nargs="?", default="officer")
    code.set_defaults(func=cmd_login_code)

    def against_stack(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--aws",
            dest="local",
            action="store_false",
            help="use the AWS account in your environment instead of the local stack",
        )
        p.add_argument("--json", action="store_true", help="one JSON object per line")
        return p

    camera = commands.add_parser("camera", help="camera registry and uploads").add_subparsers(
        dest="camera_command", required=True
    )
    push = camera.add_parser("push", help="upload frames as a camera would")
    push.add_argument("--camera", required=True)
    push.add_argument("--key", help="camera key (default: the demo key from the local stack)")
    push.add_argument("--captured-at", help="ISO 8601 capture time with offset (default: now)")
    push.add_argument("--lat", type=float)
    push.add_argument("--lon", type=float)
    push.add_argument("--frame-id", help="the camera's own frame id, for idempotent retries")
    push.add_argument("images", nargs="+")
    push.set_defaults(func=cmd_camera_push)
    add = against_stack(camera.add_parser("add", help="register a camera and print its key once"))
    add.add_argument("camera_id")
    add.add_argument("--source", required=True, choices=[s.value for s in SourceClass])
    add.add_argument("--name", default="")
    add.add_argument("--lat", type=float)
    add.add_argument("--lon", type=float)
    add.add_argument(
        "--expected-interval",
        type=int,
        default=900,
        help="seconds without a heartbeat or frame before the camera counts as silent (0: not watched)",
    )
    add.set_defaults(func=cmd_camera_add)
    against_stack(
        camera.add_parser("health", help="last seen, agent, spool depth, last error; exit 1 if any is silent")
    ).set_defaults(func=cmd_camera_health)
    against_stack(camera.add_parser("list", help="list cameras")).set_defaults(func=cmd_camera_list)

    photo = commands.add_parser("demo-photo", help="write a synthetic photo of a car with a plate")
    photo.add_argument("output")
    photo.add_argument("--plate", default="7ABC123")
    photo.set_defaults(func=cmd_demo_photo)

    frames = against_stack(commands.add_parser("frames", help="the frame ledger: where each upload ended up"))
    frames.add_argument("--status", choices=["received", "read", "no_plate", "dead_letter"])
    frames.set_defaults(func=cmd_frames)
    dead_letters = against_stack(
        commands.add_parser("dead-letters", help="frames and events that could not be processed")
    )
    dead_letters.add_argument("--replay", metavar="QUEUE", help="send a dead-letter queue's messages back to its queue")
    dead_letters.set_defaults(func=cmd_dead_letters)

    reads = against_stack(commands.add_parser("reads", help="plate reads (writes an access record)"))
    reads.add_argument("--plate")
    reads.add_argument("--camera")
    _access_options(reads)
    reads.set_defaults(func=cmd_reads)
    bench = commands.add_parser("bench", help="benchmarks that print measured figures")
    bench_commands = bench.add_subparsers(dest="bench_command", required=True)
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(commands, bench_commands)
    from alpr.cli_gate import gate_commands

    gate_commands(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    from alpr.domain.errors import DomainError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DomainError as refused:
        # Staff commands are recorded by the gate (alpr/cli_gate.py); operator commands only print it.
        print(f"refused: {refused.message}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
