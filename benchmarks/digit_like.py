"""Which Omniglot characters look like digits: measured, so that "not a digit" is never taught on a 0 or a 1.

    python benchmarks/digit_like.py      # ../shared data; prints datasets.OMNIGLOT_DIGIT_LIKE's value

Every drawing (Omniglot's, and the pen digits' 14 test writers') is drawn on the app's canvas with its
brush and prepared as the app prepares it. Its distance to the nearest real digit (7,494 pen digits of
the training writers and 20,000 MNIST training digits, all prepared alike) is measured on the 28x28s
blurred by one pixel, so that a stroke a pixel off still matches. A character looks like a digit when
at least half of its 20 drawings lie as close to a digit as 90 % of the test writers' real digits do.
No model is asked: a classifier's confidence on a letter says nothing about whether a person sees a digit.
"""

import sys
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import datasets  # noqa: E402
import preprocess  # noqa: E402
import sketchpad  # noqa: E402

SHARED = ROOT.parent / "shared"
MNIST_REFERENCE = 20_000
DIGIT_QUANTILE = 0.9  # as close to a digit as this share of real digits are ...
SHARE_OF_DRAWINGS = 0.5  # ... for at least this share of a character's drawings

rng = np.random.default_rng(0)


def prepared(strokes_list):
    """Each drawing prepared as the app prepares it; one prepare() finds blank (a dot) is an empty 28x28."""
    images = [preprocess.prepare(sketchpad.random_drawing(rng, sketchpad.unit_strokes(s), brush=sketchpad.APP_BRUSH))
              for s in strokes_list]
    return np.stack([np.zeros((preprocess.IMAGE_SIZE,) * 2) if image is None else image[..., 0] for image in images])


def blurred(images):
    return np.stack([cv2.GaussianBlur(image.astype(np.float32), (0, 0), 1.0) for image in images]).reshape(
        len(images), -1)


characters = datasets.load_omniglot(datasets.omniglot_file(SHARED / "omniglot"))
(x_mnist, _), _ = datasets.load_mnist(SHARED / "mnist")
pen_train = datasets.load_pendigits(datasets.pendigits_file(SHARED / "pendigits", "train"))
pen_test = datasets.load_pendigits(datasets.pendigits_file(SHARED / "pendigits", "test"))

reference = blurred(np.concatenate([prepared([d.strokes for d in pen_train]), x_mnist[:MNIST_REFERENCE] / 255.0]))
squared = (reference**2).sum(1)


def nearest_digit(images):
    """Each image's distance to its nearest reference digit."""
    x = blurred(images)
    return np.sqrt(np.maximum(((x**2).sum(1)[:, None] + squared[None] - 2 * x @ reference.T).min(1), 0))


limit = np.quantile(nearest_digit(prepared([d.strokes for d in pen_test])), DIGIT_QUANTILE)
close = nearest_digit(prepared([c.strokes for c in characters])) < limit
by_character = defaultdict(list)
for character, near in zip(characters, close, strict=True):
    by_character[(character.alphabet, character.character)].append(near)
digit_like = sorted(key for key, near in by_character.items() if np.mean(near) >= SHARE_OF_DRAWINGS)
print(f"{close.mean():.1%} of {len(characters)} drawings lie within {limit:.2f} of a digit (as close as "
      f"{DIGIT_QUANTILE:.0%} of real digits); {len(digit_like)} of {len(by_character)} characters look like digits:")
print(digit_like)
