"""Ink from a photo or scan of paper: the paper's level estimated locally, its noise dropped, ruled and
squared lines taken out. A Sketchpad canvas never comes here: preprocess.ink_map reads its alpha.
"""

import cv2
import numpy as np

MIN_CONTRAST = 26  # an opaque image whose levels differ less than this is blank
# A photo: the paper's level is estimated locally, wider than a stroke and narrower than a shadow.
PAPER_SIDE = 256  # ... on the image reduced to this side: light varies smoothly, and this is cheap
PAPER_WINDOW = 0.05  # ... over windows this share of the image's side: wider than a felt-tip's stroke ...
MIN_PAPER_WINDOW = 15  # ... and at least this many pixels: MNIST's strokes are up to ~7 px of 28
DARKEST_PAPER = 0.65  # a shadow darkens paper by up to ~60 % of the paper around it (benchmarks/photos.py) ...
WIDE_PAPER = 3  # ... around it: over a window this many times paper_level's (a bold stroke is narrower)
REGROW = 1.0  # ... then regrown under the image for this many windows' widths, as far as the paper reaches
BOX_RESIDUAL = np.sqrt(8 / 9)  # the share of white noise's deviation left once a 3x3 mean is taken out
NOISE_SIGMAS = 3  # ink fainter than the paper's level plus this many times its noise is noise
STAND_OUT = 8  # the strongest ink (STRONG_INK) must be this many times the paper's noise, or nothing stands out
QUANTUM = 1.0  # levels: the least noise a photo has, its rounding to whole levels (JPEG's smoothing can hide more)
STRONG_INK = 99.9  # percentile: the digit's ink, not a lone outlier pixel (a thin digit covers ~0.3 % of a photo)
AT_THE_EDGE = ("No digit found inside the photo: the only marks reach its edge (a shadow, the end of a ruled line, "
               "or a digit cut off by the edge). Take it again with the whole digit in the picture and paper "
               "all round it.")
FAINT_INK = ("No digit found: no ink stands out from the paper. The photo may be blank, too dark or blurred "
             "(take it again in good light, the digit in focus), or hold only noise or scattered marks.")
# A sheet lying on a desk (flattened_sheet): a bright quadrilateral that fills this share of the photo ...
SHEET_SHARE = (0.2, 0.95)
SHEET_SOLIDITY = 0.8  # ... bright over this share of its outline (ink on it covers less) ...
SHEET_ROUGHNESS = 0.02  # ... its outline a polygon within this share of its perimeter ...
SHEET_CLEAR = 0.01  # ... its corners at least this share of the photo's side inside it
SHEET_INSET = 0.03  # the sheet's edge, left out once it is flat (a share of the way to its centre)
# Ruled and squared paper: thin straight lines that cross most of the image, two or more of them.
DARK_BACKGROUND = 60  # a median darker than a sheet in shadow: light ink on a dark background
MIN_SHEET_SIDE = 200  # px: a smaller image is a crop of the digit, with no lines or sheet's edge to take out
LINE_LEVEL = 0.125  # a line's faint edges count from this share of the strongest ink (strokes from INK_THRESHOLD)
LINE_SPAN = 0.5  # a line has marks along this share of its length in the image, more than a digit's stroke ...
MIN_LINE_SHARE = 0.05  # ... and at least this share of the image's width (a line may run out at the top)
LINE_TILT = np.deg2rad(8)  # ... and lies within this angle of level or upright (a photo turned slightly)
LINE_ANGLE_STEP = np.deg2rad(0.25)  # the Hough transform's angle step: a line across 1000 px stays in one bin
MIN_LINES = 2  # ruled paper has many lines; one long straight mark may be a digit's (a 1 filling the image)
MAX_LINE_WIDTH = 10  # px: a printed line, blurred, is no wider; a felt-tip's stroke may be
DOWN, ACROSS = (MAX_LINE_WIDTH + 1, 1), (1, MAX_LINE_WIDTH + 1)  # (height, width): runs longer than a line is wide
LINE_BAND = 9  # px: the band taken out along each line found, its anti-aliased and blurred edges included
LINE_OWN = 25  # percentile of the ink across a line's band along it: the line's own, where no stroke lies on it
STROKE_MASS = 3.0  # where the ink across a line's band is this many times the line's own, a stroke lies on it
# A photo of a sheet shows paper all round the digit: marks that reach the photo's edge are what
# the light and the lines leave there (a shadow's corner, a line's stub where it leaves the picture).
EDGE_SCRAP = 0.15  # ... each shorter than this share of the photo's side, or no wider than a line (a line's end):
# a digit that a line's leftover joins to the edge is neither, and stays
EDGE_SPECK = 8  # px: ... and longer than this; specks are noise's, left for digit_mask to count
EDGE_FRINGE = 9  # px: their faint, blurred fringe is taken out with them


class NoInk(ValueError):
    """A photo holds no digit's ink; the message says why."""


def photo_ink(grey):
    """An opaque uint8 greyscale image (a photo, a scan, MNIST) -> uint8 ink, 255 = stroke, whatever its
    polarity. Raises NoInk when no ink stands out from the paper, or only at the photo's edge.

    The paper's level is estimated locally (paper_level), so that uneven light and shadows
    are paper, not ink; ink is how far a pixel departs from its paper, as a share of how far it
    could. Ink no stronger than the paper's own noise is dropped, ruled and squared lines
    are taken out (ruled_lines), and so are marks at the photo's edge (marks_at_the_edge); what
    is left must stand out from the noise, or there is no digit to read. An evenly lit image
    with no noise, MNIST's, reads as with one global paper level.
    """
    grey = flattened_sheet(grey)
    if dark_ink(grey):  # ink is brighter than its paper once inverted
        grey = cv2.bitwise_not(grey)
    level = float(np.median(grey))
    paper = paper_level(grey)
    span = max(255 - float(np.median(paper)), 1)  # noise as a share of the paper's span, as the ink
    ink = (grey.astype(np.float32) - paper) / np.maximum(255 - paper, 1)
    noise = noise_level(grey) / span
    if float(ink.max(initial=0)) * 255 < MIN_CONTRAST:
        if noise > 0:  # a photo of nothing, or too dark or blurred to see it
            raise NoInk(FAINT_INK)
        return np.zeros(grey.shape, np.uint8)  # a uniform image: nothing drawn
    ink = np.maximum(ink - NOISE_SIGMAS * noise, 0)
    lines = ruled_lines(ink)
    ink[lines] = 0
    edge = marks_at_the_edge(ink)
    ink[edge] = 0
    contrast = float(ink.max())
    if contrast * 255 < MIN_CONTRAST and edge.any():
        raise NoInk(AT_THE_EDGE)
    if contrast * 255 < MIN_CONTRAST and lines.any():  # a ruled or squared sheet, blank
        return np.zeros(grey.shape, np.uint8)
    # Paper that is mostly one exact level was drawn, not photographed (a white canvas, a clean scan): no noise
    # hides in it, and a hairline digit smaller than STRONG_INK's share of it still stands out.
    drawn = np.count_nonzero(grey == round(level)) * 2 > grey.size
    least_noise = 0 if drawn else QUANTUM / span
    if contrast * 255 < MIN_CONTRAST or np.percentile(ink, STRONG_INK) < STAND_OUT * max(noise, least_noise):
        raise NoInk(FAINT_INK)
    return cv2.convertScaleAbs(ink, alpha=255.0 / contrast)


def flattened_sheet(grey):
    """The sheet of paper seen from above, when the photo shows it lying on a desk (uint8); else the photo itself.

    The sheet is the largest bright region (Otsu's threshold on the photo reduced to PAPER_SIDE) when it fills
    SHEET_SHARE of the photo and its outline is a quadrilateral whose corners all lie inside the photo (a shadow's
    or the light's edge runs out of it); it is warped flat, its edge (SHEET_INSET) left out.
    """
    height, width = grey.shape
    if min(height, width) < MIN_SHEET_SIDE:
        return grey
    step = max(1, max(height, width) // PAPER_SIDE)
    small = cv2.GaussianBlur(cv2.resize(grey, (width // step, height // step), interpolation=cv2.INTER_AREA),
                             (5, 5), 0)
    bright = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]
    contours = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0]
    if not contours:
        return grey
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    if not SHEET_SHARE[0] <= cv2.contourArea(hull) / small.size <= SHEET_SHARE[1]:
        return grey
    inside = cv2.fillConvexPoly(np.zeros_like(bright), hull, 1)
    if cv2.countNonZero(bright & inside) < SHEET_SOLIDITY * cv2.countNonZero(inside):
        return grey  # bright strokes on dark paper, not a sheet: paper is bright almost everywhere inside
    corners = cv2.approxPolyDP(hull, SHEET_ROUGHNESS * cv2.arcLength(hull, True), True).reshape(-1, 2)
    clear = SHEET_CLEAR * max(small.shape)
    if len(corners) != 4 or (corners < clear).any() or (corners > np.array(small.shape[::-1]) - 1 - clear).any():
        return grey
    corners = (corners.astype(np.float32) + 0.5) * step
    corners = corners[np.argsort(np.arctan2(*(corners - corners.mean(0)).T[::-1]))]  # clockwise from top-left-ish
    corners = np.roll(corners, -int(np.argmin(corners.sum(1))), axis=0)  # from the top-left
    corners += (corners.mean(0) - corners) * SHEET_INSET
    sides = np.linalg.norm(corners - np.roll(corners, -1, axis=0), axis=1)  # top, right, bottom, left
    size = (round(max(sides[0], sides[2])), round(max(sides[1], sides[3])))
    flat = np.float32([[0, 0], [size[0], 0], [size[0], size[1]], [0, size[1]]])
    return cv2.warpPerspective(grey, cv2.getPerspectiveTransform(corners, flat), size, flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)


def reduced(grey):
    """The image reduced by a whole step to about PAPER_SIDE, and the window narrower marks are taken for ink in."""
    height, width = grey.shape
    step = max(1, max(height, width) // PAPER_SIDE)
    small = cv2.resize(grey, (max(1, width // step), max(1, height // step)), interpolation=cv2.INTER_AREA)
    side = max(small.shape)
    window = 2 * round(max(PAPER_WINDOW * side, min(MIN_PAPER_WINDOW, side)) / 2) + 1
    return small, step, window


def dark_ink(grey):
    """Whether the ink is darker than its paper: the median is light, or, on a photo of a sheet, the marks
    narrower than the paper's window are more dark than light (a shadow may cover most of the sheet).
    A crop smaller than MIN_SHEET_SIDE goes by its median (MNIST's light strokes leave dark gaps as wide), and so
    does an image darker than DARK_BACKGROUND (chalk, or light strokes drawn on black: their bold strokes are
    wider than the window, the gaps between them narrower)."""
    small, _, window = reduced(grey)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (window, window))
    dark = cv2.morphologyEx(small, cv2.MORPH_BLACKHAT, kernel, borderType=cv2.BORDER_REFLECT)
    light = cv2.morphologyEx(small, cv2.MORPH_TOPHAT, kernel, borderType=cv2.BORDER_REFLECT)
    median = np.median(grey)
    if median >= 128 or min(grey.shape) < MIN_SHEET_SIDE or median < DARK_BACKGROUND:
        return median >= 128
    return cv2.sumElems(dark)[0] > cv2.sumElems(light)[0]


def paper_level(grey):
    """The paper's level under each pixel of an image with bright ink on darker paper (float32).

    A morphological opening takes out whatever is narrower than PAPER_WINDOW (the strokes),
    keeping the light's gradients and shadows' edges, which are wider; it runs on the image
    reduced to PAPER_SIDE, where it is cheap, and its result is brought back to full size.
    Paper in a shadow is at most DARKEST_PAPER darker than the paper around it (an opening
    WIDE_PAPER times wider): what is darker, and wider than the window, is a bold stroke's ink.
    """
    height, width = grey.shape
    small, step, window = reduced(grey)
    side = max(small.shape)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (window, window))
    paper = cv2.morphologyEx(small, cv2.MORPH_OPEN, kernel, borderType=cv2.BORDER_REFLECT)
    step_kernel = np.ones((3, 3), np.uint8)
    for _ in range(round(REGROW * window)):  # regrown where the opening cut it: a shadow's corners
        paper = np.minimum(cv2.dilate(paper, step_kernel), small)
    wide = min(WIDE_PAPER * window, 2 * side + 1)
    around = cv2.morphologyEx(small, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (wide, wide)),
                              borderType=cv2.BORDER_REFLECT).astype(np.float32)
    paper = np.minimum(paper, around + DARKEST_PAPER * (255 - around))
    return cv2.resize(paper, (width, height), interpolation=cv2.INTER_LINEAR)


def noise_level(grey):
    """The standard deviation of an image's noise, in levels: a robust one (1.4826 median deviations, a normal
    distribution's) of what differs from each pixel's 3x3 mean, where the image itself varies little."""
    residual = grey.astype(np.float32) - cv2.blur(grey.astype(np.float32), (3, 3))
    return 1.4826 * float(np.median(np.abs(residual - np.median(residual)))) / BOX_RESIDUAL


def ruled_lines(ink):
    """The pixels of the ruled or squared lines in an ink map (bool): thin straight lines, two or more,
    nearly level or upright, that run across most of the image (LINE_SPAN). Where a digit's stroke
    crosses a line or runs along it, there is more ink across the line than its own, and it is kept; a digit's
    straight strokes (a 1, the bar of a 7) are no lines: none is that long and that thin.
    An image smaller than MIN_SHEET_SIDE is a crop of the digit: no lines."""
    peak = float(ink.max(initial=0))
    if min(ink.shape) < MIN_SHEET_SIDE or peak == 0:
        return np.zeros(ink.shape, bool)
    marks = (ink >= LINE_LEVEL * peak).astype(np.uint8)
    level_ends, upright_ends = line_ends(marks), line_ends(np.ascontiguousarray(marks.T))
    level, upright = band_along(level_ends, marks.shape), band_along(upright_ends, marks.shape[::-1]).T
    # where a stroke runs along a line, the band leaves it (the other way's lines are no stroke)
    level &= 1 - strokes_along(level_ends, ink * (1 - upright))
    upright &= 1 - strokes_along(upright_ends, np.ascontiguousarray((ink * (1 - level)).T)).T
    upright &= 1 - thick(marks & (1 - level), ACROSS)
    level &= 1 - thick(marks & (1 - upright), DOWN)  # a grid's crossings are no stroke's ink
    return (marks & (level | upright)).astype(bool)


def marks_at_the_edge(ink):
    """The pixels of the marks in an ink map that touch the photo's edge, short or thin and no specks, their
    fringe included (bool): no digit's, on a photo of a sheet (see EDGE_SCRAP). None in a crop
    smaller than MIN_SHEET_SIDE: its digit may fill it."""
    peak = float(ink.max(initial=0))
    if min(ink.shape) < MIN_SHEET_SIDE or peak == 0:
        return np.zeros(ink.shape, bool)
    marks = (ink >= LINE_LEVEL * peak).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(marks)
    at_edge = np.zeros(count, np.uint8)
    at_edge[np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])] = 1
    at_edge[0] = 0  # the paper
    length = stats[:, [cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT]].max(1)
    thin = stats[:, cv2.CC_STAT_AREA] <= MAX_LINE_WIDTH * length
    at_edge[((length >= EDGE_SCRAP * max(ink.shape)) & ~thin) | (length <= EDGE_SPECK)] = 0
    return cv2.dilate(at_edge[labels], np.ones((EDGE_FRINGE, EDGE_FRINGE), np.uint8)).astype(bool)


def length_inside(left, right, width, height):
    """How long the line from (0, left) to (width, right) runs inside a width x height image."""
    slope = (right - left) / width
    if abs(slope) < 1e-9:
        return width if 0 <= left <= height else 0.0
    enters, leaves = sorted(((0 - left) / slope, (height - left) / slope))
    return max(0.0, min(width, leaves) - max(0.0, enters)) * np.hypot(1.0, slope)


def thick(marks, run):
    """The marks (0/1) in a run of more than MAX_LINE_WIDTH pixels along the run's direction: no line's.
    Beyond the image is paper: a line that the photo's edge cuts is no thicker for it."""
    return cv2.morphologyEx(marks, cv2.MORPH_OPEN, np.ones(run, np.uint8), borderType=cv2.BORDER_CONSTANT,
                            borderValue=0)


def line_ends(marks):
    """(y at the left edge, y at the right edge) of each nearly level line across a 0/1 mask of marks, see
    ruled_lines; none if fewer than MIN_LINES are found: they are taken for a digit's.

    The lines are found among the thin marks by a Hough transform, the strongest first, one
    for each band of LINE_BAND pixels.
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
    return ends if len(ends) >= MIN_LINES else []


def band_along(ends, shape):
    """A 0/1 band LINE_BAND wide along each line (see line_ends) in an image of this shape."""
    band = np.zeros(shape, np.uint8)
    for left, right in ends:
        cv2.line(band, (0, round(left)), (shape[1], round(right)), 1, LINE_BAND)
    return band


def strokes_along(ends, ink):
    """0/1: where a stroke lies on any of the lines (see line_ends) of an ink map."""
    stroke = np.zeros(ink.shape, np.uint8)
    for left, right in ends:
        stroke[stroke_along(ink, left, right)] = 1
    return stroke


def stroke_along(ink, left, right):
    """Where a stroke lies on the line from (0, left) to (width, right) of an ink map (bool, the image's shape):
    the columns where the ink across the line's band (its mass: darker or wider ink) is STROKE_MASS times the
    line's own (its LINE_OWN percentile along the line: a stroke may run along half of it)."""
    height, width = ink.shape
    xs = np.arange(width)
    centre = np.rint(left + (right - left) * xs / width).astype(int)
    rows = centre[None] + np.arange(-LINE_BAND, LINE_BAND + 1)[:, None]  # twice the band: a line found tilted
    inside = (rows >= 0) & (rows < height)
    mass = np.where(inside, ink[np.clip(rows, 0, height - 1), xs[None]], 0).sum(0)
    mass = cv2.blur(mass.astype(np.float32)[None], (3, 1))[0]  # a JPEG block's ripple is no stroke
    whole = inside.all(0)  # where the photo's edge cuts the band, the line is lighter: no measure
    marked = mass[whole & (mass > 0)]
    heavy = whole & (mass > STROKE_MASS * (np.percentile(marked, LINE_OWN) if marked.size else 0))
    stroke = np.zeros(ink.shape, bool)
    grow = cv2.dilate(heavy.astype(np.uint8)[None], np.ones((1, LINE_BAND), np.uint8))[0].astype(bool)
    for offset in range(-LINE_BAND, LINE_BAND + 1):
        row = centre + offset
        keep = grow & (row >= 0) & (row < height)
        stroke[row[keep], xs[keep]] = True
    return stroke
