"""app.predict and its handlers, in-process."""

import numpy as np
import pytest
from strokes import draw

import app


@pytest.mark.parametrize("digit", range(10))
def test_predict_reads_each_drawn_digit(digit):
    probabilities = app.predict(draw(digit))
    assert set(probabilities) == {str(d) for d in range(10)}
    assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-4)
    assert max(probabilities, key=probabilities.get) == str(digit)


def test_predict_matches_the_keras_model():
    canvas = draw(3, width=12, offset=(0.2, 0.1), scale=0.6)
    expected = app.model.predict(app.preprocess.prepare(canvas)[np.newaxis], verbose=0)[0]
    got = app.predict(canvas)
    np.testing.assert_allclose([got[str(d)] for d in range(10)], expected, atol=1e-5)


def test_predict_on_a_blank_canvas_is_empty():
    assert app.predict(np.zeros((600, 600, 4), np.uint8)) == {}


def test_read_drawing_shows_what_the_model_saw():
    label, view, hint = app.read_drawing({"background": None, "layers": [], "composite": draw(7)})
    assert max(label, key=label.get) == "7" and hint == ""
    assert view.shape == (28 * app.PREVIEW_SCALE,) * 2 and view.dtype == np.uint8
    blocks = view.reshape(28, app.PREVIEW_SCALE, 28, app.PREVIEW_SCALE)
    assert (blocks == blocks[:, :1, :, :1]).all(), "each model pixel is a hard-edged block, not smoothed"


def test_read_drawing_on_an_empty_canvas_clears_and_hints():
    assert app.read_drawing(np.zeros((600, 600, 4), np.uint8)) == (None, None, app.EMPTY_HINT)
    assert app.read_drawing(None) == (None, None, app.EMPTY_HINT)
