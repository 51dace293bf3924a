"""How well the model reads real drawings: MNIST test digits re-drawn on a 600x600 Sketchpad.

    python benchmarks/canvas.py                      # model.keras, full MNIST test set if ../shared/mnist
    python benchmarks/canvas.py --model other.keras  # the same drawings, another model

Each drawing is one MNIST test digit's pen path (benchmarks/drawn_mnist.py) drawn with a
round brush of a random width, at a random height, slant (up to +-15 degrees) and place,
on a transparent or white canvas; plus stylistic variants people draw (a crossed 7, an
open 4, a serif 1). It prints top-1 / top-3 through prepare() + the model by stroke width
x digit size, and the same drawings read the naive way (the whole canvas resized to 28x28).
"""

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402
from drawn_mnist import pen_path  # noqa: E402

import datasets  # noqa: E402
import preprocess  # noqa: E402
import sketchpad  # noqa: E402

CANVAS = sketchpad.CANVAS
WIDTHS = {"hairline": (1, 2), "thin": (3, 7), "medium": (8, 15), "bold": (16, 28), "very bold": (29, 44)}
SIZES = {"small": (0.15, 0.35), "medium": (0.35, 0.6), "large": (0.6, 0.8)}  # digit height / canvas
MAX_SLANT = 15  # degrees
WHITE = (255, 255, 255)
# Digits as people also draw them, in unit coordinates (x right, y down, height 1).
VARIANTS = {
    "crossed 7": (7, [[(-0.3, -0.5), (0.3, -0.5), (-0.1, 0.5)], [(-0.2, 0.0), (0.25, 0.0)]]),
    "open 4": (4, [[(-0.2, -0.5), (-0.3, 0.1), (0.3, 0.1)], [(0.15, -0.5), (0.15, 0.5)]]),
    "serif 1": (1, [[(-0.15, -0.35), (0.02, -0.5), (0.02, 0.5)], [(-0.15, 0.5), (0.2, 0.5)]]),
}

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
default_data = ROOT.parent / "shared" / "mnist"
parser.add_argument("--data", default=default_data if default_data.exists() else ROOT / "tests/data/mnist-sample")
parser.add_argument("--model", default=ROOT / "model.keras")
parser.add_argument("--per-cell", type=int, default=400, help="drawings per width x size cell")
parser.add_argument("--variants", type=int, default=100, help="drawings per stylistic variant")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--misses", type=Path, help="save a PNG of misread drawings and what the model saw")
args = parser.parse_args()


def drawing(rng, strokes, width_range, size_range):
    """One canvas: the pen path at a random width, height, slant, place and background."""
    width = int(rng.integers(width_range[0], width_range[1] + 1))
    background = WHITE if rng.random() < 0.5 else None
    return sketchpad.random_drawing(rng, strokes, CANVAS, width, size_range, MAX_SLANT, background)


def naive(canvas):
    """What typical digit demos do: the whole canvas, inked white on black, resized to 28x28."""
    ink = canvas[..., 3] if canvas[0, 0, 3] == 0 else 255 - canvas[..., 0]
    small = cv2.resize(ink, (preprocess.IMAGE_SIZE,) * 2, interpolation=cv2.INTER_AREA)
    return datasets.scale_pixels(small[np.newaxis])[0]


def read(image):
    """prepare(image), or None where it finds no digit: a miss, as a blank is."""
    try:
        return preprocess.prepare(image)
    except preprocess.NotADigitError:
        return None


def top_k_hits(model, inputs, labels):
    """(top-1 hits, top-3 hits) per input; an input read() found no digit in (None) counts as a miss."""
    found = [i for i, x in enumerate(inputs) if x is not None]
    top1, top3 = np.zeros(len(inputs), bool), np.zeros(len(inputs), bool)
    if found:
        scores = model.predict(np.stack([inputs[i] for i in found]), batch_size=1024, verbose=0)
        ranked = np.argsort(-scores, axis=1)
        top1[found] = ranked[:, 0] == labels[found]
        top3[found] = (ranked[:, :3] == labels[found, None]).any(1)
    return top1, top3


_, (x_test, y_test) = datasets.load_mnist(args.data)
model = keras.saving.load_model(args.model, safe_mode=True)
rng = np.random.default_rng(args.seed)
paths = {}  # MNIST test index -> pen path, each skeletonised once

cells, canvases, labels = [], [], []
for width_name, width_range in WIDTHS.items():
    for size_name, size_range in SIZES.items():
        for index in rng.choice(len(x_test), args.per_cell, replace=False):
            if index not in paths:
                paths[index] = pen_path(x_test[index])
            canvases.append(drawing(rng, paths[index], width_range, size_range))
            labels.append(y_test[index])
            cells.append((width_name, size_name))
for variant, (digit, strokes) in VARIANTS.items():
    for _ in range(args.variants):
        width_range = WIDTHS[rng.choice(list(WIDTHS)[1:4])]
        canvases.append(drawing(rng, strokes, width_range, (0.3, 0.8)))
        labels.append(digit)
        cells.append(("variant", variant))

labels = np.array(labels)
prepared = [read(c) for c in canvases]
top1, top3 = top_k_hits(model, prepared, labels)
naive_top1, _ = top_k_hits(model, [naive(c) for c in canvases], labels)
mnist_accuracy = np.mean(np.argmax(model.predict(datasets.scale_pixels(x_test), verbose=0), 1) == y_test)
mnist_prepared, _ = top_k_hits(model, [read(x) for x in x_test], y_test)

# --- Report ----------------------------------------------------------------------

grid = [c[0] != "variant" for c in cells]
print(f"model {args.model}, {len(x_test)} MNIST test digits from {args.data}, seed {args.seed}")
print(f"{sum(grid)} drawings ({args.per_cell} per cell) + {len(cells) - sum(grid)} variants on a "
      f"{CANVAS}x{CANVAS} canvas; top-1 % (top-3 %) through prepare()\n")
print("| stroke width (px) | " + " | ".join(f"{s} ({lo:.0%}-{hi:.0%})" for s, (lo, hi) in SIZES.items()) + " |")
print("|---" * (len(SIZES) + 1) + "|")
for width_name, (lo, hi) in WIDTHS.items():
    row = []
    for size_name in SIZES:
        mask = np.array([c == (width_name, size_name) for c in cells])
        row.append(f"{top1[mask].mean():.1%} ({top3[mask].mean():.1%})")
    print(f"| {width_name} ({lo}-{hi}) | " + " | ".join(row) + " |")
print()
grid = np.array(grid)
print(f"| all drawings, prepare() | {top1[grid].mean():.2%} top-1, {top3[grid].mean():.2%} top-3 |")
print(f"| all drawings, naive whole-canvas resize | {naive_top1[grid].mean():.2%} top-1 |")
for variant in VARIANTS:
    mask = np.array([c == ("variant", variant) for c in cells])
    print(f"| variant: {variant} | {top1[mask].mean():.1%} top-1 (naive {naive_top1[mask].mean():.1%}) |")
print(f"| MNIST test digits as they are | {mnist_accuracy:.2%} top-1 |")
print(f"| MNIST test digits through prepare(), as the app reads them | {mnist_prepared.mean():.2%} top-1 |")

if args.misses:
    tiles = []
    for i in np.flatnonzero(~top1)[:48]:
        seen = np.zeros((28, 28)) if prepared[i] is None else prepared[i][..., 0]
        thumbnail = 255 - cv2.resize(255 - canvases[i][..., 0] if canvases[i][0, 0, 3] else canvases[i][..., 3],
                                     (112, 112), interpolation=cv2.INTER_AREA)
        tile = np.hstack([thumbnail, cv2.resize((seen * 255).astype(np.uint8), (112, 112),
                                                interpolation=cv2.INTER_NEAREST)])
        cv2.putText(tile, str(labels[i]), (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 128, 1)
        tiles.append(np.pad(tile, 2, constant_values=128))
    tiles += [np.full_like(tiles[0], 128)] * (-len(tiles) % 6)
    rows = [np.hstack(tiles[i : i + 6]) for i in range(0, len(tiles), 6)]
    cv2.imwrite(str(args.misses), np.vstack(rows))
    print(f"misread drawings (true digit, canvas, what the model saw): {args.misses}")
