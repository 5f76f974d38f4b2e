"""``alpr local`` (the whole platform on an embedded AWS) and ``alpr login-code`` (a demo member's code)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
from typing import Any

from alpr.cli import common


def register(commands: argparse._SubParsersAction) -> None:
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

    state_dir = common.STATE_DIR or state_file.state_dir_for_new_stack()
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
  .venv/bin/alpr frames --member officer                              # where each frame ended up
  .venv/bin/alpr reads --camera demo-fixed-1 --member officer --purpose a --case DEMO-1
  .venv/bin/alpr alerts list --member officer --purpose a --case DEMO-1
Press Ctrl-C to stop.
"""


def cmd_login_code(args: argparse.Namespace) -> int:
    """The code a demo member's authenticator app shows now (the local stack only: moto's TOTP secret)."""
    from alpr.local.staff_accounts import authenticator_code

    secrets = common.use_local_stack().get("staff_authenticator_secrets", {})
    if args.member not in secrets:
        print(f"{args.member} has no authenticator on the local stack (members with one: {', '.join(secrets)})")
        return 2
    print(authenticator_code(secrets[args.member]))
    return 0
