"""One way to make a boto3 session: every session in the process shares botocore's data loader.

botocore parses its service models and endpoint rules (large JSON files) once per loader, and each new boto3
session brings a new loader: a Lambda container makes one session, but the local stack makes several at each
reset and the test suite several hundred, and re-parsing those files was half the time of a reset (profiled:
1.6 s of 3.9 s in ``json.loads``). Sharing the loader parses each file once per process.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
import botocore.loaders
import botocore.session

_lock = threading.Lock()
_loader: Any = None


def new_session(region_name: str | None = None) -> boto3.session.Session:
    global _loader
    with _lock:
        if _loader is None:
            _loader = botocore.loaders.create_loader()
        core = botocore.session.get_session()
        core.register_component("data_loader", _loader)
        session = boto3.session.Session(botocore_session=core, region_name=region_name)
        # boto3 appends its own data folder to the loader's search path with every session: keep each folder once.
        _loader.search_paths[:] = list(dict.fromkeys(_loader.search_paths))
    return session
