"""Make the photo examples: digits and a number written on paper, as a phone camera sees them (run from the repo root).

    python examples/make_photos.py

Made by benchmarks/photos.py's generator (seeded) from the pen digits' shipped test sample:
real writers' strokes, in ink or pencil, on ruled or squared paper, lit unevenly, some with a
shadow, blur, sensor noise and JPEG; a sheet lying on a desk, a glare spot, a bold marker crop.
The tests read them (tests/test_photos.py, tests/test_client.py).
"""

import sys
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import datasets  # noqa: E402
import sketchpad  # noqa: E402
from benchmarks import photos  # noqa: E402

SAMPLE = HERE.parent / "tests" / "data" / "pendigits-sample"
JPEG_QUALITY = 85  # a phone's
# name -> (digit, what the photo shows: a condition of benchmarks/photos.py)
DIGITS = {
    "photo_ruled_7": (7, dict(gradient=True, papers=("ruled",), camera=True)),
    "photo_squared_2": (2, dict(gradient=True, papers=("squared",), camera=True)),
    "photo_pencil_shadow_5": (5, dict(shadow=True, inks=("pencil",))),
    "photo_red_ink_ruled_4": (4, dict(gradient=True, shadow=True, papers=("ruled",), inks=("red",), camera=True)),
    "photo_desk_8": (8, dict(desk=True, gradient=True, camera=True)),
    "photo_glare_2": (2, dict(glare=True, camera=True)),
    "photo_marker_grey_0": (0, dict(crop=True, tinted=True, inks=("black",), camera=True)),
}
NUMBER = "photo_ruled_number_2026"
BLANK = {"photo_ruled_blank": dict(gradient=True, papers=("ruled",), camera=True)}


def first_of(digits, label):
    return sketchpad.unit_strokes(next(d for d in digits if d.label == label).strokes)


def number_ink(digits, number, height=150, pen=9):
    """A number's digits (the first writer's) written in a row on a sheet: float32 alpha, the sheet's shape."""
    sheet = np.zeros((round(3 * height), round(height * (len(number) + 2))), np.uint8)
    for place, label in enumerate(number):
        centre = (height * (1.5 + place), 1.5 * height)
        sketchpad.draw_path(sheet, first_of(digits, int(label)), centre, height, pen, colour=255)
    return sheet.astype(np.float32) / 255


def save(name, photo):
    cv2.imwrite(str(HERE / f"{name}.jpg"), cv2.cvtColor(photo, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY,
                                                                                    JPEG_QUALITY])


def main():
    digits = datasets.load_pendigits(datasets.pendigits_file(SAMPLE, "test"))
    for seed, (name, (label, condition)) in enumerate(DIGITS.items()):
        save(name, photos.digit_photo(np.random.default_rng(seed), first_of(digits, label), **condition)[0])
    ink = number_ink(digits, "2026")
    save(NUMBER, photos.photograph(np.random.default_rng(0), ink, 110, papers=("ruled",), gradient=True)[0])
    for name, condition in BLANK.items():
        blank = np.zeros((photos.SIDE, photos.SIDE), np.float32)
        save(name, photos.photograph(np.random.default_rng(0), blank, 80, **condition)[0])


if __name__ == "__main__":
    main()
