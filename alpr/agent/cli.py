"""``alpr agent run`` / ``alpr agent status`` (also the light ``alpr-agent`` console script)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from alpr.schema import OperatorEnv

DEFAULT_SPOOL = Path(os.environ.get(OperatorEnv.AGENT_SPOOL, "/var/spool/alpr-agent"))


def add_agent_commands(commands: Any) -> None:
    agent = commands.add_parser("agent", help="the edge agent: camera video to uploads that survive network loss")
    sub = agent.add_subparsers(dest="agent_command", required=True)
    run = sub.add_parser("run", help="read a camera, select frames, spool them and send them")
    run.add_argument("--source", required=True, help="rtsp://..., http://... (MJPEG), a video file, a folder, v4l2:0")
    run.add_argument("--api", help="the ingest API's base URL (default: the local stack's)")
    run.add_argument("--camera", required=True, help="the camera id it was registered with")
    run.add_argument("--key", help="camera key (default: $ALPR_CAMERA_KEY, or the local stack's demo key)")
    run.add_argument("--spool", type=Path, default=DEFAULT_SPOOL, help=f"spool folder (default {DEFAULT_SPOOL})")
    run.add_argument("--max-fps", type=float, default=2.0, help="at most this many frames a second (default 2)")
    run.add_argument("--no-motion", action="store_true", help="send frames whether or not anything moved")
    run.add_argument("--plate-gate", action="store_true", help="run the plate detector here; send only plates")
    run.add_argument("--gps", help="fixed:LAT,LON | gpsd[:HOST:PORT] | nmea:/dev/ttyUSB0 (mobile cameras)")
    run.add_argument("--heartbeat-s", type=float, default=60.0)
    run.add_argument("--rtsp-listen", action="store_true", help="be the RTSP server: the camera publishes to us")
    run.add_argument("--spool-max-frames", type=int, default=10_000)
    run.add_argument("--spool-max-mb", type=float, default=2048)
    run.add_argument("--spool-policy", choices=["drop-oldest", "drop-newest"], default="drop-oldest")
    run.add_argument(
        "--exit-when-done",
        action="store_true",
        help="stop once the source ends (a folder: once it is empty) and all is sent",
    )
    run.set_defaults(func=cmd_agent_run)
    status = sub.add_parser("status", help="spool depth, oldest unsent frame, last error, frames sent/refused")
    status.add_argument("--spool", type=Path, default=DEFAULT_SPOOL)
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_agent_status)


def _local_defaults(camera: str) -> tuple[str | None, str | None]:
    from alpr.local.state_file import NoLocalStack, load_state

    try:
        loaded = load_state()
    except NoLocalStack:
        return None, None
    return loaded.get("api_url"), loaded.get("camera_keys", {}).get(camera)


def cmd_agent_run(args: argparse.Namespace) -> int:
    from alpr.agent.gps import position_from
    from alpr.agent.runner import Agent, AgentSettings
    from alpr.agent.selection import MotionGate, PlateGate, RateLimit, Selector

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    local_api, local_key = _local_defaults(args.camera)
    api = args.api or local_api
    key = args.key or os.environ.get(OperatorEnv.CAMERA_KEY) or local_key
    if not api or not key:
        print("error: give --api and --key (or $ALPR_CAMERA_KEY), or start the local stack", file=sys.stderr)
        return 2
    settings = AgentSettings(
        source=args.source,
        api_url=api,
        camera_id=args.camera,
        key=key,
        spool_dir=args.spool,
        max_fps=args.max_fps,
        position=position_from(args.gps),
        heartbeat_s=args.heartbeat_s,
        rtsp_listen=args.rtsp_listen,
        spool_max_frames=args.spool_max_frames,
        spool_max_bytes=int(args.spool_max_mb * 1024 * 1024),
        spool_policy=args.spool_policy,
        exit_when_done=args.exit_when_done,
    )
    selector = Selector(
        RateLimit(args.max_fps),
        motion=None if args.no_motion else MotionGate(),
        plates=PlateGate() if args.plate_gate else None,
    )
    return Agent(settings, selector).run()


def cmd_agent_status(args: argparse.Namespace) -> int:
    from alpr.agent.spool import STATE_FILE, Spool

    if not (args.spool / STATE_FILE).exists():
        print(f"error: no agent spool at {args.spool}", file=sys.stderr)
        return 2
    status = Spool(args.spool).status()
    if args.json:
        print(json.dumps(status))
    else:
        for name, value in status.items():
            print(f"{name:18} {value if value is not None else '-'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """The ``alpr-agent`` console script: the agent's commands without the platform's (no boto3 needed)."""
    parser = argparse.ArgumentParser(prog="alpr-agent")
    add_agent_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["agent", *(argv if argv is not None else sys.argv[1:])])
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
