"""``alpr bench pipeline``: frames through the whole local stack, clean and with faults, with an accounting.

Several camera threads POST frames to the local ingest API, each on a fixed schedule (``camera_fps`` frames a
second; latency is then upload -> read, not time spent in a backlog); the same handlers AWS runs deliver them
through S3 -> SQS -> OCR -> reads stream -> match. Afterwards every uploaded frame must be accounted for as reads, a
no-plate record or a dead-letter entry (its ledger status, or its event in the frame-events dead-letter
queue), and no frame may have more reads than plates.

Faults are injected here, around the production handlers and repositories, never inside them:
- the OCR step raises on one frame in fifty, every time (those frames must end in the dead-letter queue);
- the store throttles a few percent of ledger and read writes (ProvisionedThroughputExceededException);
- a few S3 events are delivered twice;
- the OCR handler is killed mid-batch now and then (no clean-up runs: Powertools' in-progress marker stays
  until it expires, as after a Lambda timeout).

``--reader fast`` swaps the plate reader for a stand-in that "reads" a plate pattern drawn into small
frames: the figures then measure the pipeline (API, S3, queues, DynamoDB, handlers), not OCR.
``--reader real`` runs the real reader on rendered car photos (about 100+ ms a frame on 2 cores).
"""

from __future__ import annotations

import contextlib
import io
import logging
import random
import statistics
import tempfile
import threading
import time
import uuid
import warnings
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import cv2
import numpy as np
import requests
from botocore.exceptions import ClientError

from alpr.clock import SystemClock
from alpr.domain.frames import content_digest, frame_id_for
from alpr.domain.records import FINAL_FRAME_STATUSES, FrameStatus
from alpr.local.lambda_runtime import Handler, LocalContext
from alpr.local.pumps import PumpThread, SqsPump
from alpr.local.stack import LocalConfig, LocalStack, free_port
from alpr.repositories.queues import received_until_empty
from alpr.schema import FRAME_EVENTS_QUEUE, SourceClass
from alpr.services.cameras import register_camera

POISON_EVERY = 50  # one frame in fifty makes the OCR step raise, every time
THROTTLE_RATE = 0.03  # share of ledger/read writes the store refuses
# One S3 event in this many is delivered a second time: counted, not drawn, so even a short run has some.
DUPLICATE_EVENT_EVERY = 50
KILL_EVERY = 25  # one OCR invocation in this many is killed mid-batch
UPLOAD_ATTEMPTS = 5  # a camera retries a refused upload with the same client frame id (idempotent)
IDLE_GIVE_UP_S = 60.0
# Frames a second each camera sends: 8 cameras at this rate offer a little less than the one-process local
# pipeline sustains, so latency measures upload -> read rather than a queue that grows for the whole run.
DEFAULT_CAMERA_FPS = 1.0
# The TTL sweep scans every table with a TTL; under load it runs this often, not on every pump round.
TTL_SWEEP_EVERY_S = 10.0


@dataclass(frozen=True)
class Variant:
    """A frame picture and the plates a reader should find in it."""

    jpeg: bytes
    plates: tuple[str, ...]


@dataclass
class RunFigures:
    frames: int
    cameras: int
    throughput_fps: float
    latency_median_ms: float
    latency_p95_ms: float
    reads: int
    no_plate: int
    dead_letter: int
    lost: int
    duplicated: int


@dataclass
class Injected:
    ocr_failures: int = 0
    throttled_writes: int = 0
    duplicate_events: int = 0
    killed_invocations: int = 0


# --- frames and the stand-in reader ----------------------------------------------------------------------

FAST_PLATES: tuple[tuple[str, ...], ...] = (
    (),
    ("7ABC123",),  # on the demo hotlist: raises an alert
    ("8XYZ987",),
    ("5DEF456",),
    ("6GHJ234", "4KLM765"),
    ("3NPR345",),
)
_GRAY_STEP = 36


@dataclass(frozen=True)
class SeenPlate:
    text: str
    raw_text: str
    confidence: float
    box: tuple[int, int, int, int]


class PatternReader:
    """Stand-in for the plate reader: each variant is a flat gray level that names its plates."""

    def read(self, image: np.ndarray) -> list[SeenPlate]:
        variant = round((float(image.mean()) - 20) / _GRAY_STEP)
        plates = FAST_PLATES[max(0, min(variant, len(FAST_PLATES) - 1))]
        return [SeenPlate(p, p, 0.99, (10 * i, 10, 60, 20)) for i, p in enumerate(plates)]


def fast_variants() -> list[Variant]:
    variants = []
    for index, plates in enumerate(FAST_PLATES):
        image = np.full((48, 64, 3), 20 + index * _GRAY_STEP, np.uint8)
        ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])
        assert ok
        variants.append(Variant(jpeg.tobytes(), plates))
    return variants


def real_variants() -> list[Variant]:
    from alpr.local.demo import render_plate_photo

    variants = []
    for index, plates in enumerate(FAST_PLATES):
        if len(plates) != 1:
            continue
        ok, jpeg = cv2.imencode(".jpg", render_plate_photo(plates[0], seed_value=index))
        assert ok
        variants.append(Variant(jpeg.tobytes(), plates))
    empty = np.full((720, 1280, 3), 110, np.uint8)
    variants.append(Variant(cv2.imencode(".jpg", empty)[1].tobytes(), ()))
    return variants


# --- fault injection (wrappers around production code) ---------------------------------------------------


class SimulatedKill(BaseException):
    """Not an Exception: nothing in the handler (Powertools included) gets to clean up, as on a timeout."""


def _throttled(operation: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "injected throttle"}}, operation
    )


class ThrottlingStore:
    """Wraps a repository: some writes fail as DynamoDB throttling does; reads pass through."""

    WRITES = ("add", "put", "finish")

    def __init__(self, inner: Any, rng: random.Random, injected: Injected, lock: threading.Lock) -> None:
        self._inner, self._rng, self._injected, self._lock = inner, rng, injected, lock

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name not in self.WRITES:
            return attribute

        def write(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                throttle = self._rng.random() < THROTTLE_RATE
                self._injected.throttled_writes += throttle
            if throttle:
                raise _throttled(name)
            return attribute(*args, **kwargs)

        return write


class FaultyOcr:
    """Wraps the OCR service: poison frames always raise; a planned kill strikes before a frame's work."""

    def __init__(self, inner: Any, poison: set[str], injected: Injected) -> None:
        self._inner, self.poison, self._injected = inner, poison, injected
        # Frames left to process before the planned kill strikes (None: no kill planned).
        self.kill_countdown: int | None = None

    def process(self, key: str) -> Any:
        frame_id = PurePosixPath(key).stem
        if self.kill_countdown is not None:
            if self.kill_countdown == 0:
                self.kill_countdown = None
                self._injected.killed_invocations += 1
                raise SimulatedKill(frame_id)
            self.kill_countdown -= 1
        if frame_id in self.poison:
            self._injected.ocr_failures += 1
            raise RuntimeError("injected OCR failure")
        return self._inner.process(key)


# --- the run ---------------------------------------------------------------------------------------------


@dataclass
class Timeline:
    uploaded_at: dict[str, float] = field(default_factory=dict)
    finished_at: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class TimedFrames:
    """Wraps the frame ledger: notes when each frame reaches its final status (upload -> read latency)."""

    def __init__(self, inner: Any, timeline: Timeline) -> None:
        self._inner, self._timeline = inner, timeline

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def finish(self, frame_id: str, status: FrameStatus, *args: Any, **kwargs: Any) -> None:
        self._inner.finish(frame_id, status, *args, **kwargs)
        with self._timeline.lock:
            self._timeline.finished_at.setdefault(frame_id, time.monotonic())


@dataclass
class PipelineRun:
    frames: int
    cameras: int
    reader: str
    faults: bool
    seed: int = 418
    camera_fps: float = DEFAULT_CAMERA_FPS  # frames a second per camera; 0 sends as fast as the API answers
    injected: Injected = field(default_factory=Injected)
    _sqs_client: Any = field(default=None, repr=False)

    def run(self) -> RunFigures:
        rng = random.Random(self.seed)
        variants = fast_variants() if self.reader == "fast" else real_variants()
        # Faulty runs need failed messages back quickly, and a killed invocation's in-progress marker gone
        # by then: the marker lives for the (local) Lambda's remaining time, shorter than the visibility.
        visibility_s = 2 if self.reader == "fast" else 20
        with tempfile.TemporaryDirectory(prefix="alpr-bench-") as state_dir:
            stack = LocalStack(
                LocalConfig(
                    moto_port=free_port(),
                    api_port=free_port(),
                    prefix=f"bench{uuid.uuid4().hex[:6]}",
                    state_dir=Path(state_dir),
                    visibility_timeout_s=visibility_s,
                    ttl_sweep_every_s=TTL_SWEEP_EVERY_S,
                ),
                clock=SystemClock(),
            )
            stack.start(run_pumps=False)
            try:
                return self._run(stack, variants, rng, visibility_s)
            finally:
                stack.stop()

    def _run(self, stack: LocalStack, variants: list[Variant], rng: random.Random, visibility_s: int) -> RunFigures:
        timeline = Timeline()
        keys = {
            f"bench-cam-{i}": register_camera(
                stack.runtime.repos.cameras, f"bench-cam-{i}", SourceClass.FIXED, f"bench {i}", 37.72, -122.15
            )
            for i in range(self.cameras)
        }
        plan = [(f"f{i:06d}", i % self.cameras, rng.randrange(len(variants))) for i in range(self.frames)]
        ocr = self._wire(stack, timeline, rng, visibility_s)
        if ocr is not None:
            digests = [content_digest(v.jpeg) for v in variants]
            ocr.poison.update(
                frame_id_for(f"bench-cam-{cam}", client, digests[variant])
                for n, (client, cam, variant) in enumerate(plan)
                if n % POISON_EVERY == POISON_EVERY // 2
            )
        expected: dict[str, int] = {}
        lock = threading.Lock()

        def camera(index: int) -> None:
            session = requests.Session()
            assert stack.api is not None
            mine = [(client, variant) for client, cam, variant in plan if cam == index]
            for sent, (client, variant) in enumerate(mine):
                if self.camera_fps > 0:
                    # A fixed schedule (not a pause after each upload): a slow answer does not lower the rate.
                    delay = started + sent / self.camera_fps - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                upload_started = time.monotonic()
                frame_id = self._upload(session, stack.api.url, f"bench-cam-{index}", keys, client, variants[variant])
                with lock:
                    expected[frame_id] = len(variants[variant].plates)
                with timeline.lock:
                    timeline.uploaded_at.setdefault(frame_id, upload_started)

        started = time.monotonic()
        pumps = PumpThread(stack.pumps, idle_sleep_s=0.02)
        pumps.start()
        threads = [threading.Thread(target=camera, args=(i,), daemon=True) for i in range(self.cameras)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self._wait_until_accounted(stack, set(expected), timeline)
        elapsed = time.monotonic() - started
        pumps.stop()
        pumps.join(timeout=30)
        return self._account(stack, expected, timeline, elapsed)

    def _upload(
        self, session: requests.Session, url: str, camera: str, keys: dict[str, str], client: str, variant: Variant
    ) -> str:
        captured = datetime.now(UTC).isoformat()
        for _ in range(UPLOAD_ATTEMPTS):
            response = session.post(
                f"{url}/v1/frames",
                data=variant.jpeg,
                headers={
                    "Content-Type": "image/jpeg",
                    "X-Camera-Id": camera,
                    "X-Camera-Key": keys[camera],
                    "X-Capture-Time": captured,
                    "X-Client-Frame-Id": client,
                },
                timeout=60,
            )
            if response.status_code == 202:
                return str(response.json()["frame_id"])
        raise RuntimeError(
            f"upload of {client} refused {UPLOAD_ATTEMPTS} times: {response.status_code} {response.text}"
        )

    def _wire(self, stack: LocalStack, timeline: Timeline, rng: random.Random, visibility_s: int) -> FaultyOcr | None:
        """Installs the stand-in reader, the timing wrapper and, for the faulty run, the faults."""
        from alpr.services.ocr import OcrService

        rt = stack.runtime
        repos = rt.repos
        frames: Any = TimedFrames(repos.frames, timeline)
        reads: Any = repos.reads
        lock = threading.Lock()
        if self.faults:
            frames = ThrottlingStore(frames, rng, self.injected, lock)
            reads = ThrottlingStore(reads, rng, self.injected, lock)
        repos.__dict__["frames"], repos.__dict__["reads"] = frames, reads
        reader_factory = (lambda: PatternReader()) if self.reader == "fast" else _real_reader
        service: Any = OcrService(repos, reader_factory, rt.retention, rt.clock)
        faulty = FaultyOcr(service, set(), self.injected) if self.faults else None
        rt.__dict__["ocr"] = faulty or service
        rt.__dict__.pop("frame_reader", None)

        [ocr_pump] = [p for p in stack.pumps if p.name == "ocr"]
        assert isinstance(ocr_pump, SqsPump)
        ocr_pump.handler = self._ocr_handler(ocr_pump, faulty, visibility_s)
        return faulty

    def _ocr_handler(self, pump: SqsPump, faulty: FaultyOcr | None, visibility_s: int) -> Handler:
        production = pump.handler
        invocations = 0
        records_seen = 0
        # The local Lambda's timeout: a killed invocation's in-progress marker expires before redelivery.
        context_timeout_s = max(1, visibility_s - 1)

        def handler(event: dict, _context: Any) -> Any:
            nonlocal invocations, records_seen
            invocations += 1
            if faulty is not None:
                for record in event["Records"]:
                    records_seen += 1
                    if records_seen % DUPLICATE_EVENT_EVERY == DUPLICATE_EVENT_EVERY // 2:
                        pump.sqs.send_message(QueueUrl=pump.queue_url, MessageBody=record["body"])
                        self.injected.duplicate_events += 1
                if invocations % KILL_EVERY == 0 and len(event["Records"]) > 1:
                    faulty.kill_countdown = len(event["Records"]) // 2
            try:
                return production(event, LocalContext(function_name="ocr", timeout_s=context_timeout_s))
            except SimulatedKill as kill:
                # The whole batch comes back after the visibility timeout, as from a Lambda that died.
                raise RuntimeError("OCR handler killed mid-batch (injected)") from kill
            finally:
                if faulty is not None:
                    faulty.kill_countdown = None

        return handler

    def _wait_until_accounted(self, stack: LocalStack, uploaded: set[str], timeline: Timeline) -> None:
        last_progress, last_count = time.monotonic(), -1
        while True:
            with timeline.lock:
                finished = len(uploaded & timeline.finished_at.keys())
            if finished == len(uploaded):
                return
            count = finished + self._dead_letter_depth(stack)
            # Dead-letter messages are events, not frames (a duplicated event of a poison frame lands there
            # twice): enough of them says only that the rest may be dead letters, so also wait until the frame
            # queue holds nothing, in flight or waiting, that could still finish a frame.
            if count >= len(uploaded) and self._frame_queue_empty(stack):
                return
            if count != last_count:
                last_progress, last_count = time.monotonic(), count
            elif time.monotonic() - last_progress > IDLE_GIVE_UP_S:
                return
            time.sleep(0.5)

    def _dead_letter_depth(self, stack: LocalStack) -> int:
        sqs = self._sqs(stack)
        url = stack.provisioned.dead_letter_urls[FRAME_EVENTS_QUEUE.logical_name]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])

    def _frame_queue_empty(self, stack: LocalStack) -> bool:
        url = stack.provisioned.queue_urls[FRAME_EVENTS_QUEUE.logical_name]
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        attributes = self._sqs(stack).get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        return all(int(attributes[name]) == 0 for name in names)

    def _sqs(self, stack: LocalStack) -> Any:
        """One client for the run: building one costs more than the call it makes (it was once per poll)."""
        if self._sqs_client is None:
            self._sqs_client = stack.session.client("sqs")
        return self._sqs_client

    def _final_frames(self, stack: LocalStack) -> dict[str, FrameStatus]:
        frames = stack.runtime.repos.frames
        return {f.frame_id: f.status for f in frames.all() if f.status in FINAL_FRAME_STATUSES}

    def _dead_lettered_events(self, stack: LocalStack) -> set[str]:
        """Frame ids whose S3 event sits in the frame-events dead-letter queue."""
        sqs = self._sqs(stack)
        url = stack.provisioned.dead_letter_urls[FRAME_EVENTS_QUEUE.logical_name]
        from alpr.s3events import object_keys

        found: set[str] = set()
        for message in received_until_empty(sqs, url, visibility_s=300):
            found |= {PurePosixPath(key).stem for _bucket, key in object_keys(message["Body"])}
        return found

    def _account(self, stack: LocalStack, expected: dict[str, int], timeline: Timeline, elapsed_s: float) -> RunFigures:
        final = self._final_frames(stack)
        dead_events = self._dead_lettered_events(stack) - set(final)
        reads_per_frame: Counter[str] = Counter()
        distinct: dict[str, set[tuple[str, tuple[int, ...]]]] = defaultdict(set)
        for read in stack.runtime.repos.reads.all():
            reads_per_frame[read.frame_id] += 1
            distinct[read.frame_id].add((read.plate, tuple(read.box)))
        duplicated = sum(
            max(0, count - (expected.get(frame, 0) if self.reader == "fast" else len(distinct[frame])))
            for frame, count in reads_per_frame.items()
        )
        statuses = Counter(final.get(frame) for frame in expected)
        accounted = {f for f in expected if f in final or f in dead_events}
        latencies = [
            (timeline.finished_at[f] - timeline.uploaded_at[f]) * 1000
            for f in expected
            if f in timeline.finished_at and f in timeline.uploaded_at
        ]
        return RunFigures(
            frames=len(expected),
            cameras=self.cameras,
            throughput_fps=round(len(accounted) / elapsed_s, 1) if elapsed_s else 0.0,
            latency_median_ms=round(statistics.median(latencies), 1) if latencies else 0.0,
            latency_p95_ms=round(_percentile(latencies, 95), 1) if latencies else 0.0,
            reads=sum(reads_per_frame[f] for f in expected),
            no_plate=statuses[FrameStatus.NO_PLATE],
            dead_letter=statuses[FrameStatus.DEAD_LETTER] + len(dead_events & set(expected)),
            lost=len(set(expected) - accounted),
            duplicated=duplicated,
        )


def _real_reader() -> Any:
    from alpr.ocr.reader import get_reader

    return get_reader()


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def run_bench(
    frames: int, cameras: int, reader: str, seed: int = 418, camera_fps: float = DEFAULT_CAMERA_FPS
) -> dict[str, Any]:
    """Runs the clean pass and then the faulty pass.

    Returns {"clean": {...}, "faulty": {...}, "injected": {...}, "offered": {...}}; "offered" is the upload rate
    the cameras aimed at (frames a second per camera and in all; 0: as fast as the API answers).
    """
    # Injected failures and per-request logs would flood the terminal; the handlers' metric lines (EMF, on
    # stdout) are kept out of the printed result.
    logging.getLogger("alpr.local").setLevel(logging.CRITICAL)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        clean = PipelineRun(frames, cameras, reader, faults=False, seed=seed, camera_fps=camera_fps).run()
        faulty_run = PipelineRun(frames, cameras, reader, faults=True, seed=seed, camera_fps=camera_fps)
        faulty = faulty_run.run()
    offered = {"per_camera_fps": camera_fps, "total_fps": round(camera_fps * cameras, 2)}
    return {
        "clean": asdict(clean),
        "faulty": asdict(faulty),
        "injected": asdict(faulty_run.injected),
        "offered": offered,
    }
