"""Photos of digits on paper, as a phone camera sees them: read through prepare() and the model.

    python benchmarks/photos.py                     # ../shared/mnist and ../shared/pendigits
    python benchmarks/photos.py --digits 100        # fewer photos per condition: quicker, coarser
    python benchmarks/photos.py --examples DIR      # and save the first photos of each condition there

Each photo is a 900x900 sheet of paper (one of several tones; plain, ruled or squared)
with one digit written on it in ink: half of them MNIST test digits (their pen paths,
benchmarks/drawn_mnist.py), half the pen digits' test writers' own strokes (14 writers
never trained on), 180-420 px tall with a pen 3-8 % of that wide, anywhere on the sheet.
The camera then turns it slightly and sees it in perspective; per condition it also
lights it unevenly, casts a soft shadow, blurs it, adds sensor noise and saves it as JPEG.

Only digits the model reads right when the same ink is sent as a Sketchpad canvas
(transparent, in the same place) are photographed: what is measured is what the photo
does, not the model's own misreadings. The baseline is prepare() as it was before the
photo path (commit BASELINE_COMMIT, loaded from git), on the same photos.

A phone's harder photos (issue 28): the sheet lying on a desk, seen at an angle and turned,
filling 55-85 % of the photo; the digit written in a form's row of printed boxes (sometimes
touching its box); a glare spot centred on the ink; the phone's hard-edged shadow with its
edge across the digit; a hard-edged shadow over part of the sheet; a tight crop of a bold
marker digit on grey or coloured paper; a thin ballpoint (1-2 px).

Also: numbers written on ruled paper and on a sheet on a desk, read by split_number; and sheets
with no digit on them (blank, only ruled or squared lines, dark and blurred, on a desk, under a
hard shadow or glare), which must give no digit:
prepare() returns None or raises NotADigitError. Seeded: the same command prints the same figures.
"""

import argparse
import subprocess
import sys
import types
from pathlib import Path

import cv2
import keras
import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]
from drawn_mnist import pen_path  # noqa: E402
from read_numbers import make_numbers  # noqa: E402

import datasets  # noqa: E402
import preprocess  # noqa: E402
import sketchpad  # noqa: E402
import splitting  # noqa: E402

BASELINE_COMMIT = "0998c03"  # the last commit before the photo path: its ink_map took one global paper level
SIDE = 900  # the photo's side in pixels (a phone photo as the app reduces it, to at most 1024)
DIGIT_HEIGHT = (180, 420)  # px
PEN_WIDTH = (0.03, 0.08)  # of the digit's height: a fine pen to a felt-tip
MARGIN = 0.08  # of the side: the digit stays this far inside the photo, whatever the perspective
PAPERS = {"white": (246, 246, 242), "cream": (240, 232, 208), "grey": (222, 222, 218), "yellow": (250, 242, 196)}
PAPER_GRAIN = 0.01  # the paper's own texture: relative brightness noise, blurred a little
INKS = {"black": (30, 30, 38), "blue": (30, 55, 165), "red": (190, 35, 45)}
PENS = ("black", "blue")  # the ink when a condition does not say
PENCIL = (85, 85, 90)  # graphite's colour, laid on at ...
PENCIL_OPACITY = (0.45, 0.7)  # ... this strength (grey, lower contrast) ...
PENCIL_GRAIN = 0.35  # ... and unevenly: its strength varies by up to this share from pixel to pixel
RULE_COLOURS = ((150, 180, 225), (170, 175, 185))  # light blue or grey printed lines ...
RULE_OPACITY = (0.5, 0.9)  # ... this strong ...
RULE_WIDTH = (1, 3)  # ... this wide, in px ...
RULE_SPACING = (0.25, 1.2)  # ... this far apart, as a share of the digit's height ...
MIN_RULE_SPACING = 24  # ... and never closer than this (px): a 5 mm grid photographed from afar
GRADIENT = (0.25, 0.45)  # uneven light: the brightness falls by this share across the sheet
EXPOSURE = (0.85, 1.05)  # the camera's overall brightness
SHADOW_DEPTH = (0.3, 0.55)  # a soft shadow (a hand, the phone) darkens part of the sheet by this share ...
SHADOW_SOFTNESS = (15, 60)  # ... its edge blurred this much (px, sigma)
ROTATION = 4  # degrees, either way
PERSPECTIVE = 0.03  # each corner moved up to this share of the side: the phone not quite parallel to the sheet
SHEET_MARGIN = 0.12  # the sheet is larger than the photo by this share of its side each way: the photo sees only paper
BLUR = (0.6, 2.0)  # px, sigma: focus and shake
NOISE = (2.0, 6.0)  # sensor noise, levels of 255 (sigma)
JPEG_QUALITY = (55, 85)
DARK_EXPOSURE = (0.06, 0.18)  # a dark photo: this bright ...
DARK_BLUR = (6.0, 15.0)  # ... and this blurred (px, sigma)
# A phone's photos (issue 28):
DESKS = ((125, 92, 62), (160, 125, 88), (92, 62, 42), (72, 72, 78), (45, 48, 58), (150, 150, 146), (110, 120, 95))
DESK_GRAIN = (0.04, 0.12)  # wood's grain: brightness varying this much, streaked along one way
SHEET_FILL = (0.55, 0.85)  # the sheet fills this share of the photo ...
SHEET_TURN = 30  # ... turned up to this many degrees ...
SHEET_TILT = 0.1  # ... seen at an angle: each corner moved up to this share of the sheet's side ...
SHEET_INSIDE = 0.02  # ... its corners at least this share of the side inside the photo
BOX_COLOURS = ((40, 40, 45), (60, 80, 150), (110, 110, 115), (180, 90, 90))  # a form's printed box ...
BOX_WIDTH = (1, 3)  # px ...
BOX_ROOM = (-0.04, 0.25)  # ... this much wider than the digit each way, as a share of its height (< 0: it touches)
GLARE = (0.35, 0.75)  # a lamp's or flash's glare adds this much light (of full scale) at its centre ...
GLARE_SIZE = (0.06, 0.14)  # ... over a spot this wide (sigma, share of the side), centred on the ink
HARD_SHADOW_DEPTH = (0.35, 0.6)  # a hard-edged shadow darkens the paper by this share ...
HARD_SHADOW_EDGE = (0.8, 4.0)  # ... its edge blurred this little (px, sigma)
PHONE_SHADOW_EDGE = (2.0, 8.0)  # the phone's shadow: a little softer, its edge across the digit
MARKER_HEIGHT = (0.7, 0.9)  # a tight crop: the digit fills this share of the photo's height ...
MARKER_PEN = (0.1, 0.17)  # ... in a bold marker this wide (share of the digit's height) ...
CROP_SIDE = (300, 700)  # ... on a photo this many px a side
TINTED_PAPERS = {"grey": (200, 200, 196), "dark grey": (170, 170, 168), "blue": (175, 200, 225),
                 "green": (190, 220, 180), "pink": (235, 190, 200), "kraft": (190, 160, 120)}
BALLPOINT = (1, 2)  # px: a thin ballpoint's line, for a digit 180-420 px tall

FULL_MNIST = ROOT.parent / "shared" / "mnist"
FULL_PENDIGITS = ROOT.parent / "shared" / "pendigits"

# Each condition: the paper kinds, the inks and what the camera adds.
ALL_INKS = (*INKS, "pencil")
CONDITIONS = {
    "clean, even light": dict(),
    "uneven light (gradient 25-45 %)": dict(gradient=True),
    "ruled paper + uneven light": dict(gradient=True, papers=("ruled",)),
    "squared paper + uneven light": dict(gradient=True, papers=("squared",)),
    "red or blue ink + uneven light": dict(gradient=True, inks=("red", "blue")),
    "pencil + uneven light": dict(gradient=True, inks=("pencil",)),
    "soft shadow": dict(shadow=True),
    "blur, noise, JPEG 55-85 + uneven light": dict(gradient=True, camera=True),
    "all of these": dict(gradient=True, shadow=True, papers=("plain", "ruled", "squared"), inks=ALL_INKS, camera=True),
    # a phone's photos (issue 28), each with blur, noise and JPEG
    "sheet on a desk, at an angle, filling 55-85 %": dict(desk=True, gradient=True, camera=True),
    "digit in a printed box (a form's row)": dict(box=True, gradient=True, camera=True),
    "glare spot over the ink": dict(glare=True, camera=True),
    "the phone's shadow edge across the digit": dict(phone_shadow=True, camera=True),
    "hard-edged shadow over part of the sheet": dict(hard_shadow=True, gradient=True, camera=True),
    "tight crop, bold marker, grey or coloured paper": dict(crop=True, tinted=True, inks=("black",), camera=True),
    "thin ballpoint (1-2 px)": dict(ballpoint=True, gradient=True, camera=True),
}
NO_DIGIT = {  # sheets with no digit: (paper kinds, what the camera adds)
    "blank sheet (uneven light, shadow, noise, JPEG)": dict(gradient=True, shadow=True, camera=True),
    "ruled lines only (uneven light, noise, JPEG)": dict(gradient=True, papers=("ruled",), camera=True),
    "squared lines only (uneven light, noise, JPEG)": dict(gradient=True, papers=("squared",), camera=True),
    "dark, blurred photo": dict(gradient=True, papers=("plain", "ruled", "squared"), camera=True, dark=True),
    "blank sheet on a desk (uneven light, noise, JPEG)": dict(desk=True, gradient=True, papers=("plain", "ruled"),
                                                               camera=True),
    "blank sheet, hard-edged shadow or glare": dict(hard_shadow=True, glare=True, camera=True),
}


# --- Making a photo ------------------------------------------------------------------


def sheet(rng, shape, kind, spacing, tones=PAPERS):
    """A sheet of paper (float32 RGB in [0, 1]) of a random tone: plain, ruled or squared."""
    tone = np.float32(tones[rng.choice(list(tones))]) / 255
    grain = cv2.GaussianBlur(rng.normal(0, PAPER_GRAIN, shape).astype(np.float32), (0, 0), 1.0)
    page = tone * (1 + grain)[..., None]
    if kind == "plain":
        return page
    lines = np.zeros(shape, np.uint8)
    width, offset = int(rng.integers(*RULE_WIDTH, endpoint=True)), rng.uniform(0, spacing)
    for y in np.arange(offset, shape[0], spacing):
        cv2.line(lines, (0, round(y)), (shape[1], round(y)), 255, width, cv2.LINE_AA)
    if kind == "squared":
        for x in np.arange(offset, shape[1], spacing):
            cv2.line(lines, (round(x), 0), (round(x), shape[0]), 255, width, cv2.LINE_AA)
    colour = np.float32(RULE_COLOURS[rng.integers(len(RULE_COLOURS))]) / 255
    return lay(page, lines.astype(np.float32) / 255 * rng.uniform(*RULE_OPACITY), colour)


def lay(page, alpha, colour):
    """Ink (or a printed line) of a colour laid on paper where alpha says: it darkens what is under it."""
    return page * (1 - alpha[..., None] * (1 - colour))


def write(rng, page, alpha, ink):
    """The ink alpha (float32 in [0, 1]) written on the page in a pen's colour, or in pencil."""
    if ink != "pencil":
        return lay(page, alpha, np.float32(INKS[ink]) / 255)
    strength = rng.uniform(*PENCIL_OPACITY) * (1 - PENCIL_GRAIN * rng.random(alpha.shape, np.float32))
    return lay(page, alpha * strength, np.float32(PENCIL) / 255)


def lighting(rng, shape, gradient, shadow):
    """How bright the light is over the sheet (float32, 1 = the camera's exposure)."""
    height, width = shape
    light = np.full(shape, rng.uniform(*EXPOSURE), np.float32)
    if gradient:
        angle = rng.uniform(0, 2 * np.pi)
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        ramp = xs * np.cos(angle) + ys * np.sin(angle)
        ramp = (ramp - ramp.min()) / (ramp.max() - ramp.min())
        light *= 1 - rng.uniform(*GRADIENT) * ramp
    if shadow:  # a straight-edged shadow over up to half the sheet, its edge soft
        mask = np.zeros(shape, np.float32)
        corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
        start = int(rng.integers(4))
        cut = [corners[start] + rng.uniform(0.2, 0.9) * (corners[(start + 1) % 4] - corners[start]),
               corners[start] + rng.uniform(0.2, 0.9) * (corners[(start + 3) % 4] - corners[start])]
        cv2.fillPoly(mask, [np.int32([corners[start], cut[0], cut[1]])], 1.0)
        mask = cv2.GaussianBlur(mask, (0, 0), rng.uniform(*SHADOW_SOFTNESS))
        light *= 1 - rng.uniform(*SHADOW_DEPTH) * mask
    return light


def camera_turn(rng, shape, margin):
    """A slight rotation and perspective: the 3x3 matrix taking a sheet `margin` px larger on each side than the
    photo's shape to the photo, so that the photo sees only the sheet."""
    height, width = shape
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), rng.uniform(-ROTATION, ROTATION), 1.0)
    turned = cv2.transform(corners[None], turn)[0]
    moved = turned + rng.uniform(-PERSPECTIVE, PERSPECTIVE, (4, 2)).astype(np.float32) * max(shape)
    return cv2.getPerspectiveTransform(corners, moved) @ np.array([[1, 0, -margin], [0, 1, -margin], [0, 0, 1]])


def photograph(rng, alpha, spacing, papers=("plain",), inks=PENS, gradient=False, shadow=False, camera=False,
               dark=False, tinted=False, box=False, desk=False, glare=False, hard_shadow=False, phone_shadow=False):
    """Ink (float32 alpha, the photo's shape) on a sheet, photographed -> (uint8 RGB photo, the ink as the photo
    holds it: uint8 alpha, for the canvas that the model's own reading is checked on). On a desk, the ink is the
    sheet's as seen from above: what the photo's rectified sheet holds."""
    margin = round(SHEET_MARGIN * max(alpha.shape))
    alpha = np.pad(alpha, margin)
    shape = alpha.shape
    page = sheet(rng, shape, rng.choice(papers), spacing, TINTED_PAPERS if tinted else PAPERS)
    if box:
        page = printed_boxes(rng, page, alpha)
    page = write(rng, page, alpha, rng.choice(inks))
    page *= lighting(rng, shape, gradient, shadow)[..., None]
    if dark:
        page *= rng.uniform(*DARK_EXPOSURE)
    size = (shape[1] - 2 * margin, shape[0] - 2 * margin)
    turn = camera_turn(rng, size[::-1], margin)
    page = cv2.warpPerspective(page, turn, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    ink = cv2.warpPerspective(alpha, turn, size, flags=cv2.INTER_LINEAR)
    if hard_shadow or phone_shadow:
        page *= hard_shadow_light(rng, ink, HARD_SHADOW_EDGE if hard_shadow else PHONE_SHADOW_EDGE,
                                  across=phone_shadow)[..., None]
    if glare:
        page += glare_light(rng, ink)[..., None]
    if desk:
        page = on_desk(rng, page)
    if camera:
        page = cv2.GaussianBlur(page, (0, 0), rng.uniform(*(DARK_BLUR if dark else BLUR)))
        page += rng.normal(0, rng.uniform(*NOISE) / 255, page.shape).astype(np.float32)
    photo = np.clip(page * 255 + 0.5, 0, 255).astype(np.uint8)
    if camera:
        quality = int(rng.integers(*JPEG_QUALITY, endpoint=True))
        photo = cv2.imdecode(cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], cv2.IMREAD_COLOR)
    return photo, np.clip(ink * 255 + 0.5, 0, 255).astype(np.uint8)  # the channel order is no matter: RGB or BGR


def printed_boxes(rng, page, alpha):
    """A form's row of printed boxes on the page, the digit written in one of them (maybe touching it)."""
    x, y, width, height = cv2.boundingRect((alpha > 0.5).astype(np.uint8))
    room = rng.uniform(*BOX_ROOM, 4) * height
    left, top, right, bottom = x - room[0], y - room[1], x + width + room[2], y + height + room[3]
    lines = np.zeros(alpha.shape, np.uint8)
    pen = int(rng.integers(*BOX_WIDTH, endpoint=True))
    side = right - left
    cells = range(-int(rng.integers(0, 3, endpoint=True)), int(rng.integers(1, 4, endpoint=True)))
    for cell in cells:
        corner = (round(left + cell * side), round(top))
        cv2.rectangle(lines, corner, (round(left + (cell + 1) * side), round(bottom)), 255, pen, cv2.LINE_AA)
    colour = np.float32(BOX_COLOURS[rng.integers(len(BOX_COLOURS))]) / 255
    return lay(page, lines.astype(np.float32) / 255, colour)


def hard_shadow_light(rng, ink, edge, across):
    """How much light a hard-edged shadow leaves (float32, the photo's shape): a straight edge over part of the
    photo; `across`: the phone's shadow, its edge crossing the digit's ink."""
    height, width = ink.shape
    if across:
        through = ink_point(rng, ink)
    else:
        through = np.float32(rng.uniform(0.2, 0.8, 2) * (width, height))
    angle = rng.uniform(0, 2 * np.pi)
    grid_y, grid_x = np.mgrid[0:height, 0:width].astype(np.float32)
    side = (grid_x - through[0]) * np.cos(angle) + (grid_y - through[1]) * np.sin(angle)
    shade = cv2.GaussianBlur((side > 0).astype(np.float32), (0, 0), rng.uniform(*edge))
    return 1 - rng.uniform(*HARD_SHADOW_DEPTH) * shade


def ink_point(rng, ink):
    """(x, y) of a pixel of the ink, chosen at random; on a blank sheet, anywhere in its middle half."""
    ys, xs = np.nonzero(ink > 0.5)
    if not len(xs):
        return (rng.uniform(0.25, 0.75, 2) * ink.shape[::-1]).astype(int)
    pick = rng.integers(len(xs))
    return np.array([xs[pick], ys[pick]])


def glare_light(rng, ink):
    """The light a glare spot adds (float32, the photo's shape, of full scale), centred on a point of the ink."""
    height, width = ink.shape
    spot = np.zeros(ink.shape, np.float32)
    x, y = ink_point(rng, ink)
    spot[y, x] = 1
    sigma = rng.uniform(*GLARE_SIZE) * max(ink.shape)
    spot = cv2.GaussianBlur(spot, (0, 0), sigma)
    return rng.uniform(*GLARE) * spot / spot.max()


def on_desk(rng, page):
    """The photographed sheet (float32 RGB, the photo's shape) lying on a desk, seen at an angle and turned: it fills
    SHEET_FILL of the photo, its corners inside it."""
    height, width = page.shape[:2]
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    while True:
        fill = rng.uniform(*SHEET_FILL)
        turn = cv2.getRotationMatrix2D((width / 2, height / 2), rng.uniform(-SHEET_TURN, SHEET_TURN), np.sqrt(fill))
        placed = cv2.transform(corners[None], turn)[0] + rng.uniform(-SHEET_TILT, SHEET_TILT, (4, 2)) * width
        placed = (placed + rng.uniform(-0.1, 0.1, 2) * width).astype(np.float32)
        inside = SHEET_INSIDE * width
        area = cv2.contourArea(placed) / (width * height)
        if (placed.min() >= inside and placed[:, 0].max() <= width - inside and placed[:, 1].max() <= height - inside
                and SHEET_FILL[0] <= area <= SHEET_FILL[1]):
            break
    view = cv2.getPerspectiveTransform(corners, placed.astype(np.float32))
    seen = cv2.warpPerspective(page, view, (width, height), flags=cv2.INTER_LINEAR)
    cover = cv2.warpPerspective(np.ones((height, width), np.float32), view, (width, height), flags=cv2.INTER_LINEAR)
    grain = rng.normal(0, 1, (height, width)).astype(np.float32)
    streak = rng.uniform(15, 60)
    grain = cv2.GaussianBlur(grain, (0, 0), sigmaX=streak, sigmaY=1.5) if rng.random() < 0.5 else \
        cv2.GaussianBlur(grain, (0, 0), sigmaX=1.5, sigmaY=streak)
    grain *= rng.uniform(*DESK_GRAIN) / max(float(grain.std()), 1e-6)
    desk = np.float32(DESKS[rng.integers(len(DESKS))]) / 255 * rng.uniform(0.7, 1.2) * (1 + grain)[..., None]
    return seen * cover[..., None] + desk * (1 - cover[..., None])


def digit_ink(rng, strokes, side=SIDE, ballpoint=False, crop=False):
    """One digit's unit strokes written on a sheet -> (float32 alpha of the sheet, the digit's height in px).
    ballpoint: in a thin pen; crop: in a bold marker, filling most of a tight crop."""
    if crop:
        height = rng.uniform(*MARKER_HEIGHT) * side
        pen = round(height * rng.uniform(*MARKER_PEN))
    else:
        height = rng.uniform(*DIGIT_HEIGHT)
        pen = int(rng.integers(*BALLPOINT, endpoint=True)) if ballpoint else max(2, round(height * rng.uniform(
            *PEN_WIDTH)))
    reach = np.abs(np.concatenate([np.reshape(s, (-1, 2)) for s in strokes])).max(0)
    extent = reach * height + (pen / 2 if crop else pen)
    margin = 0 if crop else MARGIN * side
    low, high = extent + margin, np.maximum(side - extent - margin, extent + margin)
    alpha = np.zeros((side, side), np.uint8)
    sketchpad.draw_path(alpha, strokes, rng.uniform(low, high), height, pen, colour=255)
    return alpha.astype(np.float32) / 255, height


def rule_spacing(rng, height):
    return max(MIN_RULE_SPACING, rng.uniform(*RULE_SPACING) * height)


def digit_photo(rng, strokes, ballpoint=False, crop=False, **condition):
    """A photo of one digit on paper, under a condition (see CONDITIONS) -> (RGB photo, uint8 ink alpha)."""
    side = int(rng.integers(*CROP_SIDE)) if crop else SIDE
    alpha, height = digit_ink(rng, strokes, side, ballpoint, crop)
    return photograph(rng, alpha, rule_spacing(rng, height), **condition)


def canvas_of(ink):
    """An ink alpha as the Sketchpad sends it: black strokes on a transparent RGBA canvas."""
    canvas = np.zeros((*ink.shape, 4), np.uint8)
    canvas[..., 3] = ink
    return canvas


# --- Reading ---------------------------------------------------------------------------


def load_baseline():
    """preprocess.py as it was at BASELINE_COMMIT, as a module."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{BASELINE_COMMIT}:preprocess.py"],
                            capture_output=True, text=True, check=True).stdout
    module = types.ModuleType("baseline_preprocess")
    exec(compile(source, f"{BASELINE_COMMIT}:preprocess.py", "exec"), module.__dict__)
    return module


def read_one(prepare, classify, image):
    """The digit read (0-9), or -1 for no digit (None, or NotADigitError)."""
    try:
        digit = prepare(image)
    except preprocess.NotADigitError:
        return -1
    except ValueError as e:  # the baseline's own NotADigitError, a different class
        if type(e).__name__ != "NotADigitError":
            raise
        return -1
    return -1 if digit is None else int(np.argmax(classify(digit[np.newaxis])[0]))


def test_digits(args):
    """[(unit strokes, label)]: MNIST test digits' pen paths and the pen-digit test writers' strokes, alternating."""
    _, (images, labels) = datasets.load_mnist(args.data)
    pen = datasets.load_pendigits(datasets.pendigits_file(args.pendigits, "test"))
    rng = np.random.default_rng(args.seed)
    mnist = [(pen_path(images[i]), int(labels[i])) for i in rng.permutation(len(images))[: args.digits * 2]]
    written = [(sketchpad.unit_strokes(pen[i].strokes), pen[i].label) for i in rng.permutation(len(pen))]
    return [digit for pair in zip(mnist, written, strict=False) for digit in pair]


def digit_rates(args, classify, readers, digits):
    """Per condition: {reader: share read right}, over `args.digits` photos the canvas reading gets right."""
    rows = {}
    for index, (name, condition) in enumerate(CONDITIONS.items()):
        rng = np.random.default_rng([args.seed, index])
        right = dict.fromkeys(readers, 0)
        photos = 0
        for strokes, label in digits:
            photo, ink = digit_photo(rng, strokes, **condition)
            if read_one(preprocess.prepare, classify, canvas_of(ink)) != label:
                continue  # the model's misreading, photo or not
            for reader, prepare in readers.items():
                right[reader] += read_one(prepare, classify, photo) == label
            if args.examples and photos < 3:
                save_example(args.examples, f"{index}_{photos}_{label}", photo)
            photos += 1
            if photos == args.digits:
                break
        rows[name] = {reader: count / photos for reader, count in right.items()}
    return rows


def no_digit_rates(args, classify, readers):
    """Per kind of sheet with no digit: {reader: share answered with no digit}."""
    rows = {}
    for index, (name, condition) in enumerate(NO_DIGIT.items()):
        rng = np.random.default_rng([args.seed, len(CONDITIONS) + index])
        answers = dict.fromkeys(readers, 0)
        for number in range(args.sheets):
            blank = np.zeros((SIDE, SIDE), np.float32)
            photo, _ = photograph(rng, blank, rule_spacing(rng, rng.uniform(*DIGIT_HEIGHT)), **condition)
            for reader, prepare in readers.items():
                answers[reader] += read_one(prepare, classify, photo) == -1
            if args.examples and number < 2:
                save_example(args.examples, f"blank{index}_{number}", photo)
        rows[name] = {reader: count / args.sheets for reader, count in answers.items()}
    return rows


NUMBERS = {"on ruled paper, uneven light": dict(papers=("ruled",), gradient=True),
           "on a sheet lying on a desk, at an angle (noise, JPEG)": dict(desk=True, gradient=True, camera=True)}


def number_rates(args, classify, splitters, condition):
    """Numbers written on a sheet (see NUMBERS), read by each split_number: {reader: exact-match share}."""
    pen = datasets.load_pendigits(datasets.pendigits_file(args.pendigits, "test"))
    strokes = [sketchpad.unit_strokes(d.strokes) for d in pen]
    labels, writers = np.array([d.label for d in pen]), np.array([d.writer for d in pen])
    rng = np.random.default_rng([args.seed, 99])
    right, count = dict.fromkeys(splitters, 0), 0
    while count < args.numbers:
        (canvas, truth, tiles), = make_numbers(strokes, labels, 1, rng, touching=False, writers=writers)
        if read_number(splitting.split_number, classify, canvas) != truth:
            continue  # the canvas itself is misread
        ink = canvas[..., 3]
        pad = ink.shape[0] // 2
        rows = max(pad, (round(0.75 * (ink.shape[1] + 2 * pad)) - ink.shape[0]) // 2) if "desk" in condition else pad
        alpha = np.pad(ink, ((rows, rows), (pad, pad))).astype(np.float32) / 255  # a sheet, square-ish on a desk
        photo, _ = photograph(rng, alpha, rule_spacing(rng, max(t.shape[0] for t in tiles)), **condition)
        for reader, split in splitters.items():
            right[reader] += read_number(split, classify, photo) == truth
        count += 1
    return {reader: n / count for reader, n in right.items()}


def read_number(split, classify, image):
    try:
        return "".join(str(int(np.argmax(scores))) for _, scores in split(image, classify))
    except ValueError:  # NotADigitError, of either module
        return ""


def save_example(folder, name, photo):
    folder.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(folder / f"{name}.png"), cv2.cvtColor(photo, cv2.COLOR_RGB2BGR))


def table(title, rows, readers):
    print(f"\n| {title} | " + " | ".join(readers) + " |")
    print("|---" * (len(readers) + 1) + "|")
    for name, rates in rows.items():
        print(f"| {name} | " + " | ".join(f"{rates[r]:.1%}" for r in readers) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=FULL_MNIST, help="MNIST: folder of IDX files or .npz")
    parser.add_argument("--pendigits", type=Path, default=FULL_PENDIGITS, help="folder of pendigits-orig.tes(.gz)")
    parser.add_argument("--model", default=str(ROOT / "model.keras"))
    parser.add_argument("--digits", type=int, default=300, help="photos per condition (default 300)")
    parser.add_argument("--sheets", type=int, default=50, help="sheets with no digit, per kind (default 50)")
    parser.add_argument("--numbers", type=int, default=60, help="numbers on ruled paper (default 60)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", type=Path, help="save the first photos of each condition here (PNG)")
    args = parser.parse_args()

    classify = keras.saving.load_model(args.model, safe_mode=True).predict_on_batch
    baseline = load_baseline()
    modules = {f"before ({BASELINE_COMMIT})": baseline, "now": preprocess}
    readers = {name: module.prepare for name, module in modules.items()}
    splitters = {f"before ({BASELINE_COMMIT})": baseline.split_number, "now": splitting.split_number}
    print(f"{SIDE}x{SIDE} photos, {args.digits} per condition, model {args.model}, seed {args.seed}; "
          "read right, top-1")
    table("condition", digit_rates(args, classify, readers, test_digits(args)), readers)
    table("no digit on the sheet: answered \"no digit\"", no_digit_rates(args, classify, readers), readers)
    table(f"{args.numbers} numbers of 2-6 digits (one writer each): exact match",
          {name: number_rates(args, classify, splitters, condition) for name, condition in NUMBERS.items()}, readers)


if __name__ == "__main__":
    main()
