"""Where images become model input: MNIST loading, and a drawing -> a centred 28x28.

MNIST's digits were size-normalised to fit a 20x20 box (keeping their aspect
ratio), anti-aliased, and placed in a 28x28 field so that their centre of mass
sits at the centre. `prepare` does the same to whatever a user sends, so that a
digit drawn small, thin, bold or in a corner reaches the model like an MNIST one.
"""

import gzip
import os
import zipfile
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_SIZE = 28  # MNIST's field
DIGIT_BOX = 20  # MNIST's digits fit this box, aspect ratio kept
WORK_BOX = 4 * DIGIT_BOX  # strokes are normalised at this resolution, then reduced
STROKE_WIDTH = 0.12  # MNIST's median stroke width, as a fraction of DIGIT_BOX
INK_THRESHOLD = 64  # ink level (of 255) that counts as a stroke
MIN_CONTRAST = 26  # an opaque image whose levels differ less than this is blank
SPECK_FRACTION = 0.08  # a blob smaller than this fraction of the largest is a speck
MIN_DIGIT_PIXELS = 3  # a drawing smaller than this (longest side) is nothing
MAX_PIECES = 8  # MNIST's digits have at most 5 pieces besides specks; noise has hundreds
MAX_INK_FRACTION = 0.5  # MNIST's digits cover at most 37 % of their field
MAX_SIDE = 1024  # larger images are reduced first: the work stays bounded
MAX_PIXELS = 4096 * 4096  # a file larger than this once opened is refused, never decoded (decompression bombs)

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


class NotADigitError(ImageError):
    """An image we can read that holds no single digit (noise, a canvas painted over); the message says why."""


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


def open_image(source):
    """Open an image (a path or a binary file) without decoding it, or raise ImageError saying what is wrong.

    A large JPEG is set to decode at 1/2, 1/4 or 1/8 scale (PIL's draft); an image still
    over MAX_PIXELS is refused here, before its pixels are decoded.
    """
    try:
        if isinstance(source, str | os.PathLike) and Path(source).stat().st_size == 0:
            raise ImageError("The file is empty. Send a PNG, JPEG or WebP picture of a digit.")
        image = Image.open(source)
    except FileNotFoundError:
        raise ImageError(f"File not found: {source}") from None
    except Image.DecompressionBombError:
        raise ImageError(f"This image is far too large to read (over {Image.MAX_IMAGE_PIXELS * 2:,} pixels). "
                         "Send a smaller image, or crop it to the digit.") from None
    except (UnidentifiedImageError, OSError):
        raise ImageError("Cannot read this file as an image. Send a PNG, JPEG or WebP picture of a digit.") from None
    image.draft(None, (MAX_SIDE, MAX_SIDE))
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ImageError(f"This image is {width}×{height} pixels, too large to read (at most "
                         f"{MAX_PIXELS / 1e6:.1f} million pixels). Send a smaller image, or crop it to the digit.")
    return image


def read_image(source):
    """A file path or PIL image -> numpy array, upright (EXIF rotation applied); see open_image for large files."""
    image = source if isinstance(source, Image.Image) else open_image(source)
    try:
        image = ImageOps.exif_transpose(image)  # decodes the pixels
        if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):  # 16-bit / float greyscale, maybe not finite
            array = np.nan_to_num(np.asarray(image, dtype=np.float32), nan=0.0, posinf=0.0, neginf=0.0)
            return array / max(float(array.max()), 1.0)
        if image.mode not in ("L", "LA", "RGB", "RGBA"):  # palette, CMYK, 1-bit ...
            image = image.convert("RGBA")
        return np.asarray(image)
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise ImageError(f"This image file is damaged or incomplete ({e}). Save or export it again as PNG or JPEG "
                         "and send it again.") from None


def as_uint8(image):
    """Any image array -> uint8 greyscale, RGB or RGBA: floats in [0, 1] or [0, 255], 16-bit
    scaled down, NaN and infinities as 0."""
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (2, 3, 4)):
        raise ImageError(f"Cannot read an image of shape {array.shape}: expected greyscale, RGB or RGBA.")
    if array.dtype == np.uint8:
        return array
    if array.dtype == bool:
        return array.astype(np.uint8) * 255
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ImageError(f"Cannot read an image of {array.dtype} values.")
    with np.errstate(over="ignore"):  # a float64 too large for float32 becomes inf, then 0
        values = np.nan_to_num(array.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    peak = float(values.max(initial=0.0))
    scale = 255.0 if peak <= 1.0 else 1.0 if peak <= 255.0 else 255.0 / max(peak, 65535.0)
    return np.clip(values * scale, 0, 255).astype(np.uint8)


def ink_map(image):
    """A uint8 image -> uint8 ink (255 = stroke), whatever its polarity.

    A canvas with transparency is read by its alpha; an opaque image by its
    polarity: the background is the median level, ink is what differs from it.
    """
    if image.ndim == 3 and image.shape[2] in (2, 4):
        alpha = cv2.extractChannel(image, image.shape[2] - 1)
        if alpha.min() < 250:  # transparency: the strokes are what is opaque
            return alpha
        image = image[..., :-1]
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.shape[2] == 3 else image[..., 0]
    grey = np.ascontiguousarray(image)
    background = int(np.searchsorted(np.cumsum(np.bincount(grey.ravel(), minlength=256)), grey.size / 2))
    if background >= 128:  # dark ink on light paper
        grey, background = cv2.bitwise_not(grey), 255 - background
    ink = cv2.subtract(grey, background)
    contrast = int(ink.max())
    if contrast < MIN_CONTRAST:  # a uniform image: nothing drawn
        return np.zeros_like(ink)
    return cv2.convertScaleAbs(ink, alpha=255.0 / contrast)


def _limit_size(image):
    """Reduce images larger than MAX_SIDE before any other work."""
    height, width = image.shape[:2]
    factor = MAX_SIDE / max(height, width)
    if factor >= 1:
        return image
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def digit_mask(ink):
    """Binary mask of the digit's strokes: OpenCV contours, specks dropped; None if nothing is drawn.

    Raises NotADigitError when the ink cannot be one digit: it covers most of the
    image, or it lies in more pieces than a handwritten digit has (noise, scribbles).
    """
    mask = cv2.threshold(ink, INK_THRESHOLD - 1, 1, cv2.THRESH_BINARY)[1]
    covered = float(mask.mean())
    if covered > MAX_INK_FRACTION:
        raise NotADigitError(f"Ink covers {covered:.0%} of the image, so there is no digit shape to read. "
                             "Clear the canvas and draw one digit, or send a digit on a plain background.")
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    sizes = [max(cv2.boundingRect(c)[2:]) for c in contours]
    largest = max(sizes)
    kept = [c for c, size in zip(contours, sizes, strict=True) if size >= SPECK_FRACTION * largest]
    if len(kept) > MAX_PIECES:
        raise NotADigitError(f"This looks like noise or scattered marks ({len(kept)} separate pieces), not a single "
                             "digit. Draw one digit, or send a picture of one digit on a plain background.")
    if largest < MIN_DIGIT_PIXELS:
        return None
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


def prepare(image):
    """What a user sends -> float32 (28, 28, 1) in [0, 1] like MNIST, or None if blank.

    Accepts a Gradio Sketchpad value (dict with background / layers / composite), a
    file as Gradio sends it undecoded (dict with path), a numpy array (greyscale, RGB
    or RGBA; uint8 or float), a PIL image or a path. Raises ImageError, its message
    in words, for what it cannot read and NotADigitError for what is not one digit.
    """
    if image is None:
        return None
    if isinstance(image, dict):  # gr.Sketchpad / gr.ImageEditor value, or a file's data (Gradio, preprocess=False)
        return prepare(image["path"] if "path" in image else image.get("composite"))
    if not isinstance(image, np.ndarray):
        image = read_image(image)
    image = as_uint8(image)
    if image.size == 0:
        return None
    ink = ink_map(_limit_size(image))
    mask = digit_mask(ink)
    if mask is None:
        return None

    # Crop the strokes' bounding box and bring it to WORK_BOX, aspect ratio kept.
    x, y, w, h = cv2.boundingRect(mask)
    crop = mask[y : y + h, x : x + w] * np.uint8(255)
    factor = WORK_BOX / max(w, h)
    work_size = (max(1, round(w * factor)), max(1, round(h * factor)))
    shrinking = factor < 1
    work = cv2.resize(crop, work_size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    work = normalise_strokes((work > (0 if shrinking else 127)).astype(np.uint8))

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
