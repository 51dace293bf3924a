"""splitting.split_number and its parts: a number written in a row -> its digits, left to right.

The model is stood in for by small classifiers here, so that these tests are about the
splitting; test_app.py and test_client.py read numbers with the real model.
"""

import cv2
import numpy as np
import pytest
from strokes import STROKES, draw, draw_number, draw_row, strokes

import preprocess
import splitting
from preprocess import prepare
from splitting import split_number, stroke_groups, touching_cuts

# Digits drawn in pieces that do not touch, as a pen lifted mid-digit leaves them.
FIVE_BODY = STROKES[5][0]
FIVE_WITH_FLAG_LIFTED = [FIVE_BODY, [(0.42, 0.07), (0.7, 0.07)]]
FIVE_WITH_FLAG_APART = [FIVE_BODY, [(0.64, 0.07), (0.9, 0.07)]]  # shares few columns with the body
SEVEN_WITH_BAR_APART = [[(0.3, 0.15), (0.7, 0.15), (0.45, 0.86)], [(0.34, 0.53), (0.46, 0.53)]]
EIGHT_OF_TWO_LOOPS = [  # each loop big enough to pass for a digit of its own
    [(0.5 + 0.15 * np.sin(t), y - 0.19 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 25)] for y in (0.25, 0.75)
]
FOUR_WITH_STEM_LIFTED = [[(0.56, 0.15), (0.3, 0.6), (0.75, 0.6)], [(0.6, 0.3), (0.6, 0.5)], [(0.6, 0.7), (0.6, 0.9)]]


def mask(canvas):
    """The canvas's strokes as a 0/1 mask of the canvas's size."""
    strokes, (x, y) = preprocess.digit_mask(preprocess.read_ink(canvas))
    full = np.zeros(canvas.shape[:2], np.uint8)
    full[y : y + strokes.shape[0], x : x + strokes.shape[1]] = strokes
    return full


def pieces_apart(glyph):
    """How many separate pieces of ink a glyph leaves, drawn alone."""
    contours, _ = cv2.findContours(mask(draw_row([glyph])), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return len(contours)


def alone(glyphs, index, **style):
    """The row's mask with only glyph `index` drawn, at its place in the row."""
    return mask(draw_row([glyph if i == index else [] for i, glyph in enumerate(glyphs)], **style))


def overlap(a, b):
    return (a & b).sum() / (a | b).sum()


def unsure(batch):
    """A classifier that prefers no digit: every reading is as good as another."""
    return np.full((len(batch), 10), 0.1, np.float32)


def sure_of_narrow_ink(batch):
    """A classifier surer of a digit the fewer of the field's columns it fills (a lone digit is narrower than two)."""
    columns = (batch[..., 0] > 0.1).any(axis=1).sum(axis=1)
    scores = np.zeros((len(batch), 10), np.float32)
    scores[:, 0] = 1 - columns / preprocess.IMAGE_SIZE
    return scores


def test_digits_come_left_to_right_each_with_all_its_ink():
    glyphs = [STROKES[d] for d in (2, 0, 2, 6)]
    groups = stroke_groups(mask(draw_row(glyphs)))
    assert len(groups) == 4
    for index, group in enumerate(groups):
        np.testing.assert_array_equal(group, alone(glyphs, index))


ONE_DIGIT_IN_PIECES = {
    "5, flag lifted": FIVE_WITH_FLAG_LIFTED,
    "5, flag off to the right": FIVE_WITH_FLAG_APART,
    "7, bar apart": SEVEN_WITH_BAR_APART,
    "4, stem lifted": FOUR_WITH_STEM_LIFTED,
    "8, two loops": EIGHT_OF_TWO_LOOPS,
}


@pytest.mark.parametrize("glyph", ONE_DIGIT_IN_PIECES.values(), ids=ONE_DIGIT_IN_PIECES.keys())
def test_strokes_of_one_digit_stay_together(glyph):
    assert pieces_apart(glyph) >= 2, "the test digit should be drawn in separate pieces"
    glyphs = [STROKES[1], STROKES[3], glyph]  # last: a flag off to the right must not reach a neighbour
    groups = stroke_groups(mask(draw_row(glyphs)))
    assert len(groups) == 3
    np.testing.assert_array_equal(groups[2], alone(glyphs, 2))


def test_dots_beside_a_digit_are_part_of_it_not_a_digit():
    dots = [[(0.76, y), (0.77, y)] for y in (0.2, 0.8)]  # stray dots, one above the other: as tall as a digit
    glyphs = [STROKES[2], STROKES[3] + dots]
    assert pieces_apart(glyphs[1]) == 3
    groups = stroke_groups(mask(draw_row(glyphs)))
    assert len(groups) == 2
    np.testing.assert_array_equal(groups[1], alone(glyphs, 1))


def test_a_digit_alone_is_prepared_exactly_as_prepare_does():
    for digit in range(10):
        canvas = draw(digit)
        (found, _), = split_number(canvas, unsure)
        np.testing.assert_array_equal(found.image, prepare(canvas))
        assert not found.touching


def test_touching_digits_can_be_cut_where_they_meet():
    glyphs = [STROKES[2], STROKES[3]]
    pitch = 0.42
    both = mask(draw_row(glyphs, pitch=pitch))
    assert len(stroke_groups(both)) == 1, "the test digits should touch"
    cuts = touching_cuts(both, line_height=cv2.boundingRect(both)[3])
    assert cuts, "a run of ink as wide as two digits can be cut"
    best = max(cuts, key=lambda cut: overlap(cut[0], alone(glyphs, 0, pitch=pitch)))
    assert overlap(best[0], alone(glyphs, 0, pitch=pitch)) > 0.9
    assert overlap(best[1], alone(glyphs, 1, pitch=pitch)) > 0.9


def test_a_narrow_digit_is_never_cut():
    one = mask(draw(1))
    assert touching_cuts(one, line_height=cv2.boundingRect(one)[3]) == []


def test_a_cut_never_leaves_a_scrap_on_one_side():
    flat_two = [[(x, 0.5 + (y - 0.5) * 0.6) for x, y in STROKES[2][0]] + [(0.9, 0.71)]]  # a long tail
    two = mask(draw_row([flat_two]))
    x, _, width, line_height = cv2.boundingRect(two)
    start, end = (round(share * width) for share in splitting.CUT_SPAN)
    thinnest = start + np.argmin(two[:, x + start : x + end].sum(axis=0))
    tail_height = cv2.boundingRect(two[:, x + thinnest :])[3]
    assert tail_height < splitting.PART_HEIGHT * line_height, "the test digit should be thinnest in its tail"
    cuts = touching_cuts(two, line_height)
    assert cuts, "the test digit is wide enough to be cut: somewhere other than in its tail"
    for cut in cuts:
        for piece in cut:
            w, h = cv2.boundingRect(piece)[2:]
            assert h >= splitting.PART_HEIGHT * line_height and max(w, h) >= splitting.PART_SIZE * line_height


def test_the_surest_reading_wins_and_cut_digits_say_so():
    canvas = draw_number("8231", pitch=[0.55, 0.42, 0.55])
    assert [d.touching for d, _ in split_number(canvas, sure_of_narrow_ink)] == [False, True, True, False]
    assert [d.touching for d, _ in split_number(canvas, unsure)] == [False, False, False], "a tie keeps one digit"


TOUCHING = 0.42  # draw_row's pitch at which two digits touch


def reading_23(whole, two, three, whole_as=8, pieces_as=None):
    """A classifier for draw_number("23") touching: sure at `whole` of the pair read as one digit (an 8, or class
    `whole_as`), and of each other candidate as the 2 or the 3, whichever it looks more like (or as class
    `pieces_as`), at `two` or `three`. Eleven classes, the last "not a digit", when either names it."""
    pair, templates = prepare(draw_number("23", pitch=TOUCHING)), {2: prepare(draw(2)), 3: prepare(draw(3))}

    def classify(batch):
        scores = np.zeros((len(batch), 11 if 10 in (whole_as, pieces_as) else 10), np.float32)
        for image, row in zip(batch, scores, strict=True):
            if np.array_equal(image, pair):
                row[whole_as] = whole
            else:
                digit = min(templates, key=lambda d: np.abs(image - templates[d]).sum())
                row[digit if pieces_as is None else pieces_as] = two if digit == 2 else three
        return scores

    return classify


def test_a_reading_is_as_sure_as_its_least_sure_digit():
    canvas = draw_number("23", pitch=TOUCHING)
    assert len(stroke_groups(mask(canvas))) == 1, "the test digits should touch"
    # Cut, a sure 2 beside a doubtful 3 (0.3) is a worse reading than the pair read whole at 0.8: one digit.
    assert [d.touching for d, _ in split_number(canvas, reading_23(whole=0.8, two=0.99, three=0.3))] == [False]
    # Both cut digits surer than the whole: the cut wins.
    digits = split_number(canvas, reading_23(whole=0.8, two=0.9, three=0.85))
    assert [(d.touching, int(scores.argmax())) for d, scores in digits] == [(True, 2), (True, 3)]


def test_a_pair_read_whole_as_not_a_digit_is_cut_into_the_digits_it_holds():
    canvas = draw_number("23", pitch=TOUCHING)
    # The pair, read whole, is surely "not a digit" (0.95); cut, a 2 and a 3 less surely: the digits win.
    digits = split_number(canvas, reading_23(whole=0.95, two=0.9, three=0.6, whole_as=10))
    assert [(d.touching, int(scores.argmax())) for d, scores in digits] == [(True, 2), (True, 3)]
    # A mark that is no digit, whose cut pieces are no digits either (however sure): kept whole, one "not a digit".
    digits = split_number(canvas, reading_23(whole=0.6, two=0.9, three=0.9, whole_as=10, pieces_as=10))
    assert [(d.touching, int(scores.argmax())) for d, scores in digits] == [(False, 10)]


def test_a_number_of_just_two_touching_digits_is_cut():
    canvas = draw_number("23", pitch=TOUCHING)
    assert len(stroke_groups(mask(canvas))) == 1, "the test digits should touch"
    digits = split_number(canvas, sure_of_narrow_ink)
    assert [d.touching for d, _ in digits] == [True, True]
    for digit, glyph in zip((d for d, _ in digits), ([STROKES[2], []], [[], STROKES[3]]), strict=True):
        ink = draw_row(glyph, pitch=TOUCHING)[..., 3] > 64
        np.testing.assert_allclose(digit.box, cv2.boundingRect(ink.astype(np.uint8)), atol=20)  # a stroke wide


def test_a_small_digit_written_well_apart_is_a_digit_of_its_own():
    small_zero = strokes(0, scale=0.45, offset=(0, 0.2))  # an "o" on the line, under half the 2's height
    glyphs = [STROKES[2], STROKES[3], small_zero]
    style = {"pitch": [0.55, 0.65]}  # the o three times as far from the 3 as the 3 from the 2
    row, zero = draw_row(glyphs, **style), alone(glyphs, 2, **style)
    line_height = cv2.boundingRect(mask(row))[3]
    assert splitting._too_small(*cv2.boundingRect(zero)[2:], line_height), "the test digit should pass for a part"
    groups = stroke_groups(mask(row))
    assert len(groups) == 3
    np.testing.assert_array_equal(groups[2], zero)
    assert len(split_number(row, unsure)) == 3


def test_every_candidate_goes_to_the_classifier_in_one_batch():
    batches = []

    def classify(batch):
        batches.append(batch)
        return sure_of_narrow_ink(batch)

    digits = split_number(draw_number("8231", pitch=[0.55, 0.42, 0.55]), classify)
    assert len(batches) == 1 and batches[0].shape[1:] == (28, 28, 1)
    assert len(batches[0]) > len(digits), "the touching pair went in whole as well as cut"


def test_boxes_are_in_the_pixels_of_the_image_sent():
    glyphs = [STROKES[d] for d in (2, 0, 2, 6)]
    canvas = draw_row(glyphs, height=700, width=40)  # wider than MAX_SIDE: read at a reduced size
    assert canvas.shape[1] > preprocess.MAX_SIDE
    scale = canvas.shape[1] / preprocess.MAX_SIDE
    for index, (digit, _) in enumerate(split_number(canvas, unsure)):
        ink = (draw_row([g if i == index else [] for i, g in enumerate(glyphs)], height=700, width=40)[..., 3] > 64)
        np.testing.assert_allclose(digit.box, cv2.boundingRect(ink.astype(np.uint8)), atol=2 * scale)


def test_a_number_of_more_than_max_digits_is_refused_in_words():
    digits = "1234567890" * 3
    assert len(split_number(draw_number(digits[: splitting.MAX_DIGITS]), unsure)) == splitting.MAX_DIGITS
    too_long = digits[: splitting.MAX_DIGITS + 8]
    with pytest.raises(splitting.TooManyDigitsError,
                       match=f"holds {len(too_long)} digits, and at most {splitting.MAX_DIGITS} are read"):
        split_number(draw_number(too_long), unsure)


@pytest.mark.parametrize("blank", [np.zeros((400, 1200, 4), np.uint8), np.full((400, 1200, 3), 255, np.uint8), None])
def test_nothing_written_is_no_digit_and_no_model_call(blank):
    def classify(batch):
        raise AssertionError("the model is not called for a blank image")

    assert split_number(blank, classify) == []


def test_a_page_of_marks_is_refused_in_words():
    speckled = np.full((600, 1200), 255, np.uint8)
    for row in range(20, 600, 40):
        for column in range(20, 1200, 40):
            cv2.circle(speckled, (column, row), 6, 0, -1)
    with pytest.raises(preprocess.ImageError, match="noise or scattered marks"):
        split_number(speckled, unsure)
