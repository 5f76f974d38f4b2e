"""``alpr camera push|add|health|list|activate|deactivate|history`` and ``alpr demo-photo``."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from alpr.cli.common import (
    acting_member,
    identity_options,
    listing_options,
    print_json,
    print_rows,
    refusable,
    runtime,
    stack_options,
    use_local_stack,
)


def register(commands: argparse._SubParsersAction) -> None:
    from alpr.schema import SourceClass

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
    add = listing_options(camera.add_parser("add", help="register a camera and print its key once"))
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
    listing_options(
        camera.add_parser("health", help="last seen, agent, spool depth, last error; exit 1 if any is silent")
    ).set_defaults(func=cmd_camera_health)
    listing_options(camera.add_parser("list", help="list cameras")).set_defaults(func=cmd_camera_list)
    for name, active in (("activate", True), ("deactivate", False)):
        p = identity_options(
            stack_options(camera.add_parser(name, help=f"{name} a camera (the change is recorded)")), "administrator"
        )
        p.add_argument("camera_id")
        p.add_argument("--reason", required=True)
        p.set_defaults(func=cmd_camera_active, active=active)
    history = stack_options(camera.add_parser("history", help="camera changes: added, deactivated, activated"))
    history.add_argument("camera_id", nargs="?")
    history.set_defaults(func=cmd_camera_history)

    photo = commands.add_parser("demo-photo", help="write a synthetic photo of a car with a plate")
    photo.add_argument("output")
    photo.add_argument("--plate", default="7ABC123")
    photo.set_defaults(func=cmd_demo_photo)


def cmd_camera_push(args: argparse.Namespace) -> int:
    import requests

    state = use_local_stack()
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

    rt = runtime(args)
    installer = acting_member(args)
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


def cmd_camera_health(args: argparse.Namespace) -> int:
    """Every camera's health (policy 418.3.1(c)); exits 1 when any watched camera is silent, for cron/monitoring."""
    from alpr.domain.camera_health import ALARMING

    report = runtime(args).camera_health.report()
    print_rows(
        [
            {
                "camera_id": h.camera_id,
                "state": h.state.value,
                "last_seen": h.last_seen or "never",
                "expected_s": h.expected_interval_s or "-",
                "silent_for_s": "" if h.silent_for_s is None else h.silent_for_s,
                "agent": h.agent_version,
                "spool": "" if h.spool_depth is None else h.spool_depth,
                "capture_clock": h.capture_clock,
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
    rows = [
        {"camera_id": c.camera_id, "source": c.source.value, "active": c.active, "mobile": c.mobile, "name": c.name}
        for c in runtime(args).repos.cameras.list()
    ]
    print_rows(rows, args.json)
    return 0


def cmd_camera_active(args: argparse.Namespace) -> int:
    def run() -> None:
        change = runtime(args).administration.set_camera_active(
            acting_member(args), args.camera_id, args.active, args.reason
        )
        print_json(change, args.json)

    return refusable(run)


def cmd_camera_history(args: argparse.Namespace) -> int:
    for change in runtime(args).administration.camera_history(args.camera_id):
        print_json(change, True)
    return 0


def cmd_demo_photo(args: argparse.Namespace) -> int:
    from alpr.local.demo import write_demo_photo

    print(write_demo_photo(Path(args.output), args.plate))
    return 0
