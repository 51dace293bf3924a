"""What visitors tell the app: a drawing and the digit they say it is, kept as a record for training.

A record is two PNGs (the strokes, cropped to the ink; the 28x28 the model saw) and one line
of a JSON Lines file (the digit chosen, or NOT_A_DIGIT for "Not a digit", the model's top 5, the
model file's sha256, the UTC time). Nothing about the visitor is kept. The folder is $FEEDBACK_DIR (default feedback/);
with $FEEDBACK_REPO naming a Hub dataset repo and a token, huggingface_hub.CommitScheduler
also pushes it there every PUSH_MINUTES. train.py --feedback reads the records back.
"""

import hashlib
import json
import logging
import os
import threading
import time
import uuid
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
from huggingface_hub import CommitScheduler, get_token
from huggingface_hub.errors import HFValidationError

import answers
import hub
import preprocess

FOLDER_ENV = "FEEDBACK_DIR"  # where records go; default feedback/ beside app.py
REPO_ENV = "FEEDBACK_REPO"  # a Hub dataset repo (<user>/<name>) to push the folder to
IMAGES = "images"  # the folder's subfolder of PNGs
RECORDS_GLOB = "records-*.jsonl"  # one file per app process: a restarted Space never overwrites a pushed one
PUSH_MINUTES = 5  # CommitScheduler's period: a commit every few minutes, never one per click
TOP_CLASSES = 5
NOT_A_DIGIT = 10  # the label a record keeps when the visitor says the drawing is not a digit
LABELS = range(11)  # the digits 0-9, and NOT_A_DIGIT
# A canvas digit's strokes PNG is 5-40 kB (600x600 canvas, 28-pixel brush); the largest image the
# app reads is reduced to 1024 on a side, whose ink crop stays under this unless it is noise.
MAX_RECORD_BYTES = 256 * 1024
# ~20 kB a record: about 25,000 records, far more than a demo Space collects, and well inside a
# free Space's disk and a dataset repo's comfortable size.
MAX_FOLDER_BYTES = 512 * 1024 * 1024
# A keen visitor draws and corrects a digit every 10 s or so; a script in one session is held to
# this many records in SESSION_WINDOW seconds.
SESSION_LIMIT = 30
SESSION_WINDOW = 600

logger = logging.getLogger(__name__)


class Refused(Exception):
    """A record not kept; the message says why, in words for the visitor."""


def folder_bytes(folder):
    """Bytes held by the files under folder; 0 if it does not exist."""
    return sum(path.stat().st_size for path in Path(folder).rglob("*") if path.is_file())


def strokes_png(drawing):
    """The drawing's ink (white strokes on black), cropped to the strokes' box, as PNG bytes."""
    ink = preprocess.read_ink(drawing).map
    x, y, w, h = cv2.boundingRect(ink)
    return cv2.imencode(".png", ink[y : y + h, x : x + w])[1].tobytes()


def digit_png(digit):
    """The (28, 28, 1) float digit the model saw as an 8-bit PNG."""
    return cv2.imencode(".png", np.round(digit[..., 0] * 255).astype(np.uint8))[1].tobytes()


def top5(scores):
    """(10,) or (11,) probabilities -> the five likeliest classes, as a Label's confidences."""
    return [{"label": answers.class_name(int(d)), "confidence": float(scores[d])}
            for d in np.argsort(scores)[::-1][:TOP_CLASSES]]


def start_pushing(folder):
    """A CommitScheduler pushing folder to the Hub dataset $FEEDBACK_REPO; None without a repo or a token,
    or when the Hub cannot be reached now (the records then stay local, and the page works on)."""
    repo_id = os.environ.get(REPO_ENV)
    if not repo_id or get_token() is None:
        return None
    try:
        return CommitScheduler(repo_id=repo_id, repo_type="dataset", folder_path=folder, every=PUSH_MINUTES,
                               private=True, allow_patterns=[RECORDS_GLOB, f"{IMAGES}/*.png"])
    except (*hub.HUB_ERRORS, HFValidationError) as e:
        logger.warning("feedback: not pushing %s to the Hub dataset %s: %s", folder, repo_id, hub.one_line(e))
        return None


class Store:
    """Saves records in a folder, within a size cap per record and for the folder and a rate per session."""

    def __init__(self, folder, model_sha256, scheduler=None, max_folder_bytes=MAX_FOLDER_BYTES,
                 session_limit=SESSION_LIMIT, clock=time.monotonic):
        self.folder = Path(folder)
        self.model_sha256 = model_sha256
        started = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.records_file = self.folder / RECORDS_GLOB.replace("*", f"{started}-{uuid.uuid4().hex[:8]}")
        self.lock = scheduler.lock if scheduler else threading.Lock()  # the scheduler lists the folder under it
        self.used = folder_bytes(self.folder)
        self.max_folder_bytes = max_folder_bytes
        self.session_limit = session_limit
        self.clock = clock
        self.recent = {}  # session hash -> times of its records within SESSION_WINDOW
        self.said_full = False

    def save(self, drawing, digit, label, scores, session):
        """Keep one record: the drawing (anything preprocess.read_ink takes), the (28, 28, 1) digit prepared from
        it, the digit 0-9 the visitor chose (or NOT_A_DIGIT), the model's scores; `session` is the browser
        session's hash, used for the rate limit only. Returns the record written; raises Refused."""
        if label not in LABELS:
            raise Refused("Pick a digit from 0 to 9, or Not a digit.")
        record_id = uuid.uuid4().hex
        pictures = {f"{IMAGES}/{record_id}.png": strokes_png(drawing),
                    f"{IMAGES}/{record_id}-28x28.png": digit_png(digit)}
        strokes_path, digit_path = pictures
        record = {"id": record_id, "label": label, "top5": top5(scores), "model_sha256": self.model_sha256,
                  "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                  "strokes": strokes_path, "digit": digit_path}
        line = (json.dumps(record) + "\n").encode()
        size = len(line) + sum(map(len, pictures.values()))
        if size > MAX_RECORD_BYTES:
            raise Refused("This drawing is too large to keep: clear the canvas and draw one digit.")
        with self.lock:
            now = self.clock()
            times = self.session_times(session, now)
            if len(times) >= self.session_limit:
                raise Refused("That is many digits in a short time: wait a few minutes before sending more.")
            if self.used + size > self.max_folder_bytes:
                self.say_full_once()
                raise Refused("Thank you, but no more drawings are being kept for now.")
            self.write(pictures, line)
            self.used += size
            times.append(now)
        return record

    def session_times(self, session, now):
        """This session's record times within SESSION_WINDOW; sessions with none are forgotten."""
        for key in [key for key, times in self.recent.items() if not times or now - times[-1] > SESSION_WINDOW]:
            del self.recent[key]
        times = self.recent.setdefault(session, deque())
        while times and now - times[0] > SESSION_WINDOW:
            times.popleft()
        return times

    def write(self, pictures, line):
        """The PNGs first, then the record's line, appended and flushed: a line never names a missing file,
        and a restart loses no record written."""
        (self.folder / IMAGES).mkdir(parents=True, exist_ok=True)
        for name, data in pictures.items():
            (self.folder / name).write_bytes(data)
        with open(self.records_file, "ab") as records:
            records.write(line)
            records.flush()
            os.fsync(records.fileno())

    def say_full_once(self):
        if not self.said_full:
            logger.warning("feedback: %s holds %d bytes, its cap is %d: no more records are saved",
                           self.folder, self.used, self.max_folder_bytes)
            self.said_full = True


def read_records(folder):
    """Every record under folder (records-*.jsonl, as pushed or downloaded), each with its 28x28 as uint8 pixels
    under "pixels"; a line that is not a whole record, or whose PNG is missing, is skipped."""
    records = []
    for path in sorted(Path(folder).rglob(RECORDS_GLOB)):
        for line in path.read_text().splitlines():
            try:
                record = json.loads(line)
                pixels = cv2.imread(str(path.parent / record["digit"]), cv2.IMREAD_GRAYSCALE)
            except (ValueError, KeyError, TypeError):
                continue
            if pixels is not None and pixels.shape == (preprocess.IMAGE_SIZE,) * 2 and record.get("label") in LABELS:
                records.append({**record, "pixels": pixels})
    return records


def unique_records(records):
    """Records (read_records') -> (each 28x28's earliest record, the number of later ones dropped)."""
    kept = {}
    for record in sorted(records, key=lambda record: str(record.get("time"))):
        kept.setdefault(hashlib.sha256(record["pixels"].tobytes()).hexdigest(), record)
    return list(kept.values()), len(records) - len(kept)


def digits_and_labels(records):
    """Records -> (their 28x28s (N, 28, 28) uint8, their labels (N,))."""
    pixels = np.array([r["pixels"] for r in records], np.uint8).reshape(-1, *(preprocess.IMAGE_SIZE,) * 2)
    return pixels, np.array([r["label"] for r in records], int)
