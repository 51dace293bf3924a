"""The data sets training and the benchmarks read: MNIST, the UCI pen digits (real handwriting), and
Omniglot's handwritten characters (things that are not digits).

MNIST: the four original IDX files, a Keras-layout .npz, or Keras' own download.
Pen digits: 10,992 digits written by 44 people with a stylus on a tablet screen
(E. Alpaydin and F. Alimoglu, UCI Machine Learning Repository, 1996, CC BY 4.0), as
UNIPEN text: each digit's label, its writer and its pen strokes.
Omniglot: 4,840 characters of 8 alphabets drawn by 20 people each as pen strokes (B. M. Lake,
R. Salakhutdinov and J. B. Tenenbaum, Science 2015, MIT licence), read from its zip as it is.
"""

import gzip
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from preprocess import IMAGE_SIZE

PEN_BOX = 500  # the tablet's box around each pen digit, in tablet pixels; its y points up
OMNIGLOT_ZIP = "omniglot-strokes.zip"
# Whole alphabets that training never sees: benchmarks/not_digits.py measures "not a digit" on them.
OMNIGLOT_HELD_OUT = ("Greek", "Tagalog")
# Characters that look like digits, measured (benchmarks/digit_like.py): at least half of their 20 drawings lie as
# close to a real digit as 90 % of real digits do. Neither taught as "not a digit" nor counted as one.
OMNIGLOT_DIGIT_LIKE = frozenset({
    ("Balinese", 5), ("Early_Aramaic", 2), ("Early_Aramaic", 3), ("Early_Aramaic", 4), ("Early_Aramaic", 6),
    ("Early_Aramaic", 11), ("Early_Aramaic", 12), ("Early_Aramaic", 14), ("Early_Aramaic", 16),
    ("Early_Aramaic", 17), ("Early_Aramaic", 20), ("Greek", 4), ("Greek", 9), ("Greek", 15),
    ("Japanese_(katakana)", 24), ("Korean", 1), ("Korean", 5), ("Korean", 21), ("Korean", 22), ("Korean", 33),
    ("Latin", 6), ("Latin", 9), ("Latin", 12), ("Latin", 15), ("Latin", 17), ("Latin", 19), ("Latin", 20),
})
PENDIGITS_FILES = {"train": "pendigits-orig.tra", "test": "pendigits-orig.tes"}  # writers apart: 30 and 14

IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


class DataError(Exception):
    """A data file is missing or unreadable; the message names the file."""


# --- MNIST -----------------------------------------------------------------------


def read_idx(path):
    """Read one IDX file (gzipped or not) into a uint8 array."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as e:
        raise DataError(f"{path}: cannot read ({e})") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise DataError(f"{path}: not an IDX file of unsigned bytes")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{path}: truncated header")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape))
    if len(data) != expected:
        raise DataError(f"{path}: {len(data)} bytes, expected {expected} for shape {shape}")
    return np.frombuffer(data, np.uint8, offset=header).reshape(shape)


def _find_idx(folder, stem):
    for name in (stem + ".gz", stem, stem.replace("-idx", ".idx")):
        if (folder / name).exists():
            return folder / name
    raise DataError(f"{folder / (stem + '.gz')}: missing (nor found uncompressed)")


def load_mnist(data=None):
    """MNIST as ((x_train, y_train), (x_test, y_test)), uint8 images of 28x28.

    data: None for `keras.datasets.mnist.load_data()` (downloads once), a folder
    holding the four original IDX files (gzipped or not), or a Keras-layout .npz.
    """
    if data is None:
        import keras

        return keras.datasets.mnist.load_data()
    path = Path(data)
    if path.is_dir():
        arrays = {key: read_idx(_find_idx(path, stem)) for key, stem in IDX_FILES.items()}
    elif path.suffix == ".npz":
        try:
            with np.load(path) as npz:
                arrays = {key: npz[key] for key in IDX_FILES}
        except KeyError as e:
            raise DataError(f"{path}: no array {e} (expects x_train, y_train, x_test, y_test)") from None
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
            raise DataError(f"{path}: cannot read ({e})") from None
    else:
        raise DataError(f"{path}: neither a folder of IDX files nor an .npz file")
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim != 3 or x.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE) or len(x) != len(y):
            raise DataError(f"{path}: {split} images {x.shape} do not match labels {y.shape}")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def scale_pixels(images):
    """uint8 MNIST images (N, 28, 28) -> float32 (N, 28, 28, 1) in [0, 1]."""
    return (images.astype(np.float32) / 255.0)[..., np.newaxis]


# --- Pen digits --------------------------------------------------------------------


class PenDigit(NamedTuple):
    """One digit as its writer wrote it with a stylus."""

    label: int
    writer: int  # the writer's id within its file
    strokes: list  # float32 (N, 2) arrays of pen points (x, y), image coordinates (y down), tablet pixels


def load_pendigits(path):
    """A UNIPEN pen-digits file (gzipped or not) -> [PenDigit], in the file's order."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="ascii") as f:
            lines = f.read().splitlines()
    except (OSError, EOFError, UnicodeDecodeError) as e:
        raise DataError(f"{path}: cannot read ({e})") from None
    digits, label, writer, strokes, points = [], None, None, [], None

    def finish(number):  # the digit begun before line `number`
        if label is None:
            return
        if points is not None or not strokes or writer is None:
            raise DataError(f"{path}, line {number}: the digit before it has no writer or an unfinished stroke")
        digits.append(PenDigit(label, writer, strokes))

    for number, line in enumerate(lines, 1):
        keyword = line.split(maxsplit=1)[0] if line.strip() else ""
        try:
            if keyword == ".SEGMENT":
                finish(number)
                label, writer, strokes = int(line.split('"')[1]), None, []
            elif keyword == ".COMMENT":
                writer = int(line.split()[2])
            elif keyword == ".PEN_DOWN":
                points = []
            elif keyword == ".PEN_UP":
                stroke = np.array(points, np.float32).reshape(-1, 2)
                stroke[:, 1] = PEN_BOX - stroke[:, 1]  # the tablet's y points up
                strokes.append(stroke)
                points = None
            elif points is not None and keyword:
                points.append([float(v) for v in line.split()])
        except (ValueError, IndexError):
            raise DataError(f"{path}, line {number}: not UNIPEN pen digits ({line.strip()[:40]!r})") from None
    finish(len(lines) + 1)
    if not digits:
        raise DataError(f"{path}: no digits in it (expects UNIPEN .SEGMENT DIGIT entries)")
    return digits


def pendigits_file(folder, split):
    """The pen-digits file of a split ("train" or "test") in a folder, gzipped or not."""
    folder = Path(folder)
    for name in (PENDIGITS_FILES[split] + ".gz", PENDIGITS_FILES[split]):
        if (folder / name).exists():
            return folder / name
    raise DataError(f"{folder / (PENDIGITS_FILES[split] + '.gz')}: missing (nor found uncompressed)")


# --- Omniglot ----------------------------------------------------------------------


class Character(NamedTuple):
    """One drawing of an Omniglot character."""

    alphabet: str
    character: int  # its number within the alphabet
    drawer: int  # 1 to 20; the same number is not the same person across characters
    strokes: list  # float32 (N, 2) arrays of pen points (x, y), image coordinates (y down)


def parse_omniglot(text):
    """One Omniglot stroke file ("x,y,time" lines, BREAK after each stroke; y up) -> strokes, y down."""
    strokes, points = [], []
    for line in text.splitlines():
        line = line.strip()
        if line == "BREAK":
            if points:
                strokes.append(np.array(points, np.float32))
            points = []
        elif line and line != "START":
            x, y, _ = line.split(",")
            points.append([float(x), -float(y)])
    return strokes


def load_omniglot(path, alphabets=None):
    """Omniglot's zip of stroke files (<alphabet>/character<NN>/<id>_<drawer>.txt) -> [Character], sorted by
    name; only the named alphabets if given."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = sorted(n for n in archive.namelist() if n.endswith(".txt"))
            files = {n: archive.read(n).decode("ascii") for n in names
                     if alphabets is None or n.split("/")[0] in alphabets}
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError) as e:
        raise DataError(f"{path}: cannot read ({e})") from None
    characters = []
    for name, text in files.items():
        try:
            alphabet, character, drawing = name.split("/")
            strokes = parse_omniglot(text)
            drawer = int(drawing.removesuffix(".txt").split("_")[1])
            number = int(character.removeprefix("character"))
        except ValueError:
            raise DataError(f"{path}: {name} is not an Omniglot stroke file") from None
        if strokes:
            characters.append(Character(alphabet, number, drawer, strokes))
    if not characters:
        raise DataError(f"{path}: no Omniglot drawings in it" + (f" of {sorted(alphabets)}" if alphabets else ""))
    return characters


def omniglot_file(folder):
    """The Omniglot stroke zip in a folder (../shared/omniglot), or the path itself if it is the zip."""
    path = Path(folder)
    path = path if path.suffix == ".zip" else path / OMNIGLOT_ZIP
    if not path.exists():
        raise DataError(f"{path}: missing")
    return path
