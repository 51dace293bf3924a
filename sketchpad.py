"""Pen strokes drawn as the app's Sketchpad draws them: a round brush along the pointer's path.

The browser joins a pointer's samples with a round brush; OpenCV's anti-aliased thick
lines have round ends, so joined segments have round joins too. They come out about
1.4 px wider than the brush (an odd width rounds up to the next even one, plus the
anti-aliased rim), which prepare()'s stroke normalisation makes no matter. Used by training
(pen digits as canvases), by the benchmarks and by the tests, so that all of them
send the model what a visitor's drawing would.
"""

import cv2
import numpy as np

CANVAS = 600  # the app's square Sketchpad, in canvas pixels
APP_BRUSH = 28  # the app's brush width, in canvas pixels
BLACK = (0, 0, 0, 255)
SUBPIXEL_BITS = 4  # lines are drawn at 1/16-pixel precision
# A random drawing, as visitors draw: the app's brush half the time, else any width in this range;
# the digit this share of the canvas high, anywhere on it.
BRUSH_RANGE = (6, 44)
HEIGHT_RANGE = (0.2, 0.85)


def blank_canvas(size=CANVAS, background=None):
    """A transparent RGBA canvas (the Sketchpad's), or an opaque one of a background colour (RGB)."""
    canvas = np.zeros((size, size, 4), np.uint8)
    if background is not None:
        canvas[:] = (*background, 255)
    return canvas


def unit_strokes(strokes):
    """Strokes (each (N, 2) points, x right, y down) -> float32, centred on their box, its longer side 1."""
    points = np.concatenate(strokes).astype(np.float32)
    low, high = points.min(0), points.max(0)
    scale = max(float((high - low).max()), 1.0)
    return [(np.asarray(stroke, np.float32) - (low + high) / 2) / scale for stroke in strokes]


def rotate(strokes, angle):
    """Strokes turned `angle` degrees about the origin (a slant, for unit strokes)."""
    turn = np.deg2rad(angle)
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]], np.float32)
    return [np.asarray(stroke, np.float32) @ rotation.T for stroke in strokes]


def draw_path(canvas, strokes, centre, height, width=APP_BRUSH, colour=BLACK):
    """Draw unit strokes onto a canvas (RGBA, or one channel with a grey colour) with a round brush:
    scaled by `height` (their longer side, in pixels) about `centre`. Returns the canvas."""
    fixed = [np.round((np.asarray(s) * height + centre) * (1 << SUBPIXEL_BITS)).astype(np.int32) for s in strokes]
    cv2.polylines(canvas, fixed, False, colour, thickness=max(1, round(width)), lineType=cv2.LINE_AA,
                  shift=SUBPIXEL_BITS)
    return canvas


def random_drawing(rng, strokes, size=CANVAS, brush=None, height_range=HEIGHT_RANGE, max_slant=0.0,
                   background=None):
    """Unit strokes drawn as a visitor might: a random brush (the app's half the time, unless `brush`
    names one), height, slant (up to max_slant degrees) and place; the whole digit stays on the canvas."""
    if brush is None:
        brush = APP_BRUSH if rng.random() < 0.5 else int(rng.integers(BRUSH_RANGE[0], BRUSH_RANGE[1] + 1))
    path = rotate(strokes, rng.uniform(-max_slant, max_slant)) if max_slant else strokes
    extent = np.abs(np.concatenate(path)).max(0)
    height = rng.uniform(*height_range) * size
    height = min(height, (size / 2 - brush / 2 - 2) / max(float(extent.max()), 1e-6))  # it still fits
    half = extent * height + brush / 2 + 2  # a pixel clear of the edge, anti-aliasing included
    centre = rng.uniform(half, size - half)  # anywhere, as long as it fits
    return draw_path(blank_canvas(size, background), path, centre, height, brush)
