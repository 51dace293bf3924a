"""A number written in a row -> its digits, each centred as preprocess.prepare centres a lone digit.

Each run of ink is a digit (its strokes grouped), or two that touch, cut where the ink is
thinnest; every candidate digit is read in one batched model call, and the reading whose
least sure digit is the surest wins.
"""

from typing import NamedTuple

import cv2
import numpy as np

from preprocess import NotADigitError, centre_digit, digit_mask, read_ink

# A number: digits written in a row. Sizes are fractions of the line's height (its tallest digit).
DIGITS = 10  # the first ten probabilities are the digits'; an eleventh is "not a digit"
MAX_DIGITS = 12  # the longest number read; noise has more pieces than 12 digits
OVERLAP_SHARE = 0.5  # strokes sharing half the narrower one's columns are one digit (the two strokes of a 4)
PART_HEIGHT = 0.4  # ink flatter than this (a 5's flag, a 7's bar) ...
PART_SIZE = 0.55  # ... or smaller than this both ways (a broken-off end) ...
DOT_SIZE = 0.2  # ... or made of dots, strokes smaller than this both ways, is part of a digit, not one ...
PART_REACH = 0.3  # ... and join the nearest digit within this distance
TOUCHING_WIDTH = 0.9  # ink wider than this may be two digits that touch ...
CUT_SPAN = (0.15, 0.85)  # ... cut at a column this far across it ...
CUT_SPACING = 0.1  # ... the thinnest within this share of its width around ...
CUTS_TRIED = 4  # ... trying at most this many such columns, the thinnest first


class TooManyDigitsError(NotADigitError):
    """A row of more than MAX_DIGITS digits: readable, but longer than a number this reads."""


class Digit(NamedTuple):
    """One digit of a number: what the model reads, where it was drawn, whether it was cut from a neighbour."""

    image: np.ndarray  # float32 (28, 28, 1), centred as prepare() centres a lone digit
    box: tuple  # (x, y, width, height) in the pixels of the image sent
    touching: bool  # its ink ran into a neighbour's and was cut where the ink is thinnest


def split_number(image, classify):
    """A number written in a row (anything read_ink takes) -> [(Digit, its probabilities)] left to right.

    [] if blank. Each run of ink is one digit (its strokes grouped by stroke_groups), or, if it
    is wide, perhaps two that touch: then it is also cut at each of its thinnest columns, and
    the reading whose least sure digit is the surest wins (one digit when none is surer). With a model
    that also scores "not a digit" (an eleventh probability), a reading whose pieces all read as digits
    beats one that holds a piece that is no digit (reading_rank): two touching digits are cut although
    the pair looks like no digit, and a mark that is no digit is not cut into more of them.
    classify: prepared digits (N, 28, 28, 1) -> (N, 10 or 11) probabilities; called once, with every
    candidate digit of the image in one batch.
    Raises TooManyDigitsError for more than MAX_DIGITS digits.
    """
    ink = read_ink(image)
    strokes = None if ink is None else digit_mask(ink, digits=MAX_DIGITS)
    if strokes is None:
        return []
    mask, (left, top) = strokes

    def box_sent(piece):  # the piece's bounding box in the pixels of the image sent
        x, y, width, height = cv2.boundingRect(piece)
        return tuple(round(v * ink.scale) for v in (left + x, top + y, width, height))

    groups = stroke_groups(mask)
    line_height = max(cv2.boundingRect(group)[3] for group in groups)
    readings = [[[group], *touching_cuts(group, line_height)] for group in groups]
    digits = [
        Digit(centre_digit(piece), box_sent(piece), len(way) > 1)
        for ways in readings for way in ways for piece in way
    ]
    scored = iter(zip(digits, classify(np.stack([digit.image for digit in digits])), strict=True))
    chosen = []
    for ways in readings:
        candidates = [[next(scored) for _ in way] for way in ways]
        chosen += max(candidates, key=reading_rank)
    if len(chosen) > MAX_DIGITS:
        raise TooManyDigitsError(f"This row holds {len(chosen)} digits, and at most {MAX_DIGITS} are read. "
                                 "Write a shorter number, or send it in parts.")
    return chosen


def reading_rank(way):
    """How good a reading of one run of ink is: [(Digit, scores)] -> a sort key, the best highest. A reading
    whose pieces all read as digits beats one with a piece that is not a digit; among the first, the surer
    its least sure digit, the better; among the others, the fewer pieces (a mark that is no digit stays whole)."""
    digits = all(int(scores.argmax()) < DIGITS for _, scores in way)
    return (digits, min(float(scores.max()) for _, scores in way) if digits else -len(way))


class Strokes:
    """Outer contours taken as one digit's strokes, with their bounding box and their biggest stroke's longer side."""

    def __init__(self, contour):
        x, y, w, h = cv2.boundingRect(contour)
        self.contours = [contour]
        self.left, self.top, self.right, self.bottom = x, y, x + w, y + h
        self.biggest = max(w, h)

    def join(self, other):
        self.contours += other.contours
        self.left, self.top = min(self.left, other.left), min(self.top, other.top)
        self.right, self.bottom = max(self.right, other.right), max(self.bottom, other.bottom)
        self.biggest = max(self.biggest, other.biggest)

    def shared_columns(self, other):
        """Columns both cover; negative: the gap between them."""
        return min(self.right, other.right) - max(self.left, other.left)


def stroke_groups(mask):
    """The mask of a row of digits -> one mask per digit (or per run of touching digits), left to right.

    Each outer contour is a stroke, or strokes that cross. Strokes are one digit when they
    share columns (the two strokes of a 4, a 7 and its bar), and a stroke too flat or too
    small to be a digit (a 5's flag drawn apart, a dot) joins the nearest one.
    """
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    groups = [Strokes(contour) for contour in contours]
    while (pair := _one_digit(groups)) is not None:
        i, j = pair
        groups[i].join(groups.pop(j))
    masks = []
    for group in sorted(groups, key=lambda group: group.left + group.right):  # by centre, left to right
        outline = np.zeros_like(mask)
        cv2.drawContours(outline, group.contours, -1, 1, thickness=cv2.FILLED)
        masks.append(mask & outline)
    return masks


def _one_digit(groups):
    """Indices (i, j), i < j, of two groups of strokes that belong to one digit; None when none do."""
    for i, a in enumerate(groups):
        for j in range(i + 1, len(groups)):
            b = groups[j]
            if a.shared_columns(b) >= OVERLAP_SHARE * min(a.right - a.left, b.right - b.left):
                return i, j
    if len(groups) < 2:
        return None
    line_height = max(group.bottom - group.top for group in groups)
    for i, part in enumerate(groups):
        dots = part.biggest < DOT_SIZE * line_height
        if not (dots or _too_small(part.right - part.left, part.bottom - part.top, line_height)):
            continue
        gaps = [-part.shared_columns(other) if other is not part else np.inf for other in groups]
        nearest = int(np.argmin(gaps))
        if gaps[nearest] <= PART_REACH * line_height:
            return min(i, nearest), max(i, nearest)
    return None


def _too_small(width, height, line_height):
    """Whether ink of this size is part of a digit rather than a digit."""
    return height < PART_HEIGHT * line_height or max(width, height) < PART_SIZE * line_height


def touching_cuts(mask, line_height):
    """A group's mask -> the ways to cut it into two touching digits, [left, right] masks each:
    at its thinnest columns (the fewest ink pixels), when it is wide enough to hold two digits.
    A cut that leaves too little ink on one side to be a digit is no way."""
    x, _, width, _ = cv2.boundingRect(mask)
    if width <= TOUCHING_WIDTH * line_height:
        return []
    ink_per_column = mask[:, x : x + width].sum(axis=0)
    reach = max(1, round(CUT_SPACING * width))
    thinnest = [
        column for column in range(round(CUT_SPAN[0] * width), round(CUT_SPAN[1] * width) + 1)
        if ink_per_column[column] == ink_per_column[max(0, column - reach) : column + reach + 1].min()
    ]
    cuts, tried = [], []
    for column in sorted(thinnest, key=lambda column: ink_per_column[column]):
        if len(cuts) == CUTS_TRIED:
            break
        if any(abs(column - other) <= reach for other in tried):
            continue  # the same valley
        tried.append(column)
        pieces = [np.zeros_like(mask), np.zeros_like(mask)]
        pieces[0][:, x : x + column] = mask[:, x : x + column]
        pieces[1][:, x + column : x + width] = mask[:, x + column : x + width]
        if not any(_too_small(*cv2.boundingRect(piece)[2:], line_height) for piece in pieces):
            cuts.append(pieces)
    return cuts
