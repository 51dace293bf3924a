"""How honestly the model says "not a digit": letters, signs and doodles flagged, real digits not.

    python benchmarks/not_digits.py                              # model.keras, ../shared data
    python benchmarks/not_digits.py --baseline ten_classes.keras # and a 10-class model with a confidence threshold

Things that are not digits, each drawn once on the app's canvas (sketchpad.random_drawing, seeded) and read
through prepare() + the model, as the app reads a drawing:
- Omniglot's held-out alphabets (datasets.OMNIGLOT_HELD_OUT: training never saw them), without the characters
  measured to look like digits (datasets.OMNIGLOT_DIGIT_LIKE; how those read is printed apart);
- doodles.py's doodles, DOODLES_PER_KIND of each kind, with a seed training does not use (train.py draws
  its own with --seed + 2).
Real digits that must not be flagged: the pen digits' 14 test writers (each digit drawn once, as real.py
draws them) and the MNIST test set (as it is, and drawn through prepare()). A drawing is flagged when the
eleventh class, "not a digit", scores highest (answers.is_not_a_digit). A --baseline model with ten classes
has no such class: it is flagged when its top score is under a threshold, the one that flags 1 % of the pen
digits (outlier detection by confidence), so that the two are compared at the same cost to real digits.
"""

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

import answers  # noqa: E402
import datasets  # noqa: E402
import doodles  # noqa: E402
import preprocess  # noqa: E402
import sketchpad  # noqa: E402

SHARED = ROOT.parent / "shared"
DOODLES_PER_KIND = 80
BASELINE_FLAGS = 0.01  # the baseline's threshold flags this share of the pen test digits

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--model", default=ROOT / "model.keras")
parser.add_argument("--baseline", action="append", default=[], help="a ten-class model, read with a threshold")
parser.add_argument("--omniglot", type=Path, default=SHARED / "omniglot")
parser.add_argument("--pendigits", type=Path, default=SHARED / "pendigits")
parser.add_argument("--mnist", type=Path, default=SHARED / "mnist")
parser.add_argument("--seed", type=int, default=100)
args = parser.parse_args()

rng = np.random.default_rng(args.seed)


def drawn(strokes_list):
    """Unit strokes -> prepared 28x28s; a drawing prepare() refuses (many pieces) or finds blank is None."""
    images = []
    for strokes in strokes_list:
        try:
            images.append(preprocess.prepare(sketchpad.random_drawing(rng, sketchpad.unit_strokes(strokes))))
        except preprocess.NotADigitError:
            images.append(None)
    return images


characters = datasets.load_omniglot(datasets.omniglot_file(args.omniglot), datasets.OMNIGLOT_HELD_OUT)
kinds = sorted(doodles.KINDS)
doodled = [doodles.random_doodle(rng, kind) for kind in kinds for _ in range(DOODLES_PER_KIND)]
pen_test = datasets.load_pendigits(datasets.pendigits_file(args.pendigits, "test"))
_, (x_mnist, y_mnist) = datasets.load_mnist(args.mnist)

sets = {
    "omniglot": drawn([c.strokes for c in characters]),
    "doodles": drawn([strokes for _, strokes in doodled]),
    "pen": drawn([d.strokes for d in pen_test]),
}
digit_like = np.array([(c.alphabet, c.character) in datasets.OMNIGLOT_DIGIT_LIKE for c in characters])
alphabets = np.array([c.alphabet for c in characters])
doodle_kinds = np.array([kind for kind, _ in doodled])
y_pen = np.array([d.label for d in pen_test])
mnist_raw = datasets.scale_pixels(x_mnist)
mnist_drawn = [preprocess.prepare(image) for image in x_mnist]  # MNIST's own pixels through prepare()
refused = {name: sum(x is None for x in images) for name, images in sets.items()}
BLANK = np.zeros((preprocess.IMAGE_SIZE, preprocess.IMAGE_SIZE, 1), np.float32)


def scores(model, images):
    stacked = np.stack([BLANK if x is None else x for x in images]) if isinstance(images, list) else images
    return model.predict(stacked, batch_size=1024, verbose=0)


def read(model, threshold=None):
    """Each set -> (flagged, answer): flagged by the eleventh class, or by a top score under `threshold`;
    a drawing prepare() refuses counts as flagged (the app answers it "no single digit"), for things that
    are not digits and for digits alike."""
    out = {}
    for name, images in {**sets, "mnist": mnist_raw, "mnist_drawn": mnist_drawn}.items():
        p = scores(model, images)
        if threshold is None:
            flagged = np.array([answers.is_not_a_digit(s) for s in p])
        else:
            flagged = p.max(1) < threshold
        if isinstance(images, list):
            flagged |= np.array([x is None for x in images])
        out[name] = flagged, p[:, : answers.DIGITS].argmax(1)
    return out


def report(title, results):
    om_flag, _ = results["omniglot"]
    doodle_flag, _ = results["doodles"]
    pen_flag, pen_answer = results["pen"]
    mnist_flag, mnist_answer = results["mnist"]
    drawn_flag, drawn_answer = results["mnist_drawn"]
    print(f"\n## {title}\n")
    print("| set | flagged 'not a digit' |\n|---|---|")
    print(f"| held-out alphabets ({', '.join(datasets.OMNIGLOT_HELD_OUT)}), {(~digit_like).sum()} drawings | "
          f"**{om_flag[~digit_like].mean():.1%}** |")
    for alphabet in datasets.OMNIGLOT_HELD_OUT:
        mask = (alphabets == alphabet) & ~digit_like
        print(f"| - {alphabet} | {om_flag[mask].mean():.1%} |")
    print(f"| their digit-like characters, {digit_like.sum()} drawings (not counted) | "
          f"{om_flag[digit_like].mean():.1%} |")
    print(f"| doodles, {len(doodle_flag)} ({DOODLES_PER_KIND} of each of {len(kinds)} kinds) | "
          f"**{doodle_flag.mean():.1%}** |")
    print(f"| real digits: pen test writers, {len(pen_flag)} | **{pen_flag.mean():.2%}** |")
    print(f"| real digits: MNIST test, {len(mnist_flag)} | **{mnist_flag.mean():.2%}** |")
    print(f"| real digits: MNIST test through prepare() | {drawn_flag.mean():.2%} |")
    print("\n| accuracy on digits (right and not flagged) | |\n|---|---|")
    print(f"| pen test writers | **{np.mean((pen_answer == y_pen) & ~pen_flag):.2%}** |")
    print(f"| MNIST test | **{np.mean((mnist_answer == y_mnist) & ~mnist_flag):.2%}** |")
    print(f"| MNIST test through prepare() | {np.mean((drawn_answer == y_mnist) & ~drawn_flag):.2%} |")
    by_kind = defaultdict(list)
    for kind, flag in zip(doodle_kinds, doodle_flag, strict=True):
        by_kind[kind].append(flag)
    print("\ndoodles flagged by kind: " + ", ".join(f"{k} {np.mean(v):.0%}" for k, v in sorted(by_kind.items())))


print(f"Drawn once each on a {sketchpad.CANVAS}x{sketchpad.CANVAS} canvas (seed {args.seed}); refused by prepare() "
      f"before the model: " + ", ".join(f"{name} {n}" for name, n in refused.items()))
model = keras.saving.load_model(args.model, safe_mode=True)
report(f"{args.model}: 'not a digit' when its eleventh class scores highest", read(model))
for path in args.baseline:
    baseline = keras.saving.load_model(path, safe_mode=True)
    pen_top = scores(baseline, sets["pen"]).max(1)
    threshold = float(np.quantile(pen_top, BASELINE_FLAGS))
    report(f"{path}: 'not a digit' when its top score is under {threshold:.3f} (flags {BASELINE_FLAGS:.0%} of the "
           "pen digits)", read(baseline, threshold))
