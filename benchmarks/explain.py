"""Is the "Why?" map faithful? Delete the ink it ranks highest and count how often the answer changes.

    python benchmarks/explain.py                  # all of MNIST test and of the 14 pen writers' test digits
    python benchmarks/explain.py --limit 500      # the first 500 of each

For each 28x28 the model reads, the ink pixels (any ink above zero) are ranked by the map of
explanation.py (gradient x input of the top digit's margin over the runner-up's), and the
5, 10, 20 and 30 % that it ranks highest are set to paper; the answer changes when the top
digit of the result is another. The same share of the ink deleted at random (seeded) is the
baseline: a faithful map changes many more answers than chance does.

MNIST test: its 28x28 images as the model was trained on them. Pen digits: the 3,498 test
digits of 14 writers never trained on, drawn once each on a 600x600 canvas with the app's
brush (sketchpad.random_drawing, seeded) and read through prepare(), as the app reads a drawing.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

import datasets  # noqa: E402
import explanation  # noqa: E402
import preprocess  # noqa: E402
import sketchpad  # noqa: E402

SHARED = ROOT.parent / "shared"
FRACTIONS = (0.05, 0.10, 0.20, 0.30)
BATCH = 512

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--model", default=ROOT / "model.keras")
parser.add_argument("--mnist", type=Path, default=SHARED / "mnist")
parser.add_argument("--pendigits", type=Path, default=SHARED / "pendigits")
parser.add_argument("--limit", type=int, help="the first N digits of each set (default: all)")
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()


def mnist_test():
    _, (images, _) = datasets.load_mnist(args.mnist)
    return datasets.scale_pixels(images[: args.limit])


def pen_writers_test(rng):
    digits = datasets.load_pendigits(datasets.pendigits_file(args.pendigits, "test"))[: args.limit]
    drawings = (sketchpad.random_drawing(rng, sketchpad.unit_strokes(d.strokes)) for d in digits)
    prepared = [preprocess.prepare(drawing) for drawing in drawings]
    return np.stack([digit for digit in prepared if digit is not None])


def top_digits(model, digits):
    batches = range(0, len(digits), BATCH)
    scores = np.concatenate([model(digits[i : i + BATCH], training=False).numpy() for i in batches])
    return scores[:, : explanation.DIGITS].argmax(axis=1)


def delete_ink(digits, ranks, fraction):
    """Each digit with the given share of its ink pixels set to 0: those ranked first (ranks: lower, sooner)."""
    flat = digits.reshape(len(digits), -1).copy()
    ink = flat > 0
    count = np.round(fraction * ink.sum(axis=1)).astype(int)
    ranks = np.where(ink, ranks, np.inf)  # only ink is deleted
    order = np.argsort(ranks, axis=1, kind="stable")
    deleted = np.arange(flat.shape[1])[np.newaxis] < count[:, np.newaxis]
    np.put_along_axis(flat, order, np.where(deleted, 0, np.take_along_axis(flat, order, axis=1)), axis=1)
    return flat.reshape(digits.shape)


def measure(name, model, explainer, digits, rng):
    started = time.perf_counter()
    maps = np.concatenate([explainer.evidence(digits[i : i + BATCH])[0] for i in range(0, len(digits), BATCH)])
    answers = top_digits(model, digits)
    by_map = -maps.reshape(len(digits), -1)  # the most evidence for the top digit first
    at_random = rng.random(by_map.shape)
    rates = []
    for fraction in FRACTIONS:
        rates.append([np.mean(top_digits(model, delete_ink(digits, ranks, fraction)) != answers)
                      for ranks in (by_map, at_random)])
    seconds = time.perf_counter() - started
    ink = (digits > 0).reshape(len(digits), -1).sum(axis=1)
    print(f"\n{name}: {len(digits)} digits, {np.median(ink):.0f} ink pixels each (median); {seconds:.0f} s\n")
    print("| ink deleted | answer changed, by the map | at random | ratio |")
    print("| --- | --- | --- | --- |")
    for fraction, (mapped, random) in zip(FRACTIONS, rates, strict=True):
        ratio = f"{mapped / random:.0f}×" if random else "∞ (none at random)"
        print(f"| {fraction:.0%} | {mapped:.1%} | {random:.1%} | {ratio} |")


model = keras.saving.load_model(args.model, safe_mode=True)
explainer = explanation.Explainer(model)
rng = np.random.default_rng(args.seed)
print(f"model {args.model}; the map: gradient x input of the top digit's margin over the runner-up's")
measure("MNIST test", model, explainer, mnist_test(), rng)
measure("pen digits, 14 test writers, drawn with the app's brush, through prepare()", model, explainer,
        pen_writers_test(rng), rng)
