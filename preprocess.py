"""Where images become model input: MNIST loading, and a drawing -> a centred 28x28.

MNIST's digits were size-normalised to fit a 20x20 box (keeping their aspect
ratio), anti-aliased, and placed in a 28x28 field so that their centre of mass
sits at the centre. `prepare` does the same to whatever a user sends, so that a
digit drawn small, thin, bold or in a corner reaches the model like an MNIST one.
"""

import gzip
import zipfile
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_SIZE = 28  # MNIST's field
DIGIT_BOX = 20  # MNIST's digits fit this box, aspect ratio kept
WORK_BOX = 4 * DIGIT_BOX  # strokes are normalised at this resolution, then reduced
STROKE_WIDTH = 0.12  # MNIST's median stroke width, as a fraction of DIGIT_BOX
INK_THRESHOLD = 0.25  # ink level that counts as a stroke
SPECK_FRACTION = 0.08  # a blob smaller than this fraction of the largest is a speck
MIN_DIGIT_PIXELS = 3  # a drawing smaller than this (longest side) is nothing
MAX_SIDE = 1024  # larger images are reduced first: the work stays bounded

IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


class DataError(Exception):
    """A data file is missing or unreadable; the message names the file."""


class ImageError(ValueError):
    """An input that is not an image we can read; the message says why in words."""


# --- MNIST loading -------------------------------------------------------------


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


# --- Drawing -> model input ----------------------------------------------------


def read_image(source):
    """A file path or PIL image -> numpy array, upright (EXIF rotation applied)."""
    if isinstance(source, Image.Image):
        image = source
    else:
        try:
            image = Image.open(source)
            image.load()
        except FileNotFoundError:
            raise ImageError(f"File not found: {source}") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
            raise ImageError(f"Not a readable image ({type(e).__name__}). Send a PNG, JPEG or WebP.") from None
    image = ImageOps.exif_transpose(image)
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):  # 16-bit / float greyscale
        array = np.asarray(image, dtype=np.float32)
        return array / max(float(array.max()), 1.0)
    if image.mode not in ("L", "LA", "RGB", "RGBA"):  # palette, CMYK, 1-bit ...
        image = image.convert("RGBA")
    return np.asarray(image)


def ink_map(image):
    """An image array -> float32 ink in [0, 1] (1 = stroke), whatever its polarity.

    A canvas with transparency is read by its alpha; an opaque image by its
    polarity: the background is the median level, ink is what differs from it.
    """
    array = np.asarray(image)
    if array.dtype == bool:
        array = array.astype(np.float32)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (2, 3, 4)):
        raise ImageError(f"Cannot read an image of shape {array.shape}: expected greyscale, RGB or RGBA.")
    if not np.issubdtype(array.dtype, np.number):
        raise ImageError(f"Cannot read an image of {array.dtype} values.")
    array = np.nan_to_num(array.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    peak = float(np.abs(array).max(initial=0.0))
    scale = 1.0 if peak <= 1.0 else 255.0 if peak <= 255.0 else 65535.0 if peak <= 65535.0 else peak
    array = np.clip(array / scale, 0.0, 1.0)

    if array.ndim == 3 and array.shape[2] in (2, 4):  # with alpha
        alpha = array[..., -1]
        if alpha.min() < 0.98:  # transparency: the strokes are what is opaque
            return alpha
        array = array[..., :-1]
    grey = array if array.ndim == 2 else array[..., :3].mean(axis=2) if array.shape[2] == 3 else array[..., 0]
    background = float(np.median(grey))
    ink = grey - background if background < 0.5 else background - grey
    contrast = float(ink.max(initial=0.0))
    if contrast < 0.1:  # a uniform image: nothing drawn
        return np.zeros_like(grey)
    return np.clip(ink / contrast, 0.0, 1.0)


def _limit_size(image):
    """Reduce images larger than MAX_SIDE before any other work."""
    height, width = image.shape[:2]
    factor = MAX_SIDE / max(height, width)
    if factor >= 1:
        return image
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def digit_mask(ink):
    """Binary mask of the digit's strokes: OpenCV contours, specks dropped."""
    mask = (ink >= INK_THRESHOLD).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    sizes = [max(cv2.boundingRect(c)[2:]) for c in contours]
    largest = max(sizes)
    if largest < MIN_DIGIT_PIXELS:
        return None
    kept = [c for c, size in zip(contours, sizes, strict=True) if size >= SPECK_FRACTION * largest]
    strokes = np.zeros_like(mask)
    cv2.drawContours(strokes, kept, -1, 1, thickness=cv2.FILLED)
    return mask & strokes  # filled outlines, holes kept


def stroke_width(mask):
    """Mean stroke width of a binary mask: area over half the perimeter."""
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(c, closed=True) for c in contours)
    return 2.0 * float(mask.sum()) / max(perimeter, 1.0)


def normalise_strokes(mask):
    """Thicken or thin the strokes of a WORK_BOX-sized mask to MNIST's width."""
    target = STROKE_WIDTH * WORK_BOX
    change = round((target - stroke_width(mask)) / 2)  # pixels per side
    if change == 0:
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(change) + 1,) * 2)
    if change > 0:
        return cv2.dilate(mask, kernel)
    thinned = cv2.erode(mask, kernel)
    return thinned if thinned.any() else mask


def centre_of_mass_shift(digit):
    """The (dx, dy) that moves the digit's centre of mass to the field's centre."""
    moments = cv2.moments(digit)
    if moments["m00"] == 0:
        return 0.0, 0.0
    centre = IMAGE_SIZE / 2  # where MNIST's centres of mass lie (mean 14.0, 14.0)
    return centre - moments["m10"] / moments["m00"], centre - moments["m01"] / moments["m00"]


def read_ink(image):
    """What a user sends -> (ink, scale): its ink map (see ink_map), reduced to at most
    MAX_SIDE on a side, and how many of the image's pixels one ink pixel spans; (None, 1.0) if empty.

    Accepts a Gradio Sketchpad value (dict with background / layers / composite),
    a numpy array (greyscale, RGB or RGBA; uint8 or float), a PIL image or a path.
    """
    if image is None:
        return None, 1.0
    if isinstance(image, dict):  # gr.Sketchpad / gr.ImageEditor value
        return read_ink(image.get("composite"))
    if not isinstance(image, np.ndarray):
        image = read_image(image)
    if image.size == 0:
        return None, 1.0
    ink = ink_map(_limit_size(image) if image.ndim in (2, 3) else image)
    return ink, image.shape[1] / ink.shape[1]


def centre_digit(mask):
    """A binary mask holding one digit's strokes -> float32 (28, 28, 1) in [0, 1], placed as MNIST did."""
    # Crop the strokes' bounding box and bring it to WORK_BOX, aspect ratio kept.
    x, y, w, h = cv2.boundingRect(mask)
    crop = mask[y : y + h, x : x + w].astype(np.float32)
    factor = WORK_BOX / max(w, h)
    work_size = (max(1, round(w * factor)), max(1, round(h * factor)))
    shrinking = factor < 1
    work = cv2.resize(crop, work_size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    work = normalise_strokes((work > (0.0 if shrinking else 0.5)).astype(np.uint8))

    # Anti-aliased reduction to the 20-pixel box, then into the 28x28 field.
    box = DIGIT_BOX / WORK_BOX
    small_size = (max(1, round(work_size[0] * box)), max(1, round(work_size[1] * box)))
    digit = cv2.resize(work.astype(np.float32), small_size, interpolation=cv2.INTER_AREA)
    field = np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.float32)
    top, left = (IMAGE_SIZE - small_size[1]) // 2, (IMAGE_SIZE - small_size[0]) // 2
    field[top : top + small_size[1], left : left + small_size[0]] = digit
    dx, dy = centre_of_mass_shift(field)
    shift = np.float32([[1, 0, dx], [0, 1, dy]])
    field = cv2.warpAffine(field, shift, (IMAGE_SIZE, IMAGE_SIZE), flags=cv2.INTER_LINEAR)
    return np.clip(field, 0.0, 1.0)[..., np.newaxis]


def prepare(image):
    """What a user sends (anything read_ink takes) -> float32 (28, 28, 1) in [0, 1] like MNIST, or None if blank."""
    ink, _ = read_ink(image)
    mask = None if ink is None else digit_mask(ink)
    return None if mask is None else centre_digit(mask)
