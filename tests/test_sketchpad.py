"""sketchpad draws as the app's Sketchpad does: a round brush of the width asked, the digit whole on the canvas."""

import cv2
import numpy as np
import pytest

import sketchpad

VERTICAL = [np.array([(0.0, -0.5), (0.0, 0.5)])]  # a 1, in unit strokes


def ink(canvas):
    return canvas[..., 3] > 127


def distance_to_path(shape, points):
    """Each pixel's distance to the polyline through `points` (pixel coordinates), computed directly."""
    ys, xs = np.mgrid[: shape[0], : shape[1]]
    pixels = np.stack([xs, ys], -1).astype(float)
    nearest = np.full(shape, np.inf)
    for a, b in zip(points[:-1], points[1:], strict=True):
        along = np.clip(((pixels - a) @ (b - a)) / ((b - a) @ (b - a)), 0, 1)
        nearest = np.minimum(nearest, np.linalg.norm(pixels - (a + along[..., None] * (b - a)), axis=-1))
    return nearest


def test_unit_strokes_are_centred_with_their_longer_side_one():
    strokes = sketchpad.unit_strokes([np.array([(10, 20), (30, 20)]), np.array([(20, 60)])])
    np.testing.assert_allclose(np.concatenate(strokes), [(-0.25, -0.5), (0.25, -0.5), (0.0, 0.5)])


@pytest.mark.parametrize("width", [6, 28, 44])
def test_the_brush_is_as_wide_as_asked(width):
    canvas = sketchpad.draw_path(sketchpad.blank_canvas(), VERTICAL, (300, 300), 400, width)
    # The distance transform's peak: the centre's distance to the nearest pixel outside the ink.
    thickness = 2 * cv2.distanceTransform(ink(canvas).astype(np.uint8), cv2.DIST_L2, 5).max() - 1
    assert width <= thickness <= width + 2  # OpenCV's anti-aliased lines are ~1.4 px wider
    assert width <= canvas[300, :, 3].sum() / 255 <= width + 2


def test_joins_and_ends_are_round():
    # A sharp V: the brush covers every pixel within half its width of the path, and nothing further.
    width, size = 30, 300
    points = np.array([(60.0, 60.0), (150.0, 240.0), (240.0, 60.0)])
    canvas = sketchpad.draw_path(sketchpad.blank_canvas(size), [points / 100], (0, 0), 100, width)
    distance = distance_to_path((size, size), points)
    assert ink(canvas)[distance < width / 2 - 1].all()
    assert not ink(canvas)[distance > width / 2 + 2].any()


def test_a_random_drawing_is_whole_transparent_and_sized_as_a_visitor_draws():
    rng = np.random.default_rng(0)
    heights, widths = [], []
    for _ in range(200):
        canvas = sketchpad.random_drawing(rng, VERTICAL)
        assert canvas.shape == (sketchpad.CANVAS, sketchpad.CANVAS, 4) and canvas[..., :3].max() == 0
        mask = ink(canvas)
        assert not (mask[0].any() or mask[-1].any() or mask[:, 0].any() or mask[:, -1].any())  # nothing cut off
        x, y, w, h = cv2.boundingRect(mask.astype(np.uint8))
        widths.append(w)
        heights.append(h - w)  # the stroke's length: its ink's height less the round ends
    heights, widths = np.array(heights) / sketchpad.CANVAS, np.array(widths)
    assert heights.min() >= sketchpad.HEIGHT_RANGE[0] - 0.01 and heights.max() <= sketchpad.HEIGHT_RANGE[1] + 0.01
    assert heights.max() - heights.min() > 0.5  # spread over the range, not one size
    app_brush = (widths >= sketchpad.APP_BRUSH) & (widths <= sketchpad.APP_BRUSH + 2)
    assert 0.35 < app_brush.mean() < 0.65  # the app's brush half the time
    assert widths.min() >= sketchpad.BRUSH_RANGE[0] and widths.max() <= sketchpad.BRUSH_RANGE[1] + 2
    assert len(np.unique(widths[~app_brush])) > 10
