"""Server time of a visitor's "Wrong? Tell it" click: the save alone, and the whole handler.

    python benchmarks/feedback_save.py            # 300 saves of pen-digit canvases into a temporary folder

1. feedback.Store.save: the strokes PNG (cropped to the ink), the 28x28 PNG, the JSON line
   appended, flushed and fsynced: p50 / p99 / max, in ms.
2. app.tell_the_digit, as the click runs it: prepare(), the model's top 5, then the save.

The canvases: the pen digits' test writers (../shared/pendigits, else the sample in
tests/data/), each drawn once on a 600x600 transparent canvas as the app's Sketchpad holds it.
The target (issue 17): the save takes at most 50 ms.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import datasets  # noqa: E402
import sketchpad  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--saves", type=int, default=300)
parser.add_argument("--pendigits", type=Path, default=ROOT.parent / "shared" / "pendigits")
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()

folder = tempfile.mkdtemp(prefix="feedback-bench-")
os.environ["FEEDBACK_DIR"] = folder
os.environ.pop("FEEDBACK_REPO", None)
import app  # noqa: E402  (loads the model; its store writes to the temporary folder)
import preprocess  # noqa: E402

pen = args.pendigits if args.pendigits.exists() else ROOT / "tests" / "data" / "pendigits-sample"
digits = datasets.load_pendigits(datasets.pendigits_file(pen, "test"))
rng = np.random.default_rng(args.seed)
picked = rng.choice(len(digits), args.saves, replace=len(digits) < args.saves)
canvases = [(sketchpad.random_drawing(rng, sketchpad.unit_strokes(digits[i].strokes)), digits[i].label)
            for i in picked]


def milliseconds(times):
    ms = np.array(times) * 1000
    return f"p50 {np.percentile(ms, 50):6.2f}   p99 {np.percentile(ms, 99):6.2f}   max {ms.max():6.2f}"


def time_saves():
    store = app.feedback.Store(folder, "bench", session_limit=len(canvases) + 1)
    times = []
    for canvas, label in canvases:
        digit = preprocess.prepare(canvas)
        scores = app.classify_digits(digit[np.newaxis])[0]
        start = time.perf_counter()
        store.save(canvas, digit, label, scores, "bench")
        times.append(time.perf_counter() - start)
    return times


def time_clicks():
    app.feedback_store.session_limit = len(canvases) + 1
    request = SimpleNamespace(session_hash="bench")
    times = []
    for canvas, label in canvases:
        start = time.perf_counter()
        app.tell_the_digit(canvas, str(label), request)
        times.append(time.perf_counter() - start)
    return times


print(f"{len(canvases)} saves of 600x600 canvases into {folder} (pen digits from {pen})")
print(f"feedback.Store.save      {milliseconds(time_saves())}  ms")
print(f"app.tell_the_digit       {milliseconds(time_clicks())}  ms")
print(f"{app.feedback.folder_bytes(folder) / 2 / len(canvases) / 1024:.1f} kB a record on disk")
shutil.rmtree(folder)
