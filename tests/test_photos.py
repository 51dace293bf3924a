"""Photos of digits on paper (the photo path of preprocess.ink_map): examples/photo_*.jpg and generated sheets."""

import cv2
import keras
import numpy as np
import pytest
from conftest import ROOT

import photo
import preprocess
import splitting
from benchmarks import photos

EXAMPLES = ROOT / "examples"
DIGIT_PHOTOS = {"photo_ruled_7": 7, "photo_squared_2": 2, "photo_pencil_shadow_5": 5, "photo_red_ink_ruled_4": 4,
                "photo_desk_8": 8, "photo_glare_2": 2, "photo_marker_grey_0": 0}


@pytest.fixture(scope="module")
def classify():
    return keras.saving.load_model(ROOT / "model.keras", safe_mode=True).predict_on_batch


def no_digit(image):
    """Whether prepare() finds no digit: None, or NotADigitError with a message in words."""
    try:
        return preprocess.prepare(image) is None
    except preprocess.NotADigitError as e:
        return bool(str(e))


@pytest.mark.parametrize("name", DIGIT_PHOTOS)
def test_a_photo_of_a_digit_on_paper_reads_right(classify, name):
    digit = preprocess.prepare(str(EXAMPLES / f"{name}.jpg"))
    assert int(np.argmax(classify(digit[np.newaxis])[0])) == DIGIT_PHOTOS[name]


def test_a_number_photographed_on_ruled_paper_reads_right(classify):
    digits = splitting.split_number(str(EXAMPLES / "photo_ruled_number_2026.jpg"), classify)
    assert "".join(str(int(np.argmax(scores))) for _, scores in digits) == "2026"


def test_the_lines_of_ruled_paper_are_no_ink():
    photo = cv2.imread(str(EXAMPLES / "photo_ruled_7.jpg"))
    ink = preprocess.read_ink(photo).map
    x, y, width, height = cv2.boundingRect((ink >= preprocess.INK_THRESHOLD).astype(np.uint8))
    assert max(width, height) < 0.5 * max(ink.shape), "the ink found is the digit's, not lines across the sheet"


# Sheets that were read as a digit before: a shadow's corner or a line's stub at the photo's edge.
@pytest.mark.parametrize("kind", ["plain", "ruled", "squared"])
@pytest.mark.parametrize("seed", range(6))
def test_a_sheet_with_no_digit_gives_no_digit(kind, seed):
    blank = np.zeros((photos.SIDE, photos.SIDE), np.float32)
    photo, _ = photos.photograph(np.random.default_rng(seed), blank, 60, papers=(kind,), gradient=True,
                                 shadow=kind == "plain", camera=True)
    assert no_digit(photo)


@pytest.mark.parametrize(("kind", "seed"), [("squared", 29), ("squared", 52), ("ruled", 76)])
def test_a_sheet_whose_noise_jpeg_smoothed_away_gives_no_digit(kind, seed):
    rng = np.random.default_rng(seed)
    spacing = photos.rule_spacing(rng, rng.uniform(*photos.DIGIT_HEIGHT))
    sheet, _ = photos.photograph(rng, np.zeros((photos.SIDE, photos.SIDE), np.float32), spacing, papers=(kind,),
                                  gradient=True, camera=True)
    assert photo.noise_level(cv2.cvtColor(sheet, cv2.COLOR_RGB2GRAY)) < photo.QUANTUM  # what made it read as ink
    assert no_digit(sheet)


def test_a_blank_ruled_example_gives_no_digit():
    assert no_digit(str(EXAMPLES / "photo_ruled_blank.jpg"))


# A bold stub running off the left edge (a shadow's corner), and a long thin line's end.
@pytest.mark.parametrize(("end", "width"), [((70, 320), 12), ((400, 330), 2)])
def test_marks_only_at_the_photos_edge_are_no_digit_and_say_so(end, width):
    page = np.full((600, 600), 235, np.uint8)
    cv2.line(page, (0, 300), end, 40, width)
    with pytest.raises(preprocess.NotADigitError, match="reach its edge"):
        preprocess.prepare(page)


def test_a_digit_inside_the_photo_is_read_beside_marks_at_its_edge(classify):
    page = cv2.imread(str(EXAMPLES / "photo_ruled_7.jpg"), cv2.IMREAD_GRAYSCALE)
    cv2.line(page, (0, 40), (90, 60), 40, 12)  # a mark running off the photo, far from the 7
    digit = preprocess.prepare(page)
    assert int(np.argmax(classify(digit[np.newaxis])[0])) == 7


def test_a_digit_that_a_grid_line_joins_to_the_edge_is_kept():
    page = np.full((600, 600), 235, np.uint8)
    cv2.polylines(page, [np.array([(250, 200), (370, 200), (300, 400)])], False, 40, 14)  # a bold 7
    cv2.line(page, (0, 300), (335, 300), 40, 2)  # what is left of a grid line, from the edge to the 7
    # Kept, not taken out with the edge mark (the bug: "the only marks reach its edge"). What the model then sees
    # is the 7 with the line's remnant across it: the ten-class model read a 7, the eleven-class one answers
    # "not a digit" (issue 27's closing note), so the reading is no longer asserted here.
    assert preprocess.prepare(page) is not None


@pytest.mark.parametrize("width", [16, 28])
def test_light_digits_drawn_on_black_are_read(classify, width):
    import strokes

    for digit in range(10):  # white ink on black, larger than a crop: not a sheet, and not a shadowed one
        image = strokes.draw(digit, size=300, width=width)[..., 3]
        assert int(np.argmax(classify(preprocess.prepare(image)[np.newaxis])[0])) == digit


def test_a_close_crop_keeps_its_digit_at_the_edge(classify):
    page = np.full((150, 150), 235, np.uint8)
    cv2.line(page, (75, 0), (75, 149), 40, 10)  # a 1 filling a crop smaller than a sheet, touching its edges
    digit = preprocess.prepare(page)
    assert int(np.argmax(classify(digit[np.newaxis])[0])) == 1


def test_a_hairline_digit_drawn_small_on_a_white_canvas_is_read(classify):
    canvas = np.full((600, 600, 4), 255, np.uint8)  # opaque white: read as an image, not by its alpha
    cv2.line(canvas, (300, 250), (300, 340), (0, 0, 0, 255), 1)  # a 1, 15 % of the canvas high, 1 px wide
    digit = preprocess.prepare(canvas)
    assert int(np.argmax(classify(digit[np.newaxis])[0])) == 1


def test_a_dark_blurred_photo_gives_no_digit_in_words():
    blank = np.zeros((photos.SIDE, photos.SIDE), np.float32)
    photo, _ = photos.photograph(np.random.default_rng(0), blank, 60, gradient=True, camera=True, dark=True)
    with pytest.raises(preprocess.NotADigitError, match="too dark or blurred"):
        preprocess.prepare(photo)


def test_a_line_that_the_photos_edge_cuts_is_a_ruled_line():
    page = np.full((600, 600), 230, np.uint8)
    for x in range(2, 600, 60):  # squared paper's upright lines, the first half outside the photo
        cv2.line(page, (x, 0), (x, 599), 120, 8)
    lines = photo.ruled_lines((230 - page.astype(np.float32)) / 230)  # the ink, as photo_ink finds it
    assert lines[:, :4].all(), "the cut line is taken out as the others are"


def test_a_long_thin_stroke_filling_a_crop_is_no_ruled_line():
    page = np.full((400, 400), 240, np.uint8)
    cv2.line(page, (200, 10), (204, 390), 30, 4)  # a 1 as tall as the crop: one straight line is no ruled paper
    ink = preprocess.read_ink(page).map
    assert not photo.ruled_lines(ink.astype(np.float32) / 255).any()


def ruled_page(spacing=60, squared=False, size=600):
    """A sheet of ruled (or squared) paper: grey 150 lines, 2 px, on paper 235."""
    page = np.full((size, size), 235, np.uint8)
    for at in range(20, size, spacing):
        cv2.line(page, (0, at), (size - 1, at), 150, 2)
        if squared:
            cv2.line(page, (at, 0), (at, size - 1), 150, 2)
    return page


def read(classify, image):
    digit = preprocess.prepare(image)
    return None if digit is None else int(np.argmax(classify(digit[np.newaxis])[0]))


def test_a_7_whose_bar_lies_on_a_ruled_line_keeps_its_bar(classify):
    page = ruled_page()
    cv2.polylines(page, [np.array([(230, 200), (370, 200), (280, 440)])], False, 40, 5, cv2.LINE_AA)  # bar on y=200
    assert read(classify, page) == 7


def test_a_1_drawn_along_a_grid_line_is_read(classify):
    page = ruled_page(squared=True)
    cv2.line(page, (320, 150), (320, 450), 40, 5, cv2.LINE_AA)  # on the upright line x=320
    assert read(classify, page) == 1


@pytest.mark.parametrize("width", [28, 44])
def test_a_bold_marker_digit_photographed_close_up_is_read(classify, width):
    import awkward

    noise = np.random.default_rng(width)
    read_as = ""
    for digit in range(10):
        page = cv2.GaussianBlur(awkward.draw_grey(digit, 600, width, ink=40, paper=225).astype(np.float32), (0, 0), 1)
        page = np.clip(page + noise.normal(0, 3, page.shape), 0, 255).astype(np.uint8)
        read_as += str(read(classify, page))
    assert read_as == "0123456789"


def test_a_stroke_across_a_grid_crossing_stays_whole():
    page = ruled_page(squared=True)
    cv2.line(page, (200, 140), (440, 380), 40, 5, cv2.LINE_AA)  # through the crossings (260, 200), (320, 260) ...
    strokes = (preprocess.read_ink(page).map >= preprocess.INK_THRESHOLD).astype(np.uint8)
    pieces, _ = cv2.connectedComponents(strokes)
    assert pieces - 1 == 1, "one stroke, not cut where it crosses the grid"


def test_a_sheet_with_two_ruled_lines_reads_a_7_whose_foot_crosses_the_lower_one(classify):
    page = np.full((600, 600), 235, np.uint8)
    for y in (180, 420):
        cv2.line(page, (0, y), (599, y), 150, 2)
    cv2.polylines(page, [np.array([(230, 200), (370, 200), (290, 460)])], False, 40, 6, cv2.LINE_AA)
    assert read(classify, page) == 7


def sheet_on_a_desk(size=600):
    """A bright sheet (220), a quadrilateral seen at an angle, on a dark desk (70), both a little noisy."""
    photo = np.full((size, size), 70, np.uint8)
    corners = np.array([(120, 90), (500, 140), (470, 520), (90, 480)], np.int32)
    cv2.fillPoly(photo, [corners], 220)
    noise = np.random.default_rng(0).normal(0, 2, photo.shape)
    return np.clip(photo + noise, 0, 255).astype(np.uint8), corners


def test_a_sheet_lying_on_a_desk_is_flattened_to_its_paper():
    photo_of_desk, corners = sheet_on_a_desk()
    flat = photo.flattened_sheet(photo_of_desk)
    assert np.percentile(flat, 0.5) > 200, "no desk left around the sheet"
    width, height = np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[3] - corners[0])
    assert abs(flat.shape[1] - width) < 0.1 * width and abs(flat.shape[0] - height) < 0.1 * height


def test_a_digit_on_a_sheet_on_a_desk_is_read(classify):
    page, _ = sheet_on_a_desk()
    cv2.polylines(page, [np.array([(250, 230), (350, 240), (290, 400)])], False, 40, 7, cv2.LINE_AA)  # a 7
    assert read(classify, page) == 7


@pytest.mark.parametrize("seed", range(3))
def test_a_blank_sheet_on_a_desk_gives_no_digit(seed):
    blank = np.zeros((photos.SIDE, photos.SIDE), np.float32)
    sheet, _ = photos.photograph(np.random.default_rng(seed), blank, 60, papers=("ruled",), desk=True, gradient=True,
                                 camera=True)
    assert no_digit(sheet)


def test_a_photo_whose_bright_part_is_cut_by_a_shadow_is_not_taken_for_a_sheet():
    page = np.full((600, 600), 220, np.uint8)
    page[:, 380:] = 90  # a shadow across the whole height: the bright part is a quadrilateral at the photo's edge
    assert photo.flattened_sheet(page) is page


def test_a_digit_on_a_sheet_mostly_in_shadow_is_read(classify):
    page = np.full((600, 600), 225, np.uint8)
    page[:, :400] = 95  # the shadow covers two thirds of the sheet: its median is the shadow's
    cv2.polylines(page, [np.array([(150, 200), (290, 205), (210, 420)])], False, 30, 7, cv2.LINE_AA)  # a 7 in it
    assert read(classify, page) == 7
