"""What a public Space receives besides neat drawings: each case is a file made on disk and the answer it must get.

An answer is one of
    ("digit", d)              the top guess is d
    ("blank", None)           an honest empty result: nothing to read
    ("unreadable", pattern)   an error whose message matches pattern: the file cannot be read
    ("not a digit", pattern)  a message matching pattern: readable, but no single digit in it
"""

import cv2
import numpy as np
from PIL import Image
from strokes import draw, strokes

HUGE = 9000  # pixels a side: 81 million pixels, a decompression bomb's size


def draw_grey(digit, size, width, ink=0, paper=255):
    """A greyscale (size, size) uint8 page with the digit drawn: cheaper than draw()'s RGBA at large sizes."""
    page = np.full((size, size), paper, np.uint8)
    for stroke in strokes(digit):
        cv2.polylines(page, [np.round(np.array(stroke) * size).astype(np.int32)], False, ink, thickness=width,
                      lineType=cv2.LINE_AA)
    return page


def save(array, path, **options):
    Image.fromarray(array).save(path, **options)


def text_file(path):
    path.write_text("milk, eggs, flour\n")


def truncated_png(path):
    save(draw(3), path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def empty_file(path):
    path.write_bytes(b"")


def random_noise(path):
    save(np.random.default_rng(7).integers(0, 256, (600, 600, 3), np.uint8), path)


def painted_over(path):
    """A Sketchpad canvas coloured in almost everywhere."""
    canvas = np.zeros((600, 600, 4), np.uint8)
    canvas[30:570, 30:570, 3] = 255
    save(canvas, path)


def huge(path):
    save(draw_grey(4, HUGE, width=HUGE // 20), path)


def sixteen_bit(path):
    """A 12-bit scan in a 16-bit PNG: ink 300, paper 4000, far below 65535."""
    save(300 + draw_grey(5, 600, width=28).astype(np.uint16) * (4000 - 300) // 255, path)


def palette(path):
    """Dark blue on light yellow, saved as an 8-colour palette PNG."""
    canvas = draw(2, background=(250, 240, 180), ink=(20, 30, 120))[..., :3]
    Image.fromarray(canvas).convert("P", palette=Image.Palette.ADAPTIVE, colors=8).save(path)


def phone_photo(path):
    """A portrait phone photo of a pen 7 on paper, stored sideways with EXIF orientation 6 (rotate on display)."""
    rng = np.random.default_rng(1)
    page = draw_grey(7, 3024, width=90, ink=60, paper=230).astype(np.float32)
    page = np.pad(page, ((504, 504), (0, 0)), constant_values=230)  # 3024 wide, 4032 tall
    page += np.linspace(-12, 12, page.shape[0])[:, None] + rng.normal(0, 3, page.shape)  # light falling off, grain
    upright = Image.fromarray(np.clip(page, 0, 255).astype(np.uint8)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the stored image must turn 90° clockwise to stand upright
    upright.transpose(Image.Transpose.ROTATE_90).save(path, quality=88, exif=exif)


def float_tiff_with_nan(path):
    """A 32-bit float image (white 8 on black) with NaN and ±inf pixels in it."""
    image = draw(8)[..., 3].astype(np.float32) / 255
    rng = np.random.default_rng(3)
    for value, share in ((np.nan, 0.05), (np.inf, 0.01), (-np.inf, 0.01)):
        image[rng.random(image.shape) < share] = value
    Image.fromarray(image, mode="F").save(path)


def blank(shape, value):
    def make(path):
        save(np.full(shape, value, np.uint8), path)

    return make


CASES = {
    "not an image": ("shopping-list.png", text_file, ("unreadable", r"Cannot read this file as an image")),
    "truncated PNG": ("three.png", truncated_png, ("unreadable", r"damaged or incomplete")),
    "empty file": ("empty.png", empty_file, ("unreadable", r"The file is empty")),
    "1x1 image": ("dot.png", blank((1, 1, 3), 0), ("blank", None)),
    "all white": ("white.png", blank((600, 600, 3), 255), ("blank", None)),
    "all black": ("black.png", blank((600, 600, 3), 0), ("blank", None)),
    "transparent empty canvas": ("canvas.png", blank((600, 600, 4), 0), ("blank", None)),
    "random noise": ("noise.png", random_noise, ("not a digit", r"noise or scattered marks")),
    "canvas painted over": ("painted.png", painted_over, ("not a digit", r"Ink covers \d+% of the image")),
    "9000x9000 PNG": ("huge.png", huge, ("unreadable", rf"{HUGE}×{HUGE} pixels, too large")),
    "9000x9000 JPEG": ("huge.jpg", huge, ("digit", 4)),
    "16-bit PNG": ("scan16.png", sixteen_bit, ("digit", 5)),
    "palette PNG": ("palette.png", palette, ("digit", 2)),
    "phone photo with EXIF rotation": ("photo.jpg", phone_photo, ("digit", 7)),
    "float TIFF with NaN and inf": ("float.tiff", float_tiff_with_nan, ("digit", 8)),
}


def make_all(folder):
    """Write every case's file into folder; {case: path}."""
    paths = {}
    for case, (name, make, _) in CASES.items():
        paths[case] = folder / name
        make(paths[case])
    return paths
