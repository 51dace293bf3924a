"""Digits as a person draws them: pen strokes in unit coordinates (x right, y down).

The client tests render them onto a canvas; the browser tests trace them with the
mouse or a finger. One stroke for 0, 1, 2, 3, 6, 7, 8, 9; two for 4 and 5.
"""

import cv2
import numpy as np

STROKES = {
    0: [[(0.5 + 0.19 * np.sin(t), 0.5 - 0.33 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 25)]],
    1: [[(0.48, 0.15), (0.5, 0.85)]],
    2: [[(0.32, 0.3), (0.38, 0.18), (0.5, 0.14), (0.62, 0.18), (0.67, 0.3), (0.62, 0.45), (0.32, 0.85),
         (0.7, 0.85)]],
    3: [[(0.32, 0.2), (0.45, 0.14), (0.6, 0.16), (0.66, 0.28), (0.6, 0.42), (0.47, 0.48), (0.6, 0.53),
         (0.68, 0.66), (0.62, 0.8), (0.47, 0.86), (0.32, 0.8)]],
    4: [[(0.56, 0.15), (0.3, 0.6), (0.72, 0.6)], [(0.6, 0.3), (0.6, 0.88)]],
    5: [[(0.38, 0.15), (0.35, 0.45), (0.5, 0.41), (0.63, 0.47), (0.68, 0.62), (0.62, 0.78), (0.48, 0.85),
         (0.32, 0.8)], [(0.38, 0.15), (0.68, 0.15)]],
    6: [[(0.62, 0.14), (0.48, 0.25), (0.38, 0.42), (0.34, 0.6), (0.38, 0.78), (0.5, 0.86), (0.62, 0.8),
         (0.66, 0.66), (0.6, 0.54), (0.48, 0.52), (0.38, 0.58), (0.35, 0.65)]],
    7: [[(0.3, 0.15), (0.7, 0.15), (0.45, 0.86)]],
    8: [[(0.62, 0.22), (0.5, 0.14), (0.38, 0.22), (0.4, 0.36), (0.5, 0.47), (0.62, 0.58), (0.64, 0.74),
         (0.5, 0.86), (0.36, 0.74), (0.38, 0.58), (0.5, 0.47), (0.6, 0.36), (0.62, 0.22)]],
    9: [[(0.64, 0.3), (0.56, 0.17), (0.44, 0.16), (0.36, 0.26), (0.38, 0.4), (0.5, 0.45), (0.62, 0.4),
         (0.64, 0.3), (0.64, 0.5), (0.6, 0.86)]],
}

# Digits as much of the world writes them, which MNIST's writers rarely did: name -> (digit, strokes).
STYLES = {
    "flagged 1": (1, [[(0.3, 0.36), (0.56, 0.14), (0.56, 0.86)]]),
    "crossed 7": (7, [[(0.3, 0.2), (0.34, 0.15), (0.7, 0.15), (0.45, 0.86)], [(0.38, 0.5), (0.68, 0.5)]]),
}


# Things that are not digits, as a visitor draws them: name -> strokes.
STAR = [[(0.5 + 0.35 * np.cos(a), 0.52 + 0.35 * np.sin(a)) for a in -np.pi / 2 + np.arange(6) * 4 * np.pi / 5]]
NOT_DIGITS = {
    "star": STAR,  # the pentagram, one stroke
    "heart": [[(0.5, 0.3), (0.4, 0.18), (0.26, 0.2), (0.2, 0.34), (0.3, 0.55), (0.5, 0.8)],
              [(0.5, 0.3), (0.6, 0.18), (0.74, 0.2), (0.8, 0.34), (0.7, 0.55), (0.5, 0.8)]],
    "K": [[(0.35, 0.15), (0.35, 0.85)], [(0.68, 0.15), (0.36, 0.52), (0.7, 0.85)]],
}


def strokes(digit, scale=1.0, offset=(0.0, 0.0)):
    """The strokes of a digit (or of a style's or a NOT_DIGITS name) in unit coordinates, scaled about the centre
    and moved."""
    glyph = STROKES.get(digit) or NOT_DIGITS.get(digit) or STYLES[digit][1]
    return [
        [((x - 0.5) * scale + 0.5 + offset[0], (y - 0.5) * scale + 0.5 + offset[1]) for x, y in stroke]
        for stroke in glyph
    ]


def draw(digit, size=600, width=28, scale=1.0, offset=(0.0, 0.0), background=None, ink=(0, 0, 0)):
    """An RGBA canvas with the digit (or style) drawn: transparent, or on a background colour."""
    canvas = np.zeros((size, size, 4), np.uint8)
    if background is not None:
        canvas[:] = (*background, 255)
    for stroke in strokes(digit, scale, offset):
        pixels = np.round(np.array(stroke) * size).astype(np.int32)
        cv2.polylines(canvas, [pixels], False, (*ink, 255), thickness=width, lineType=cv2.LINE_AA)
    return canvas


def draw_row(glyphs, height=300, pitch=0.55, width=20, background=None, ink=(0, 0, 0)):
    """An RGBA canvas `height` tall with glyphs (each a list of strokes, as in STROKES) written in a row.

    Glyph i is drawn in the unit square moved `pitch` squares right of glyph i - 1's (`pitch`:
    one number or one per neighbour); the digits of STROKES are about 0.4 wide, so 0.55 leaves
    a gap between them and 0.4 or less makes them touch.
    """
    pitches = np.broadcast_to(pitch, max(len(glyphs) - 1, 0))
    lefts = np.concatenate([[0.0], np.cumsum(pitches)])
    canvas = np.zeros((height, round((lefts[-1] + 1) * height), 4), np.uint8)
    if background is not None:
        canvas[:] = (*background, 255)
    for glyph, left in zip(glyphs, lefts, strict=True):
        for stroke in glyph:
            pixels = np.round((np.array(stroke) + (left, 0.0)) * height).astype(np.int32)
            cv2.polylines(canvas, [pixels], False, (*ink, 255), thickness=width, lineType=cv2.LINE_AA)
    return canvas


def draw_number(number, **style):
    """An RGBA canvas with the digits of `number` (a string; "*" a star) written in a row: see draw_row."""
    return draw_row([STAR if digit == "*" else STROKES[int(digit)] for digit in number], **style)
