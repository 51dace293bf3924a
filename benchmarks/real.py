"""How well the model reads real handwriting: the pen digits of 14 writers it never saw, drawn on the Sketchpad.

    python benchmarks/real.py                                  # model.keras, ../shared/pendigits
    python benchmarks/real.py --baseline mnist_only.keras      # and another model, on the same drawings
    python benchmarks/real.py --misses misses.png              # and a picture of what it misread

The 3,498 digits of `pendigits-orig.tes` (14 writers, none of them in the training file),
each drawn once with every brush below on a transparent 600x600 canvas, as the app's
Sketchpad sends it: the pen points joined by a round brush, the digit 20-85 % of the canvas
high, anywhere on it (sketchpad.random_drawing, seeded). Read through prepare() + the model,
as the app reads a drawing. Prints top-1 and top-3 overall, by brush, by digit and by writer
(the worst named), the commonest confusions, and the same drawings read by the baselines:
the whole canvas resized to 28x28 (what most digit demos do), and any --baseline model.
"""

import argparse
import sys
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

import datasets  # noqa: E402
import preprocess  # noqa: E402
import sketchpad  # noqa: E402

BRUSHES = {"thin (6-14 px)": (6, 14), "the app's (28 px)": (28, 28), "bold (36-44 px)": (36, 44)}
FULL = ROOT.parent / "shared" / "pendigits"
SAMPLE = ROOT / "tests" / "data" / "pendigits-sample"

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--pendigits", type=Path, default=FULL if FULL.exists() else SAMPLE,
                    help="folder holding pendigits-orig.tes(.gz) (default: ../shared/pendigits, else the "
                         "shipped sample)")
parser.add_argument("--model", default=ROOT / "model.keras")
parser.add_argument("--baseline", action="append", default=[], help="another model to read the same drawings")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--misses", type=Path, help="save a PNG of misread drawings and what the model saw")
args = parser.parse_args()

digits = datasets.load_pendigits(datasets.pendigits_file(args.pendigits, "test"))
SMALL = (preprocess.IMAGE_SIZE,) * 2
THUMBNAIL = (112, 112)

rng = np.random.default_rng(args.seed)
prepared, naive, thumbnails, labels, writers, brushes = [], [], [], [], [], []
for digit in digits:
    strokes = sketchpad.unit_strokes(digit.strokes)
    for name, (low, high) in BRUSHES.items():
        canvas = sketchpad.random_drawing(rng, strokes, brush=int(rng.integers(low, high + 1)))
        prepared.append(preprocess.prepare(canvas))
        naive.append(cv2.resize(canvas[..., 3], SMALL, interpolation=cv2.INTER_AREA))  # the whole canvas
        thumbnails.append(cv2.resize(canvas[..., 3], THUMBNAIL, interpolation=cv2.INTER_AREA))
        labels.append(digit.label)
        writers.append(digit.writer)
        brushes.append(name)
labels, writers, brushes = np.array(labels), np.array(writers), np.array(brushes)
found = np.array([x is not None for x in prepared])
blank = np.zeros((*SMALL, 1), np.float32)  # prepare() found nothing: counted as a miss
inputs = np.stack([x if x is not None else blank for x in prepared])
naive = datasets.scale_pixels(np.stack(naive))


def ranked(model, images):
    """Each image's digits, most probable first."""
    return np.argsort(-model.predict(images, batch_size=1024, verbose=0), axis=1)


model = keras.saving.load_model(args.model, safe_mode=True)
order = ranked(model, inputs)
guess = np.where(found, order[:, 0], -1)
top1 = guess == labels
top3 = found & (order[:, :3] == labels[:, None]).any(1)

# --- Report ----------------------------------------------------------------------

print(f"model {args.model}; {len(digits)} digits by {len(set(writers))} writers ({args.pendigits}), each drawn "
      f"with {len(BRUSHES)} brushes: {len(labels)} canvases of {sketchpad.CANVAS}x{sketchpad.CANVAS}, seed "
      f"{args.seed}; read through prepare()\n")
print(f"| all | **{top1.mean():.2%}** top-1 | {top3.mean():.2%} top-3 |")
print("|---|---|---|")
for name in BRUSHES:
    mask = brushes == name
    print(f"| brush {name} | {top1[mask].mean():.2%} | {top3[mask].mean():.2%} |")
print("\n| digit | " + " | ".join(str(d) for d in range(10)) + " |")
print("|---" * 11 + "|")
print("| top-1 | " + " | ".join(f"{top1[labels == d].mean():.1%}" for d in range(10)) + " |")
by_writer = {w: top1[writers == w].mean() for w in sorted(set(writers))}
worst = min(by_writer, key=by_writer.get)
print("\n| writer | " + " | ".join(str(w) for w in by_writer) + " |")
print("|---" * (len(by_writer) + 1) + "|")
print("| top-1 | " + " | ".join(f"{a:.1%}" for a in by_writer.values()) + " |")
print(f"\nworst writer: {worst} at {by_writer[worst]:.2%}; the other writers: {top1[writers != worst].mean():.2%}; "
      f"{(~found).sum()} canvases found blank by prepare()")
confusions = Counter(zip(labels[~top1], guess[~top1], strict=True)).most_common(8)
print("\ncommonest misreadings: " + ", ".join(f"{t} as {'nothing' if g < 0 else g} ({n})" for (t, g), n in confusions))
print(f"\nbaselines, the same canvases:\n| {args.model}, naive whole-canvas resize | "
      f"{np.mean(ranked(model, naive)[:, 0] == labels):.2%} top-1 |")
for path in args.baseline:
    other = np.where(found, ranked(keras.saving.load_model(path, safe_mode=True), inputs)[:, 0], -1)
    print(f"| {path}, through prepare() | {np.mean(other == labels):.2%} top-1 |")

if args.misses:
    tiles = []
    for i in np.flatnonzero(~top1)[:60]:
        seen = cv2.resize((inputs[i, ..., 0] * 255).astype(np.uint8), THUMBNAIL, interpolation=cv2.INTER_NEAREST)
        tile = np.hstack([255 - thumbnails[i], seen])
        cv2.putText(tile, f"{labels[i]} as {guess[i]}, w{writers[i]}", (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, 128)
        tiles.append(np.pad(tile, 2, constant_values=128))
    tiles += [np.full((116, 228), 128, np.uint8)] * (-len(tiles) % 6)
    cv2.imwrite(str(args.misses), np.vstack([np.hstack(tiles[i : i + 6]) for i in range(0, len(tiles), 6)]))
    print(f"\nmisread drawings (true digit as read, writer; canvas, what the model saw): {args.misses}")
