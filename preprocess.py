"""Where images become model input: a drawing -> a centred 28x28, and a number -> its digits.

MNIST's digits were size-normalised to fit a 20x20 box (keeping their aspect
ratio), anti-aliased, and placed in a 28x28 field so that their centre of mass
sits at the centre. `prepare` does the same to whatever a user sends, so that a
digit drawn small, thin, bold or in a corner reaches the model like an MNIST one.
"""

import os
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

import photo

IMAGE_SIZE = 28  # MNIST's field
DIGIT_BOX = 20  # MNIST's digits fit this box, aspect ratio kept
WORK_BOX = 4 * DIGIT_BOX  # strokes are normalised at this resolution, then reduced
STROKE_WIDTH = 0.12  # MNIST's median stroke width, as a fraction of DIGIT_BOX
INK_THRESHOLD = 64  # ink level (of 255) that counts as a stroke
SPECK_FRACTION = 0.08  # a blob smaller than this fraction of the largest is a speck
MIN_DIGIT_PIXELS = 3  # a drawing smaller than this (longest side) is nothing
MAX_PIECES = 8  # MNIST's digits have at most 5 pieces besides specks; noise has hundreds
MAX_INK_FRACTION = 0.5  # MNIST's digits cover at most 37 % of their field
PLAIN_PAPER = 0.5  # an opaque drawing whose paper, of one exact level, covers this share of it is read as a canvas
MAX_SIDE = 1024  # larger images are reduced first: the work stays bounded
MAX_PIXELS = 4096 * 4096  # a file larger than this once opened is refused, never decoded (decompression bombs)

class ImageError(ValueError):
    """An input that is not an image we can read; the message says why in words."""


class NotADigitError(ImageError):
    """An image we can read that holds no single digit (noise, a canvas painted over); the message says why."""


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
    """A uint8 image -> (ink, (x, y)): uint8 ink (255 = stroke), whatever its polarity, of the part
    of the image that holds all its ink, and where that part's top-left corner lies in the image.

    A canvas with transparency is read by its alpha, an opaque one on paper of one exact level by how
    far each pixel is from it (plain_paper_ink); any other image (a photo, a scan, MNIST) by
    photo.photo_ink. Raises NotADigitError when no ink stands out from a photo's paper, or only at its edge.
    """
    if image.ndim == 3 and image.shape[2] in (2, 4):
        alpha_channel = image.shape[2] - 1
        if image[0, 0, alpha_channel] < 250:  # transparency (a canvas's corner shows it): strokes are opaque
            x, y, width, height = nonzero_box(image)
            if width == 0:  # nothing drawn
                return np.zeros((0, 0), np.uint8), (0, 0)
            return cv2.extractChannel(image[y : y + height, x : x + width], alpha_channel), (x, y)
        alpha = cv2.extractChannel(image, alpha_channel)
        if alpha.min() < 250:
            return alpha, (0, 0)
        image = cv2.cvtColor(image, cv2.COLOR_RGBA2GRAY) if alpha_channel == 3 else image[..., 0].copy()
        plain = plain_paper_ink(image)
        if plain is not None:  # a canvas sent opaque, on paper of one level: no photo's work needed (~20 ms)
            return plain
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.shape[2] == 3 else image[..., 0]
    try:
        return photo.photo_ink(np.ascontiguousarray(image)), (0, 0)
    except photo.NoInk as e:
        raise NotADigitError(str(e)) from None


def plain_paper_ink(grey):
    """The ink of an opaque drawing whose paper is exactly one level (the browser's Sketchpad sends its canvas
    on white, alpha 255 everywhere) -> (ink, (x, y)) as ink_map returns it, 255 = the strongest stroke; None for
    an image with no such paper (a photo: its paper is never one level, it has noise)."""
    paper = grey[0, 0]
    if np.count_nonzero(grey == paper) < PLAIN_PAPER * grey.size:
        return None
    ink = cv2.absdiff(grey, np.full_like(grey, paper))
    x, y, width, height = cv2.boundingRect(ink)  # as for a transparent canvas: only the part holding ink
    ink = ink[y : y + height, x : x + width]
    peak = int(ink.max(initial=0))
    return (ink if peak in (0, 255) else cv2.convertScaleAbs(ink, alpha=255 / peak)), (x, y)


def nonzero_box(image):
    """(x, y, width, height) of the pixels of an (H, W, C) image with any byte not zero; all zeros if none.

    A canvas's clear pixels are all-zero bytes, so this box holds its strokes. Found with numpy's
    vectorised max over rows of bytes: 2-3x faster than OpenCV's boundingRect on the alpha channel,
    which must first be copied out.
    """
    rows = np.ascontiguousarray(image).reshape(len(image), -1)
    filled_rows = np.flatnonzero(rows.max(axis=1))
    if not filled_rows.size:
        return 0, 0, 0, 0
    top, bottom = int(filled_rows[0]), int(filled_rows[-1]) + 1
    filled_bytes = np.flatnonzero(rows[top:bottom].max(axis=0))
    left, right = int(filled_bytes[0]) // image.shape[2], int(filled_bytes[-1]) // image.shape[2] + 1
    return left, top, right - left, bottom - top


def _limit_size(image):
    """Reduce images larger than MAX_SIDE before any other work."""
    height, width = image.shape[:2]
    factor = MAX_SIDE / max(height, width)
    if factor >= 1:
        return image
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def digit_mask(ink, digits=1):
    """The strokes of up to `digits` digits in an Ink: OpenCV contours, specks dropped; None if blank.

    Returns (mask, (x, y)): a 0/1 mask cropped to the ink's bounding box, and where that
    box's top-left corner lies in the image: the work stays inside the box, however large the image.
    Raises NotADigitError when the ink cannot be digits: it covers most of the image,
    or it lies in more pieces than handwritten digits have (noise, scribbles).
    """
    x, y, w, h = cv2.boundingRect(ink.map)  # any ink at all: its strokes lie inside
    mask = cv2.threshold(ink.map[y : y + h, x : x + w], INK_THRESHOLD - 1, 1, cv2.THRESH_BINARY)[1]
    covered = cv2.countNonZero(mask) / ink.image_pixels
    if covered > MAX_INK_FRACTION:
        raise NotADigitError(f"Ink covers {covered:.0%} of the image, so there is no digit shape to read. "
                             "Clear the canvas and draw one digit, or send a digit on a plain background.")
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    sizes = [max(cv2.boundingRect(c)[2:]) for c in contours]
    largest = max(sizes)
    kept = [c for c, size in zip(contours, sizes, strict=True) if size >= SPECK_FRACTION * largest]
    if len(kept) > MAX_PIECES * digits:
        raise NotADigitError(f"This looks like noise or scattered marks ({len(kept)} separate pieces), not "
                             "handwritten digits. Draw digits, or send a picture of them on a plain background.")
    if largest < MIN_DIGIT_PIXELS:
        return None
    if len(kept) < len(contours):  # specks to drop: keep what the kept outlines fill, holes included
        strokes = np.zeros_like(mask)
        cv2.drawContours(strokes, kept, -1, 1, thickness=cv2.FILLED)
        mask &= strokes
    return mask, (x + ink.corner[0], y + ink.corner[1])


def stroke_width(mask):
    """Mean stroke width of a binary mask: area over half the perimeter."""
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(c, closed=True) for c in contours)
    return 2.0 * cv2.countNonZero(mask) / max(perimeter, 1.0)


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


class Ink(NamedTuple):
    """What read_ink reads of an image: its ink, over the part of the image that holds it."""

    map: np.ndarray  # uint8, 255 = stroke (see ink_map)
    corner: tuple  # (x, y): where the map's top-left pixel lies in the image (reduced to MAX_SIDE)
    image_pixels: int  # the area of that image
    scale: float  # how many pixels of the image sent one pixel of the map spans


def read_ink(image):
    """What a user sends -> its Ink (see ink_map), reduced to at most MAX_SIDE on a side; None if empty.

    Accepts a Gradio Sketchpad value (dict with background / layers / composite), a
    file as Gradio sends it undecoded (dict with path), a numpy array (greyscale, RGB
    or RGBA; uint8 or float), a PIL image or a path. Raises ImageError, its message
    in words, for what it cannot read and NotADigitError for what is not one digit.
    """
    if image is None:
        return None
    if isinstance(image, dict):  # gr.Sketchpad / gr.ImageEditor value, or a file's data (Gradio, preprocess=False)
        return read_ink(image["path"] if "path" in image else image.get("composite"))
    if not isinstance(image, np.ndarray):
        image = read_image(image)
    image = as_uint8(image)
    if image.size == 0:
        return None
    reduced = _limit_size(image)
    ink, corner = ink_map(reduced)
    if ink.size == 0:
        return None
    return Ink(ink, corner, reduced.shape[0] * reduced.shape[1], image.shape[1] / reduced.shape[1])


def reduce_by(strokes, step):
    """A mask -> the mask `step` times smaller (as if padded to a multiple of it): each pixel the max of
    its step x step block, so ink where any was. A dilation by the block, read every step-th pixel:
    3x faster here than OpenCV's area reduction, which needs the padding and a threshold after."""
    block = np.ones((step, step), np.uint8)
    grown = cv2.dilate(strokes, block, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return np.ascontiguousarray(grown[::step, ::step])


def centre_digit(mask):
    """A binary mask holding one digit's strokes -> float32 (28, 28, 1) in [0, 1], placed as MNIST did."""
    # Crop the strokes' bounding box and bring it to WORK_BOX, aspect ratio kept.
    x, y, w, h = cv2.boundingRect(mask)
    crop = mask[y : y + h, x : x + w]
    step = max(w, h) // WORK_BOX
    if step > 1:  # a large digit: first reduced by a whole factor, much faster than by any other
        crop = reduce_by(crop, step)
        h, w = crop.shape
    crop = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY)[1]  # 0/255, for resizing
    factor = WORK_BOX / max(w, h)
    work_size = (max(1, round(w * factor)), max(1, round(h * factor)))
    shrinking = factor < 1
    work = cv2.resize(crop, work_size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    work = normalise_strokes(cv2.threshold(work, 0 if shrinking else 127, 1, cv2.THRESH_BINARY)[1])

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
    np.clip(field, 0.0, 1.0, out=field)
    return field[..., np.newaxis]


def prepare(image):
    """What a user sends (anything read_ink takes) -> float32 (28, 28, 1) in [0, 1] like MNIST, or None if blank."""
    ink = read_ink(image)
    strokes = None if ink is None else digit_mask(ink)
    return None if strokes is None else centre_digit(strokes[0])
