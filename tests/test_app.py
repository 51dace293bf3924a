"""app.predict and its handlers, in-process."""

import numpy as np
import pytest
from strokes import draw, draw_number

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


# --- A number ------------------------------------------------------------------


@pytest.mark.parametrize("written", ["2026", "907", "1234567890"])
def test_read_number_reads_a_written_number_left_to_right(written):
    number, details, views, top5, hint = app.read_number(draw_number(written))
    assert number == written and hint == ""
    assert [detail["label"] for detail in details] == list(written)
    lefts = [detail["box"]["x"] for detail in details]
    assert lefts == sorted(lefts) and not any(detail["touching"] for detail in details)
    assert all(len(detail["confidences"]) == 5 for detail in details)
    assert [caption for _, caption in views] == [f"{place}: {digit}" for place, digit in enumerate(written, 1)]
    assert all(view.shape == (28 * app.PREVIEW_SCALE,) * 2 for view, _ in views)
    assert [row[0] for row in top5] == list(range(1, len(written) + 1))
    assert [row[1].split()[0] for row in top5] == list(written) and all(len(row) == 6 for row in top5)


def test_read_number_cuts_touching_digits_and_says_so():
    canvas = draw_number("8231", pitch=[0.55, 0.42, 0.55])
    number, details, _, _, hint = app.read_number(canvas)
    assert number == "8231"
    assert [detail["touching"] for detail in details] == [False, True, True, False]
    assert "Digits 2 and 3" in hint and "touched" in hint


@pytest.mark.parametrize("digit", range(10))
def test_read_number_reads_a_lone_digit_as_one_digit(digit):
    assert app.read_number(draw(digit))[0] == str(digit)


def test_read_number_asks_the_model_once_per_drawing(monkeypatch):
    calls = []
    model_call = app.infer

    def counted(batch):
        calls.append(len(batch))
        return model_call(batch)

    monkeypatch.setattr(app, "infer", counted)
    assert app.read_number(draw_number("31415"))[0] == "31415"
    assert len(calls) == 1 and calls[0] >= 5


def test_read_number_on_an_empty_canvas_is_empty():
    assert app.read_number(np.zeros((400, 1200, 4), np.uint8)) == ("", [], None, None, app.EMPTY_NUMBER_HINT)
    assert app.read_number(None) == ("", [], None, None, app.EMPTY_NUMBER_HINT)
