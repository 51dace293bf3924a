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

IMAGE_SIZE = 28  # MNIST's field
DIGIT_BOX = 20  # MNIST's digits fit this box, aspect ratio kept
WORK_BOX = 4 * DIGIT_BOX  # strokes are normalised at this resolution, then reduced
STROKE_WIDTH = 0.12  # MNIST's median stroke width, as a fraction of DIGIT_BOX
INK_THRESHOLD = 64  # ink level (of 255) that counts as a stroke
MIN_CONTRAST = 26  # an opaque image whose levels differ less than this is blank
# A photo: the paper's level is estimated locally, wider than a stroke and narrower than a shadow.
PAPER_SIDE = 256  # ... on the image reduced to this side: light varies smoothly, and this is cheap
PAPER_WINDOW = 0.05  # ... over windows this share of the image's side: wider than a felt-tip's stroke ...
MIN_PAPER_WINDOW = 15  # ... and at least this many pixels: MNIST's strokes are up to ~7 px of 28
REGROW = 1.0  # ... then regrown under the image for this many windows' widths, as far as the paper reaches
BOX_RESIDUAL = np.sqrt(8 / 9)  # the share of white noise's deviation left once a 3x3 mean is taken out
NOISE_SIGMAS = 3  # ink fainter than the paper's level plus this many times its noise is noise
STAND_OUT = 8  # the strongest ink (STRONG_INK) must be this many times the paper's noise, or nothing stands out
STRONG_INK = 99.9  # percentile: the digit's ink, not a lone outlier pixel (a thin digit covers ~0.3 % of a photo)
FAINT_INK = ("No digit found: no ink stands out from the paper. The photo may be blank, too dark or blurred "
             "(take it again in good light, the digit in focus), or hold only noise or scattered marks.")
# Ruled and squared paper: thin straight lines that cross most of the image, two or more of them.
MIN_LINED_SIDE = 200  # px: a smaller image is a crop of the digit, with no lines to take out
LINE_LEVEL = 0.125  # a line's faint edges count from this share of the strongest ink (strokes from INK_THRESHOLD)
LINE_SPAN = 0.5  # a line has marks along this share of its length in the image, more than a digit's stroke ...
MIN_LINE_SHARE = 0.05  # ... and at least this share of the image's width (a line may run out at the top)
LINE_TILT = np.deg2rad(8)  # ... and lies within this angle of level or upright (a photo turned slightly)
LINE_ANGLE_STEP = np.deg2rad(0.25)  # the Hough transform's angle step: a line across 1000 px stays in one bin
MIN_LINES = 2  # ruled paper has many lines; one long straight mark may be a digit's (a 1 filling the image)
MAX_LINE_WIDTH = 10  # px: a printed line, blurred, is no wider; a felt-tip's stroke may be
DOWN, ACROSS = (MAX_LINE_WIDTH + 1, 1), (1, MAX_LINE_WIDTH + 1)  # (height, width): runs longer than a line is wide
LINE_BAND = 9  # px: the band taken out along each line found, its anti-aliased and blurred edges included
SPECK_FRACTION = 0.08  # a blob smaller than this fraction of the largest is a speck
MIN_DIGIT_PIXELS = 3  # a drawing smaller than this (longest side) is nothing
MAX_PIECES = 8  # MNIST's digits have at most 5 pieces besides specks; noise has hundreds
MAX_INK_FRACTION = 0.5  # MNIST's digits cover at most 37 % of their field
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

    A canvas with transparency is read by its alpha; an opaque image by its
    polarity: the background is the median level, ink is what differs from it.
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
        image = image[..., :-1]
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.shape[2] == 3 else image[..., 0]
    return photo_ink(np.ascontiguousarray(image)), (0, 0)


def photo_ink(grey):
    """An opaque uint8 greyscale image (a photo, a scan, MNIST) -> uint8 ink, 255 = stroke, whatever its polarity.

    The paper's level is estimated locally (paper_level), so that uneven light and shadows
    are paper, not ink; ink is how far a pixel departs from its paper, as a share of how far it
    could. Ink no stronger than the paper's own noise is dropped, ruled and squared lines
    are taken out (ruled_lines), and what is left must stand out from the noise, or there is
    no digit to read (NotADigitError). An evenly lit image with no noise, MNIST's, reads as
    with one global paper level.
    """
    if np.median(grey) >= 128:  # dark ink on light paper: ink is brighter once inverted
        grey = cv2.bitwise_not(grey)
    paper = paper_level(grey)
    ink = (grey.astype(np.float32) - paper) / np.maximum(255 - paper, 1)
    noise = noise_level(grey) / max(255 - float(np.median(paper)), 1)  # as a share of the paper, as the ink
    if float(ink.max(initial=0)) * 255 < MIN_CONTRAST:
        if noise > 0:  # a photo of nothing, or too dark or blurred to see it
            raise NotADigitError(FAINT_INK)
        return np.zeros(grey.shape, np.uint8)  # a uniform image: nothing drawn
    ink = np.maximum(ink - NOISE_SIGMAS * noise, 0)
    lines = ruled_lines(ink)
    ink[lines] = 0
    contrast = float(ink.max())
    if contrast * 255 < MIN_CONTRAST and lines.any():  # lines only
        return np.zeros(grey.shape, np.uint8)
    if contrast * 255 < MIN_CONTRAST or np.percentile(ink, STRONG_INK) < STAND_OUT * noise:
        raise NotADigitError(FAINT_INK)
    return cv2.convertScaleAbs(ink, alpha=255.0 / contrast)


def paper_level(grey):
    """The paper's level under each pixel of an image with bright ink on darker paper (float32).

    A morphological opening takes out whatever is narrower than PAPER_WINDOW (the strokes),
    keeping the light's gradients and shadows' edges, which are wider; it runs on the image
    reduced to PAPER_SIDE, where it is cheap, and its result is brought back to full size.
    """
    height, width = grey.shape
    step = max(1, max(height, width) // PAPER_SIDE)
    small = cv2.resize(grey, (max(1, width // step), max(1, height // step)), interpolation=cv2.INTER_AREA)
    side = max(small.shape)
    window = 2 * round(max(PAPER_WINDOW * side, min(MIN_PAPER_WINDOW, side)) / 2) + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (window, window))
    paper = cv2.morphologyEx(small, cv2.MORPH_OPEN, kernel, borderType=cv2.BORDER_REFLECT)
    step_kernel = np.ones((3, 3), np.uint8)
    for _ in range(round(REGROW * window)):  # regrown where the opening cut it: a shadow's corners
        paper = np.minimum(cv2.dilate(paper, step_kernel), small)
    return cv2.resize(paper.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)


def noise_level(grey):
    """The standard deviation of an image's noise, in levels: a robust one (1.4826 median deviations, a normal
    distribution's) of what differs from each pixel's 3x3 mean, where the image itself varies little."""
    residual = grey.astype(np.float32) - cv2.blur(grey.astype(np.float32), (3, 3))
    return 1.4826 * float(np.median(np.abs(residual - np.median(residual)))) / BOX_RESIDUAL


def ruled_lines(ink):
    """The pixels of the ruled or squared lines in an ink map (bool): thin straight lines, two or more,
    nearly level or upright, that run across most of the image (LINE_SPAN). Where a digit's stroke
    crosses a line or runs along it, the ink there is thicker than a line, and is kept; a digit's
    straight strokes (a 1, the bar of a 7) are no lines: none is that long and that thin.
    An image smaller than MIN_LINED_SIDE is a crop of the digit: no lines."""
    peak = float(ink.max(initial=0))
    if min(ink.shape) < MIN_LINED_SIDE or peak == 0:
        return np.zeros(ink.shape, bool)
    marks = (ink >= LINE_LEVEL * peak).astype(np.uint8)
    level, upright = line_band(marks), line_band(np.ascontiguousarray(marks.T)).T
    upright &= 1 - thick(marks & (1 - level), ACROSS)
    level &= 1 - thick(marks & (1 - upright), DOWN)  # a grid's crossings are no stroke's ink
    lines = marks & (level | upright)
    strokes = cv2.morphologyEx(marks & (1 - lines), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))  # no specks
    holes = cv2.morphologyEx(strokes, cv2.MORPH_CLOSE, np.ones((LINE_BAND + 2,) * 2, np.uint8))
    return (lines & (1 - holes)).astype(bool)  # where a stroke crosses a grid's crossing, it is whole again


def length_inside(left, right, width, height):
    """How long the line from (0, left) to (width, right) runs inside a width x height image."""
    slope = (right - left) / width
    if abs(slope) < 1e-9:
        return width if 0 <= left <= height else 0.0
    enters, leaves = sorted(((0 - left) / slope, (height - left) / slope))
    return max(0.0, min(width, leaves) - max(0.0, enters)) * np.hypot(1.0, slope)


def thick(marks, run):
    """The marks (0/1) in a run of more than MAX_LINE_WIDTH pixels along the run's direction: no line's."""
    return cv2.morphologyEx(marks, cv2.MORPH_OPEN, np.ones(run, np.uint8))


def line_band(marks):
    """A 0/1 band along each nearly level line across a 0/1 mask of marks, see ruled_lines; all zeros if none.

    The lines are found among the thin marks by a Hough transform, the strongest first, one
    for each band of LINE_BAND pixels; if fewer than MIN_LINES are found, they are taken for a digit's.
    """
    height, width = marks.shape
    found = cv2.HoughLinesWithAccumulator(marks & (1 - thick(marks, DOWN)), 1, LINE_ANGLE_STEP,
                                          round(MIN_LINE_SHARE * width), min_theta=np.pi / 2 - LINE_TILT,
                                          max_theta=np.pi / 2 + LINE_TILT)
    ends = []  # (y at the left edge, y at the right edge) of each line kept, the strongest first
    for rho, theta, votes in ([] if found is None else found.reshape(-1, 3)):
        left, right = rho / np.sin(theta), (rho - width * np.cos(theta)) / np.sin(theta)
        if votes < LINE_SPAN * length_inside(left, right, width, height):
            continue
        if all(abs(left - a) > LINE_BAND and abs(right - b) > LINE_BAND for a, b in ends):
            ends.append((left, right))
    band = np.zeros_like(marks)
    if len(ends) >= MIN_LINES:
        for left, right in ends:
            cv2.line(band, (0, round(left)), (width, round(right)), 1, LINE_BAND)
    return band


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
